import { Account as WebAccount, Client as WebClient } from "appwrite";
import { Account as LatestAccount, Client as LatestClient } from "appwrite-latest";
import * as node from "node-appwrite";
import { expect } from "vitest";
import { API_KEY, PROJECT } from "./server";

/**
 * The web SDK reads `window.localStorage` for its `X-Fallback-Cookies` session (Node's fetch keeps
 * no cookies). Each `browser()` is one simulated browser; `use()` makes its storage the global one
 * before the SDK is called, so several browsers can take turns.
 */
const storage = { current: new Map<string, string>() };
(globalThis as { window?: unknown }).window = {
  localStorage: {
    getItem: (k: string) => storage.current.get(k) ?? null,
    setItem: (k: string, v: string) => void storage.current.set(k, v),
    removeItem: (k: string) => void storage.current.delete(k),
  },
  // The SDK warns on every fallback-cookie response; tests do not need to see it.
  console: { ...console, warn: () => {} },
};

export interface Browser {
  client: WebClient;
  account: WebAccount;
  storage: Map<string, string>;
  /** Runs `fn` with this browser's storage installed; every SDK call of this browser goes through it. */
  use<T>(fn: (account: WebAccount) => Promise<T>): Promise<T>;
}

export function browser(endpoint: string, project = PROJECT): Browser {
  const own = new Map<string, string>();
  const client = new WebClient().setEndpoint(endpoint).setProject(project);
  const account = new WebAccount(client);
  return { client, account, storage: own, use: (fn) => withStorage(own, () => fn(account)) };
}

/** Runs `fn` with `own` as the simulated browser's localStorage (any web SDK generation). */
export async function withStorage<T>(own: Map<string, string>, fn: () => Promise<T>): Promise<T> {
  const previous = storage.current;
  storage.current = own;
  try {
    return await fn();
  } finally {
    storage.current = previous;
  }
}

/** `browser()` with today's web SDK (appwrite 28). */
export function latestBrowser(endpoint: string, project = PROJECT) {
  const own = new Map<string, string>();
  const client = new LatestClient().setEndpoint(endpoint).setProject(project);
  const account = new LatestAccount(client);
  return {
    client,
    account,
    storage: own,
    async use<T>(fn: (account: LatestAccount) => Promise<T>): Promise<T> {
      const previous = storage.current;
      storage.current = own;
      try {
        return await fn(account);
      } finally {
        storage.current = previous;
      }
    },
  };
}

/** A node-appwrite client authenticated with the server API key. */
export function serverClient(endpoint: string, key = API_KEY, project = PROJECT) {
  const client = new node.Client().setEndpoint(endpoint).setProject(project).setKey(key);
  return { client, account: new node.Account(client) };
}

/** A node-appwrite client acting for a user through `setSession(secret)` (the SSR pattern). */
export function sessionClient(endpoint: string, secret: string, project = PROJECT) {
  const client = new node.Client().setEndpoint(endpoint).setProject(project).setSession(secret);
  return { client, account: new node.Account(client) };
}

/** Raw HTTP against the API with the SDK's headers, for malformed input the SDKs would never send. */
export async function raw(
  endpoint: string,
  method: string,
  path: string,
  options: { body?: string | object; headers?: Record<string, string>; project?: string | null } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.project !== null) headers["x-appwrite-project"] ??= options.project ?? PROJECT;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const response = await fetch(`${endpoint}${path}`, { method, headers, body });
  const text = await response.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: response.status, headers: response.headers, text, json: json as Record<string, any> | null };
}

export type RawResult = Awaited<ReturnType<typeof raw>>;

/** A raw answer is an Appwrite error: this status, the same `code` in the body, this `type` (and message). */
export function expectRawError(res: RawResult, status: number, type: string, message?: string) {
  expect({ status: res.status, code: res.json?.code, type: res.json?.type }).toEqual({ status, code: status, type });
  if (message !== undefined) expect(res.json?.message).toBe(message);
}

/** Expect an SDK call to fail with an Appwrite error of this type and code. */
export async function expectAppwriteError(promise: Promise<unknown>, type: string, code: number) {
  try {
    await promise;
  } catch (error) {
    const e = error as { type?: string; code?: number; message?: string };
    if (e.type !== type || e.code !== code) {
      throw new Error(`expected ${code} ${type}, got ${e.code} ${e.type}: ${e.message}`, { cause: error });
    }
    return e;
  }
  throw new Error(`expected ${code} ${type}, but the call succeeded`);
}
