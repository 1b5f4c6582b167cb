import type { RateLimiter, RateLimitResult } from "../ports/rate-limiter";

/**
 * Fixed-window counters in process memory. Counts are per process: behind several instances use
 * the Redis limiter so that they count as one.
 */
export function memoryRateLimiter(): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>();
  let lastSweep = 0;

  return {
    async peek(key, limit, windowSeconds, nowMs): Promise<RateLimitResult> {
      const now = Math.floor(nowMs / 1000);
      const start = now - (now % windowSeconds);
      const window = windows.get(key);
      const count = window && window.start === start ? window.count : 0;
      return { allowed: count < limit, limit, remaining: Math.max(0, limit - (count + 1)), reset: start + windowSeconds };
    },

    async hit(key, limit, windowSeconds, nowMs): Promise<RateLimitResult> {
      const now = Math.floor(nowMs / 1000);
      const start = now - (now % windowSeconds);
      const reset = start + windowSeconds;
      // Old windows are dropped lazily, once per window, so the map cannot grow without bound.
      if (start !== lastSweep) {
        for (const [k, w] of windows) if (w.start < start) windows.delete(k);
        lastSweep = start;
      }
      let window = windows.get(key);
      if (!window || window.start !== start) {
        window = { start, count: 0 };
        windows.set(key, window);
      }
      if (window.count >= limit) return { allowed: false, limit, remaining: 0, reset };
      window.count++;
      return { allowed: true, limit, remaining: Math.max(0, limit - window.count), reset };
    },
  };
}
