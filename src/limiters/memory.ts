import type { RateLimiter, RateLimitResult } from "../ports/rate-limiter";

export interface MemoryRateLimiterOptions {
  /**
   * Most counters held at once. Default 100 000. When a new key arrives and the map is full,
   * counters whose window has ended go first, then those whose window started longest ago (a
   * hundredth of `maxKeys` at a time), keeping counters that are full (refusing requests) until
   * nothing else is left.
   */
  maxKeys?: number;
}

/** A memory limiter that also tells how many counters it holds (for tests and metrics). */
export interface MemoryRateLimiter extends RateLimiter {
  readonly size: number;
}

export const DEFAULT_MAX_KEYS = 100_000;

interface Counter {
  start: number;
  reset: number;
  count: number;
  limit: number;
}

/**
 * Fixed-window counters in process memory. Counts are per process: behind several instances use
 * the Redis limiter so that they count as one.
 *
 * Memory is bounded by `maxKeys`, whatever clients send: a key is at most a few hundred
 * characters (src/core/rate-limit-key.ts), so a counter costs a few hundred bytes: measured on
 * Node 20, the default 100 000 hold about 36 MB with typical 80-character keys and 45 MB with
 * 300-character ones. Without the bound, every fresh e-mail address or IP would hold memory
 * until its window ended.
 *
 * The trade-off: evicting a live counter resets its count, so a request it would have refused
 * may pass. Counters that are full (refusing) are evicted only when every held counter is full,
 * so a flood of fresh keys cannot reset the counter that is stopping a guesser. Otherwise, since
 * the oldest go first, a counter is evicted only after nearly `maxKeys` newer
 * keys were made, and a request makes at most three (src/core/rate-limits.ts): an attacker must
 * send some 33 000 requests (50 000 on the login route) to reset one counter, which re-grants at
 * most that key's hourly allowance (10 guesses on the login routes), far costlier than the
 * guesses it buys; every request still counts against the keys that were not evicted. Choose
 * `maxKeys` above the number of distinct keys honest traffic makes in an hour (roughly: distinct
 * client IPs on limited routes + distinct e-mail addresses and phone numbers tried, times the
 * keys per route in src/core/rate-limits.ts); where that is large, use the Redis limiter.
 */
export function memoryRateLimiter(options: MemoryRateLimiterOptions = {}): MemoryRateLimiter {
  const maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) throw new TypeError("memoryRateLimiter: maxKeys must be a positive integer");
  // Insertion order is the order in which windows started: a key is re-inserted when it starts a
  // new window, so the first entry is always the oldest.
  const windows = new Map<string, Counter>();
  const batch = Math.max(1, Math.ceil(maxKeys / 100));
  // The earliest end among the held windows: nothing has expired before it, so the O(n) sweep
  // runs at most once per window boundary rather than on every request.
  let nextExpiry = Number.POSITIVE_INFINITY;

  function sweep(now: number): void {
    if (now < nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [key, window] of windows) {
      if (window.reset <= now) windows.delete(key);
      else nextExpiry = Math.min(nextExpiry, window.reset);
    }
  }

  /**
   * Full, and every held window is live (the sweep removed the ended ones): the oldest go, a
   * hundredth of `maxKeys` at a time. One at a time would be quadratic: a Map keeps deleted
   * entries as holes until it rehashes, and finding the first live entry walks over all of them
   * (measured: 200 000 single evictions took 47 s; in batches, well under a second).
   */
  function evictOldest(): void {
    let toEvict = batch;
    // Counters that are refusing requests right now go last: they are what stands between a
    // guesser and an account, and a flood of fresh keys (each at count 1) must not wash them out.
    // Filling one costs its whole allowance, so an attacker cannot cheaply fill the map with them.
    for (const [key, window] of windows) {
      if (window.count >= window.limit) continue;
      windows.delete(key);
      if (--toEvict === 0) return;
    }
    for (const key of windows.keys()) {
      windows.delete(key);
      if (--toEvict === 0) return;
    }
  }

  function bounds(windowSeconds: number, nowMs: number) {
    const now = Math.floor(nowMs / 1000);
    const start = now - (now % windowSeconds);
    return { now, start, reset: start + windowSeconds };
  }

  return {
    get size() {
      return windows.size;
    },

    async peek(key, limit, windowSeconds, nowMs): Promise<RateLimitResult> {
      const { start, reset } = bounds(windowSeconds, nowMs);
      const window = windows.get(key);
      const count = window && window.start === start ? window.count : 0;
      return { allowed: count < limit, limit, remaining: Math.max(0, limit - (count + 1)), reset };
    },

    async hit(key, limit, windowSeconds, nowMs): Promise<RateLimitResult> {
      const { now, start, reset } = bounds(windowSeconds, nowMs);
      sweep(now);
      let window = windows.get(key);
      if (!window || window.start !== start) {
        windows.delete(key);
        if (windows.size >= maxKeys) evictOldest();
        window = { start, reset, count: 0, limit };
        windows.set(key, window);
        nextExpiry = Math.min(nextExpiry, reset);
      }
      if (window.count >= limit) return { allowed: false, limit, remaining: 0, reset };
      window.count++;
      return { allowed: true, limit, remaining: Math.max(0, limit - window.count), reset };
    },

    async reset(key, windowSeconds, nowMs): Promise<void> {
      // Only the window that holds `nowMs`: a counter of another window is not this one's count.
      const window = windows.get(key);
      if (window && window.start === bounds(windowSeconds, nowMs).start) windows.delete(key);
    },
  };
}
