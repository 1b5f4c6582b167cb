import { randomBytes } from "node:crypto";
import { call, forwardedFor, SCALE_API_KEY } from "./cluster";

/**
 * Mixed Account API traffic spread over several instances for a fixed time, by a fixed number of
 * workers, each request bounded by a timeout: logins (with the API key, so they return the
 * session secret and are exempt from the per-e-mail limit), wrong-password logins (counted by the
 * limiter), GET /account, session listings and sign-ups. Every answer is recorded.
 */

export const TRAFFIC_PASSWORD = "correct horse battery staple";

export type Op = "login" | "badLogin" | "account" | "sessions" | "signUp";

export interface TrafficResult {
  op: Op;
  instance: number;
  status: number;
  ms: number;
  /** The JSON body's `type` for errors. */
  type?: string;
  /** For errors: whether the body has exactly Appwrite's error keys with `code` = status. */
  errorShapeOk?: boolean;
  /** Set when the request threw (timeout, connection refused). */
  failure?: string;
  sessionId?: string;
  userId?: string;
  email?: string;
  at: number;
}

export interface TrafficUser {
  id: string;
  email: string;
  secrets: string[];
}

const WEIGHTS: Array<[Op, number]> = [
  ["login", 3],
  ["badLogin", 1],
  ["account", 4],
  ["sessions", 2],
  ["signUp", 1],
];

function pick(): Op {
  const total = WEIGHTS.reduce((n, [, w]) => n + w, 0);
  let r = Math.random() * total;
  for (const [op, w] of WEIGHTS) {
    r -= w;
    if (r < 0) return op;
  }
  return "account";
}

let ipSeq = 100_000 + Math.floor(Math.random() * 1_000_000);

export async function createUsers(endpoint: string, count: number, label: string): Promise<TrafficUser[]> {
  const users: TrafficUser[] = [];
  for (let i = 0; i < count; i++) {
    const email = `${label}-${i}-${randomBytes(3).toString("hex")}@example.com`;
    const created = await call(endpoint, "POST", "/account", {
      body: { userId: "unique()", email, password: TRAFFIC_PASSWORD },
      headers: forwardedFor(ipSeq++),
    });
    if (created.status !== 201) throw new Error(`sign-up failed: ${created.status} ${created.text}`);
    const login = await call(endpoint, "POST", "/account/sessions/email", {
      body: { email, password: TRAFFIC_PASSWORD },
      headers: { "x-appwrite-key": SCALE_API_KEY },
    });
    if (login.status !== 201) throw new Error(`login failed: ${login.status} ${login.text}`);
    users.push({ id: created.json.$id, email, secrets: [login.json.secret] });
  }
  return users;
}

const ERROR_KEYS = ["code", "message", "type", "version"].join(",");

export async function runTraffic(options: {
  endpoints: string[];
  users: TrafficUser[];
  durationMs: number;
  workers: number;
  timeoutMs?: number;
  /** Logins per user are capped below maxSessions, so that no session is trimmed. */
  maxLoginsPerUser?: number;
  label?: string;
}): Promise<TrafficResult[]> {
  const results: TrafficResult[] = [];
  const started = performance.now();
  const deadline = started + options.durationMs;
  const logins = new Map<string, number>();
  let seq = 0;
  const label = options.label ?? "traffic";

  async function one(op: Op): Promise<void> {
    const instance = seq++ % options.endpoints.length;
    const endpoint = options.endpoints[instance]!;
    const user = options.users[Math.floor(Math.random() * options.users.length)]!;
    const secret = user.secrets[Math.floor(Math.random() * user.secrets.length)]!;
    const at = performance.now() - started;
    const record: TrafficResult = { op, instance, status: 0, ms: 0, at };
    try {
      let response;
      if (op === "login") {
        const count = logins.get(user.id) ?? 0;
        if (count >= (options.maxLoginsPerUser ?? 90)) return;
        logins.set(user.id, count + 1);
        response = await call(endpoint, "POST", "/account/sessions/email", {
          body: { email: user.email, password: TRAFFIC_PASSWORD },
          headers: { "x-appwrite-key": SCALE_API_KEY, ...forwardedFor(ipSeq++) },
          timeoutMs: options.timeoutMs,
        });
        record.userId = user.id;
        if (response.status === 201) {
          record.sessionId = response.json.$id;
          user.secrets.push(response.json.secret);
        }
      } else if (op === "badLogin") {
        response = await call(endpoint, "POST", "/account/sessions/email", {
          body: { email: user.email, password: "wrong-password-123" },
          headers: forwardedFor(ipSeq++),
          timeoutMs: options.timeoutMs,
        });
      } else if (op === "account") {
        response = await call(endpoint, "GET", "/account", { headers: { "x-appwrite-session": secret }, timeoutMs: options.timeoutMs });
      } else if (op === "sessions") {
        response = await call(endpoint, "GET", "/account/sessions", {
          headers: { "x-appwrite-session": secret },
          timeoutMs: options.timeoutMs,
        });
      } else {
        const email = `${label}-new-${randomBytes(6).toString("hex")}@example.com`;
        record.email = email;
        response = await call(endpoint, "POST", "/account", {
          body: { userId: "unique()", email, password: TRAFFIC_PASSWORD },
          headers: forwardedFor(ipSeq++),
          timeoutMs: options.timeoutMs,
        });
        if (response.status === 201) record.userId = response.json.$id;
      }
      record.status = response.status;
      record.ms = response.ms;
      if (response.status >= 400) {
        record.type = response.json?.type;
        record.errorShapeOk =
          response.json !== null && Object.keys(response.json).sort().join(",") === ERROR_KEYS && response.json.code === response.status;
      }
    } catch (error) {
      record.failure = (error as Error).message;
      record.ms = performance.now() - started - at;
    }
    results.push(record);
  }

  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      // Bounded: by time, and by a hard cap on iterations.
      for (let i = 0; i < 100_000 && performance.now() < deadline; i++) await one(pick());
    }),
  );
  return results;
}

export function percentile(values: number[], p: number): number {
  if (!values.length) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** Status counts, e.g. { "200": 12, "503": 2 }. */
export function statusCounts(results: TrafficResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) {
    const key = r.failure ? "failed" : String(r.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}
