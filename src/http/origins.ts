import { hostMatches, isIpLiteral } from "../validation/patterns";

/**
 * Which web origins may call the API and receive credentials (test/http/pipeline.test.ts, "origin
 * check" and "CORS headers"): the configured platform hostnames (`*.example.com` matches
 * subdomains, not the root) and the API's own hostname.
 */
export function isAllowedHost(host: string, platforms: readonly string[], apiHost: string): boolean {
  return host.toLowerCase() === apiHost.toLowerCase() || platforms.some((platform) => hostMatches(host, platform));
}

/** The origin of a request: `Origin`, else `Referer`, parsed; null when neither is usable. */
export function requestOrigin(origin: string | null, referer: string | null): URL | null {
  const source = origin && origin !== "null" ? origin : referer;
  if (!source) return null;
  try {
    return new URL(source);
  } catch {
    return null;
  }
}

/**
 * An approximation of the registrable domain: the last two labels. Hosts without one (localhost,
 * IPs) give "". Multi-label public suffixes (co.uk) are not known; the cost of a wrong answer is
 * only whether `X-Fallback-Cookies` is sent.
 */
export function registrableDomain(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  if (isIpLiteral(h)) return "";
  const labels = h.split(".").filter(Boolean);
  return labels.length < 2 ? "" : labels.slice(-2).join(".");
}

/**
 * True when the caller's site and the API share a registrable domain: the browser keeps the
 * session cookie then, and no `X-Fallback-Cookies` is sent (src/http/session-cookie.ts).
 */
export function isSameSite(origin: URL | null, apiHost: string): boolean {
  if (!origin) return false;
  const a = registrableDomain(origin.hostname);
  return a !== "" && a === registrableDomain(apiHost);
}
