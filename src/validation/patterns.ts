/**
 * Every textual pattern the library checks, written once: ids, phone numbers, app ids, hostnames
 * and host wildcards, IP literals. Used by the config schema (src/config.ts), the parameter
 * validators (src/validation/validators.ts) and the HTTP layer (src/http/origins.ts,
 * src/http/request-url.ts, src/http/handler.ts).
 */

/** A custom id (Appwrite's CustomId/UID): 1–36 of a-z, A-Z, 0-9, `.`, `-`, `_`, not starting with a special character. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,35}$/;

/** E.164: `+`, a non-zero first digit, 7 to 15 digits in all. */
export const E164_PATTERN = /^\+[1-9]\d{6,14}$/;

/** Dot-separated labels of letters, digits, `-` and `_` (container names and package names hold underscores). */
const LABELS = "[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)*";

/** iOS bundle IDs and Android/Flutter package names (which may hold underscores: `com.example.my_app`). */
export const APP_ID_PATTERN = new RegExp(`^${LABELS}$`);

/** A platform hostname: `app.example.com`, a wildcard `*.example.com`, or a bracketed IPv6 address. */
export const HOSTNAME_PATTERN = /^(\*\.)?[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$|^\[[0-9a-fA-F:]+\]$/;

/**
 * A `Host` value as RFC 9110 allows it: a DNS-style name (underscores allowed: container names),
 * an IPv4 address or a bracketed IPv6 address (group 1), and an optional port (group 2).
 */
export const HOST_HEADER_PATTERN = new RegExp(`^(?:\\[([0-9A-Fa-f:.]+)\\]|${LABELS}\\.?)(?::(\\d{0,5}))?$`);

const IPV4 = "\\d{1,3}(?:\\.\\d{1,3}){3}";

/** A dotted-quad IPv4 address (each part 1–3 digits; the range is not checked). */
export const IPV4_PATTERN = new RegExp(`^${IPV4}$`);

/** An IPv4 address in brackets, as an e-mail domain may be written (`user@[192.0.2.1]`). */
export const BRACKETED_IPV4_PATTERN = new RegExp(`^\\[${IPV4}\\]$`);

/** An IPv4 address on a dual-stack socket (`::ffff:127.0.0.1`); group 1 is the IPv4 address. */
export const IPV4_MAPPED_PATTERN = new RegExp(`^::ffff:(${IPV4})$`, "i");

/** True when a hostname is an IP address: dotted IPv4, or IPv6 with or without brackets (only IPv6 holds a colon). */
export function isIpLiteral(host: string): boolean {
  return IPV4_PATTERN.test(host) || host.startsWith("[") || host.includes(":");
}

/**
 * True when `host` is `pattern`, case-insensitively; a pattern `*.example.com` matches every
 * subdomain of example.com but not example.com itself.
 */
export function hostMatches(host: string, pattern: string): boolean {
  const h = host.toLowerCase();
  const p = pattern.toLowerCase();
  return p.startsWith("*.") ? h.endsWith(p.slice(1)) : h === p;
}
