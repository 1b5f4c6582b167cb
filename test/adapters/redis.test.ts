import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRateLimiter, type RateLimiter, type RateLimitResult } from "gatehouse-auth";
import { redisRateLimiter } from "gatehouse-auth/redis";
import type { Redis } from "ioredis";
import { servicesRequired } from "../helpers/databases";
import {
  deleteKeysUnder,
  keysUnder,
  ownRedis,
  randomPrefix,
  redisAvailable,
  redisClient,
  whenReady,
  type OwnRedis,
} from "../helpers/redis";
import { raw } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";

/*
 * The Redis rate limiter: the same fixed windows as the memory limiter (src/ports/rate-limiter.ts),
 * counted atomically across clients, under a configurable key prefix; and what it does while Redis is
 * down (a redis-server of this file's own, stopped and restarted by PID).
 */

const hasRedis = await redisAvailable();
const hasRedisServer = (() => {
  const found = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).status === 0;
  if (found) return true;
  if (servicesRequired) throw new Error("redis-server is not installed; GATEHOUSE_REQUIRE_SERVICES=1 makes this a failure.");
  console.warn("[gatehouse tests] redis-server is not installed: skipping the Redis outage tests.");
  return false;
})();

const HOUR = 3600;
/** A fixed instant 100 s into an hour window, so the window arithmetic is checkable. */
const T0 = Date.parse("2030-05-05T10:00:00.000Z") + 100_000;
const WINDOW_START = Math.floor(T0 / 1000) - 100;
const tag = () => randomBytes(5).toString("hex");

const login = (server: TestServer, email: string) =>
  raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: "not-the-password-123" } });

const rateHeaders = (response: Awaited<ReturnType<typeof raw>>) => ({
  status: response.status,
  limit: response.headers.get("x-ratelimit-limit"),
  remaining: response.headers.get("x-ratelimit-remaining"),
  reset: response.headers.get("x-ratelimit-reset"),
});

describe.skipIf(!hasRedis)("redisRateLimiter on the shared Redis", () => {
  let client: Redis;
  const prefixes: string[] = [];
  const fresh = (what: string) => {
    const prefix = randomPrefix(what);
    prefixes.push(prefix);
    return prefix;
  };

  beforeAll(async () => {
    client = redisClient();
    await whenReady(client);
  });

  afterAll(async () => {
    for (const prefix of prefixes) await deleteKeysUnder(client, prefix);
    client.disconnect();
  });

  it("fixed windows: exactly N per window, a refused request is not counted, reset = window end, the next window starts afresh", async () => {
    const prefix = fresh("window");
    const limiter = redisRateLimiter(client, { prefix });
    const results: RateLimitResult[] = [];
    for (let i = 0; i < 5; i++) results.push(await limiter.hit("k", 3, HOUR, T0 + i * 1000));
    expect(results.map((r) => [r.allowed, r.remaining])).toEqual([
      [true, 2],
      [true, 1],
      [true, 0],
      [false, 0],
      [false, 0],
    ]);
    for (const r of results) expect(r).toMatchObject({ limit: 3, reset: WINDOW_START + HOUR });
    // The refused requests left the counter at the limit.
    expect(await client.get(`${prefix}k:${WINDOW_START}`)).toBe("3");
    // The key expires by itself, no later than one window after its first hit.
    const ttl = await client.ttl(`${prefix}k:${WINDOW_START}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(HOUR);

    // The last second of the window is still in it; the first of the next is not.
    expect(await limiter.hit("k", 3, HOUR, (WINDOW_START + HOUR) * 1000 - 1)).toMatchObject({ allowed: false, remaining: 0 });
    const next = await limiter.hit("k", 3, HOUR, (WINDOW_START + HOUR) * 1000);
    expect(next).toEqual({ allowed: true, limit: 3, remaining: 2, reset: WINDOW_START + 2 * HOUR });

    // Another key is counted apart.
    expect(await limiter.hit("other", 3, HOUR, T0)).toMatchObject({ allowed: true, remaining: 2 });
  });

  it("gives the same answers as the memory limiter for the same sequence of hits and peeks", async () => {
    const limiter = redisRateLimiter(client, { prefix: fresh("same") });
    const memory = memoryRateLimiter();
    const script: Array<[kind: "hit" | "peek", key: string, offsetSeconds: number]> = [];
    for (let i = 0; i < 14; i++) script.push([i % 4 === 3 ? "peek" : "hit", i % 5 === 4 ? "b" : "a", i * 10]);
    script.push(["hit", "a", 60 * 60], ["peek", "a", 60 * 60 + 1], ["hit", "b", 60 * 60 + 2]);
    const run = async (l: RateLimiter) => {
      const out: RateLimitResult[] = [];
      for (const [kind, key, offset] of script) out.push(await l[kind](key, 4, HOUR, T0 + offset * 1000));
      return out;
    };
    const fromRedis = await run(limiter);
    expect(fromRedis).toEqual(await run(memory));
    expect(fromRedis.filter((r) => !r.allowed).length).toBeGreaterThan(0);
  });

  it("is atomic: 200 concurrent hits on one key, limit 50, from 4 separate clients → exactly 50 allowed", async () => {
    const prefix = fresh("atomic");
    const clients = Array.from({ length: 4 }, () => redisClient());
    try {
      await Promise.all(clients.map((c) => whenReady(c)));
      const limiters = clients.map((c) => redisRateLimiter(c, { prefix }));
      const results = await Promise.all(Array.from({ length: 200 }, (_, i) => limiters[i % 4]!.hit("hot", 50, HOUR, T0)));
      expect(results.filter((r) => r.allowed)).toHaveLength(50);
      expect(results.filter((r) => !r.allowed)).toHaveLength(150);
      // Every allowed request saw a distinct remaining count: 49 … 0, once each.
      expect(
        results
          .filter((r) => r.allowed)
          .map((r) => r.remaining)
          .sort((a, b) => a - b),
      ).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(await client.get(`${prefix}hot:${WINDOW_START}`)).toBe("50");
    } finally {
      for (const c of clients) c.disconnect();
    }
  });

  it("puts every key under the configured prefix, and under gatehouse:rl: by default", async () => {
    const prefix = fresh("prefix");
    const limiter = redisRateLimiter(client, { prefix });
    await limiter.hit("url:localhost/v1/account/sessions/email,email:a@example.com", 10, HOUR, T0);
    await limiter.hit("ip:10.0.0.1", 10, HOUR, T0);
    expect((await keysUnder(client, prefix)).sort()).toEqual([
      `${prefix}ip:10.0.0.1:${WINDOW_START}`,
      `${prefix}url:localhost/v1/account/sessions/email,email:a@example.com:${WINDOW_START}`,
    ]);

    const key = `default-prefix-${tag()}`;
    const byDefault = redisRateLimiter(client);
    try {
      await byDefault.hit(key, 10, HOUR, T0);
      expect(await client.get(`gatehouse:rl:${key}:${WINDOW_START}`)).toBe("1");
      expect(await keysUnder(client, prefix)).toHaveLength(2);
    } finally {
      await client.del(`gatehouse:rl:${key}:${WINDOW_START}`);
    }
  });

  it("peek reports the window without counting", async () => {
    const prefix = fresh("peek");
    const limiter = redisRateLimiter(client, { prefix });
    for (let i = 0; i < 5; i++)
      expect(await limiter.peek("p", 3, HOUR, T0)).toEqual({ allowed: true, limit: 3, remaining: 2, reset: WINDOW_START + HOUR });
    expect(await client.exists(`${prefix}p:${WINDOW_START}`)).toBe(0);
    await limiter.hit("p", 3, HOUR, T0);
    await limiter.hit("p", 3, HOUR, T0);
    expect(await limiter.peek("p", 3, HOUR, T0)).toMatchObject({ allowed: true, remaining: 0 });
    expect(await client.get(`${prefix}p:${WINDOW_START}`)).toBe("2");
    await limiter.hit("p", 3, HOUR, T0);
    expect(await limiter.peek("p", 3, HOUR, T0)).toMatchObject({ allowed: false, remaining: 0 });
    expect(await client.get(`${prefix}p:${WINDOW_START}`)).toBe("3");
  });

  it("reset forgets the key's count in the current window only; other keys and other windows keep theirs", async () => {
    const prefix = fresh("reset");
    const limiter = redisRateLimiter(client, { prefix });
    for (let i = 0; i < 3; i++) await limiter.hit("r", 3, HOUR, T0);
    await limiter.hit("other", 3, HOUR, T0);
    expect(await limiter.hit("r", 3, HOUR, T0)).toMatchObject({ allowed: false });
    await limiter.reset!("r", HOUR, T0 + 5_000);
    expect(await client.exists(`${prefix}r:${WINDOW_START}`)).toBe(0);
    expect(await client.get(`${prefix}other:${WINDOW_START}`)).toBe("1");
    expect(await limiter.hit("r", 3, HOUR, T0)).toMatchObject({ allowed: true, remaining: 2 });
    // A reset in the next window leaves this window's counter alone (it expires by itself).
    await limiter.reset!("r", HOUR, (WINDOW_START + HOUR) * 1000);
    expect(await client.get(`${prefix}r:${WINDOW_START}`)).toBe("1");
    // A one-minute window is a key of its own start.
    await limiter.hit("m", 2, 60, T0);
    const minuteStart = Math.floor(T0 / 60_000) * 60;
    expect(await client.get(`${prefix}m:${minuteStart}`)).toBe("1");
    await limiter.reset!("m", 60, T0);
    expect(await client.exists(`${prefix}m:${minuteStart}`)).toBe(0);
  });

  it("X-RateLimit-* headers through the HTTP server are the same as with the memory limiter; the 11th login is 429", async () => {
    const prefix = fresh("http");
    const withRedis = await startServer({ rateLimiter: redisRateLimiter(client, { prefix }) });
    const withMemory = await startServer({ rateLimiter: memoryRateLimiter() });
    try {
      withRedis.clock.set(T0);
      withMemory.clock.set(T0);
      const email = `limited-${tag()}@example.com`;
      const seen: Array<[ReturnType<typeof rateHeaders>, ReturnType<typeof rateHeaders>]> = [];
      for (let i = 0; i < 11; i++) seen.push([rateHeaders(await login(withRedis, email)), rateHeaders(await login(withMemory, email))]);
      for (const [fromRedis, fromMemory] of seen) expect(fromRedis).toEqual(fromMemory);
      const redisSide = seen.map(([r]) => r);
      expect(redisSide.slice(0, 10).map((r) => [r.status, r.remaining])).toEqual(
        Array.from({ length: 10 }, (_, i) => [401, String(9 - i)]),
      );
      expect(redisSide[10]).toEqual({ status: 429, limit: "10", remaining: "0", reset: String(WINDOW_START + HOUR) });
      // The counters live in Redis, under the prefix: per (IP, e-mail), per IP and the e-mail's
      // ceiling (src/core/rate-limits.ts); the refused 11th was counted by none.
      const keys = (await keysUnder(client, prefix)).sort();
      expect(keys).toHaveLength(3);
      expect(keys.filter((key) => key.includes(`email:${email}`))).toHaveLength(2);
      for (const key of keys) expect(await client.get(key)).toBe("10");
      expect(keys.filter((k) => k.includes(",ip:"))).toHaveLength(2);
    } finally {
      await withRedis.close();
      await withMemory.close();
    }
  });
});

describe.skipIf(!hasRedisServer)("redisRateLimiter while its Redis is down (a redis-server of the test's own)", () => {
  let own: OwnRedis;
  let client: Redis;
  let server: TestServer;
  const errors: unknown[] = [];
  const TIMEOUT_MS = 300;
  /** Every call during the outage must answer within this (the hang guard). */
  const BOUND_MS = TIMEOUT_MS + 1500;

  async function timed<T>(call: Promise<T>): Promise<T> {
    const started = performance.now();
    const result = await call;
    expect(performance.now() - started, "a call during the outage took too long").toBeLessThan(BOUND_MS);
    return result;
  }

  async function waitFor(condition: () => boolean, what: string, ms = 5000) {
    const deadline = Date.now() + ms;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  beforeAll(async () => {
    own = await ownRedis();
    client = redisClient(own.url);
    await whenReady(client);
    server = await startServer({
      rateLimiter: redisRateLimiter(client, { prefix: "gh:", timeoutMs: TIMEOUT_MS, onError: (e) => errors.push(e) }),
    });
  });

  afterAll(async () => {
    await server?.close();
    client?.disconnect();
    await own?.stop();
  });

  it("counts in Redis while it is up", async () => {
    const email = `up-${tag()}@example.com`;
    for (let i = 0; i < 3; i++) expect((await login(server, email)).status).toBe(401);
    // Two counters per login name the e-mail (src/core/rate-limits.ts): per (IP, e-mail) and the
    // e-mail's ceiling (the third is per IP).
    const keys = (await keysUnder(client, "gh:")).filter((k) => k.includes(email));
    expect(keys).toHaveLength(2);
    for (const key of keys) expect(await client.get(key)).toBe("3");
  });

  it('default policy "memory": counting goes on in-process, the 11th login in the window is still 429, nothing hangs', async () => {
    await own.stop();
    await waitFor(() => client.status !== "ready", "the client to notice the outage");
    const errorsBefore = errors.length;
    const email = `down-${tag()}@example.com`;
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof raw>> | null = null;
    for (let i = 0; i < 11; i++) {
      last = await timed(login(server, email));
      statuses.push(last.status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    expect(rateHeaders(last!)).toMatchObject({ status: 429, limit: "10", remaining: "0" });
    expect(last!.json).toMatchObject({ code: 429, type: "general_rate_limit_exceeded" });
    expect(errors.length, "onError hears of every failed Redis call").toBeGreaterThanOrEqual(errorsBefore + 11);
  });

  it('policy "deny" refuses and "allow" lets through, both at once; peek follows the policy too', async () => {
    const deny = redisRateLimiter(client, { prefix: "gh:", onUnavailable: "deny", timeoutMs: TIMEOUT_MS });
    const allow = redisRateLimiter(client, { prefix: "gh:", onUnavailable: "allow", timeoutMs: TIMEOUT_MS });
    expect(await timed(deny.hit("k", 10, HOUR, T0))).toEqual({ allowed: false, limit: 10, remaining: 0, reset: WINDOW_START + HOUR });
    expect(await timed(deny.peek("k", 10, HOUR, T0))).toMatchObject({ allowed: false, remaining: 0 });
    for (let i = 0; i < 20; i++) expect(await timed(allow.hit("k", 10, HOUR, T0))).toMatchObject({ allowed: true, limit: 10 });

    // Through HTTP: "deny" makes a login 429 straight away, "allow" lets the 11th+ attempts reach the password check.
    const denying = await startServer({ rateLimiter: deny });
    const allowing = await startServer({ rateLimiter: allow });
    try {
      const email = `policy-${tag()}@example.com`;
      const denied = await timed(login(denying, email));
      expect(rateHeaders(denied)).toMatchObject({ status: 429, limit: "10", remaining: "0" });
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await timed(login(allowing, email))).status);
      expect(statuses).toEqual(Array(12).fill(401));
    } finally {
      await denying.close();
      await allowing.close();
    }
  });

  it("a Redis that accepts but never answers (process paused) is bounded by timeoutMs", async () => {
    // Restart, let the client connect, then freeze the server: the connection stays open and
    // commands are sent, but no reply ever comes.
    await own.start();
    await whenReady(client, 5000);
    const pid = own.pid!;
    const limiter = redisRateLimiter(client, { prefix: "gh:", onUnavailable: "deny", timeoutMs: TIMEOUT_MS });
    process.kill(pid, "SIGSTOP");
    try {
      const started = performance.now();
      expect(await limiter.hit(`frozen-${tag()}`, 10, HOUR, T0)).toMatchObject({ allowed: false });
      const took = performance.now() - started;
      expect(took).toBeGreaterThanOrEqual(TIMEOUT_MS - 20);
      expect(took).toBeLessThan(BOUND_MS);
    } finally {
      process.kill(pid, "SIGCONT");
    }
  });

  it("after the restart, counting resumes in Redis", async () => {
    // The restarted server (no persistence) came back empty.
    await whenReady(client, 5000);
    const email = `back-${tag()}@example.com`;
    for (let i = 0; i < 4; i++) expect((await login(server, email)).status).toBe(401);
    const key = (await keysUnder(client, "gh:")).find((k) => k.includes(email));
    expect(key, "the counter is in Redis again").toBeDefined();
    expect(await client.get(key!)).toBe("4");
    // And the limit is enforced from Redis: 6 more pass, then 429.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await login(server, email)).status);
    expect(statuses).toEqual([...Array(6).fill(401), 429]);
    expect(await client.get(key!)).toBe("10");
  });

  it("with ioredis's default settings (offline queue on), an outage costs no waiting and the missed hits are not replayed later", async () => {
    const { Redis } = await import("ioredis");
    const plain = new Redis(own.url, { retryStrategy: () => 100 });
    plain.on("error", () => {});
    try {
      await whenReady(plain);
      const limiter = redisRateLimiter(plain, { prefix: "plain:", timeoutMs: 1000 });
      expect(await limiter.hit("k", 10, HOUR, T0)).toMatchObject({ allowed: true, remaining: 9 });
      await own.stop();
      await waitFor(() => plain.status !== "ready", "the default client to notice the outage");
      for (let i = 0; i < 5; i++) {
        const started = performance.now();
        // Counted in memory (from 0: the fallback does not know Redis's count).
        expect(await limiter.hit("k", 10, HOUR, T0)).toMatchObject({ allowed: true, remaining: 9 - i });
        expect(performance.now() - started, "no waiting for a client that is reconnecting").toBeLessThan(200);
      }
      await own.start();
      await whenReady(plain, 5000);
      await new Promise((r) => setTimeout(r, 200));
      // Nothing was left in the offline queue to be counted again after the reconnect.
      expect(await plain.exists(`plain:k:${WINDOW_START}`)).toBe(0);
      expect(await limiter.hit("k", 10, HOUR, T0)).toMatchObject({ allowed: true, remaining: 9 });
    } finally {
      plain.disconnect();
    }
  });
});
