/**
 * A password change that commits while a login is between its checks and its session insert
 * (src/core/operations/sessions.ts createEmailPasswordSession, src/core/session-start.ts
 * `confirm`). The memory store stands in for a database only to place the change at that exact
 * moment: `sessions.create` is wrapped so the admin's password change runs first, as a concurrent
 * request's commit would on a SQL store.
 */
import { describe, expect, it } from "vitest";
import { createAccountService, memoryStore, type Store } from "gatehouse-auth";
import { cheapHasher } from "../helpers/server";

function storeWithHook(beforeSessionInsert: { run: (() => Promise<void>) | null }): Store {
  const inner = memoryStore();
  const sessions = new Proxy(inner.sessions, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver) as unknown;
      if (typeof value !== "function") return value;
      if (name !== "create") return value.bind(target);
      return async (...args: unknown[]) => {
        const hook = beforeSessionInsert.run;
        beforeSessionInsert.run = null;
        if (hook) await hook();
        return (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
      };
    },
  });
  return new Proxy(inner, {
    get: (target, name, receiver) => (name === "sessions" ? sessions : Reflect.get(target, name, receiver)),
  }) as Store;
}

describe("a password change racing a login", () => {
  it("a change that commits just before the login's session insert leaves no session for the old password", async () => {
    const hook: { run: (() => Promise<void>) | null } = { run: null };
    const store = storeWithHook(hook);
    const service = createAccountService({ projectId: "race", store, passwordHasher: cheapHasher(), rateLimits: false });
    await service.users.create({ userId: "owner", email: "owner@example.com", password: "old-password-1" });

    let changed = false;
    hook.run = async () => {
      await service.users.updatePassword({ userId: "owner", password: "new-password-1" });
      changed = true;
    };
    await expect(service.createEmailPasswordSession({ email: "owner@example.com", password: "old-password-1" })).rejects.toMatchObject({
      type: "user_invalid_credentials",
    });
    expect(changed).toBe(true);
    // Before the check after the insert, the login's session was stored after the change had
    // ended every session, and the old password kept a live session.
    expect(await store.sessions.list("owner")).toEqual([]);
  });

  it("a change to a hash the same password verifies (another login's upgrade) keeps the login", async () => {
    const hook: { run: (() => Promise<void>) | null } = { run: null };
    const store = storeWithHook(hook);
    const hasher = cheapHasher();
    const service = createAccountService({ projectId: "race", store, passwordHasher: hasher, rateLimits: false });
    await service.users.create({ userId: "owner", email: "owner@example.com", password: "same-password-1" });
    hook.run = async () => {
      const user = (await store.users.get("owner"))!;
      // A fresh hash of the same password, as a concurrent login's upgrade would write.
      await store.users.updatePasswordIf("owner", user.passwordHash!, {
        passwordHash: await hasher.hash("same-password-1"),
        passwordHistory: [],
      });
    };
    const session = await service.createEmailPasswordSession({ email: "owner@example.com", password: "same-password-1" });
    expect(hook.run).toBeNull();
    expect((await store.sessions.list("owner")).map((s) => s.id)).toEqual([session.$id]);
  });
});
