/**
 * The imported-hash verifiers of src/crypto (bcrypt, phpass, scrypt, Firebase's modified scrypt)
 * against published vectors and reference implementations: bcryptjs and firebase-scrypt (dev
 * dependencies, used here only), openwall's phpass vector, Firebase's published sample, and
 * Appwrite's e2e vectors (password `appwrite`). Also the cost caps at verification and the
 * hand-off to the configured hasher.
 */
import { hashSync } from "bcryptjs";
import { FirebaseScrypt } from "firebase-scrypt";
import { describe, expect, expectTypeOf, it } from "vitest";
import type { UserMethods } from "../../src/core/service";
import { argon2Hasher } from "../../src/crypto/argon2-hasher";
import { BCRYPT_MAX_COST, verifyBcrypt } from "../../src/crypto/bcrypt-hash";
import { importedAlgorithm, withImportedHashes } from "../../src/crypto/imported-hashes";
import { PHPASS_MAX_LOG2, verifyPhpass } from "../../src/crypto/phpass";
import { scryptProblem, storedScrypt, storedScryptModified, verifyScrypt, verifyScryptModified } from "../../src/crypto/scrypt-hashes";
import type { PasswordHasher } from "../../src/ports/password-hasher";
import { makeService } from "./support";

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** Firebase's published sample: project parameters, a user's salt and hash. */
const FIREBASE = {
  signerKey: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
  saltSeparator: "Bw==",
  salt: "42xEC+ixf3L2lw==",
  password: "user1password",
  hash: "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ==",
};
const APPWRITE_SCRYPT = {
  salt: "appwrite",
  costCpu: 16384,
  costMemory: 13,
  costParallel: 2,
  length: 64,
  hex: "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b",
};

describe("phpass portable hashes", () => {
  it("verify openwall's vector, a WordPress one ($P$B, 2^13: Appwrite's e2e vector) and phpBB's $H$ ones", async () => {
    expect(await verifyPhpass("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12345")).toBe(true);
    expect(await verifyPhpass("$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0", "test12346")).toBe(false);
    expect(await verifyPhpass("$P$Br387rwferoKN7uwHZqNMu98q3U8RO.", "appwrite")).toBe(true);
    // phpBB writes the same algorithm under $H$ (John the Ripper's phpass test vectors).
    expect(await verifyPhpass("$H$9aaaaaSXBjgypwqm.JsMssPLiS8YQ00", "test1")).toBe(true);
    expect(await verifyPhpass("$H$9PE8jEklgZhgLmZl5.HYJAzfGCQtzi1", "123456")).toBe(true);
    expect(await verifyPhpass("$H$9PE8jEklgZhgLmZl5.HYJAzfGCQtzi1", "1234567")).toBe(false);
    // The prefix is not hashed.
    expect(await verifyPhpass("$H$Br387rwferoKN7uwHZqNMu98q3U8RO.", "appwrite")).toBe(true);
    expect(await verifyPhpass("$P$Br387rwferoKN7uwHZqNMu98q3U8RO/", "appwrite")).toBe(false);
    // The salt is part of the hash: another salt, another result.
    expect(await verifyPhpass("$P$Bs387rwferoKN7uwHZqNMu98q3U8RO.", "appwrite")).toBe(false);
  });

  it("refuse an iteration count beyond the cap quickly, without running it", async () => {
    const over = `$P$${ITOA64[PHPASS_MAX_LOG2 + 1]}IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0`;
    const huge = `$P$${ITOA64[30]}IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0`;
    const started = Date.now();
    expect(await verifyPhpass(over, "test12345")).toBe(false);
    expect(await verifyPhpass(huge, "test12345")).toBe(false);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it("yield to the event loop while hashing at the cap (2^16 steps)", async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    await verifyPhpass(`$P$${ITOA64[PHPASS_MAX_LOG2]}IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0`, "test12345");
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(2);
  });
});

describe("bcrypt", () => {
  it("verifies bcryptjs's $2a$ and $2b$ hashes, and the same as $2y$ (PHP's name)", async () => {
    const b = hashSync("appwrite", 5);
    expect(b.startsWith("$2b$05$")).toBe(true);
    expect(await verifyBcrypt(b, "appwrite")).toBe(true);
    expect(await verifyBcrypt(b, "appwritf")).toBe(false);
    expect(await verifyBcrypt(`$2a$${b.slice(4)}`, "appwrite")).toBe(true);
    expect(await verifyBcrypt(`$2y$${b.slice(4)}`, "appwrite")).toBe(true);
    expect(await verifyBcrypt(`$2x$${b.slice(4)}`, "appwrite")).toBe(false);
  });

  it("refuses a cost beyond the cap without running it (Appwrite's e2e vector is cost 15)", async () => {
    expect(BCRYPT_MAX_COST).toBe(14);
    const started = Date.now();
    expect(await verifyBcrypt("$2a$15$xX/myGbFU.ZSKHSi6EHdBOySTdYm8QxBLXmOPHrYMwV0mHRBBSBOq", "appwrite")).toBe(false);
    expect(Date.now() - started).toBeLessThan(200);
  });
});

describe("scrypt", () => {
  it("verifies Appwrite's vector (salt as text, hex key) and refuses another password or salt", async () => {
    const { hex, ...params } = APPWRITE_SCRYPT;
    expect(scryptProblem(params)).toBeNull();
    const stored = storedScrypt(params, hex.toUpperCase());
    expect(stored).toBe(`$gh-scrypt$16384$13$2$YXBwd3JpdGU$${hex}`);
    expect(await verifyScrypt(stored, "appwrite")).toBe(true);
    expect(await verifyScrypt(stored, "appwritf")).toBe(false);
    expect(await verifyScrypt(storedScrypt({ ...params, salt: "appwritf" }, hex), "appwrite")).toBe(false);
    expect(importedAlgorithm(stored)).toEqual({
      hash: "scrypt",
      hashOptions: { type: "scrypt", costCpu: 16384, costMemory: 13, costParallel: 2, length: 64, salt: "appwrite" },
    });
  });

  it("caps memory and work, and keeps to scrypt's own rules", () => {
    const base = { costCpu: 16384, costMemory: 8, costParallel: 1, length: 64 };
    expect(scryptProblem(base)).toBeNull();
    expect(scryptProblem({ ...base, costCpu: 3 })?.param).toBe("passwordCpu");
    expect(scryptProblem({ ...base, costCpu: 2 ** 21 })?.param).toBe("passwordCpu");
    expect(scryptProblem({ ...base, costCpu: 2 ** 16, costMemory: 1 })?.param).toBe("passwordCpu"); // N < 2^(16r)
    expect(scryptProblem({ ...base, costMemory: 33 })?.param).toBe("passwordMemory"); // 128·N·r > 64 MiB
    expect(scryptProblem({ ...base, costMemory: 31, costParallel: 8 })).toBeNull();
    expect(scryptProblem({ ...base, costMemory: 31, costParallel: 16 })?.param).toBe("passwordMemory"); // N·r·p > 2^22
    expect(scryptProblem({ ...base, costParallel: 17 })?.param).toBe("passwordParallel");
    expect(scryptProblem({ ...base, length: 15 })?.param).toBe("passwordLength");
    expect(scryptProblem({ ...base, length: 129 })?.param).toBe("passwordLength");
  });

  it("never runs a stored string beyond the caps", async () => {
    const started = Date.now();
    expect(await verifyScrypt(`$gh-scrypt$1048576$64$16$YQ$${"00".repeat(16)}`, "appwrite")).toBe(false);
    expect(Date.now() - started).toBeLessThan(50);
  });
});

describe("Firebase's modified scrypt", () => {
  it("verifies Firebase's published sample", async () => {
    const stored = storedScryptModified(FIREBASE, FIREBASE.hash);
    expect(await verifyScryptModified(stored, FIREBASE.password)).toBe(true);
    expect(await verifyScryptModified(stored, "user2password")).toBe(false);
    expect(importedAlgorithm(stored)).toEqual({
      hash: "scryptMod",
      hashOptions: { type: "scryptMod", salt: FIREBASE.salt, saltSeparator: "Bw==", signerKey: FIREBASE.signerKey },
    });
  });

  it("agrees with firebase-scrypt on generated users, URL-safe base64 too", async () => {
    const reference = new FirebaseScrypt({ memCost: 14, rounds: 8, saltSeparator: "Bw==", signerKey: FIREBASE.signerKey });
    for (const [password, salt] of [
      ["correct horse battery", "c2FsdHNhbHQ="],
      ["pässwörd ✓", "/+/+AAE="],
    ] as const) {
      const hash = await reference.hash(password, salt);
      const params = { salt, saltSeparator: "Bw==", signerKey: FIREBASE.signerKey };
      expect(await verifyScryptModified(storedScryptModified(params, hash), password)).toBe(true);
      expect(await verifyScryptModified(storedScryptModified(params, hash), `${password}!`)).toBe(false);
      const urlSafe = (v: string) => v.replace(/\+/g, "-").replace(/\//g, "_");
      const safe = { salt: urlSafe(salt), saltSeparator: "Bw==", signerKey: urlSafe(FIREBASE.signerKey) };
      expect(await verifyScryptModified(storedScryptModified(safe, urlSafe(hash)), password)).toBe(true);
    }
  });
});

describe("withImportedHashes", () => {
  const inner = argon2Hasher({ memoryCost: 256, timeCost: 1 });

  it("asks to re-hash every imported form, not its own hashes", async () => {
    const hasher = withImportedHashes(inner);
    for (const imported of [
      hashSync("appwrite", 4),
      "$P$Br387rwferoKN7uwHZqNMu98q3U8RO.",
      storedScrypt(APPWRITE_SCRYPT, APPWRITE_SCRYPT.hex),
      storedScryptModified(FIREBASE, FIREBASE.hash),
    ]) {
      expect(hasher.needsRehash(imported)).toBe(true);
    }
    expect(hasher.needsRehash(await inner.hash("appwrite"))).toBe(false);
  });

  it("leaves bcrypt beyond the cap to the configured hasher (which may have made it)", async () => {
    const seen: string[] = [];
    const recording: PasswordHasher = {
      hash: (p) => inner.hash(p),
      verify: async (hash) => (seen.push(hash), true),
      needsRehash: () => false,
    };
    const hasher = withImportedHashes(recording);
    const costly = "$2a$15$xX/myGbFU.ZSKHSi6EHdBOySTdYm8QxBLXmOPHrYMwV0mHRBBSBOq";
    expect(await hasher.verify(costly, "appwrite")).toBe(true);
    expect(seen).toEqual([costly]);
    // Within the cap the import's own check runs, and the configured hasher is not asked.
    expect(await hasher.verify(hashSync("appwrite", 4), "wrong password")).toBe(false);
    expect(await hasher.verify("$gh-scrypt$garbage", "appwrite")).toBe(false);
    expect(seen).toEqual([costly]);
  });
});

describe("service.users import methods (what an importer calls)", () => {
  it("take node-appwrite's parameter names, and the imported users sign in", async () => {
    // node-appwrite 27's object argument fits the methods as it is.
    expectTypeOf<{
      userId: string;
      email: string;
      password: string;
      passwordSalt: string;
      passwordCpu: number;
      passwordMemory: number;
      passwordParallel: number;
      passwordLength: number;
      name?: string;
    }>().toMatchTypeOf<Parameters<UserMethods["createScryptUser"]>[0]>();
    expectTypeOf<{
      userId: string;
      email: string;
      password: string;
      passwordSalt: string;
      passwordSaltSeparator: string;
      passwordSignerKey: string;
      name?: string;
    }>().toMatchTypeOf<Parameters<UserMethods["createScryptModifiedUser"]>[0]>();
    const { service, store } = makeService();
    const { hex, salt, costCpu, costMemory, costParallel, length } = APPWRITE_SCRYPT;
    const imported = [
      await service.users.createBcryptUser({ userId: "bcrypt", email: "b@example.com", password: hashSync("appwrite", 4) }),
      await service.users.createPHPassUser({ userId: "phpass", email: "p@example.com", password: "$P$Br387rwferoKN7uwHZqNMu98q3U8RO." }),
      await service.users.createScryptUser({
        userId: "scrypt",
        email: "s@example.com",
        password: hex,
        passwordSalt: salt,
        passwordCpu: costCpu,
        passwordMemory: costMemory,
        passwordParallel: costParallel,
        passwordLength: length,
      }),
      await service.users.createScryptModifiedUser({
        userId: "firebase",
        email: "f@example.com",
        password: FIREBASE.hash,
        passwordSalt: FIREBASE.salt,
        passwordSaltSeparator: FIREBASE.saltSeparator,
        passwordSignerKey: FIREBASE.signerKey,
        name: "Firebase",
      }),
    ];
    expect(imported.map((u) => u.hash)).toEqual(["bcrypt", "phpass", "scrypt", "scryptMod"]);
    for (const [email, password] of [
      ["b@example.com", "appwrite"],
      ["p@example.com", "appwrite"],
      ["s@example.com", "appwrite"],
      ["f@example.com", FIREBASE.password],
    ] as const) {
      const session = await service.createEmailPasswordSession({ email, password });
      expect((await store.users.get(session.userId))!.passwordHash).toMatch(/^\$argon2id\$/);
    }
    await expect(
      service.users.createBcryptUser({
        userId: "costly",
        email: "c@example.com",
        password: "$2a$15$xX/myGbFU.ZSKHSi6EHdBOySTdYm8QxBLXmOPHrYMwV0mHRBBSBOq",
      }),
    ).rejects.toMatchObject({ type: "general_argument_invalid", code: 400 });
  });
});
