import { sha256Hex } from "../crypto/hash";
import type { ParamShape } from "../validation/validators";

/** Longest value placed into a key as it is; a longer one is replaced by its sha256. */
export const MAX_KEY_PART = 64;

/** What a key's `{url}`, `{ip}` and `{userId}` stand for. */
export interface KeyValues {
  /** The route's path template (never the `Host` header: rotating it must not give fresh counters). */
  url: string;
  ip: string;
  userId: string;
}

/**
 * Fills one key template (src/core/rate-limits.ts). A `{param-<name>}` becomes the value that the
 * route's own validator produces from the raw parameter, so spellings that reach the same account
 * share one counter: the e-mail validator folds Unicode (NFKC, so a fullwidth `＠` is `@`), trims
 * and lowercases (src/validation/validators.ts `normaliseEmail`), as the stores' e-mail lookup
 * is case-insensitive (src/stores/memory.ts, adapters/kysely/store.ts `email_key`).
 *
 * `param` gives that value (`keyParam`). A value the validator refuses (wrong type, an array or
 * object from `email[…]=`, malformed) is never written into the key: like a missing one it
 * leaves the literal `{param-<name>}`, the counter Appwrite uses for a missing parameter; the
 * request then fails validation (400) after being counted, as in Appwrite. Every part longer than `MAX_KEY_PART` is hashed, so a key is never longer than its
 * template plus 71 characters per placeholder, whatever the request held.
 */
export function rateLimitKey(template: string, values: KeyValues, param: (name: string) => string | null): string {
  return template.replace(/\{(url|ip|userId|param-[A-Za-z0-9_]+)\}/g, (whole, name: string) => {
    if (name === "url") return bounded(values.url);
    if (name === "ip") return bounded(values.ip);
    if (name === "userId") return bounded(values.userId);
    const value = param(name.slice("param-".length));
    return value === null ? whole : bounded(value);
  });
}

/**
 * The parameter as the route's validator normalises it, or null when it is missing, empty or
 * refused (or the route declares no such parameter). Own properties only: a polluted prototype
 * supplies no value.
 */
export function keyParam(raw: Record<string, unknown>, params: ParamShape, name: string): string | null {
  const value = Object.hasOwn(raw, name) ? raw[name] : undefined;
  const schema = Object.hasOwn(params, name) ? params[name] : undefined;
  if (value === undefined || value === null || value === "" || !schema) return null;
  const parsed = schema.safeParse(value);
  return parsed.success && typeof parsed.data === "string" && parsed.data !== "" ? parsed.data : null;
}

function bounded(value: string): string {
  return value.length > MAX_KEY_PART ? `sha256:${sha256Hex(value)}` : value;
}
