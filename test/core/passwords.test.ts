import { describe, expect, it } from "vitest";
import { argon2Hasher, OWASP_ARGON2 } from "../../src/crypto/argon2-hasher";
import { memoryStore } from "../../src/stores/memory";
import { AppwriteError } from "../../src/errors";
import { countingHasher, expectAppwriteError, login, makeService, PASSWORD, signup, userRecord } from "./support";

const OWASP_PREFIX = "$argon2id$v=19$m=19456,t=2,p=1$";
const CHEAP_PREFIX = "$argon2id$v=19$m=256,t=1,p=1$";
const DICTIONARY_MESSAGE =
  "Invalid `password` param: Password must be between 8 and 265 characters long, and should not be one of the commonly used password.";

describe("default password hasher", () => {
  it("is Argon2id with OWASP's parameters (m=19456 KiB, t=2, p=1)", async () => {
    expect(OWASP_ARGON2).toEqual({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const hasher = argon2Hasher();
    const hash = await hasher.hash("correct horse");
    expect(hash.startsWith(OWASP_PREFIX)).toBe(true);
    expect(await hasher.verify(hash, "correct horse")).toBe(true);
    expect(await hasher.verify(hash, "correct horsf")).toBe(false);
    expect(hasher.needsRehash(hash)).toBe(false);
  });

  it("is what the service uses when no hasher is configured", async () => {
    const { service } = makeService({ passwordHasher: undefined });
    const userId = await signup(service);
    const user = await service.config.store.users.get(userId);
    expect(user!.passwordHash!.startsWith(OWASP_PREFIX)).toBe(true);
  });

  it("salts: the same password hashes differently twice", async () => {
    const hasher = argon2Hasher({ memoryCost: 256, timeCost: 1 });
    const [a, b] = await Promise.all([hasher.hash("same password"), hasher.hash("same password")]);
    expect(a).not.toBe(b);
  });

  it("verify returns false (does not throw) for a non-argon2 or malformed hash", async () => {
    const hasher = argon2Hasher({ memoryCost: 256, timeCost: 1 });
    expect(await hasher.verify("$2y$10$abcdefghijklmnopqrstuv", "whatever1")).toBe(false);
    expect(await hasher.verify("$argon2id$garbage", "whatever1")).toBe(false);
    expect(await hasher.verify("", "whatever1")).toBe(false);
  });

  it("hashing runs off the event loop: timers keep firing during 4 concurrent default-cost hashes", async () => {
    const hasher = argon2Hasher();
    let pending = 0;
    let ticksWhilePending = 0;
    const timer = setInterval(() => {
      if (pending > 0) ticksWhilePending++;
    }, 5);
    try {
      // Repeat rounds until enough ticks are seen, so a fast machine does not make this flaky.
      // A hasher that blocked the loop would resolve every round without a macrotask turn, so
      // the interval could never fire while a hash was pending and this would stop at 0.
      for (let round = 0; round < 25 && ticksWhilePending < 5; round++) {
        pending = 4;
        const hashes = await Promise.all(
          Array.from({ length: 4 }, async (_, i) => {
            try {
              return await hasher.hash(`concurrent password ${round}-${i}`);
            } finally {
              pending--;
            }
          }),
        );
        for (const h of hashes) expect(h.startsWith(OWASP_PREFIX)).toBe(true);
      }
    } finally {
      clearInterval(timer);
    }
    expect(ticksWhilePending).toBeGreaterThanOrEqual(5);
  });
});

describe("rehash on login", () => {
  const hasherA = () => argon2Hasher({ memoryCost: 256, timeCost: 1 });
  const hasherB = () => argon2Hasher({ memoryCost: 512, timeCost: 1 });

  it("a hash made with old parameters is upgraded to the current hasher's on a successful login", async () => {
    const store = memoryStore();
    const a = makeService({ store, passwordHasher: hasherA() });
    const userId = await signup(a.service);
    expect((await store.users.get(userId))!.passwordHash!.startsWith("$argon2id$v=19$m=256,t=1,p=1$")).toBe(true);

    const b = makeService({ store, passwordHasher: hasherB() });
    // A failed login does not touch the hash.
    await expectAppwriteError(
      b.service.createEmailPasswordSession({ email: "jane@example.com", password: "wrong password!" }),
      "user_invalid_credentials",
    );
    expect((await store.users.get(userId))!.passwordHash!.startsWith("$argon2id$v=19$m=256,t=1,p=1$")).toBe(true);

    const session = await login(b.service);
    const upgraded = (await store.users.get(userId))!.passwordHash!;
    expect(upgraded.startsWith("$argon2id$v=19$m=512,t=1,p=1$")).toBe(true);
    expect((await b.service.get({ session })).$id).toBe(userId);

    // The same password still works, and a second login does not rehash again.
    await login(b.service);
    expect((await store.users.get(userId))!.passwordHash).toBe(upgraded);
    // A wrong password still fails against the new hash.
    await expectAppwriteError(
      b.service.createEmailPasswordSession({ email: "jane@example.com", password: "wrong password!" }),
      "user_invalid_credentials",
    );
  });
});

describe("unknown e-mail and wrong password take the same path", () => {
  async function attempt(promise: Promise<unknown>): Promise<AppwriteError> {
    return expectAppwriteError(promise, "user_invalid_credentials", 401);
  }

  it("each failure costs exactly one verify, and the errors are identical", async () => {
    const hasher = countingHasher();
    const { service, store } = makeService({ passwordHasher: hasher });
    const userId = await signup(service, "jane@example.com");
    const realHash = (await store.users.get(userId))!.passwordHash!;
    await store.users.create(userRecord({ email: "nopass@example.com", passwordHash: null }));

    hasher.verified.length = 0;
    const unknown = await attempt(service.createEmailPasswordSession({ email: "nobody@example.com", password: PASSWORD }));
    expect(hasher.verified).toHaveLength(1);
    const dummy = hasher.verified[0]!;
    // The dummy is a real hash of the current hasher, so it costs the same as a real one.
    expect(dummy.startsWith(CHEAP_PREFIX)).toBe(true);
    expect(dummy).not.toBe(realHash);

    hasher.verified.length = 0;
    const passwordless = await attempt(service.createEmailPasswordSession({ email: "nopass@example.com", password: PASSWORD }));
    expect(hasher.verified).toEqual([dummy]);

    hasher.verified.length = 0;
    const wrong = await attempt(service.createEmailPasswordSession({ email: "jane@example.com", password: "not the password" }));
    expect(hasher.verified).toEqual([realHash]);

    const shape = (e: AppwriteError) => ({
      name: e.name,
      ctor: e.constructor,
      type: e.type,
      code: e.code,
      message: e.message,
      wire: e.toJSON("1.6.2"),
    });
    expect(shape(unknown)).toEqual(shape(wrong));
    expect(shape(passwordless)).toEqual(shape(wrong));
    expect(wrong.message).toBe("Invalid credentials. Please check the email and password.");
  });

  // A direct call is current: 403 since Appwrite 1.9.0 (src/core/behaviour.ts).
  it("a blocked user with a wrong password sees user_invalid_credentials, with the right one user_blocked", async () => {
    const { service, store } = makeService();
    const userId = await signup(service);
    await store.users.update(userId, { status: false });
    await expectAppwriteError(
      service.createEmailPasswordSession({ email: "jane@example.com", password: "not the password" }),
      "user_invalid_credentials",
    );
    await expectAppwriteError(service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }), "user_blocked", 403);
  });

  it("login looks the e-mail up normalised (case, spaces, NFKC)", async () => {
    const { service } = makeService();
    const userId = await signup(service, "jane@example.com");
    const session = await login(service, "  ＪＡＮＥ@Example.COM ");
    expect((await service.get({ session })).$id).toBe(userId);
  });
});

describe("password dictionary (auth.passwordDictionary)", () => {
  it.each([["password"], ["12345678"]])("refuses %j on signup with the '265' message", async (pw) => {
    const { service, store } = makeService({ auth: { passwordDictionary: true } });
    const error = await expectAppwriteError(
      service.create({ userId: "unique()", email: "jane@example.com", password: pw }),
      "general_argument_invalid",
      400,
    );
    expect(error.message).toBe(DICTIONARY_MESSAGE);
    expect(await store.users.count()).toBe(0);
  });

  it("accepts a strong password", async () => {
    const { service } = makeService({ auth: { passwordDictionary: true } });
    const account = await service.create({ userId: "unique()", email: "jane@example.com", password: "Tr0ub4dor&3-horse-staple" });
    expect(account.email).toBe("jane@example.com");
  });

  it("is off by default", async () => {
    const { service } = makeService();
    await expect(service.create({ userId: "unique()", email: "jane@example.com", password: "password" })).resolves.toMatchObject({
      email: "jane@example.com",
    });
  });

  it("also applies to PATCH /account/password", async () => {
    const { service } = makeService({ auth: { passwordDictionary: true } });
    await signup(service);
    const session = await login(service);
    const error = await expectAppwriteError(
      service.updatePassword({ password: "12345678", oldPassword: PASSWORD }, { session }),
      "general_argument_invalid",
    );
    expect(error.message).toBe(DICTIONARY_MESSAGE);
  });

  it("is the password param's own validator, so it fails before a later invalid param (declaration order)", async () => {
    const { service } = makeService({ auth: { passwordDictionary: true } });
    const error = await expectAppwriteError(
      service.create({ userId: "unique()", email: "jane@example.com", password: "password", name: "x".repeat(129) }),
      "general_argument_invalid",
    );
    expect(error.message).toBe(DICTIONARY_MESSAGE);
  });
});

describe("personal-data check (auth.personalDataCheck)", () => {
  const cases: [string, string][] = [
    ["the user id", "my-JANE_DOE77-pw"],
    ["the e-mail", "JANE.D@EXAMPLE.COM!!"],
    ["the e-mail's local part", "xx-Jane.D-xx"],
    ["the name", "i am MARY POPPINS"],
  ];

  it.each(cases)("refuses a password containing %s, case-insensitively", async (_what, pw) => {
    const { service, store } = makeService({ auth: { personalDataCheck: true } });
    await expectAppwriteError(
      service.create({ userId: "Jane_Doe77", email: "jane.d@example.com", password: pw, name: "Mary Poppins" }),
      "password_personal_data",
      400,
    );
    expect(await store.users.count()).toBe(0);
  });

  it("accepts an unrelated password, and the check is off by default", async () => {
    const on = makeService({ auth: { personalDataCheck: true } });
    await expect(
      on.service.create({ userId: "Jane_Doe77", email: "jane.d@example.com", password: "Tr0ub4dor&3-horse", name: "Mary Poppins" }),
    ).resolves.toMatchObject({ $id: "Jane_Doe77" });
    const off = makeService();
    await expect(
      off.service.create({ userId: "Jane_Doe77", email: "jane.d@example.com", password: "my-JANE_DOE77-pw", name: "Mary Poppins" }),
    ).resolves.toMatchObject({ $id: "Jane_Doe77" });
  });

  it("on password update also refuses the phone, with or without '+'", async () => {
    const { service } = makeService({ auth: { personalDataCheck: true } });
    await signup(service);
    const session = await login(service);
    await service.updatePhone({ phone: "+14155550123", password: PASSWORD }, { session });
    await expectAppwriteError(
      service.updatePassword({ password: "pw+14155550123", oldPassword: PASSWORD }, { session }),
      "password_personal_data",
    );
    await expectAppwriteError(
      service.updatePassword({ password: "pw14155550123", oldPassword: PASSWORD }, { session }),
      "password_personal_data",
    );
    await expect(service.updatePassword({ password: "Tr0ub4dor&3-horse", oldPassword: PASSWORD }, { session })).resolves.toBeTruthy();
  });
});

describe("setting the first password through PATCH /account/email skips the three checks", () => {
  it("an anonymous user converts with a dictionary password that contains its e-mail", async () => {
    const { service } = makeService({ auth: { passwordDictionary: true, personalDataCheck: true, passwordHistory: 3 } });
    const anon = await service.execute("createAnonymousSession", {}, {});
    const ctx = { session: anon.setSession!.value };
    // "password" is in the dictionary; "password@x.io" contains the e-mail's local part and the e-mail.
    const converted = await service.updateEmail({ email: "password@x.io", password: "password" }, ctx);
    expect(converted.email).toBe("password@x.io");
    expect(converted.emailVerification).toBe(false);
    await login(service, "password@x.io", "password");
  });
});

describe("password history (auth.passwordHistory)", () => {
  it("refuses the current and the previous password with N=2; an older one is allowed again", async () => {
    const { service, store } = makeService({ auth: { passwordHistory: 2 } });
    const [p1, p2, p3] = ["first password 1", "second password 2", "third password 3"];
    const userId = await signup(service, "jane@example.com", p1);
    const session = await login(service, "jane@example.com", p1);

    await service.updatePassword({ password: p2, oldPassword: p1 }, { session });
    await expectAppwriteError(service.updatePassword({ password: p2, oldPassword: p2 }, { session }), "password_recently_used", 400);
    await expectAppwriteError(service.updatePassword({ password: p1, oldPassword: p2 }, { session }), "password_recently_used", 400);

    await service.updatePassword({ password: p3, oldPassword: p2 }, { session });
    expect((await store.users.get(userId))!.passwordHistory).toHaveLength(2);
    // p1 has left the last-two window.
    await service.updatePassword({ password: p1, oldPassword: p3 }, { session });
    await login(service, "jane@example.com", p1);
  });

  it("a passwordless (anonymous) user may set a first password without oldPassword", async () => {
    const { service, store } = makeService({ auth: { passwordHistory: 2 } });
    const anon = await service.execute("createAnonymousSession", {}, {});
    const ctx = { session: anon.setSession!.value };
    const account = await service.updatePassword({ password: "first password 1" }, ctx);
    expect(account.passwordUpdate).not.toBe("");
    expect((await store.users.get(account.$id))!.passwordHash).toMatch(/^\$argon2id\$/);
    // From now on the old password is required.
    await expectAppwriteError(service.updatePassword({ password: "second password 2" }, ctx), "user_invalid_credentials");
  });

  it("is off by default: the same password may be set again", async () => {
    const { service } = makeService();
    await signup(service);
    const session = await login(service);
    await expect(service.updatePassword({ password: PASSWORD, oldPassword: PASSWORD }, { session })).resolves.toBeTruthy();
  });

  it("a wrong oldPassword is refused as user_invalid_credentials", async () => {
    const { service } = makeService();
    await signup(service);
    const session = await login(service);
    await expectAppwriteError(
      service.updatePassword({ password: "brand new pass", oldPassword: "not the password" }, { session }),
      "user_invalid_credentials",
      401,
    );
    await expectAppwriteError(service.updatePassword({ password: "brand new pass" }, { session }), "user_invalid_credentials", 401);
  });
});
