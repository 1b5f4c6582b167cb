import { afterEach, describe, expect, it } from "vitest";
import { AppwriteError, memoryStore } from "gatehouse-auth";
import { createTestAccountService, TEST_PASSWORD, testClock, type TestAccountService } from "gatehouse-auth/testing";

/** createTestAccountService: defaults, signUp/signIn, reset, overrides, independence. */
describe("createTestAccountService", () => {
  let t: TestAccountService;
  afterEach(() => t.close());

  it("signs a user up and in; the session is a context any method takes", async () => {
    t = createTestAccountService();
    const jane = await t.signUp({ email: "jane@example.com", name: "Jane" });
    expect(jane).toMatchObject({ email: "jane@example.com", password: TEST_PASSWORD, name: "Jane" });
    expect(jane.account.$id).toBe(jane.id);

    const session = await t.signIn(jane);
    expect(session.userId).toBe(jane.id);
    const me = await t.service.get(session);
    expect(me.email).toBe("jane@example.com");
    const sessions = await t.service.listSessions(session);
    expect(sessions.sessions.map((s) => s.$id)).toEqual([session.sessionId]);
  });

  it("uses the test clock: records are dated at 2026-01-01 and move with advance()", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    expect(user.account.registration).toBe("2026-01-01T00:00:00.000+00:00");
    t.clock.advance("1h");
    const session = await t.signIn(user);
    expect(session.model.$createdAt).toBe("2026-01-01T01:00:00.000+00:00");
  });

  it("has rate limits off, so a test may call a route many times", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    // createEmailPasswordSession allows 10 per 60 minutes per address in production (src/core/rate-limits.ts).
    for (let i = 0; i < 12; i++) await t.signIn(user);
    const { total } = await t.service.listSessions(await t.signIn(user));
    // 13 sign-ins, none refused; the oldest fall to the session limit (auth.maxSessions, 10).
    expect(total).toBe(10);
  });

  it("turns rate limits on when asked", async () => {
    t = createTestAccountService({ rateLimits: true });
    const user = await t.signUp();
    let limited: unknown;
    for (let i = 0; i < 12 && !limited; i++)
      await t
        .signIn({ ...user, password: "wrong password!" })
        .catch((e) => (limited = e.type === "general_rate_limit_exceeded" ? e : undefined));
    expect(limited).toBeInstanceOf(AppwriteError);
  });

  it("takes any option of createAccountService: project id, auth settings, its own clock", async () => {
    t = createTestAccountService({ projectId: "shop", auth: { passwordDictionary: true }, clock: testClock("2030-06-01T00:00:00Z") });
    expect(t.projectId).toBe("shop");
    expect(t.service.config.projectId).toBe("shop");
    await expect(t.signUp({ password: "password" })).rejects.toMatchObject({ type: "general_argument_invalid" });
    const user = await t.signUp();
    expect(user.account.registration).toBe("2030-06-01T00:00:00.000+00:00");
  });

  it("reset() empties the store and the outbox and rewinds the clock; the service object stays valid", async () => {
    t = createTestAccountService();
    const { service } = t;
    const user = await t.signUp({ email: "reset@example.com" });
    await service.createRecovery({ email: user.email, url: "http://localhost/reset" });
    t.clock.advance("2d");
    await t.reset();
    expect(t.clock.now()).toBe(Date.parse("2026-01-01T00:00:00Z"));
    expect(t.emails()).toEqual([]);
    expect(await t.store.users.get(user.id)).toBeNull();
    // The same facade now runs on the new store: the address is free again.
    const again = await service.create({ userId: "unique()", email: "reset@example.com", password: TEST_PASSWORD });
    expect(again.$id).not.toBe(user.id);
  });

  it("reset() keeps a store the test brought", async () => {
    const store = memoryStore();
    t = createTestAccountService({ store });
    const user = await t.signUp();
    await t.reset();
    expect(t.store).toBe(store);
    expect(await store.users.get(user.id)).not.toBeNull();
  });

  it("marks the address verified when signUp is asked to", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ emailVerified: true });
    expect(user.account.emailVerification).toBe(true);
    expect((await t.service.get(await t.signIn(user))).emailVerification).toBe(true);
  });
});

describe("parallel safety: no state shared between test services", () => {
  it("two services running at once see only their own users, mail and time", async () => {
    const a = createTestAccountService();
    const b = createTestAccountService();
    await Promise.all([a.signUp({ email: "same@example.com" }), b.signUp({ email: "same@example.com" })]);
    a.clock.advance("3h");
    await Promise.all([
      a.service.createRecovery({ email: "same@example.com", url: "http://localhost/a" }),
      b.service.createRecovery({ email: "same@example.com", url: "http://localhost/b" }),
    ]);
    expect(a.lastEmail("same@example.com", "recovery").link).toMatch(/^http:\/\/localhost\/a\?/);
    expect(b.lastEmail("same@example.com", "recovery").link).toMatch(/^http:\/\/localhost\/b\?/);
    expect(a.emails()).toHaveLength(1);
    expect(b.clock.now()).toBe(a.clock.now() - 3 * 3_600_000);
    // A session of one is unknown to the other: there it is a guest.
    const inA = await a.signIn({ email: "same@example.com", password: TEST_PASSWORD });
    expect((await a.service.get(inA)).$id).toBe(inA.userId);
    await expect(b.service.get(inA)).rejects.toMatchObject({ type: "general_unauthorized_scope" });
    await Promise.all([a.close(), b.close()]);
  });
});
