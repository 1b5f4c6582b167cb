import { describe, expect, it, vi } from "vitest";
import { memoryStore } from "../../src/stores/memory";
import { Table } from "../../src/stores/memory/engine";
import type { Store, UserRecord } from "../../src/ports/store";
import {
  storeContract,
  makeAuthenticator,
  makeChallenge,
  makeIdentity,
  makeLog,
  makeRecoveryCode,
  makeSession,
  makeTarget,
  makeToken,
  makeUser,
} from "./contract";

storeContract("memory", async () => ({ store: memoryStore() }));

// Behaviour the port leaves open but the memory store pins down.
describe("memoryStore specifics", () => {
  it("serialises transactions", async () => {
    const store = memoryStore();
    let active = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 5 }, () =>
        store.transaction(async (tx) => {
          active++;
          peak = Math.max(peak, active);
          await new Promise((resolve) => setTimeout(resolve, 2));
          await tx.users.create(makeUser());
          active--;
        }),
      ),
    );
    expect(peak).toBe(1);
    expect(await store.users.count()).toBe(5);
  });

  it("lets plain calls proceed while a transaction is open", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.transaction(async () => {
      await store.users.create(user);
    });
    expect(await store.users.get(user.id)).toEqual(user);
  });

  it("lists logs with equal times newest-inserted first", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.users.create(user);
    const time = new Date(Date.UTC(2024, 0, 1));
    const logs = Array.from({ length: 4 }, (_, i) => makeLog(user.id, { time, event: `e${i}` }));
    for (const log of logs) await store.logs.append(log);
    expect(await store.logs.list(user.id, { limit: 10, offset: 0 })).toEqual([...logs].reverse());
    expect(await store.logs.list(user.id, { limit: 2, offset: 1 })).toEqual([logs[2], logs[1]]);
  });

  it("rolls back appended logs, freeing their ids", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.users.create(user);
    const kept = makeLog(user.id);
    await store.logs.append(kept);
    const dropped = makeLog(user.id);
    await store
      .transaction(async (tx) => {
        await tx.logs.append(dropped);
        throw new Error("abort");
      })
      .catch(() => undefined);
    expect(await store.logs.list(user.id, { limit: 10, offset: 0 })).toEqual([kept]);
    await store.logs.append(dropped);
    expect(await store.logs.count(user.id)).toBe(2);
  });

  it("rolls back only a nested transaction whose error the outer one catches", async () => {
    const store = memoryStore();
    const outer = makeUser();
    const inner = makeUser();
    await store.transaction(async (tx) => {
      await tx.users.create(outer);
      await tx
        .transaction(async (nested) => {
          await nested.users.create(inner);
          throw new Error("nested");
        })
        .catch(() => undefined);
    });
    expect(await store.users.get(outer.id)).toEqual(outer);
    expect(await store.users.get(inner.id)).toBeNull();
    expect(await store.users.getByEmail(inner.email!)).toBeNull();
  });

  it("finds the right session among many users", async () => {
    const store = memoryStore();
    const users = Array.from({ length: 2000 }, () => makeUser());
    for (const user of users) await store.users.create(user);
    const sessions = users.map((user) => makeSession(user.id));
    for (const session of sessions) await store.sessions.create(session);
    const target = sessions[1234]!;
    expect((await store.sessions.findAuth(target.userId, target.secretHash))?.session).toEqual(target);
  });

  /** A user with a row of every kind, for the delete cases. */
  async function owner(store: Store): Promise<UserRecord> {
    const user = makeUser();
    await store.users.create(user);
    const session = makeSession(user.id);
    await store.sessions.create(session);
    await store.targets.create(makeTarget(user.id, { sessionId: session.id }));
    await store.tokens.create(makeToken(user.id));
    await store.challenges.create(makeChallenge(user.id));
    await store.mfa.putAuthenticator(makeAuthenticator(user.id));
    await store.mfa.replaceRecoveryCodes(user.id, [makeRecoveryCode(user.id)]);
    await store.identities.create(makeIdentity(user.id));
    await store.logs.append(makeLog(user.id));
    return user;
  }

  it("deletes a user through the per-user indexes, without walking any table", async () => {
    const store = memoryStore();
    for (let i = 0; i < 50; i++) await owner(store);
    const user = await owner(store);
    const all = vi.spyOn(Table.prototype, "all");
    try {
      expect(await store.users.delete(user.id)).toBe(true);
      expect(all).not.toHaveBeenCalled();
    } finally {
      all.mockRestore();
    }
    expect(await store.mfa.getAuthenticator(user.id, "totp")).toBeNull();
    expect(await store.users.count()).toBe(50);
  });

  it("puts every row of a deleted user back when the transaction rolls back", async () => {
    const store = memoryStore();
    const user = await owner(store);
    const snapshot = async () => ({
      user: await store.users.get(user.id),
      sessions: await store.sessions.list(user.id),
      targets: await store.targets.list(user.id),
      tokens: await store.tokens.list(user.id, new Date(0)),
      authenticator: await store.mfa.getAuthenticator(user.id, "totp"),
      codes: await store.mfa.listRecoveryCodes(user.id),
      identities: await store.identities.list(user.id),
      logs: await store.logs.list(user.id, { limit: 10, offset: 0 }),
    });
    const before = await snapshot();
    await store
      .transaction(async (tx) => {
        expect(await tx.users.delete(user.id)).toBe(true);
        throw new Error("abort");
      })
      .catch(() => undefined);
    expect(await snapshot()).toEqual(before);
    // The indexes are back too: the user can be deleted again, taking everything with them.
    expect(await store.users.delete(user.id)).toBe(true);
    expect(await store.mfa.getAuthenticator(user.id, "totp")).toBeNull();
  });
});
