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
 * `Host` values already found valid. A server sees a handful of them (its own names), so the
 * check, which builds a URL, runs once per name instead of once per request. Bounded, so that
 * clients sending a new valid Host each time cannot grow it: when full, it starts over.
 */
const validHosts = new Set<string>();
const MAX_REMEMBERED_HOSTS = 64;

/**
 * The URL a request addressed, or null when it cannot be read: the runtime's URL does not parse
 * or the `Host` header (which adapters such as Express build the URL from) names no server.
 */
export function requestUrl(url: string, host: string | null): URL | null {
  if (host !== null && !validHosts.has(host)) {
    if (!isValidHost(host)) return null;
    if (validHosts.size >= MAX_REMEMBERED_HOSTS) validHosts.clear();
    validHosts.add(host);
  }
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
