import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer, type AddressInfo } from "node:net";
import { Redis, type RedisOptions } from "ioredis";
import { servicesRequired } from "./databases";

/**
 * Redis for the tests: the shared server at GATEHOUSE_REDIS_URL (default redis://127.0.0.1:6379),
 * skipped with a message when unreachable unless GATEHOUSE_REQUIRE_SERVICES=1, as with the
 * databases (test/helpers/databases.ts); and private `redis-server` processes that a test starts
 * on a port of its own, stops and restarts by PID, so the shared server is never touched.
 */
export const REDIS_URL = process.env.GATEHOUSE_REDIS_URL ?? "redis://127.0.0.1:6379";

/**
 * The client settings the Redis rate limiter is meant to get: fail at once while Redis is down
 * (no per-command retries, no offline queue), and keep reconnecting every 200 ms.
 */
export const FAIL_FAST: RedisOptions = {
  maxRetriesPerRequest: 0,
  enableOfflineQueue: false,
  retryStrategy: () => 200,
  connectTimeout: 1000,
};

/** A client with the fail-fast settings; reconnect errors are expected in the outage tests and dropped. */
export function redisClient(url = REDIS_URL, options: RedisOptions = {}): Redis {
  const client = new Redis(url, { ...FAIL_FAST, ...options });
  client.on("error", () => {});
  return client;
}

/** Resolves when `client` is ready, or rejects after `ms`. */
export function whenReady(client: Redis, ms = 5000): Promise<void> {
  if (client.status === "ready") return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      client.off("ready", onReady);
      reject(new Error(`redis client not ready within ${ms} ms (status ${client.status})`));
    }, ms);
    const onReady = () => {
      clearTimeout(timer);
      resolve();
    };
    client.once("ready", onReady);
  });
}

let reachability: Promise<string | null> | null = null;

/** null when the shared Redis answers PING, else the reason. */
function probe(): Promise<string | null> {
  reachability ??= (async () => {
    const client = new Redis(REDIS_URL, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
      connectTimeout: 2000,
    });
    client.on("error", () => {});
    try {
      await client.connect();
      return (await client.ping()) === "PONG" ? null : "PING did not answer PONG";
    } catch (error) {
      return (error as Error).message || String(error);
    } finally {
      client.disconnect();
    }
  })();
  return reachability;
}

/**
 * Whether to run a suite that needs Redis:
 * `const hasRedis = await redisAvailable(); describe.skipIf(!hasRedis)(…)`.
 */
export async function redisAvailable(): Promise<boolean> {
  const reason = await probe();
  if (reason === null) return true;
  const message = `Redis is unreachable at ${REDIS_URL} (${reason})`;
  if (servicesRequired) throw new Error(`${message}; GATEHOUSE_REQUIRE_SERVICES=1 makes this a failure.`);
  console.warn(`[gatehouse tests] ${message}: skipping its tests. Set GATEHOUSE_REDIS_URL to point at a server.`);
  return false;
}

/** A key prefix no other test uses. */
export const randomPrefix = (what = "t") => `gh-test:${what}:${randomBytes(5).toString("hex")}:`;

/** Every key under `prefix` (SCAN, bounded). */
export async function keysUnder(client: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = "0";
  for (let round = 0; round < 10_000; round++) {
    const [next, keys] = await client.scan(cursor, "MATCH", `${prefix.replace(/[*?[\]\\]/g, "\\$&")}*`, "COUNT", 1000);
    found.push(...keys);
    cursor = next;
    if (cursor === "0") break;
  }
  return found;
}

/** Deletes every key under `prefix`; returns how many. */
export async function deleteKeysUnder(client: Redis, prefix: string): Promise<number> {
  const keys = await keysUnder(client, prefix);
  return keys.length ? client.del(...keys) : 0;
}

/** A free loopback port (bound and released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface OwnRedis {
  port: number;
  url: string;
  /** The PID of the running redis-server, or null while stopped. */
  readonly pid: number | null;
  /** Starts redis-server on `port` (again); resolves once it accepts connections. */
  start(): Promise<void>;
  /** Kills this test's redis-server by PID (SIGKILL: a crash, not a shutdown) and waits for it to exit. */
  stop(): Promise<void>;
}

/**
 * A `redis-server` of the test's own, on a free port, without persistence: a restart comes back
 * empty. Only the process started here is ever stopped, by its PID.
 */
export async function ownRedis(): Promise<OwnRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;

  async function start(): Promise<void> {
    if (child) return;
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = proc;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s:\n${output}`)), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Ready to accept connections")) {
          clearTimeout(timer);
          resolve();
        }
      };
      proc.stdout!.on("data", onData);
      proc.stderr!.on("data", onData);
      proc.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server on port ${port} exited with ${code}:\n${output}`));
      });
      proc.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    }).catch((error) => {
      if (proc.exitCode === null) proc.kill("SIGKILL");
      child = null;
      throw error;
    });
    proc.stdout!.resume();
    proc.stderr!.resume();
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
    process.kill(proc.pid!, "SIGKILL");
    await exited;
  }

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    get pid() {
      return child?.pid ?? null;
    },
    start,
    stop,
  };
}
