/**
 * Defence in depth against prototype pollution (issue 11, item 1): the pipeline (src/core/pipeline.ts)
 * reads an operation's flags only from the operation itself. Should anything ever write
 * `skipsMfaGate`, `guestOnly`, `rateLimit`, … into `Object.prototype`, no check is switched off
 * or added. Each test pollutes the prototype for one call only.
 */
import { afterEach, describe, expect, it } from "vitest";
import { expectAppwriteError, login, makeService, signup } from "../core/support";

const polluted: string[] = [];

/** Sets `Object.prototype[name]` until the end of the test. */
function pollute(name: string, value: unknown): void {
  Object.defineProperty(Object.prototype, name, { value, configurable: true, writable: true, enumerable: false });
  polluted.push(name);
}

afterEach(() => {
  for (const name of polluted.splice(0)) delete (Object.prototype as Record<string, unknown>)[name];
});

async function signedIn(overrides: Parameters<typeof makeService>[0] = {}) {
  const fixture = makeService(overrides);
  const userId = await signup(fixture.service);
  const session = await login(fixture.service);
  return { ...fixture, userId, session };
}

describe("operation flags are own properties only", () => {
  it("a polluted `skipsMfaGate` does not open the MFA gate", async () => {
    const { service, store, userId, session } = await signedIn();
    await store.users.update(userId, { mfa: true, emailVerification: true });
    pollute("skipsMfaGate", true);
    await expectAppwriteError(service.execute("get", { session }), "user_more_factors_required", 401);
  });

  it("a polluted `rateLimit` does not limit a route that has none", async () => {
    const { service, session } = await signedIn({ rateLimits: true });
    pollute("rateLimit", { limit: 0, keys: [{ key: "polluted", limit: 0 }, "polluted"] });
    const outcome = await service.execute("get", { session });
    expect(outcome.status).toBe(200);
    expect(outcome.headers["X-RateLimit-Limit"]).toBeUndefined();
  });

  it("a polluted `authMethod`, `guestOnly`, `needsRecentChallenge` or `checksTimestamp` adds no check", async () => {
    const { service, session } = await signedIn({ auth: { methods: { jwt: false } } });
    const flags: [string, unknown][] = [
      ["authMethod", "jwt"],
      ["guestOnly", true],
      ["needsRecentChallenge", true],
      ["checksTimestamp", true],
    ];
    for (const [name, value] of flags) {
      pollute(name, value);
      const outcome = await service.execute("get", { session, timestamp: "2000-01-01T00:00:00.000+00:00" });
      expect(outcome.status, name).toBe(200);
      delete (Object.prototype as Record<string, unknown>)[name];
    }
  });
});
