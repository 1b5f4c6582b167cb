/**
 * The benchmark server, run as a child of bench/run.ts so that it does not share an event loop
 * (or a CPU-time budget) with autocannon. Prints `{"port":…}` on stdout once listening.
 *
 * Routes: `/v1` is the real Gatehouse router on the memory store; `/bare` is plain Express; the
 * `/bench/*` routes exist only here, to let the parent drive things it cannot do over the API
 * (seeding thousands of users, measuring the event loop, raw Argon2 verify rates).
 *
 * BENCH_DATABASES, a JSON array of `{ mount, url, prefix }`, adds one more router per entry at
 * `<mount>/v1`, on the Kysely store over tables the parent has already migrated under `prefix`,
 * each with the same configuration as `/v1`.
 */
import { performance, monitorEventLoopDelay, type IntervalHistogram } from "node:perf_hooks";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import express from "express";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import { createAccountService, encodeSessionValue, memoryStore, OWASP_ARGON2, type Store } from "../src/index";
import { accountRouter } from "../adapters/express/index";
import { kyselyStore } from "../adapters/kysely/index";
import { openDatabase } from "../adapters/kysely/connect/open";
import { PROJECT } from "./common";

const benchService = (store: Store) =>
  createAccountService({
    projectId: PROJECT,
    store,
    // Default hasher (OWASP Argon2id) on purpose: scenario 2 measures the real login cost.
    // Rate limits off: every benchmark would otherwise hit them within a second.
    rateLimits: false,
    // Logins in scenario 2 create hundreds of sessions per user; trimming past 100 is accepted.
    auth: { maxSessions: 100 },
  });
const store = memoryStore();
const service = benchService(store);

const app = express();
// No ETag on /bare: hashing the body would handicap the baseline (Gatehouse sends none).
app.set("etag", false);

let bareBody: unknown = { hint: "PUT /bench/bare with the Account JSON first" };
app.get("/bare", (_req, res) => {
  res.json(bareBody);
});

// ---- bench-only control routes ------------------------------------------------------------

/** The parent installs a real Account model JSON here so /bare serialises the same shape and size. */
app.put("/bench/bare", express.json(), (req, res) => {
  bareBody = req.body;
  res.json({ bytes: JSON.stringify(bareBody).length });
});

/**
 * CPU time of this whole process (all threads: event loop, libuv pool, GC), and of the main
 * thread alone from Linux schedstat: time on a CPU and time spent runnable but waiting for one.
 * All in µs; the main-thread figures are null where /proc does not offer them.
 */
app.get("/bench/cpu", (_req, res) => {
  const { user, system } = process.cpuUsage();
  let main: { cpu: number; wait: number } | null = null;
  try {
    const [cpu, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8").split(" ").map(Number);
    main = { cpu: cpu! / 1000, wait: wait! / 1000 };
  } catch {
    // Not Linux, or schedstat disabled: the whole-process figure still stands.
  }
  res.json({ us: user + system, main });
});

// Event-loop delay, sampled every millisecond. The histogram records whole timer intervals,
// so the resolution is subtracted to report the delay itself.
const RESOLUTION_MS = 1;
let loop: IntervalHistogram | null = null;
app.post("/bench/loop/start", (_req, res) => {
  loop?.disable();
  loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  loop.enable();
  res.json({ ok: true });
});
app.get("/bench/loop", (_req, res) => {
  if (!loop) return void res.status(409).json({ error: "not started" });
  loop.disable();
  const ms = (ns: number) => Math.max(0, ns / 1e6 - RESOLUTION_MS);
  res.json({ p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), samples: loop.count });
  loop = null;
});

// One OWASP-parameter hash, made once: the raw-verify benchmark's input and every seeded user's hash.
const PASSWORD = "bench-password-123";
const owaspHash = argon2Hash(PASSWORD, { algorithm: 2, ...OWASP_ARGON2 });

/**
 * Raw `verify` rate: `concurrency` loops calling @node-rs/argon2 for `ms` milliseconds. Measured in
 * this process so it sees the same libuv thread pool and CPU as the login benchmark.
 */
app.post("/bench/verify", async (req, res) => {
  const ms = Number(req.query.ms ?? 8000);
  const concurrency = Number(req.query.concurrency ?? 1);
  const hash = await owaspHash;
  const start = performance.now();
  const end = start + ms;
  let ops = 0;
  const worker = async () => {
    while (performance.now() < end) {
      if (!(await argon2Verify(hash, PASSWORD))) throw new Error("verify returned false");
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - start) / 1000;
  res.json({ ops, seconds, rate: ops / seconds, meanMs: (seconds * 1000 * concurrency) / ops });
});

/**
 * Grows the store to `total` seeded users, each with one session, straight through the store
 * port: no Argon2 per user, so 100k users take seconds. Returns the session value of seed user
 * #`probe`, whose record is the same at every size so lookups are compared like for like.
 */
let seeded = 0;
const secretOf = (i: number) => createHash("sha256").update(`bench-seed-${i}`).digest("hex");
app.post("/bench/seed", async (req, res) => {
  const total = Number(req.query.total);
  const probe = Number(req.query.probe ?? 0);
  const passwordHash = await owaspHash;
  const now = new Date();
  const far = new Date(now.getTime() + 365 * 24 * 3600 * 1000);
  for (; seeded < total; seeded++) {
    const id = `seed${seeded}`;
    await store.users.create({
      id,
      createdAt: now,
      updatedAt: now,
      name: `Seed User ${seeded}`,
      email: `seed${seeded}@bench.test`,
      phone: null,
      passwordHash,
      passwordUpdatedAt: now,
      passwordHistory: [],
      registration: now,
      status: true,
      labels: [],
      emailVerification: false,
      phoneVerification: false,
      mfa: false,
      prefs: {},
      // Recent, so GET /account does not take the once-a-day accessedAt write path.
      accessedAt: now,
    });
    await store.sessions.create({
      id: `sess${seeded}`,
      userId: id,
      createdAt: now,
      updatedAt: now,
      expire: far,
      provider: "email",
      providerUid: `seed${seeded}@bench.test`,
      providerAccessToken: "",
      providerAccessTokenExpiry: null,
      providerRefreshToken: "",
      secretHash: createHash("sha256").update(secretOf(seeded)).digest("hex"),
      ip: "127.0.0.1",
      userAgent: "bench",
      factors: ["password"],
      mfaUpdatedAt: null,
      osCode: "",
      osName: "",
      osVersion: "",
      clientType: "",
      clientCode: "",
      clientName: "",
      clientVersion: "",
      clientEngine: "",
      clientEngineVersion: "",
      deviceName: "",
      deviceBrand: "",
      deviceModel: "",
      countryCode: "--",
    });
  }
  // Settle the heap after the burst of allocations, so the first measured run does not pay for it.
  globalThis.gc?.();
  res.json({ users: await store.users.count(), session: encodeSessionValue(`seed${probe}`, secretOf(probe)) });
});

// ---- the system under test ----------------------------------------------------------------

const onError = (e: unknown) => console.error("[gatehouse]", e);
app.use("/v1", accountRouter(service, { onError }));
for (const { mount, url, prefix } of JSON.parse(process.env.BENCH_DATABASES ?? "[]") as Array<{
  mount: string;
  url: string;
  prefix: string;
}>) {
  // The driver's default pool (10 connections for PostgreSQL), as an application would have it.
  app.use(`${mount}/v1`, accountRouter(benchService(kyselyStore(await openDatabase(url), { prefix })), { onError }));
}

const server = app.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: (server.address() as AddressInfo).port })}\n`);
});
server.keepAliveTimeout = 60_000;

// The parent holds our stdin open; when it goes away (even by SIGKILL), so do we: no orphans.
process.stdin.on("end", () => process.exit(0));
process.stdin.on("error", () => process.exit(0));
process.stdin.resume();
