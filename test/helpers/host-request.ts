import { request as httpRequest } from "node:http";

export interface HostAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: Record<string, any> | null;
}

/**
 * One HTTP/1.1 request to 127.0.0.1:`port` with a `Host` header of the caller's choosing (fetch
 * derives Host from the URL): what anyone on the network can send, malformed values included.
 */
export function hostRequest(
  port: number,
  options: { method?: string; path: string; host: string; headers?: Record<string, string>; body?: string | object },
): Promise<HostAnswer> {
  const body = options.body === undefined ? undefined : typeof options.body === "string" ? options.body : JSON.stringify(options.body);
  const headers: Record<string, string> = {
    host: options.host,
    ...(body !== undefined ? { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    // setHost: false, or Node replaces an empty Host with its own.
    const req = httpRequest(
      { host: "127.0.0.1", port, method: options.method ?? "GET", path: options.path, headers, setHost: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, any> | null = null;
          try {
            json = text ? (JSON.parse(text) as Record<string, any>) : null;
          } catch {
            json = null;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
