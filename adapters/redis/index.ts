import { memoryRateLimiter, type RateLimiter, type RateLimitResult } from "gatehouse-auth";
import type { Redis } from "ioredis";

export type RedisUnavailablePolicy = "memory" | "deny" | "allow";

export interface RedisRateLimiterOptions {
  /** Prepended to every key. Default `"gatehouse:rl:"`. */
  prefix?: string;
  /**
   * What to do while Redis cannot be reached:
   * - `"memory"` (default): count in this process until Redis is back — brute-force protection
   *   stays on, per instance;
   * - `"deny"`: refuse every limited request (429) — strictest, at the cost of availability;
   * - `"allow"`: let requests through uncounted — only where availability matters more than
   *   protection of login, OTP and recovery routes.
   */
  onUnavailable?: RedisUnavailablePolicy;
  /** Called when a Redis call fails (for logging/metrics). An exception it throws is ignored. */
  onError?: (error: unknown) => void;
  /**
   * Longest wait for one Redis call, in milliseconds, before the request is handled by the
   * `onUnavailable` policy instead. Default 500.
   */
  timeoutMs?: number;
}

/** Client states in which a command is sent (or, before the first connection, queued) at once. */
const FIRST_CONNECTION = new Set(["wait", "connecting", "connect"]);

/**
 * Count-then-increment in one Lua script, so concurrent requests on any number of instances
 * cannot both take the last slot. A refused request is not counted (the `RateLimiter` port's
 * rule, src/ports/rate-limiter.ts). The key expires with its window.
 */
const HIT = `
local count = tonumber(redis.call('GET', KEYS[1]) or '0')
if count >= tonumber(ARGV[1]) then return {0, count} end
count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return {1, count}
`;

/**
 * Fixed-window rate limits shared by every instance through Redis (ioredis).
 *
 * Recommended client settings, so that an outage costs no waiting and no stale writes:
 * ```ts
 * new Redis(url, {
 *   maxRetriesPerRequest: 0,     // a command whose connection drops fails now, not after 20 reconnects
 *   enableOfflineQueue: false,   // no queueing while disconnected: queued hits would be counted again later
 *   retryStrategy: () => 200,    // but keep reconnecting, forever, every 200 ms
 * }).on("error", log);           // ioredis reports every failed reconnect as an "error" event
 * ```
 * Whatever the client's settings, each call is bounded by `timeoutMs`, and once the client has
 * been connected, a client that is not `ready` (reconnecting, closed) is not waited for at all:
 * the request goes straight to the `onUnavailable` policy.
 */
export function redisRateLimiter(redis: Redis, options: RedisRateLimiterOptions = {}): RateLimiter {
  const prefix = options.prefix ?? "gatehouse:rl:";
  const policy = options.onUnavailable ?? "memory";
  if (!["memory", "deny", "allow"].includes(policy)) {
    throw new TypeError(`redisRateLimiter: onUnavailable must be "memory", "deny" or "allow", not ${JSON.stringify(policy)}`);
  }
  const timeoutMs = options.timeoutMs ?? 500;
  if (!(timeoutMs > 0) || !Number.isFinite(timeoutMs))
    throw new TypeError(`redisRateLimiter: timeoutMs must be a positive number of milliseconds`);
  const fallback = memoryRateLimiter();
  redis.defineCommand("gatehouseHit", { numberOfKeys: 1, lua: HIT });
  // Before the first connection, commands may wait (bounded) for it; after it, a client that is
  // not ready is reconnecting, and a command sent now would either fail or sit in the offline
  // queue until Redis is back — and then count a request that the fallback already counted.
  let connectedOnce = redis.status === "ready";
  redis.on("ready", () => {
    connectedOnce = true;
  });
  const usable = () => redis.status === "ready" || (!connectedOnce && FIRST_CONNECTION.has(redis.status));

  const window = (windowSeconds: number, nowMs: number) => {
    const now = Math.floor(nowMs / 1000);
    const start = now - (now % windowSeconds);
    return { start, reset: start + windowSeconds };
  };

  /** Runs a Redis call with a deadline; a slow or dead Redis counts as unavailable. */
  async function bounded<T>(call: () => Promise<T>): Promise<T> {
    if (!usable()) throw new Error(`redis is not connected (status ${redis.status})`);
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`redis did not answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function unavailable(
    error: unknown,
    key: string,
    limit: number,
    windowSeconds: number,
    nowMs: number,
    count: boolean,
  ): Promise<RateLimitResult> {
    try {
      options.onError?.(error);
    } catch {
      // A failing logger must not turn a rate-limit decision into a 500.
    }
    const { reset } = window(windowSeconds, nowMs);
    if (policy === "deny") return { allowed: false, limit, remaining: 0, reset };
    if (policy === "allow") return { allowed: true, limit, remaining: limit - 1, reset };
    return count ? fallback.hit(key, limit, windowSeconds, nowMs) : fallback.peek(key, limit, windowSeconds, nowMs);
  }

  return {
    async hit(key, limit, windowSeconds, nowMs) {
      const { start, reset } = window(windowSeconds, nowMs);
      try {
        const client = redis as unknown as { gatehouseHit(key: string, limit: number, ttl: number): Promise<[number, number]> };
        const [allowed, count] = await bounded(() => client.gatehouseHit(`${prefix}${key}:${start}`, limit, windowSeconds));
        return { allowed: allowed === 1, limit, remaining: Math.max(0, limit - count), reset };
      } catch (error) {
        return unavailable(error, key, limit, windowSeconds, nowMs, true);
      }
    },
    async peek(key, limit, windowSeconds, nowMs) {
      const { start, reset } = window(windowSeconds, nowMs);
      try {
        const count = Number((await bounded(() => redis.get(`${prefix}${key}:${start}`))) ?? 0);
        return { allowed: count < limit, limit, remaining: Math.max(0, limit - (count + 1)), reset };
      } catch (error) {
        return unavailable(error, key, limit, windowSeconds, nowMs, false);
      }
    },
    async reset(key, windowSeconds, nowMs) {
      const { start } = window(windowSeconds, nowMs);
      // The fallback may hold counts from an outage; it is cleared whatever Redis does.
      await fallback.reset?.(key, windowSeconds, nowMs);
      try {
        await bounded(() => redis.del(`${prefix}${key}:${start}`));
      } catch (error) {
        // A reset that cannot reach Redis leaves the count to expire with its window: the login
        // it follows has succeeded already, and only a few more attempts than needed are refused.
        try {
          options.onError?.(error);
        } catch {
          // As in `unavailable`: a failing logger changes nothing.
        }
      }
    },
  };
}
