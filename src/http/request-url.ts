import { HOST_HEADER_PATTERN } from "../validation/patterns";

/** True when `host` names a server (`a b`, `[::1`, `localhost:99999` and `""` do not). */
export function isValidHost(host: string): boolean {
  const match = HOST_HEADER_PATTERN.exec(host);
  if (!match) return false;
  if (match[2] && Number(match[2]) > 65535) return false;
  // The WHATWG parser has the last word on IP literals (`[1::2::3]`, `1.2.3.999`).
  try {
    new URL(`http://${host}/`);
    return true;
  } catch {
    return false;
  }
}

/**
 * The URL a request addressed, or null when it cannot be read: the runtime's URL does not parse
 * or the `Host` header (which adapters such as Express build the URL from) names no server.
 */
export function requestUrl(url: string, host: string | null): URL | null {
  if (host !== null && !isValidHost(host)) return null;
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
