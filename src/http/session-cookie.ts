import { readFirstCookie, serializeCookie } from "./cookies";

/**
 * Every rule about where a session value travels, in one place: the cookie and its `_legacy`
 * twin, `X-Appwrite-Session`, and the `X-Fallback-Cookies` header for browsers that drop
 * third-party cookies. The HTTP handler (src/http/handler.ts) and the Next adapter's
 * `serverAccount` (adapters/next/index.ts) both read and write sessions through it.
 */
export interface SessionCookieNames {
  /** `a_session_<projectId>` lower-cased: the framework Appwrite runs on lowercases cookie names. */
  readonly cookie: string;
  /** The twin without `SameSite=None`, for browsers that refuse `None` without `Secure`. */
  readonly legacy: string;
  /** The key in `X-Fallback-Cookies`, which keeps the project id's case as Appwrite does. */
  readonly fallbackKey: string;
}

export function sessionCookieNames(projectId: string): SessionCookieNames {
  const fallbackKey = `a_session_${projectId}`;
  const cookie = fallbackKey.toLowerCase();
  return Object.freeze({ cookie, legacy: `${cookie}_legacy`, fallbackKey });
}

/** Reads a session from a cookie jar of any framework: the cookie, its original-case name, then the twin. */
export function sessionFromJar(names: SessionCookieNames, get: (name: string) => string | null | undefined): string | null {
  return get(names.cookie) || get(names.fallbackKey) || get(names.legacy) || null;
}

export interface SessionSource {
  value: string | null;
  /** Appwrite reports `X-Debug-Fallback: true` once neither a cookie nor the header held a session. */
  fromFallback: boolean;
}

/** The request's session: cookie, `_legacy` cookie, `X-Appwrite-Session`, then `X-Fallback-Cookies`. */
export function sessionFromRequest(names: SessionCookieNames, header: (name: string) => string | null): SessionSource {
  const cookie = readFirstCookie(header("cookie"), names.cookie, names.legacy);
  if (cookie) return { value: cookie, fromFallback: false };
  const explicit = header("x-appwrite-session");
  if (explicit) return { value: explicit, fromFallback: false };
  const fallback = header("x-fallback-cookies");
  return { value: fallback ? fromFallbackHeader(names, fallback) : null, fromFallback: true };
}

function fromFallbackHeader(names: SessionCookieNames, text: string): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  // Own keys only: the header is the client's JSON, and its `__proto__` is an ordinary key here.
  const entries = Object.entries(parsed as Record<string, unknown>);
  const wanted = names.fallbackKey.toLowerCase();
  const found = entries.find(([name]) => name === names.fallbackKey) ?? entries.find(([name]) => name.toLowerCase() === wanted);
  return typeof found?.[1] === "string" && found[1] ? found[1] : null;
}

export interface SessionCookieSite {
  /** The request came over HTTPS (directly or through a trusted proxy): cookies get `Secure`. */
  https: boolean;
  /** `.<host>` to share the cookie with subdomains, or null for a host-only cookie (localhost, IPs). */
  domain: string | null;
  /** The page and the API share a site: no `X-Fallback-Cookies` is needed. */
  sameSite: boolean;
  nowMs: number;
}

/**
 * The headers that set (or, with `null`, clear) the session: both cookies, and the fallback header
 * for a cross-site page, whose browser may drop the cookies.
 */
export function sessionHeaders(
  names: SessionCookieNames,
  session: { value: string; expire: Date } | null,
  site: SessionCookieSite,
): Array<[string, string]> {
  const expires = session ? session.expire : new Date(0);
  const base = { expires, maxAge: session ? (expires.getTime() - site.nowMs) / 1000 : 0, secure: site.https, domain: site.domain };
  const value = session?.value ?? "";
  const headers: Array<[string, string]> = [
    ["Set-Cookie", serializeCookie(names.legacy, value, { ...base, sameSiteNone: false })],
    ["Set-Cookie", serializeCookie(names.cookie, value, { ...base, sameSiteNone: true })],
  ];
  if (!site.sameSite) headers.push(["X-Fallback-Cookies", session ? JSON.stringify({ [names.fallbackKey]: value }) : "[]"]);
  return headers;
}

/**
 * The one session cookie a same-site server framework sets itself (Next's `cookies().set` in a
 * server action): httpOnly, `SameSite=Lax`, whole site. No `_legacy` twin or fallback is needed
 * there, since the page and the API are one origin.
 */
export function firstPartySessionCookie(secure: boolean, expires: Date) {
  return { httpOnly: true, secure, sameSite: "lax" as const, path: "/", expires };
}
