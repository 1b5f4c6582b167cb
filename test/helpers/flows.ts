import { outbox, type GatehouseConfig, type Outbox } from "gatehouse-auth";
import { expect } from "vitest";
import { browser, serverClient, type Browser, type RawResult } from "./sdk";
import { startServer, type TestServer } from "./server";

/**
 * Helpers shared by the SDK-driven flow suites (tokens, verification/recovery, MFA): unique test
 * data, rate-limit windows, and a server whose mail and SMS land in an outbox.
 */

let seq = 0;
const run = Math.random().toString(36).slice(2, 8);

/** A fresh lowercase address per call, so no two tests share a user or an e-mail rate-limit counter. */
export function uniqueEmail(tag: string): string {
  seq += 1;
  return `${tag}-${seq}-${run}@example.com`;
}

/** A fresh custom user ID (a valid CustomId). */
export function uniqueId(tag: string): string {
  seq += 1;
  return `${tag}-${seq}-${run}`;
}

/** `prefix` + 4 digits: a random start per file, then consecutive, so never twice in a file. */
const phoneBase = Math.floor(Math.random() * 5000);
let phoneSeq = 0;
export function uniquePhone(prefix = "+1415555"): string {
  phoneSeq += 1;
  return `${prefix}${String(phoneBase + phoneSeq).padStart(4, "0")}`;
}

/** Distinct client IPs, sent as X-Forwarded-For (the outbox servers trust the loopback proxy). */
let ipSeq = 0;
export function nextIp(): string {
  ipSeq += 1;
  return `10.${(ipSeq >> 16) & 255}.${(ipSeq >> 8) & 255}.${ipSeq & 255}`;
}

/** Wire datetime (src/models/datetime.ts): ISO 8601 with milliseconds and a numeric offset. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** Unix seconds at which the fixed 3600 s window containing `ms` ends (src/ports/rate-limiter.ts). */
export function windowEnd(ms: number): number {
  return Math.floor(ms / 1000 / 3600) * 3600 + 3600;
}

/** Moves the server clock into a new rate-limit window, so counters start from zero. */
export function freshWindow(s: TestServer): void {
  s.clock.set((windowEnd(s.clock.now()) + 1) * 1000);
}

/** A six-digit code that is not `code`. */
export function wrongCode(code: string, offset = 1): string {
  return String((Number(code) + offset) % 1_000_000).padStart(6, "0");
}

export interface OutboxServer {
  s: TestServer;
  box: Outbox;
}

/** A server whose mail and SMS land in an outbox; X-Forwarded-For from loopback is believed. */
export async function startWithOutbox(
  overrides: Partial<GatehouseConfig> = {},
  transports = { mail: true, sms: true },
): Promise<OutboxServer> {
  const box = outbox();
  const s = await startServer({
    ...(transports.mail ? { mailer: box.mailer } : {}),
    ...(transports.sms ? { sms: box.sms } : {}),
    trustedProxies: ["127.0.0.1"],
    ...overrides,
  });
  return { s, box };
}

export const storeOf = (s: TestServer) => s.service.config.store;
export const web = (s: TestServer): Browser => browser(s.endpoint);
/** node-appwrite's Account with the server API key. */
export const key = (s: TestServer) => serverClient(s.endpoint).account;

/** The rate-limit headers of a raw answer, the reset being the end of the current window. */
export function expectRateHeaders(res: RawResult, limit: number, remaining: number, s: TestServer) {
  expect({
    limit: res.headers.get("x-ratelimit-limit"),
    remaining: res.headers.get("x-ratelimit-remaining"),
    reset: res.headers.get("x-ratelimit-reset"),
  }).toEqual({ limit: String(limit), remaining: String(remaining), reset: String(windowEnd(s.clock.now())) });
}
