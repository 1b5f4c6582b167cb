/**
 * Shared fixtures for the core tests: a service on the memory store with a manual clock and the
 * cheap hasher, a store spy, and a few shortcuts. Not a test file itself (no `.test.ts`).
 */
import { expect } from "vitest";
import { createAccountService, type AccountService } from "../../src/core/service";
import type { GatehouseConfig } from "../../src/config";
import { memoryStore } from "../../src/stores/memory";
import { AppwriteError, type ErrorType } from "../../src/errors";
import type { RequestContext } from "../../src/core/context";
import type { Store, UserRecord } from "../../src/ports/store";
import type { PasswordHasher } from "../../src/ports/password-hasher";
import { manualClock } from "../helpers/clock";
import { cheapHasher } from "../helpers/server";

export const PROJECT = "core-tests";
export const PASSWORD = "correct horse battery staple";
export const HOUR = 60 * 60 * 1000;
export const DAY = 24 * HOUR;

export interface Fixture {
  service: AccountService;
  clock: ReturnType<typeof manualClock>;
  store: Store;
}

/** A service on a fresh memory store. Rate limits are off so tests can call freely. */
export function makeService(overrides: Partial<GatehouseConfig> = {}): Fixture {
  const clock = manualClock();
  const store = overrides.store ?? memoryStore();
  const service = createAccountService({
    projectId: PROJECT,
    store,
    passwordHasher: cheapHasher(),
    clock,
    rateLimits: false,
    ...overrides,
  });
  return { service, clock, store: service.config.store };
}

/** Signs up and returns the new user's id. */
export async function signup(service: AccountService, email = "jane@example.com", password = PASSWORD, name = "Jane"): Promise<string> {
  const account = await service.create({ userId: "unique()", email, password, name });
  return account.$id;
}

/** Logs in and returns the session value (what a cookie or `X-Appwrite-Session` carries). */
export async function login(
  service: AccountService,
  email = "jane@example.com",
  password = PASSWORD,
  ctx: RequestContext = {},
): Promise<string> {
  const outcome = await service.execute("createEmailPasswordSession", ctx, { email, password });
  expect(outcome.status).toBe(201);
  expect(outcome.setSession?.value).toBeTypeOf("string");
  return outcome.setSession!.value;
}

/**
 * Wraps a store in a Proxy that records the name of every method called on it. Calls made
 * through a transaction's `tx` view are not seen (only the `transaction` call itself).
 */
export function spyStore(inner: Store): { store: Store; calls: string[] } {
  const calls: string[] = [];
  /** Records each method call as its path: `"sessions.findAuth"`, `"purgeExpired"`. */
  const spy = <T extends object>(target: T, path: string): T =>
    new Proxy(target, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof prop !== "string") return value;
        if (typeof value === "object" && value !== null) return spy(value, `${path}${prop}.`);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          calls.push(`${path}${prop}`);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  return { store: spy(inner, ""), calls };
}

/** A hasher that records the hash argument of every `verify` call. */
export function countingHasher(inner: PasswordHasher = cheapHasher()): PasswordHasher & { verified: string[]; hashed: number } {
  const spy = {
    verified: [] as string[],
    hashed: 0,
    hash(password: string) {
      spy.hashed++;
      return inner.hash(password);
    },
    verify(hash: string, password: string) {
      spy.verified.push(hash);
      return inner.verify(hash, password);
    },
    needsRehash: (hash: string) => inner.needsRehash(hash),
  };
  return spy;
}

/** A stored user record with every field set; override what matters. */
export function userRecord(overrides: Partial<UserRecord> = {}): UserRecord {
  const now = new Date("2026-01-01T00:00:00.000Z");
  return {
    id: "u" + Math.random().toString(16).slice(2, 12),
    createdAt: now,
    updatedAt: now,
    name: "",
    email: null,
    phone: null,
    passwordHash: null,
    passwordUpdatedAt: null,
    passwordHistory: [],
    registration: now,
    status: true,
    labels: [],
    emailVerification: false,
    phoneVerification: false,
    mfa: false,
    prefs: {},
    accessedAt: now,
    ...overrides,
  };
}

/** Awaits `promise`, expects it to reject with an AppwriteError of `type`, and returns the error. */
export async function expectAppwriteError(promise: Promise<unknown>, type: ErrorType, code?: number): Promise<AppwriteError> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected a rejection with ${type}`).toBeInstanceOf(AppwriteError);
  const error = caught as AppwriteError;
  expect(error.type).toBe(type);
  if (code !== undefined) expect(error.code).toBe(code);
  return error;
}
