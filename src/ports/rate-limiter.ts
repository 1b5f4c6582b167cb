/** The outcome of counting one request against one key. */
export interface RateLimitResult {
  allowed: boolean;
  limit: number;
  /** Requests left in the window after this one (never negative). */
  remaining: number;
  /** Unix seconds at which the window ends. */
  reset: number;
}

/**
 * Fixed-window counters, as Appwrite counts: a window starts on a multiple of `windowSeconds`
 * since the epoch; `limit` requests pass per window; a rejected request is not counted.
 *
 * Keys come from src/core/rate-limit-key.ts: the route template and validated, normalised values,
 * each part longer than 64 characters replaced by its sha256, so a key is a few hundred characters
 * at most whatever a client sends. Clients can still make any number of distinct keys (fresh
 * e-mail addresses, IPs), so an implementation must bound the memory they take: Redis expires each
 * key with its window; `memoryRateLimiter` holds at most `maxKeys`.
 */
export interface RateLimiter {
  /** Counts one request against `key` unless the window is already full. */
  hit(key: string, limit: number, windowSeconds: number, nowMs: number): Promise<RateLimitResult>;
  /**
   * Reports the window as `hit` would, without counting: exempt callers (API keys) still get the
   * `X-RateLimit-*` headers but do not use up other callers' budget.
   */
  peek(key: string, limit: number, windowSeconds: number, nowMs: number): Promise<RateLimitResult>;
  /**
   * Forgets the count of `key` in the window that holds `nowMs`: a successful login resets its
   * counters (src/core/rate-limits.ts). Optional, so limiters written before it still fit; without
   * it nothing is reset and a login's failed attempts count until their window ends.
   */
  reset?(key: string, windowSeconds: number, nowMs: number): Promise<void>;
}
