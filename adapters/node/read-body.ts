import type { IncomingMessage } from "node:http";
import { AppwriteError } from "gatehouse-auth";

// Shared by the adapters that receive Node's IncomingMessage unread (adapters/express,
// adapters/fastify): one reader, so both answer the same errors as the fetch handler's
// (src/http/body.ts) for a body too large or not UTF-8.

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** The body as text (undefined when empty), at most `limit` bytes, strict UTF-8. */
export function readNodeBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Drain the rest so the connection can still carry the 400 answer.
        req.removeAllListeners("data");
        req.resume();
        reject(new AppwriteError("general_argument_invalid", `Request body is larger than ${limit} bytes.`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!chunks.length) return resolve(undefined);
      // Strict UTF-8, as the fetch handler reads bodies (src/http/body.ts): a lenient decode would
      // store U+FFFD where the client sent other bytes.
      try {
        resolve(strictUtf8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new AppwriteError("general_argument_invalid", "Request body must be valid UTF-8."));
      }
    });
    req.on("error", reject);
  });
}

/** One request header as the handler reads it: repeated values joined, absent as null. */
export function headerValue(headers: IncomingMessage["headers"], name: string): string | null {
  const value = headers[name];
  if (value === undefined) return null;
  return Array.isArray(value) ? value.join(", ") : value;
}
