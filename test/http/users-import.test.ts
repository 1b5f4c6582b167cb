/**
 * Users imported with another system's password hash (`/users/argon2`, `/users/bcrypt`,
 * `/users/md5`, `/users/phpass`, `/users/scrypt`, `/users/scrypt-modified`, `/users/sha`) through
 * node-appwrite 16 and 27: the import, a login with the old password, and the re-hash to the
 * configured Argon2id on that first login. Hashes are Appwrite's own test vectors (password
 * `appwrite`), SHA digests made here with node:crypto, bcrypt hashes made with bcryptjs and
 * modified-scrypt ones with firebase-scrypt (reference implementations, dev dependencies).
 */
import { createHash } from "node:crypto";
import { hashSync } from "bcryptjs";
import { FirebaseScrypt } from "firebase-scrypt";
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
const PHPASS = "$P$Br387rwferoKN7uwHZqNMu98q3U8RO.";
/** Cost 15: above Gatehouse's cap (src/crypto/bcrypt-hash.ts), so refused at import. */
const BCRYPT_15 = "$2a$15$xX/myGbFU.ZSKHSi6EHdBOySTdYm8QxBLXmOPHrYMwV0mHRBBSBOq";
const SCRYPT = {
  passwordSalt: "appwrite",
  passwordCpu: 16384,
  passwordMemory: 13,
  passwordParallel: 2,
  passwordLength: 64,
};
const SCRYPT_HASH =
  "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b";
const SCRYPT_MOD = {
  passwordSalt: "UxLMreBr6tYyjQ==",
  passwordSaltSeparator: "Bw==",
  passwordSignerKey: "XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==",
};
const SCRYPT_MOD_HASH = "UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ rateLimits: false, apiKeys: [{ secret: ADMIN_KEY, scopes: ["users.read", "users.write"] }] });
});
afterAll(() => s.close());

const ORDER = {
  createArgon2User: ["userId", "email", "password", "name"],
  createMD5User: ["userId", "email", "password", "name"],
  createSHAUser: ["userId", "email", "password", "passwordVersion", "name"],
  createBcryptUser: ["userId", "email", "password", "name"],
  createPHPassUser: ["userId", "email", "password", "name"],
  createScryptUser: [
    "userId",
    "email",
    "password",
    "passwordSalt",
    "passwordCpu",
    "passwordMemory",
    "passwordParallel",
    "passwordLength",
    "name",
  ],
  createScryptModifiedUser: ["userId", "email", "password", "passwordSalt", "passwordSaltSeparator", "passwordSignerKey", "name"],
};

/** The `hash` each import route's users show until their first login. */
const ALGORITHM = {
  createArgon2User: "argon2",
  createMD5User: "md5",
  createSHAUser: "sha",
  createBcryptUser: "bcrypt",
  createPHPassUser: "phpass",
  createScryptUser: "scrypt",
  createScryptModifiedUser: "scryptMod",
} as const;

describe.each(SDKS)("hash imports through %s", (sdk) => {
  let u: UsersSdk;
  beforeAll(() => {
    u = usersSdk(sdk, s.endpoint, ADMIN_KEY, {}, ORDER);
  });

  /** Imports, signs in with the old password, and checks the stored hash became Argon2id. */
  async function importAndLogin(
    method: keyof typeof ORDER,
    hash: string,
    options: { hashOptions: object; extra?: object; algorithm?: string; password?: string },
  ) {
    const email = uniqueEmail("imp");
    const password = options.password ?? PASSWORD;
    const user = await u.call(method, { userId: uniqueId("imp"), email, password: hash, name: "Imported", ...options.extra });
    const algorithm = options.algorithm ?? ALGORITHM[method];
    expect({ hash: user.hash, hashOptions: user.hashOptions }).toEqual({ hash: algorithm, hashOptions: options.hashOptions });
    expect(JSON.stringify(user)).not.toContain(hash.toLowerCase());
    expect(JSON.stringify(user)).not.toContain(hash);
    await expectAppwriteError(u.guest().createEmailPasswordSession(email, "not the password"), "user_invalid_credentials", 401);
    const stillImported = await u.call("get", { userId: user.$id });
    expect({ hash: stillImported.hash, hashOptions: stillImported.hashOptions }).toEqual({
      hash: algorithm,
      hashOptions: options.hashOptions,
    });
    const session = await u.guest().createEmailPasswordSession(email, password);
    expect(session.userId).toBe(user.$id);
    const stored = (await storeOf(s).users.get(user.$id))!.passwordHash!;
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=256,t=1,p=1\$/);
    expect((await u.call("get", { userId: user.$id })).hash).toBe("argon2");
    // The old password still works, now against the new hash.
    expect((await u.guest().createEmailPasswordSession(email, password)).userId).toBe(user.$id);
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

  it("bcrypt: $2a$, $2b$ and $2y$ hashes (bcryptjs)", async () => {
    const made = hashSync(PASSWORD, 6);
    await importAndLogin("createBcryptUser", made, { hashOptions: { type: "bcrypt" } });
    await importAndLogin("createBcryptUser", `$2a$${made.slice(4)}`, { hashOptions: { type: "bcrypt" } });
    await importAndLogin("createBcryptUser", `$2y$${made.slice(4)}`, { hashOptions: { type: "bcrypt" } });
  });

  it("phpass: Appwrite's WordPress-style vector, phpBB's $H$, and bcrypt as phpass's fallback takes it", async () => {
    await importAndLogin("createPHPassUser", PHPASS, { hashOptions: { type: "phpass" } });
    await importAndLogin("createPHPassUser", `$H$${PHPASS.slice(3)}`, { hashOptions: { type: "phpass" } });
    await importAndLogin("createPHPassUser", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", {
      hashOptions: { type: "phpass" },
      password: "test12345",
    });
    // A bcrypt string is stored as it came, so the model names what it is.
    await importAndLogin("createPHPassUser", hashSync(PASSWORD, 5), { hashOptions: { type: "bcrypt" }, algorithm: "bcrypt" });
  });

  it("scrypt: Appwrite's vector, upper-case hex too; the options as Appwrite shows them", async () => {
    const hashOptions = { type: "scrypt", costCpu: 16384, costMemory: 13, costParallel: 2, length: 64, salt: "appwrite" };
    await importAndLogin("createScryptUser", SCRYPT_HASH, { hashOptions, extra: SCRYPT });
    await importAndLogin("createScryptUser", SCRYPT_HASH.toUpperCase(), { hashOptions, extra: SCRYPT });
  });

  it("scrypt-modified: Appwrite's vector and a firebase-scrypt one; salt, separator and signer key shown as Appwrite does", async () => {
    const hashOptions = {
      type: "scryptMod",
      salt: SCRYPT_MOD.passwordSalt,
      saltSeparator: SCRYPT_MOD.passwordSaltSeparator,
      signerKey: SCRYPT_MOD.passwordSignerKey,
    };
    await importAndLogin("createScryptModifiedUser", SCRYPT_MOD_HASH, { hashOptions, extra: SCRYPT_MOD });
    const reference = new FirebaseScrypt({ memCost: 14, rounds: 8, saltSeparator: "Bw==", signerKey: SCRYPT_MOD.passwordSignerKey });
    const salt = "c2FsdC1mb3ItdGhpcy11c2Vy";
    await importAndLogin("createScryptModifiedUser", await reference.hash("n3w pässword", salt), {
      hashOptions: { ...hashOptions, salt },
      extra: { ...SCRYPT_MOD, passwordSalt: salt },
      password: "n3w pässword",
    });
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

  it("refuses bcrypt, phpass and scrypt hashes of the wrong shape or beyond the cost caps", async () => {
    const bad = (method: keyof typeof ORDER, password: string, extra: object = {}) =>
      expectAppwriteError(
        u.call(method, { userId: uniqueId("bad"), email: uniqueEmail("bad"), password, ...extra }),
        "general_argument_invalid",
        400,
      );
    const made = hashSync(PASSWORD, 4);
    await bad("createBcryptUser", BCRYPT_15); // Appwrite's own vector: cost 15 is above the cap
    await bad("createBcryptUser", `$2x$${made.slice(4)}`);
    await bad("createBcryptUser", `$2b$03$${made.slice(7)}`);
    await bad("createBcryptUser", made.slice(0, -1));
    await bad("createBcryptUser", PHPASS);
    await bad("createPHPassUser", "$P$HIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"); // 2^19 iterations
    await bad("createPHPassUser", "$P$zIQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"); // beyond phpass's 2^30
    await bad("createPHPassUser", "$P$4IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0"); // below phpass's 2^7
    await bad("createPHPassUser", `${PHPASS}x`);
    await bad("createPHPassUser", "$S$DxVn7wubSRzoK9X2pkGx4njeGRkLEgdqPphc2ZXkkb8viy2xNjdd"); // Drupal 7: not phpass
    await bad("createPHPassUser", BCRYPT_15);
    await bad("createScryptUser", SCRYPT_HASH.slice(2), SCRYPT); // not passwordLength bytes
    await bad("createScryptUser", `${SCRYPT_HASH.slice(2)}zz`, SCRYPT);
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordCpu: 10000 }); // not a power of two
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordCpu: 2 ** 30 });
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordMemory: 64 }); // 128·N·r = 128 MiB
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordParallel: 0 });
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordParallel: 1000 });
    await bad("createScryptUser", SCRYPT_HASH.slice(0, 30), { ...SCRYPT, passwordLength: 15 });
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordLength: -64 });
    await bad("createScryptUser", SCRYPT_HASH, { ...SCRYPT, passwordSalt: "" });
    await bad("createScryptModifiedUser", SCRYPT_MOD_HASH, { ...SCRYPT_MOD, passwordSalt: "not base64!" });
    await bad("createScryptModifiedUser", SCRYPT_MOD_HASH, { ...SCRYPT_MOD, passwordSaltSeparator: "B" });
    await bad("createScryptModifiedUser", SCRYPT_MOD_HASH, { ...SCRYPT_MOD, passwordSignerKey: "$gh$" });
    await bad("createScryptModifiedUser", SCRYPT_MOD_HASH.slice(4), SCRYPT_MOD); // not the signer key's length
    await bad("createScryptModifiedUser", "$gh-md5$1234567890", SCRYPT_MOD);
  });
});
