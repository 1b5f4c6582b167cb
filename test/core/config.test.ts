import { describe, expect, it } from "vitest";
import { createAccountService } from "../../src/core/service";
import type { GatehouseConfig } from "../../src/config";
import { memoryStore } from "../../src/stores/memory";
import type { Store, StoreGroup } from "../../src/ports/store";

const base = (): GatehouseConfig => ({ projectId: "my-project", store: memoryStore() });

/** Calls createAccountService with a (deliberately wrong) config and returns the thrown error. */
function rejectionOf(config: unknown): TypeError {
  let thrown: unknown;
  try {
    createAccountService(config as GatehouseConfig);
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "createAccountService accepted a wrong config").toBeInstanceOf(TypeError);
  return thrown as TypeError;
}

/** A memory store with some methods removed, named by path (`"users.update"`). */
function storeWithout(...paths: `${StoreGroup}.${string}`[]): Store {
  const store = { ...memoryStore() } as unknown as Record<string, Record<string, unknown>>;
  for (const path of paths) {
    const [group, method] = path.split(".") as [string, string];
    store[group] = { ...store[group] };
    delete store[group]![method];
  }
  return store as unknown as Store;
}

describe("createAccountService config validation", () => {
  it("accepts a minimal config", () => {
    expect(() => createAccountService(base())).not.toThrow();
  });

  it("rejects a missing projectId, naming the key", () => {
    const { projectId: _omit, ...rest } = base();
    const error = rejectionOf(rest);
    expect(error.message).toMatch(/projectId: .*(expected string|required)/i);
  });

  it.each([["has space"], ["bad/id"], ["_leading"], ["-leading"], [".leading"], ["x".repeat(37)], [""]])(
    "rejects projectId %j, saying which characters are allowed",
    (projectId) => {
      const error = rejectionOf({ ...base(), projectId });
      expect(error.message).toContain("projectId: ");
      expect(error.message).toMatch(/a-z, A-Z, 0-9/);
    },
  );

  it("accepts a projectId of 36 characters with . - _ inside", () => {
    expect(() => createAccountService({ ...base(), projectId: "A" + "b.c-d_e".repeat(5) })).not.toThrow();
  });

  it("rejects a store that is not a Store at all", () => {
    const error = rejectionOf({ ...base(), store: {} });
    expect(error.message).toMatch(/store: must be a Store/);
    expect(error.message).toContain("sessions.findAuth()");
    expect(error.message).toContain("transaction()");
  });

  it("rejects a store that lacks methods the service calls (users.update, sessions.trim), naming them by path", () => {
    // The service calls users.update on authenticated requests and sessions.trim on every login; a
    // store without them is a wrong config and must fail at start-up, not with a 500 later.
    const error = rejectionOf({ ...base(), store: storeWithout("users.update", "sessions.trim") });
    expect(error.message).toContain("store");
    expect(error.message).toContain("users.update()");
    expect(error.message).toContain("sessions.trim()");
    expect(error.message).not.toContain("users.get()");
  });

  it("rejects a store that lacks a whole group, naming each of its methods", () => {
    const { logs: _logs, ...store } = memoryStore();
    const error = rejectionOf({ ...base(), store });
    expect(error.message).toContain("logs.append(), logs.list(), logs.count()");
  });

  it.each([[0], [101], [1.5]])("rejects auth.maxSessions: %j, naming the key and the bound", (maxSessions) => {
    const error = rejectionOf({ ...base(), auth: { maxSessions } });
    expect(error.message).toContain("auth.maxSessions: ");
    if (maxSessions === 0) expect(error.message).toMatch(/>=\s*1/);
    if (maxSessions === 101) expect(error.message).toMatch(/<=\s*100/);
  });

  it("accepts auth.maxSessions at both bounds (1 and 100)", () => {
    expect(createAccountService({ ...base(), auth: { maxSessions: 1 } }).config.auth.maxSessions).toBe(1);
    expect(createAccountService({ ...base(), auth: { maxSessions: 100 } }).config.auth.maxSessions).toBe(100);
  });

  it("rejects auth.sessionDuration: -1 and above one year", () => {
    expect(rejectionOf({ ...base(), auth: { sessionDuration: -1 } }).message).toMatch(/auth\.sessionDuration: .*>=\s*0/);
    expect(rejectionOf({ ...base(), auth: { sessionDuration: 31_536_001 } }).message).toMatch(/auth\.sessionDuration: .*<=\s*31536000/);
  });

  it("rejects an unknown top-level key", () => {
    const error = rejectionOf({ ...base(), sesionDuration: 60 });
    expect(error.message).toContain("sesionDuration: unknown option");
  });

  it("rejects an unknown nested key with its full path (auth.foo)", () => {
    const error = rejectionOf({ ...base(), auth: { foo: true } });
    expect(error.message).toContain("auth.foo: unknown option");
  });

  it("rejects an unknown key under auth.methods", () => {
    const error = rejectionOf({ ...base(), auth: { methods: { magicLink: false } } });
    expect(error.message).toContain("auth.methods.magicLink: unknown option");
  });

  it("rejects a platform that is a URL rather than a hostname", () => {
    const error = rejectionOf({ ...base(), platforms: ["localhost", "http://x"] });
    expect(error.message).toContain("platforms.1: ");
    expect(error.message).toMatch(/hostname/);
  });

  it("accepts hostnames and wildcard hostnames as platforms", () => {
    const service = createAccountService({ ...base(), platforms: ["localhost", "app.example.com", "*.example.com"] });
    expect(service.config.platforms).toEqual(["localhost", "app.example.com", "*.example.com"]);
  });

  it("rejects an API key shorter than 16 characters, as a string or as {secret}", () => {
    const asString = rejectionOf({ ...base(), apiKeys: ["0123456789abcdef", "short-key"] });
    expect(asString.message).toContain("apiKeys.1");
    expect(asString.message).toMatch(/at least 16 characters/);
    const asObject = rejectionOf({ ...base(), apiKeys: [{ secret: "short-key" }] });
    expect(asObject.message).toContain("apiKeys.0");
    expect(asObject.message).toMatch(/at least 16 characters/);
  });

  it("an API key from an unset environment variable (undefined) names what was expected", () => {
    const error = rejectionOf({ ...base(), apiKeys: [undefined as unknown as string] });
    expect(error.message).toContain("apiKeys.0: must be a string of at least 16 characters");
    expect(error.message).toContain("is the environment variable holding it set?");
  });

  it("accepts an API key of exactly 16 characters", () => {
    expect(() => createAccountService({ ...base(), apiKeys: ["0123456789abcdef"] })).not.toThrow();
  });

  it("rejects a secret shorter than 32 characters", () => {
    const error = rejectionOf({ ...base(), secret: "x".repeat(31) });
    expect(error.message).toContain("secret: ");
    expect(error.message).toMatch(/at least 32 characters/);
    expect(() => createAccountService({ ...base(), secret: "x".repeat(32) })).not.toThrow();
  });

  it("reports every wrong key at once", () => {
    const error = rejectionOf({ ...base(), projectId: "_x", auth: { maxSessions: 0, foo: 1 } });
    expect(error.message).toContain("projectId");
    expect(error.message).toContain("auth.maxSessions");
    expect(error.message).toContain("auth.foo");
  });

  it("fills Appwrite's defaults", () => {
    const { config } = createAccountService(base());
    expect(config.auth.sessionDuration).toBe(31_536_000);
    expect(config.auth.maxSessions).toBe(10);
    expect(config.auth.passwordHistory).toBe(0);
    expect(config.auth.passwordDictionary).toBe(false);
    expect(config.auth.personalDataCheck).toBe(false);
    expect(config.auth.userLimit).toBe(0);
    expect(config.auth.methods).toEqual({
      emailPassword: true,
      magicUrl: true,
      emailOtp: true,
      anonymous: true,
      phone: true,
      jwt: true,
      invites: true,
    });
    expect(config.version).toBe("2.3.0");
    expect(config.platforms).toEqual([]);
    expect(config.apiKeys).toEqual([]);
  });

  it("fills defaults inside a partial auth block", () => {
    const { config } = createAccountService({ ...base(), auth: { maxSessions: 3, methods: { anonymous: false } } });
    expect(config.auth.maxSessions).toBe(3);
    expect(config.auth.sessionDuration).toBe(31_536_000);
    expect(config.auth.methods.anonymous).toBe(false);
    expect(config.auth.methods.emailPassword).toBe(true);
  });
});
