/**
 * Reads a cookie by name, case-insensitively (so project ids with capitals work with cookies,
 * unlike in Appwrite), URL-decoding its value.
 */
export function readCookie(header: string | null, name: string): string | null {
  if (!header) return null;
  const wanted = name.toLowerCase();
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim().toLowerCase() === wanted) return cookieValue(part, eq);
  }
  return null;
}

/**
 * The value of cookie `first` when the header holds it, else that of `second`; read in one pass
 * over the header (the session cookie and its `_legacy` twin are looked up on every request).
 * Names are matched as `readCookie` matches them; an empty value still counts as present.
 */
export function readFirstCookie(header: string | null, first: string, second: string): string | null {
  if (!header) return null;
  const a = first.toLowerCase();
  const b = second.toLowerCase();
  let fallback: string | null = null;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    if (name === a) return cookieValue(part, eq);
    if (name === b && fallback === null) fallback = cookieValue(part, eq);
  }
  return fallback;
}

function cookieValue(part: string, eq: number): string {
  const value = part.slice(eq + 1).trim();
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

export interface CookieOptions {
  expires: Date;
  /** Seconds until expiry, measured on the service's clock. */
  maxAge: number;
  secure: boolean;
  domain: string | null;
  sameSiteNone: boolean;
}

/** One `Set-Cookie` value, PHP `setcookie` style: the value URL-encoded. */
export function serializeCookie(name: string, value: string, options: CookieOptions): string {
  const parts = [`${name}=${encodeURIComponent(value)}`, `expires=${options.expires.toUTCString()}`];
  parts.push(`Max-Age=${Math.max(0, Math.floor(options.maxAge))}`, "path=/");
  if (options.domain) parts.push(`domain=${options.domain}`);
  if (options.secure) parts.push("secure");
  parts.push("httponly");
  if (options.sameSiteNone) parts.push("SameSite=None");
  return parts.join("; ");
}
