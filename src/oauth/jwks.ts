import type { JSONWebKeySet, JWK } from "jose";
import type { Clock } from "../ports/clock";
import { readCapped } from "../validation/capped-read";

/**
 * The providers' published signing keys (JWKS), fetched through the configured `fetch` and kept
 * per URL, for native sign-in with an ID token (src/oauth/id-token.ts).
 *
 * - A key set is kept for `ttlMs` (6 hours, as Appwrite does), then fetched again on next use.
 * - A token signed with a key we do not know may mean the provider rotated its keys: the caller
 *   asks for a refetch (`refresh`), which happens at most once per `cooldownMs` per URL. Anyone
 *   can send tokens with made-up key ids; this is what stops them making every request a fetch.
 * - A failed fetch is not cached, but it is not retried for `failureBackoffMs` either: while a
 *   provider is down, requests fail fast instead of each waiting on it.
 * - Concurrent requests share one fetch. The response is bounded (size, key count, time) and
 *   redirects are not followed: the URL comes from configuration, an answer must not move it.
 *
 * The URLs are the configured providers' (fixed, or found by discovery of a configured issuer),
 * so the cache holds a handful of entries whatever clients send.
 */

export interface JwksOptions {
  ttlMs?: number;
  cooldownMs?: number;
  failureBackoffMs?: number;
  timeoutMs?: number;
}

/** A key set could not be fetched or read; the message says why (for logs, not for clients). */
export class JwksUnavailableError extends Error {
  override readonly name = "JwksUnavailableError";
}

/** Bytes read of a JWKS answer at most (Google's and Apple's are about 2 KB). */
export const MAX_JWKS_BYTES = 256 * 1024;
/** Keys kept of one set at most. */
export const MAX_JWKS_KEYS = 100;

interface Entry {
  keys: JSONWebKeySet | null;
  fetchedAt: number;
  /** When a refetch for an unknown key last started (the cooldown runs from here). */
  refreshedAt: number;
  failedAt: number;
  failure: string;
  pending: Promise<JSONWebKeySet> | null;
}

export interface JwksCache {
  /** The cached key set, fetched when absent or older than the TTL. */
  keys(url: string): Promise<JSONWebKeySet>;
  /**
   * The key set fetched again because a token named a key it lacks; null when a refetch for this
   * URL started less than the cooldown ago (the caller then treats the key as unknown).
   */
  refresh(url: string): Promise<JSONWebKeySet | null>;
}

export function jwksCache(fetchFn: typeof fetch, clock: Clock, options: JwksOptions = {}): JwksCache {
  const ttl = options.ttlMs ?? 6 * 60 * 60 * 1000;
  const cooldown = options.cooldownMs ?? 60 * 1000;
  const backoff = options.failureBackoffMs ?? 10 * 1000;
  const timeout = options.timeoutMs ?? 10 * 1000;
  const entries = new Map<string, Entry>();

  const entryOf = (url: string) => {
    let entry = entries.get(url);
    if (!entry) {
      entry = {
        keys: null,
        fetchedAt: 0,
        refreshedAt: Number.NEGATIVE_INFINITY,
        failedAt: Number.NEGATIVE_INFINITY,
        failure: "",
        pending: null,
      };
      entries.set(url, entry);
    }
    return entry;
  };

  function load(url: string, entry: Entry): Promise<JSONWebKeySet> {
    if (entry.pending) return entry.pending;
    if (clock.now() - entry.failedAt < backoff) return Promise.reject(new JwksUnavailableError(entry.failure));
    const pending = download(fetchFn, url, timeout).then(
      (keys) => {
        Object.assign(entry, { keys, fetchedAt: clock.now(), pending: null });
        return keys;
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error.message : String(error);
        Object.assign(entry, { failedAt: clock.now(), failure, pending: null });
        throw new JwksUnavailableError(failure, { cause: error });
      },
    );
    entry.pending = pending;
    return pending;
  }

  return {
    keys(url) {
      const entry = entryOf(url);
      if (entry.keys && clock.now() - entry.fetchedAt < ttl) return Promise.resolve(entry.keys);
      return load(url, entry);
    },
    async refresh(url) {
      const entry = entryOf(url);
      if (entry.pending) return entry.pending;
      if (clock.now() - entry.refreshedAt < cooldown) return null;
      entry.refreshedAt = clock.now();
      return load(url, entry);
    },
  };
}

/** GET the key set: no redirects, bounded in time and size, only public signing keys kept. */
async function download(fetchFn: typeof fetch, url: string, timeoutMs: number): Promise<JSONWebKeySet> {
  const response = await fetchFn(url, {
    method: "GET",
    headers: { accept: "application/json, application/jwk-set+json" },
    redirect: "manual",
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => {});
    throw new Error(`${url} answered ${response.status}`);
  }
  const text = await boundedText(response, MAX_JWKS_BYTES);
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered no JSON`);
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error(`${url} answered no key set`);
  return { keys: keys.filter(isPublicSigningKey).slice(0, MAX_JWKS_KEYS) };
}

/** A public key for signatures with a key id: private or symmetric material is dropped unread. */
function isPublicSigningKey(key: unknown): key is JWK {
  if (typeof key !== "object" || key === null || Array.isArray(key)) return false;
  const k = key as Record<string, unknown>;
  return (
    (k.kty === "RSA" || k.kty === "EC" || k.kty === "OKP") &&
    typeof k.kid === "string" &&
    k.kid.length > 0 &&
    k.kid.length <= 256 &&
    (k.use === undefined || k.use === "sig") &&
    k.d === undefined
  );
}

async function boundedText(response: Response, maxBytes: number): Promise<string> {
  const bytes = await readCapped(response.body, response.headers, maxBytes);
  if (bytes === null) throw new Error(`the key set is larger than ${maxBytes} bytes`);
  return new TextDecoder().decode(bytes);
}
