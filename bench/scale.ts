/**
 * A bounded load test of several instances (`npm run bench:scale`; not part of the tests):
 * three Gatehouse processes (test/scale/instance.ts) sharing PostgreSQL (tables under a random
 * prefix, migrated once with `gatehouse migrate`) and Redis (rate-limit keys under a random
 * prefix), mixed traffic spread over them for a fixed time by a fixed number of workers, then a
 * check of the invariants: no lost session, no duplicate account, no negative or overfull
 * rate-limit counter. Everything it made is removed at the end.
 *
 * Environment: GATEHOUSE_POSTGRES_URL (postgres://postgres@127.0.0.1:5432/test),
 * GATEHOUSE_REDIS_URL (redis://127.0.0.1:6379), SCALE_SECONDS (15), SCALE_WORKERS (32),
 * SCALE_INSTANCES (3). The instances use cheap Argon2id parameters, so login throughput here is
 * not what production hashing costs allow.
 */
import { sql } from "kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { deleteKeysUnder, keysUnder, REDIS_URL, redisClient, whenReady } from "../test/helpers/redis";
import { migrateDownAll, startCluster } from "../test/scale/cluster";
import { createUsers, percentile, runTraffic, statusCounts, type Op } from "../test/scale/traffic";

const DATABASE_URL = process.env.GATEHOUSE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const seconds = Number(process.env.SCALE_SECONDS ?? 15);
const workers = Number(process.env.SCALE_WORKERS ?? 32);
const count = Number(process.env.SCALE_INSTANCES ?? 3);
const USERS = 100;
const MAX_SESSIONS = 100;
const LOGINS_PER_USER = 90;

const redis = redisClient();
await whenReady(redis).catch((error: Error) => {
  console.error(`Redis is unreachable at ${REDIS_URL}: ${error.message}`);
  process.exit(1);
});
const db = await openDatabase(DATABASE_URL, { poolSize: 2 });
await sql`select 1`.execute(db).catch((error: Error) => {
  console.error(`PostgreSQL is unreachable at ${DATABASE_URL}: ${error.message}`);
  process.exit(1);
});

console.log(`Starting ${count} instances (PostgreSQL ${DATABASE_URL.replace(/\/\/[^@/]*@/, "//…@")}, Redis ${REDIS_URL})…`);
const cluster = await startCluster({ count, databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, maxSessions: MAX_SESSIONS });
let failed = false;
try {
  const endpoints = cluster.instances.map((i) => i.endpoint);
  console.log(`  ${endpoints.join("\n  ")}`);
  console.log(`Creating ${USERS} users, each with one session…`);
  const users = (
    await Promise.all(Array.from({ length: 4 }, (_, i) => createUsers(endpoints[i % endpoints.length]!, USERS / 4, `bench${i}`)))
  ).flat();
  const table = (name: string) => `${cluster.tablePrefix}${name}`;
  const before = (await db.selectFrom(table("sessions")).select("id").execute()).map((r) => r.id as string);

  console.log(`Traffic: ${workers} workers for ${seconds} s, spread round-robin over ${count} instances…`);
  const started = performance.now();
  const results = await runTraffic({
    endpoints,
    users,
    durationMs: seconds * 1000,
    workers,
    timeoutMs: 10_000,
    maxLoginsPerUser: LOGINS_PER_USER,
    label: "bench",
  });
  const elapsed = (performance.now() - started) / 1000;

  const ok = (op: Op, status: number) =>
    op === "login" || op === "signUp" ? status === 201 : op === "badLogin" ? status === 401 || status === 429 : status === 200;
  const errors = results.filter((r) => r.failure || !ok(r.op, r.status));
  const latencies = results.filter((r) => !r.failure).map((r) => r.ms);
  console.log(`\nRequests: ${results.length} in ${elapsed.toFixed(1)} s → ${(results.length / elapsed).toFixed(0)} req/s`);
  console.log(
    `Latency (ms): p50 ${percentile(latencies, 50).toFixed(1)}, p90 ${percentile(latencies, 90).toFixed(1)}, p99 ${percentile(latencies, 99).toFixed(1)}, max ${Math.max(...latencies).toFixed(1)}`,
  );
  console.log(`Statuses: ${JSON.stringify(statusCounts(results))}`);
  console.log(
    `Errors (unexpected status or no answer): ${errors.length}${errors.length ? ` e.g. ${JSON.stringify(errors.slice(0, 3))}` : ""}`,
  );
  console.log("\nop          count   req/s    p50     p99   statuses");
  for (const op of ["login", "badLogin", "account", "sessions", "signUp"] as Op[]) {
    const mine = results.filter((r) => r.op === op);
    const ms = mine.filter((r) => !r.failure).map((r) => r.ms);
    console.log(
      `${op.padEnd(10)} ${String(mine.length).padStart(6)} ${(mine.length / elapsed).toFixed(0).padStart(7)} ${percentile(ms, 50).toFixed(1).padStart(6)} ${percentile(ms, 99).toFixed(1).padStart(7)}   ${JSON.stringify(statusCounts(mine))}`,
    );
  }
  const perInstance = cluster.instances.map((_, i) => results.filter((r) => r.instance === i).length);
  console.log(`per instance: ${perInstance.join(" / ")}`);

  // Invariants.
  const problems: string[] = [];
  const sessions = (await db.selectFrom(table("sessions")).select("id").execute()).map((r) => r.id as string);
  const have = new Set(sessions);
  const created = results.filter((r) => r.op === "login" && r.status === 201).map((r) => r.sessionId!);
  const lost = [...before, ...created].filter((id) => !have.has(id));
  if (lost.length) problems.push(`${lost.length} sessions lost`);
  if (sessions.length !== before.length + created.length)
    problems.push(`${sessions.length} session rows, expected ${before.length + created.length}`);
  const duplicates = await db
    .selectFrom(table("users"))
    .select(["email_key", db.fn.countAll().as("n")])
    .groupBy("email_key")
    .having(db.fn.countAll(), ">", 1)
    .execute();
  if (duplicates.length) problems.push(`${duplicates.length} e-mails with more than one account`);
  const signedUp = results.filter((r) => r.op === "signUp" && r.status === 201).length;
  const userRows = Number((await db.selectFrom(table("users")).select(db.fn.countAll().as("n")).executeTakeFirstOrThrow()).n);
  if (userRows !== USERS + signedUp) problems.push(`${userRows} users, expected ${USERS + signedUp}`);
  const keys = await keysUnder(redis, cluster.redisPrefix);
  const values = keys.length ? await redis.mget(...keys) : [];
  const bad = values.filter((v) => v === null || !/^\d+$/.test(v) || Number(v) < 0 || Number(v) > 100);
  if (bad.length) problems.push(`${bad.length} rate-limit counters negative, overfull or not integers: ${bad.slice(0, 5).join(", ")}`);
  const noTtl = (await Promise.all(keys.map((k) => redis.ttl(k)))).filter((t) => t < 0).length;
  if (noTtl) problems.push(`${noTtl} rate-limit counters without expiry`);
  const dead = cluster.instances.filter((i) => !i.alive());
  if (dead.length) problems.push(`${dead.length} instances died`);

  console.log(
    `\nInvariants: sessions ${sessions.length} = ${before.length} before + ${created.length} created (lost ${lost.length}); users ${userRows} = ${USERS} + ${signedUp} signed up, duplicate e-mails ${duplicates.length}; Redis counters ${keys.length}, negative/overfull ${bad.length}, without TTL ${noTtl}`,
  );
  if (problems.length || errors.length) {
    failed = true;
    console.log(`FAILED: ${[...problems, ...(errors.length ? [`${errors.length} errors`] : [])].join("; ")}`);
  } else {
    console.log("OK: no lost sessions, no duplicate accounts, no negative counters, no errors.");
  }
} finally {
  await cluster.stop();
  migrateDownAll(DATABASE_URL, cluster.tablePrefix);
  await deleteKeysUnder(redis, cluster.redisPrefix);
  await db.destroy();
  redis.disconnect();
}
process.exit(failed ? 1 : 0);
