/**
 * Findings of the 2026-12-05 review of the day's landed work. Each case asserts what SECURITY.md
 * promises and failed on the code as the review found it.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createAccountService, memoryStore, type AccountService, type Store } from "gatehouse-auth";
import { cheapHasher } from "../helpers/server";

const md5 = (text: string) => createHash("md5").update(text).digest("hex");

async function loginOutcome(service: AccountService, email: string, password: string): Promise<string> {
  try {
    await service.createEmailPasswordSession({ email, password });
    return "session";
  } catch (error) {
    return (error as { type?: string }).type ?? String(error);
  }
}

describe("the first login's re-hash (src/core/operations/sessions.ts createEmailPasswordSession)", () => {
  // MEDIUM (fixed: the write is `users.updatePasswordIf`). The login read the user again after
  // verifying, then wrote the upgraded hash with an unconditional update. A reset that commits between that read and the write (one
  // database round trip on SQL stores) is overwritten by the hash of the old password: the
  // owner's new password stops working and the old one, which the reset meant to retire, signs
  // in again. A compare-and-set on the stored hash (update only while it is still the one
  // verified) closes it. The memory store stands in for a database here only to place the
  // reset at that exact moment: its password writes are wrapped so the admin's password change runs
  // first when the login's upgrade arrives, as a concurrent request's commit would.
  it("a reset that lands between the login's second read and its re-hash write is kept", async () => {
    const inner = memoryStore();
    let beforeUpgrade: ((id: string) => Promise<void>) | null = null;
    const users = new Proxy(inner.users, {
      get(target, name, receiver) {
        const value = Reflect.get(target, name, receiver) as unknown;
        if ((name !== "update" && name !== "updatePasswordIf") || typeof value !== "function")
          return typeof value === "function" ? value.bind(target) : value;
        return async (id: string, ...rest: unknown[]) => {
          const patch = rest[rest.length - 1] as { passwordHash?: unknown };
          const hook = beforeUpgrade;
          if (hook && typeof patch.passwordHash === "string" && patch.passwordHash.startsWith("$argon2")) {
            beforeUpgrade = null;
            await hook(id);
          }
          return (value as (id: string, ...args: unknown[]) => Promise<unknown>).call(target, id, ...rest);
        };
      },
    });
    const store = new Proxy(inner, {
      get: (target, name, receiver) => (name === "users" ? users : Reflect.get(target, name, receiver)),
    }) as Store;
    const service = createAccountService({ projectId: "review", store, passwordHasher: cheapHasher(), rateLimits: false });
    const email = "owner@example.com";
    await service.users.createMD5User({ userId: "owner", email, password: md5("old-password") });

    beforeUpgrade = async (id) => {
      await service.users.updatePassword({ userId: id, password: "new-password-1" });
    };
    await loginOutcome(service, email, "old-password");
    expect(beforeUpgrade).toBeNull(); // the reset did run between the read and the write

    expect(await loginOutcome(service, email, "new-password-1")).toBe("session");
    expect(await loginOutcome(service, email, "old-password")).toBe("user_invalid_credentials");
  });
});
