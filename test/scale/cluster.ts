import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";

/**
 * Several Gatehouse instances (test/scale/instance.ts) as separate processes on loopback ports,
 * sharing one PostgreSQL (tables under a random prefix, migrated once with the `gatehouse migrate`
 * command before any instance starts) and one Redis (rate-limit keys under a random prefix).
 * Used by test/scale/*.test.ts and bench/scale.ts. Only the processes started here are stopped,
 * by their process-group id.
 */

const root = fileURLToPath(new URL("../../", import.meta.url));

export const SCALE_PROJECT = "scale";
export const SCALE_API_KEY = `scale-key-${randomBytes(12).toString("hex")}`;
/** The same on every instance: JWTs and sealed recovery codes must verify everywhere. */
export const SCALE_SECRET = randomBytes(32).toString("hex");

export interface Instance {
  index: number;
  endpoint: string;
  pid: number;
  /** What the process printed (stdout and stderr). */
  output(): string;
  /** Whether the process is still running. */
  alive(): boolean;
  stop(): Promise<void>;
}

/** Runs the `gatehouse-auth` command from source (as `npx gatehouse …` runs the built one). */
export function gatehouseCli(args: string[]): void {
  const result = spawnSync("npx", ["tsx", "adapters/kysely/bin.ts", ...args], { cwd: root, encoding: "utf8", timeout: 60_000 });
  if (result.status !== 0) throw new Error(`gatehouse ${args.join(" ")} failed (${result.status}): ${result.stderr}${result.stdout}`);
}

export function migrateUp(databaseUrl: string, tablePrefix: string): void {
  gatehouseCli(["migrate", "--url", databaseUrl, "--prefix", tablePrefix]);
}

/** Drops every table and the migration bookkeeping tables. */
export function migrateDownAll(databaseUrl: string, tablePrefix: string): void {
  gatehouseCli(["migrate", "--down", "--url", databaseUrl, "--prefix", tablePrefix]);
}

export interface InstanceEnv {
  DATABASE_URL: string;
  REDIS_URL: string;
  TABLE_PREFIX: string;
  REDIS_PREFIX: string;
  MAX_SESSIONS?: string;
  POOL_SIZE?: string;
}

/** Starts one instance with `npx tsx test/scale/instance.ts`; resolves with its URL once it listens. */
export async function startInstance(index: number, env: InstanceEnv, timeoutMs = 30_000): Promise<Instance> {
  const child: ChildProcess = spawn("npx", ["tsx", "test/scale/instance.ts"], {
    cwd: root,
    // Its own process group, so stopping it stops npx, tsx and node together, and nothing else.
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...env,
      PORT: "0",
      PROJECT_ID: SCALE_PROJECT,
      SECRET: SCALE_SECRET,
      API_KEY: SCALE_API_KEY,
    },
  });
  let output = "";
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${index} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`instance ${index} exited with ${code}:\n${output}`));
    });
  }).catch(async (error) => {
    if (child.pid && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
    await exited;
    throw error;
  });
  return {
    index,
    endpoint,
    pid: child.pid!,
    output: () => output,
    alive: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      process.kill(-child.pid!, "SIGTERM");
      const killer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          // already gone
        }
      }, 5000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface Cluster {
  instances: Instance[];
  tablePrefix: string;
  redisPrefix: string;
  /** Stops every instance (the tables and keys stay: call `destroy` for those). */
  stop(): Promise<void>;
}

/** Migrates a random table prefix once, then starts `count` instances on it. */
export async function startCluster(options: {
  count: number;
  /** Where the test migrates (and later drops) the tables. */
  databaseUrl: string;
  /** Where the instances connect, when not `databaseUrl` (e.g. through a TCP proxy). */
  instanceDatabaseUrl?: string;
  redisUrl: string;
  maxSessions?: number;
  poolSize?: number;
}): Promise<Cluster> {
  const tablePrefix = `s${randomBytes(4).toString("hex")}_`;
  const redisPrefix = `gh-scale:${randomBytes(5).toString("hex")}:`;
  migrateUp(options.databaseUrl, tablePrefix);
  const env: InstanceEnv = {
    DATABASE_URL: options.instanceDatabaseUrl ?? options.databaseUrl,
    REDIS_URL: options.redisUrl,
    TABLE_PREFIX: tablePrefix,
    REDIS_PREFIX: redisPrefix,
    ...(options.maxSessions ? { MAX_SESSIONS: String(options.maxSessions) } : {}),
    ...(options.poolSize ? { POOL_SIZE: String(options.poolSize) } : {}),
  };
  const started = await Promise.allSettled(Array.from({ length: options.count }, (_, i) => startInstance(i + 1, env)));
  const instances = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === "rejected");
  const stop = async () => {
    await Promise.all(instances.map((i) => i.stop()));
  };
  if (failed) {
    await stop();
    migrateDownAll(options.databaseUrl, tablePrefix);
    throw failed.reason;
  }
  return { instances, tablePrefix, redisPrefix, stop };
}

/** A fetch with the SDK's project header and a hard deadline; never hangs. */
export async function call(
  endpoint: string,
  method: string,
  path: string,
  options: { body?: object; headers?: Record<string, string>; timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; json: any; text: string; ms: number }> {
  const headers: Record<string, string> = { "x-appwrite-project": SCALE_PROJECT, ...options.headers };
  if (options.body) headers["content-type"] = "application/json";
  const started = performance.now();
  const response = await fetch(`${endpoint}${path}`, {
    method,
    headers,
    body: options.body ? JSON.stringify(options.body) : null,
    signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
  });
  const text = await response.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, json, text, ms: performance.now() - started };
}

/** A client IP of its own for request `n`, through the trusted proxy header (10.x.y.z). */
export const forwardedFor = (n: number) => ({ "x-forwarded-for": `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` });
