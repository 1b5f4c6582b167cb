/**
 * Users imported with another system's password hash (`/users/argon2`, `/users/md5`,
 * `/users/sha`) through node-appwrite 16 and 27: the import, a login with the old password, and
 * the re-hash to the configured Argon2id on that first login. Hashes are Appwrite's own test
 * vectors (password `appwrite`), and SHA digests made here with node:crypto.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server";
import { expectAppwriteError } from "../helpers/sdk";
import { storeOf, uniqueEmail, uniqueId } from "../helpers/flows";
import { SDKS, usersSdk, type UsersSdk } from "../helpers/users-sdk";

const ADMIN_KEY = "import-admin-key-0123456789abcdef";
const PASSWORD = "appwrite";
const MD5 = "144fa7eaa4904e8ee120651997f70dcc";
const ARGON2I = "$argon2i$v=19$m=20,t=3,p=2$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI";
const SHA512 =
  "4243da0a694e8a2f727c8060fe0507c8fa01ca68146c76d2c190805b638c20c6bf6ba04e21f11ae138785d0bff63c416e6f87badbffad37f6dee50094cc38c70";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ rateLimits: false, apiKeys: [{ secret: ADMIN_KEY, scopes: ["users.read", "users.write"] }] });
});
afterAll(() => s.close());

const ORDER = {
  createArgon2User: ["userId", "email", "password", "name"],
  createMD5User: ["userId", "email", "password", "name"],
  createSHAUser: ["userId", "email", "password", "passwordVersion", "name"],
};

/** The `hash` each import route's users show until their first login. */
const ALGORITHM = { createArgon2User: "argon2", createMD5User: "md5", createSHAUser: "sha" } as const;

describe.each(SDKS)("hash imports through %s", (sdk) => {
  let u: UsersSdk;
  beforeAll(() => {
    u = usersSdk(sdk, s.endpoint, ADMIN_KEY, {}, ORDER);
  });

  /** Imports, signs in with the old password, and checks the stored hash became Argon2id. */
  async function importAndLogin(method: keyof typeof ORDER, hash: string, options: { hashOptions: object; extra?: object }) {
    const email = uniqueEmail("imp");
    const user = await u.call(method, { userId: uniqueId("imp"), email, password: hash, name: "Imported", ...options.extra });
    expect({ hash: user.hash, hashOptions: user.hashOptions }).toEqual({ hash: ALGORITHM[method], hashOptions: options.hashOptions });
    expect(JSON.stringify(user)).not.toContain(hash.toLowerCase());
    await expectAppwriteError(u.guest().createEmailPasswordSession(email, "not the password"), "user_invalid_credentials", 401);
    const session = await u.guest().createEmailPasswordSession(email, PASSWORD);
    expect(session.userId).toBe(user.$id);
    const stored = (await storeOf(s).users.get(user.$id))!.passwordHash!;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
    expect((await u.call("get", { userId: user.$id })).hash).toBe("argon2");
    // The old password still works, now against the new hash.
    expect((await u.guest().createEmailPasswordSession(email, PASSWORD)).userId).toBe(user.$id);
    return user;
  }

  it("MD5: Appwrite's vector, upper-case hex too", async () => {
    const user = await importAndLogin("createMD5User", MD5, { hashOptions: { type: "md5" } });
    expect(user.hash).toBe("md5");
    await importAndLogin("createMD5User", MD5.toUpperCase(), { hashOptions: { type: "md5" } });
  });

  it("SHA: Appwrite's SHA-512 vector, SHA-256 by default, SHA3 and SHA-512/256 by name", async () => {
    await importAndLogin("createSHAUser", SHA512, {
      hashOptions: { type: "sha", version: "sha512" },
      extra: { passwordVersion: "sha512" },
    });
    const sha256 = createHash("sha256").update(PASSWORD).digest("hex");
    await importAndLogin("createSHAUser", sha256, { hashOptions: { type: "sha", version: "sha256" } });
    const sha3 = createHash("sha3-512").update(PASSWORD).digest("hex");
    await importAndLogin("createSHAUser", sha3, {
      hashOptions: { type: "sha", version: "sha3-512" },
      extra: { passwordVersion: "sha3-512" },
    });
    const truncated = createHash("sha512-256").update(PASSWORD).digest("hex");
    await importAndLogin("createSHAUser", truncated, {
      hashOptions: { type: "sha", version: "sha512/256" },
      extra: { passwordVersion: "sha512/256" },
    });
  });

  it("Argon2: Appwrite's argon2i vector", async () => {
    await importAndLogin("createArgon2User", ARGON2I, { hashOptions: { type: "argon2", memoryCost: 20, timeCost: 3, threads: 2 } });
  });

  it("refuses hashes of the wrong shape, costly Argon2 parameters, unknown versions, taken ids", async () => {
    const bad = (method: keyof typeof ORDER, password: string, extra: object = {}) =>
      expectAppwriteError(
        u.call(method, { userId: uniqueId("bad"), email: uniqueEmail("bad"), password, ...extra }),
        "general_argument_invalid",
        400,
      );
    await bad("createMD5User", "z".repeat(32));
    await bad("createMD5User", MD5.slice(1));
    await bad("createSHAUser", MD5); // an MD5 digest is not a SHA-256 one
    await bad("createSHAUser", SHA512, { passwordVersion: "sha9" });
    await bad("createArgon2User", "$argon2id$v=19$m=4194304,t=3,p=1$YXBwd3JpdGU$A/54i238ed09ZR4NwlACU5XnkjNBZU9QeOEuhjLiexI");
    await bad("createArgon2User", "$2a$10$notargon2notargon2notargon2notargon2notargon2notar");
    const user = await u.call("createMD5User", { userId: uniqueId("dup"), email: uniqueEmail("dup"), password: MD5 });
    await expectAppwriteError(
      u.call("createMD5User", { userId: user.$id, email: uniqueEmail("dup"), password: MD5 }),
      "user_already_exists",
      409,
    );
    await expectAppwriteError(
      usersSdk(sdk, s.endpoint, "no-such-key-0123456789abcdef", {}, ORDER).call("createMD5User", {
        userId: "x",
        email: uniqueEmail("k"),
        password: MD5,
      }),
      "user_unauthorized",
      401,
    );
  });
});
