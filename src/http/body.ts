import { AppwriteError } from "../errors";
import { readCapped } from "../validation/capped-read";

/**
 * Reading a request body: at most `maxBytes` (a larger body is refused as soon as it is known to
 * be larger, without buffering the rest), decoded as strict UTF-8. A lenient decoder would turn
 * invalid bytes into U+FFFD, so the value stored would not be the value sent; refusing keeps them
 * equal. The Node adapters (adapters/node/read-body.ts) answer the same two errors.
 */

export function bodyTooLarge(maxBytes: number): AppwriteError {
  return new AppwriteError("general_argument_invalid", `Request body is larger than ${maxBytes} bytes.`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Strict UTF-8 (a leading byte-order mark is dropped, as browsers and `Request.text()` do). */
export function decodeUtf8Body(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    throw new AppwriteError("general_argument_invalid", "Request body must be valid UTF-8.");
  }
}

/** A web `Request`'s body as text, or undefined without one. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string | undefined> {
  if (!request.body) return undefined;
  const bytes = await readCapped(request.body, request.headers, maxBytes);
  if (bytes === null) throw bodyTooLarge(maxBytes);
  return decodeUtf8Body(bytes);
}
