import { describe, expect, it } from "vitest";
import { memoryStore } from "../../src/stores/memory";
import { storeContract, makeLog, makeSession, makeUser } from "./contract";

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
          await tx.createUser(makeUser());
          active--;
        }),
      ),
    );
    expect(peak).toBe(1);
    expect(await store.countUsers()).toBe(5);
  });

  it("lets plain calls proceed while a transaction is open", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.transaction(async () => {
      await store.createUser(user);
    });
    expect(await store.getUser(user.id)).toEqual(user);
  });

  it("lists logs with equal times newest-inserted first", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.createUser(user);
    const time = new Date(Date.UTC(2024, 0, 1));
    const logs = Array.from({ length: 4 }, (_, i) => makeLog(user.id, { time, event: `e${i}` }));
    for (const log of logs) await store.appendLog(log);
    expect(await store.listLogs(user.id, { limit: 10, offset: 0 })).toEqual([...logs].reverse());
    expect(await store.listLogs(user.id, { limit: 2, offset: 1 })).toEqual([logs[2], logs[1]]);
  });

  it("deletes a user's logs with the user and restores them on rollback", async () => {
    const store = memoryStore();
    const user = makeUser();
    await store.createUser(user);
    const log = makeLog(user.id);
    await store.appendLog(log);
    await store
      .transaction(async (tx) => {
        await tx.deleteUser(user.id);
        throw new Error("abort");
      })
      .catch(() => undefined);
    expect(await store.listLogs(user.id, { limit: 10, offset: 0 })).toEqual([log]);
    await store.deleteUser(user.id);
    expect(await store.countLogs(user.id)).toBe(0);
  });

  it("rolls back only a nested transaction whose error the outer one catches", async () => {
    const store = memoryStore();
    const outer = makeUser();
    const inner = makeUser();
    await store.transaction(async (tx) => {
      await tx.createUser(outer);
      await tx
        .transaction(async (nested) => {
          await nested.createUser(inner);
          throw new Error("nested");
        })
        .catch(() => undefined);
    });
    expect(await store.getUser(outer.id)).toEqual(outer);
    expect(await store.getUser(inner.id)).toBeNull();
    expect(await store.getUserByEmail(inner.email!)).toBeNull();
  });

  it("finds the right session among many users", async () => {
    const store = memoryStore();
    const users = Array.from({ length: 2000 }, () => makeUser());
    for (const user of users) await store.createUser(user);
    const sessions = users.map((user) => makeSession(user.id));
    for (const session of sessions) await store.createSession(session);
    const target = sessions[1234]!;
    expect((await store.findAuthSession(target.userId, target.secretHash))?.session).toEqual(target);
  });
});
