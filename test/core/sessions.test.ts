import { describe, expect, it } from "vitest";
import { decodeSessionValue } from "../../src/core/session-value";
import { sha256Hex } from "../../src/crypto/hash";
import { memoryStore } from "../../src/stores/memory";
import { DAY, expectAppwriteError, login, makeService, signup, spyStore } from "./support";

describe("session expiry (auth.sessionDuration)", () => {
  it("a session works until its duration has passed, then the caller is a guest", async () => {
    const { service, clock } = makeService({ auth: { sessionDuration: 60 } });
    const userId = await signup(service);
    const start = clock.now();
    const outcome = await service.execute(
      "createEmailPasswordSession",
      {},
      { email: "jane@example.com", password: "correct horse battery staple" },
    );
    const session = outcome.setSession!.value;
    expect(outcome.setSession!.expire.getTime()).toBe(start + 60_000);

    clock.advance(59_000);
    expect((await service.get({ session })).$id).toBe(userId);

    clock.advance(2_000);
    const error = await expectAppwriteError(service.get({ session }), "general_unauthorized_scope", 401);
    expect(error.message).toBe("User (role: guests) missing scope (account)");
  });

  it("a session is refused at exactly its expiry instant", async () => {
    const { service, clock } = makeService({ auth: { sessionDuration: 60 } });
    await signup(service);
    const session = await login(service);
    clock.advance(60_000);
    await expectAppwriteError(service.get({ session }), "general_unauthorized_scope");
  });

  it("an expired session may log in again (it no longer counts as logged in)", async () => {
    const { service, clock } = makeService({ auth: { sessionDuration: 60 } });
    await signup(service);
    const first = await login(service);
    clock.advance(61_000);
    // The session group refuses logged-in callers; an expired session is a guest.
    const second = await login(service, "jane@example.com", undefined, { session: first });
    expect(second).not.toBe(first);
  });
});

describe("session limit (auth.maxSessions)", () => {
  it("a third login removes the oldest session, whose value then stops working", async () => {
    const { service, clock } = makeService({ auth: { maxSessions: 2 } });
    const userId = await signup(service);
    const first = await login(service);
    clock.advance(1_000);
    const second = await login(service);
    clock.advance(1_000);
    const third = await login(service);

    const stored = await service.config.store.sessions.list(userId);
    expect(stored).toHaveLength(2);
    const hashes = stored.map((s) => s.secretHash);
    expect(hashes).toEqual([sha256Hex(decodeSessionValue(second).secret), sha256Hex(decodeSessionValue(third).secret)]);

    await expectAppwriteError(service.get({ session: first }), "general_unauthorized_scope", 401);
    expect((await service.get({ session: second })).$id).toBe(userId);
    expect((await service.get({ session: third })).$id).toBe(userId);
  });

  it("keeps creation order when logins happen within the same millisecond", async () => {
    const { service } = makeService({ auth: { maxSessions: 2 } });
    const userId = await signup(service);
    const values = [await login(service), await login(service), await login(service), await login(service)];
    const kept = (await service.config.store.sessions.list(userId)).map((s) => s.secretHash);
    expect(kept).toEqual(values.slice(2).map((v) => sha256Hex(decodeSessionValue(v).secret)));
    await expectAppwriteError(service.get({ session: values[0] }), "general_unauthorized_scope");
    await expectAppwriteError(service.get({ session: values[1] }), "general_unauthorized_scope");
  });

  it("the limit is per user: another user's logins do not evict yours", async () => {
    const { service } = makeService({ auth: { maxSessions: 1 } });
    const jane = await signup(service, "jane@example.com");
    await signup(service, "john@example.com");
    const janeSession = await login(service, "jane@example.com");
    await login(service, "john@example.com");
    await login(service, "john@example.com");
    expect((await service.get({ session: janeSession })).$id).toBe(jane);
  });
});

describe("session secrets", () => {
  it("the session value decodes to the user id and a 256-hex-char secret; only its sha256 is stored", async () => {
    const { service } = makeService();
    const userId = await signup(service);
    const outcome = await service.execute(
      "createEmailPasswordSession",
      {},
      { email: "jane@example.com", password: "correct horse battery staple" },
    );
    const value = outcome.setSession!.value;
    const { id, secret } = decodeSessionValue(value);
    expect(id).toBe(userId);
    expect(secret).toMatch(/^[0-9a-f]{256}$/);

    // A guest caller (no API key) never sees the secret in the body.
    expect((outcome.body as { secret: string }).secret).toBe("");

    const sessions = await service.config.store.sessions.list(userId);
    expect(sessions).toHaveLength(1);
    const record = sessions[0]!;
    expect(record.secretHash).toBe(sha256Hex(secret));
    expect(record.secretHash).toMatch(/^[0-9a-f]{64}$/);
    for (const [field, fieldValue] of Object.entries(record)) {
      expect(fieldValue, `session field ${field} holds the raw secret`).not.toBe(secret);
      expect(fieldValue, `session field ${field} holds the session value`).not.toBe(value);
    }
    expect(JSON.stringify(record)).not.toContain(secret);

    // Nor does anything else the store keeps about the user.
    const user = await service.config.store.users.get(userId);
    expect(JSON.stringify(user)).not.toContain(secret);
    const logs = await service.config.store.logs.list(userId, { limit: 100, offset: 0 });
    expect(logs.length).toBeGreaterThan(0);
    expect(JSON.stringify(logs)).not.toContain(secret);
  });

  it("two logins give different secrets and different session ids", async () => {
    const { service } = makeService();
    const userId = await signup(service);
    const a = decodeSessionValue(await login(service));
    const b = decodeSessionValue(await login(service));
    expect(a.id).toBe(userId);
    expect(b.id).toBe(userId);
    expect(a.secret).not.toBe(b.secret);
    const ids = (await service.config.store.sessions.list(userId)).map((s) => s.id);
    expect(new Set(ids).size).toBe(2);
  });

  it("a value with the right user id but a wrong secret, or another user's id, is a guest", async () => {
    const { service } = makeService();
    const jane = await signup(service, "jane@example.com");
    await signup(service, "john@example.com");
    const janeValue = decodeSessionValue(await login(service, "jane@example.com"));
    const johnValue = decodeSessionValue(await login(service, "john@example.com"));
    const encode = (id: string, secret: string) => Buffer.from(JSON.stringify({ id, secret })).toString("base64");

    expect((await service.get({ session: encode(jane, janeValue.secret) })).$id).toBe(jane);
    await expectAppwriteError(service.get({ session: encode(jane, "0".repeat(256)) }), "general_unauthorized_scope");
    // John's secret presented under Jane's id must not authenticate anyone.
    await expectAppwriteError(service.get({ session: encode(jane, johnValue.secret) }), "general_unauthorized_scope");
    // Garbage is a guest too, not an error of its own.
    await expectAppwriteError(service.get({ session: "not base64 at all!!" }), "general_unauthorized_scope");
  });
});

describe("store traffic on authenticated reads", () => {
  it("accessedAt is written at most once per 24 h", async () => {
    const spy = spyStore(memoryStore());
    const { service, clock } = makeService({ store: spy.store });
    const userId = await signup(service);
    const session = await login(service);
    const writes = () => spy.calls.filter((c) => c === "users.update").length;
    const start = clock.now();
    const before = writes();

    await service.get({ session });
    await service.get({ session });
    clock.advance(DAY - 1);
    await service.get({ session });
    expect(writes() - before).toBe(0);

    clock.advance(1);
    const account = await service.get({ session });
    expect(writes() - before).toBe(1);
    expect(account.accessedAt).toBe(new Date(start + DAY).toISOString().replace("Z", "+00:00"));
    expect((await service.config.store.users.get(userId))!.accessedAt!.getTime()).toBe(start + DAY);

    await service.get({ session });
    clock.advance(DAY - 1);
    await service.get({ session });
    expect(writes() - before).toBe(1);

    clock.advance(1);
    await service.get({ session });
    expect(writes() - before).toBe(2);
  });

  it("GET /account costs exactly one store call: sessions.findAuth", async () => {
    const spy = spyStore(memoryStore());
    const { service } = makeService({ store: spy.store });
    const userId = await signup(service);
    const session = await login(service);
    spy.calls.length = 0;

    const account = await service.get({ session });
    expect(account.$id).toBe(userId);
    expect(spy.calls).toEqual(["sessions.findAuth"]);
  });

  it("a guest GET costs no store call at all", async () => {
    const spy = spyStore(memoryStore());
    const { service } = makeService({ store: spy.store });
    await expectAppwriteError(service.get({}), "general_unauthorized_scope");
    expect(spy.calls).toEqual([]);
  });
});

describe("purgeExpired", () => {
  it("removes expired sessions and keeps live ones", async () => {
    const { service, clock } = makeService({ auth: { sessionDuration: 60 } });
    const userId = await signup(service);
    const old = await login(service);
    clock.advance(30_000);
    const fresh = await login(service);
    clock.advance(31_000); // old expired 1 s ago, fresh has 29 s left

    // Expired sessions still show in the store and in GET /account/sessions until purged (`purgeExpired`).
    expect(await service.config.store.sessions.list(userId)).toHaveLength(2);
    expect((await service.listSessions({ session: fresh })).total).toBe(2);
    expect(await service.purgeExpired()).toBe(1);

    const left = await service.config.store.sessions.list(userId);
    expect(left.map((s) => s.secretHash)).toEqual([sha256Hex(decodeSessionValue(fresh).secret)]);
    expect((await service.get({ session: fresh })).$id).toBe(userId);
    await expectAppwriteError(service.get({ session: old }), "general_unauthorized_scope");

    expect(await service.purgeExpired()).toBe(0);
    clock.advance(30_000);
    expect(await service.purgeExpired()).toBe(1);
    expect(await service.config.store.sessions.list(userId)).toHaveLength(0);
  });
});
