import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Kysely } from "kysely";
import type { Redis } from "ioredis";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { DATABASE_URLS, serviceAvailable } from "../helpers/databases";
import { deleteKeysUnder, keysUnder, REDIS_URL, redisAvailable, redisClient, whenReady } from "../helpers/redis";
import { call, forwardedFor, migrateDownAll, SCALE_API_KEY, startCluster, type Cluster, type Instance } from "./cluster";

/*
 * Three Gatehouse processes behind no balancer at all: each request picks an instance. They
 * share PostgreSQL (one random table prefix, migrated once with `gatehouse migrate` before they
 * start) and Redis (rate limits under one random key prefix), trust 127.0.0.1 as their proxy and
 * have the same `secret` and API key. What one instance did must hold on every other at once.
 */

const hasPostgres = await serviceAvailable("postgres");
const hasRedis = await redisAvailable();

const PASSWORD = "correct horse battery staple";
const tag = () => randomBytes(5).toString("hex");
let ipCounter = 1;
const nextIp = () => forwardedFor(ipCounter++);

describe.skipIf(!hasPostgres || !hasRedis)("three instances sharing PostgreSQL and Redis", () => {
  let cluster: Cluster;
  let db: Kysely<any>;
  let redis: Redis;
  let nodes: Instance[];
  const at = (i: number) => nodes[i % nodes.length]!.endpoint;

  const table = (name: string) => `${cluster.tablePrefix}${name}`;
  const sessionRows = async (userId: string) =>
    (await db.selectFrom(table("sessions")).select("id").where("user_id", "=", userId).execute()).map((r) => r.id as string);

  async function signUp(endpoint: string, email: string) {
    const response = await call(endpoint, "POST", "/account", {
      body: { userId: "unique()", email, password: PASSWORD },
      headers: nextIp(),
    });
    expect(response.status, response.text).toBe(201);
    return response.json.$id as string;
  }

  /** A session made with the API key, which returns its secret (the SSR pattern). */
  async function keySession(endpoint: string, email: string) {
    const response = await call(endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: { "x-appwrite-key": SCALE_API_KEY, ...nextIp() },
    });
    expect(response.status, response.text).toBe(201);
    return response.json as { $id: string; secret: string; ip: string };
  }

  beforeAll(async () => {
    cluster = await startCluster({ count: 3, databaseUrl: DATABASE_URLS.postgres, redisUrl: REDIS_URL, maxSessions: 5 });
    nodes = cluster.instances;
    db = await openDatabase(DATABASE_URLS.postgres, { poolSize: 2 });
    redis = redisClient();
    await whenReady(redis);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await db?.destroy();
    if (cluster) {
      migrateDownAll(DATABASE_URLS.postgres, cluster.tablePrefix);
      await deleteKeysUnder(redis, cluster.redisPrefix);
    }
    redis?.disconnect();
  }, 120_000);

  it("runs three separate processes on three ports", () => {
    expect(new Set(nodes.map((n) => n.pid)).size).toBe(3);
    expect(new Set(nodes.map((n) => n.endpoint)).size).toBe(3);
  });

  it("a session created through instance 1 works on instances 2 and 3, and so does a JWT (shared secret)", async () => {
    const email = `everywhere-${tag()}@example.com`;
    const userId = await signUp(at(0), email);
    const ip = nextIp()["x-forwarded-for"];
    const login = await call(at(0), "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: { "x-appwrite-key": SCALE_API_KEY, "x-forwarded-for": `${ip}, 127.0.0.1` },
    });
    expect(login.status, login.text).toBe(201);
    // The client IP came through the trusted proxy header, past the trusted hop.
    expect(login.json.ip).toBe(ip);
    const secret = login.json.secret as string;

    for (const endpoint of [at(1), at(2)]) {
      const me = await call(endpoint, "GET", "/account", { headers: { "x-appwrite-session": secret } });
      expect(me.status, me.text).toBe(200);
      expect(me.json).toMatchObject({ $id: userId, email });
      const sessions = await call(endpoint, "GET", "/account/sessions", { headers: { "x-appwrite-session": secret } });
      expect(sessions.json.total).toBe(1);
      expect(sessions.json.sessions[0]).toMatchObject({ $id: login.json.$id, current: true });
    }

    const jwt = await call(at(0), "POST", "/account/jwts", { headers: { "x-appwrite-session": secret } });
    expect(jwt.status, jwt.text).toBe(201);
    for (const endpoint of [at(1), at(2)]) {
      const me = await call(endpoint, "GET", "/account", { headers: { "x-appwrite-jwt": jwt.json.jwt } });
      expect(me.status, me.text).toBe(200);
      expect(me.json.$id).toBe(userId);
    }
  });

  it("deleting the session on instance 2 ends it on every instance at once", async () => {
    const email = `ended-${tag()}@example.com`;
    const userId = await signUp(at(0), email);
    const { secret } = await keySession(at(0), email);
    for (let i = 0; i < 3; i++)
      expect((await call(at(i), "GET", "/account", { headers: { "x-appwrite-session": secret } })).status).toBe(200);

    const deleted = await call(at(1), "DELETE", "/account/sessions/current", { headers: { "x-appwrite-session": secret } });
    expect(deleted.status, deleted.text).toBe(204);
    // No propagation delay: the very next request on each instance is refused.
    const after = await Promise.all([0, 1, 2].map((i) => call(at(i), "GET", "/account", { headers: { "x-appwrite-session": secret } })));
    for (const response of after) {
      expect(response.status, response.text).toBe(401);
      expect(response.json.type).toBe("general_unauthorized_scope");
    }
    expect(await sessionRows(userId)).toEqual([]);
  });

  // Login counts per (client IP, e-mail) and, with a ceiling, per e-mail (src/core/rate-limits.ts).
  it("the login limits count across instances: from one IP the 11th attempt is 429 wherever it lands; the owner at another IP is not locked out", async () => {
    const email = `limited-${tag()}@example.com`;
    await signUp(at(0), email);
    const attacker = nextIp();
    const attempts: Array<{ instance: number; status: number; remaining: string | null }> = [];
    // 13 wrong-password attempts from one client IP, round-robin over the instances.
    for (let i = 0; i < 13; i++) {
      const response = await call(at(i), "POST", "/account/sessions/email", {
        body: { email, password: "wrong-password-123" },
        headers: attacker,
      });
      attempts.push({ instance: i % 3, status: response.status, remaining: response.headers.get("x-ratelimit-remaining") });
      expect(response.headers.get("x-ratelimit-limit")).toBe("10");
    }
    expect(attempts.slice(0, 10).map((a) => [a.status, a.remaining])).toEqual(Array.from({ length: 10 }, (_, i) => [401, String(9 - i)]));
    // The 11th lands on instance 2 (index 1), then 3 and 1: all refused.
    expect(attempts.slice(10)).toEqual([
      { instance: 1, status: 429, remaining: "0" },
      { instance: 2, status: 429, remaining: "0" },
      { instance: 0, status: 429, remaining: "0" },
    ]);
    // Even the right password is refused from that IP, on every instance.
    for (let i = 0; i < 3; i++) {
      const response = await call(at(i), "POST", "/account/sessions/email", { body: { email, password: PASSWORD }, headers: attacker });
      expect(response.status).toBe(429);
    }
    // The owner, at another IP, logs in.
    const owner = await call(at(1), "POST", "/account/sessions/email", { body: { email, password: PASSWORD }, headers: nextIp() });
    expect(owner.status, owner.text).toBe(201);
    // The counters live in the shared Redis, under the cluster's prefix: the attacker's (10) and the
    // e-mail's ceiling (11: the refused attempts were not counted). The owner's own counter was
    // reset by the successful login (src/core/rate-limits.ts), which deleted its key.
    const keys = (await keysUnder(redis, cluster.redisPrefix)).filter((k) => k.includes(`email:${email}`));
    expect(keys).toHaveLength(2);
    const counts = await Promise.all(keys.map(async (k) => [k.includes(",ip:") ? "ip+email" : "email", await redis.get(k)]));
    expect(counts.sort()).toEqual([
      ["email", "11"],
      ["ip+email", "10"],
    ]);
  });

  it("the per-user session limit (maxSessions 5) holds across instances: 15 logins spread over them leave exactly 5 sessions", async () => {
    const email = `sessions-${tag()}@example.com`;
    const userId = await signUp(at(0), email);
    // Five one after another, then ten at once, all spread over the three instances (API key: exempt from the login limit).
    const sequential = [];
    for (let i = 0; i < 5; i++) sequential.push(await keySession(at(i), email));
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => keySession(at(i), email)));
    const rows = await sessionRows(userId);
    expect(rows).toHaveLength(5);
    // The oldest go first: none of the five sequential ones survived the ten newer ones.
    for (const s of sequential) expect(rows).not.toContain(s.$id);
    for (const id of rows) expect(burst.map((s) => s.$id)).toContain(id);
    // Every instance lists the same five.
    const survivor = burst.find((s) => rows.includes(s.$id))!;
    for (let i = 0; i < 3; i++) {
      const list = await call(at(i), "GET", "/account/sessions", { headers: { "x-appwrite-session": survivor.secret } });
      expect(list.status, list.text).toBe(200);
      expect(list.json.total).toBe(5);
      expect(list.json.sessions.map((s: { $id: string }) => s.$id).sort()).toEqual([...rows].sort());
    }
    // A trimmed session is refused everywhere.
    for (let i = 0; i < 3; i++)
      expect((await call(at(i), "GET", "/account", { headers: { "x-appwrite-session": sequential[0]!.secret } })).status).toBe(401);
  });

  it("30 concurrent sign-ups with one e-mail across the instances: exactly one 201, the rest 409", async () => {
    const email = `race-${tag()}@example.com`;
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        call(at(i), "POST", "/account", { body: { userId: "unique()", email, password: PASSWORD }, headers: nextIp() }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 201),
      statuses.join(","),
    ).toHaveLength(1);
    expect(
      statuses.filter((s) => s === 409),
      statuses.join(","),
    ).toHaveLength(29);
    for (const r of responses.filter((r) => r.status === 409)) expect(r.json.type).toBe("user_already_exists");
    const users = await db.selectFrom(table("users")).select("id").where("email_key", "=", email).execute();
    expect(users).toEqual([{ id: responses.find((r) => r.status === 201)!.json.$id }]);
    const targets = await db.selectFrom(table("targets")).select("user_id").where("identifier", "=", email).execute();
    expect(targets).toHaveLength(1);
  });
});
