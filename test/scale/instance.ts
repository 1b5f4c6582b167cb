/**
 * One Gatehouse instance for the multi-instance tests and `npm run bench:scale`: the Account API
 * under /v1 on 127.0.0.1, on a PostgreSQL shared with the other instances and the Redis rate
 * limiter. Run with `npx tsx test/scale/instance.ts`; it prints `gatehouse instance listening on
 * <url>` once it accepts requests, and exits on SIGTERM/SIGINT.
 *
 * Environment:
 *   DATABASE_URL  postgres://… (required; tables already migrated — instances never migrate)
 *   TABLE_PREFIX  the prefix the tables were migrated with (default none)
 *   REDIS_URL     redis://… (required)
 *   REDIS_PREFIX  rate-limit key prefix (default gatehouse:rl:)
 *   PORT          0 (default) for any free port
 *   SECRET        shared by every instance (required, ≥ 32 characters)
 *   API_KEY       a server API key, the same on every instance (optional)
 *   MAX_SESSIONS  auth.maxSessions (default 10)
 *   POOL_SIZE     PostgreSQL pool size (default 10)
 *   REDIS_UNAVAILABLE  memory (default) | deny | allow
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { Redis } from "ioredis";
import { argon2Hasher, createAccountService } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { kyselyStore } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { redisRateLimiter, type RedisUnavailablePolicy } from "gatehouse-auth/redis";

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const db = await openDatabase(required("DATABASE_URL"), { poolSize: Number(process.env.POOL_SIZE ?? 10) });
// Fail fast while Redis is down (the limiter then applies its onUnavailable policy), and keep
// reconnecting every 200 ms.
const redis = new Redis(required("REDIS_URL"), {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => 200,
  connectTimeout: 2000,
});
let redisDown = false;
redis.on("error", (error) => {
  if (!redisDown) console.error(`redis unavailable: ${error.message}`);
  redisDown = true;
});
redis.on("ready", () => {
  redisDown = false;
});

const account = createAccountService({
  projectId: process.env.PROJECT_ID ?? "scale",
  projectName: "Gatehouse scale test",
  store: kyselyStore(db, { prefix: process.env.TABLE_PREFIX ?? "" }),
  platforms: ["localhost", "127.0.0.1"],
  secret: required("SECRET"),
  apiKeys: process.env.API_KEY ? [process.env.API_KEY] : [],
  trustedProxies: ["127.0.0.1"],
  auth: { maxSessions: Number(process.env.MAX_SESSIONS ?? 10) },
  // Cheap Argon2id parameters: these instances exist for tests and the load test on one machine.
  passwordHasher: argon2Hasher({ memoryCost: 256, timeCost: 1, parallelism: 1 }),
  rateLimiter: redisRateLimiter(redis, {
    prefix: process.env.REDIS_PREFIX ?? "gatehouse:rl:",
    onUnavailable: (process.env.REDIS_UNAVAILABLE ?? "memory") as RedisUnavailablePolicy,
  }),
});

const app = express();
app.use("/v1", accountRouter(account, { onError: (error) => console.error(error) }));

const server = app.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  const { port } = server.address() as AddressInfo;
  console.log(`gatehouse instance listening on http://127.0.0.1:${port}/v1 (pid ${process.pid})`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    server.closeAllConnections();
    void Promise.allSettled([db.destroy(), redis.quit()]).then(() => process.exit(0));
  });
}
