import { createHash } from "node:crypto";
import type { PasswordHasher } from "../ports/password-hasher";
import { bcryptCost, isAcceptedBcrypt, verifyBcrypt } from "./bcrypt-hash";
import { constantTimeEqual } from "./hash";
import { isAcceptedPhpass, phpassLog2, verifyPhpass } from "./phpass";
import { parseStoredScrypt, parseStoredScryptModified, verifyScrypt, verifyScryptModified } from "./scrypt-hashes";

/*
 * Password hashes imported from other systems (the Users API's `/users/<algorithm>` routes).
 * Argon2, bcrypt (`$2a$`, `$2b$`, `$2y$`) and phpass (`$P$`, `$H$`) strings are stored as they
 * came: they name their algorithm and parameters themselves. MD5 and SHA digests are stored as
 * `$gh-md5$<hex>` and `$gh-sha$<algorithm>$<hex>`, scrypt and Firebase's modified scrypt as
 * `$gh-scrypt$…` and `$gh-scrypt-modified$…` (src/crypto/scrypt-hashes.ts), self-describing like
 * a PHC string. The first successful login re-hashes the password with the configured hasher
 * (`needsRehash`), so an imported hash lives only until its owner next signs in.
 */

/** Appwrite's SHA versions (node-appwrite's `PasswordHash`) and node:crypto's names for them. */
export const SHA_VERSIONS = {
  sha1: "sha1",
  sha224: "sha224",
  sha256: "sha256",
  sha384: "sha384",
  "sha512/224": "sha512-224",
  "sha512/256": "sha512-256",
  sha512: "sha512",
  "sha3-224": "sha3-224",
  "sha3-256": "sha3-256",
  "sha3-384": "sha3-384",
  "sha3-512": "sha3-512",
} as const;
export type ShaVersion = keyof typeof SHA_VERSIONS;

const MD5 = /^\$gh-md5\$([0-9a-f]{32})$/;
const SHA = /^\$gh-sha\$([a-z0-9-]+)\$([0-9a-f]+)$/;
const NODE_NAMES: ReadonlySet<string> = new Set(Object.values(SHA_VERSIONS));

/** The hex length of each digest, for checking an import. */
export function digestLength(algorithm: string): number {
  return createHash(algorithm).update("").digest("hex").length;
}

export function storedMd5(hex: string): string {
  return `$gh-md5$${hex.toLowerCase()}`;
}

export function storedSha(version: ShaVersion, hex: string): string {
  return `$gh-sha$${SHA_VERSIONS[version]}$${hex.toLowerCase()}`;
}

/** Appwrite's `hash` name of a stored hash and its `hashOptions` (what the admin User model shows). */
export interface ImportedAlgorithm {
  hash: "md5" | "sha" | "bcrypt" | "phpass" | "scrypt" | "scryptMod";
  hashOptions: Record<string, string | number>;
}

/**
 * What the admin User model says about a stored imported hash, or null for the configured
 * hasher's (Argon2) ones. The scrypt salts and Firebase's separator and signer key are shown as
 * Appwrite shows them to a key with `users.read`; the hash itself never is.
 */
export function importedAlgorithm(hash: string | null): ImportedAlgorithm | null {
  if (!hash) return null;
  if (MD5.test(hash)) return { hash: "md5", hashOptions: { type: "md5" } };
  const sha = SHA.exec(hash);
  if (sha) {
    const version = Object.entries(SHA_VERSIONS).find(([, name]) => name === sha[1])?.[0] ?? sha[1]!;
    return { hash: "sha", hashOptions: { type: "sha", version } };
  }
  if (bcryptCost(hash) !== null) return { hash: "bcrypt", hashOptions: { type: "bcrypt" } };
  if (phpassLog2(hash) !== null) return { hash: "phpass", hashOptions: { type: "phpass" } };
  const scrypt = parseStoredScrypt(hash);
  if (scrypt) {
    const { salt, costCpu, costMemory, costParallel, length } = scrypt.params;
    return { hash: "scrypt", hashOptions: { type: "scrypt", costCpu, costMemory, costParallel, length, salt } };
  }
  const modified = parseStoredScryptModified(hash);
  if (modified) return { hash: "scryptMod", hashOptions: { type: "scryptMod", ...modified.params } };
  return null;
}

function digestMatches(algorithm: string, stored: string, password: string): boolean {
  if (!NODE_NAMES.has(algorithm) && algorithm !== "md5") return false;
  return constantTimeEqual(createHash(algorithm).update(password, "utf8").digest("hex"), stored);
}

/**
 * The check for an imported hash, or null when the configured hasher should judge it: also a
 * bcrypt or phpass string beyond the login cost caps, which a configured hasher may have made
 * (the default Argon2 hasher refuses it).
 */
function importedCheck(hash: string): ((password: string) => Promise<boolean>) | null {
  if (hash.startsWith("$gh-md5$")) {
    const md5 = MD5.exec(hash);
    return async (password) => md5 !== null && digestMatches("md5", md5[1]!, password);
  }
  if (hash.startsWith("$gh-sha$")) {
    const sha = SHA.exec(hash);
    return async (password) => sha !== null && digestMatches(sha[1]!, sha[2]!, password);
  }
  if (hash.startsWith("$gh-scrypt$")) return (password) => verifyScrypt(hash, password);
  if (hash.startsWith("$gh-scrypt-modified$")) return (password) => verifyScryptModified(hash, password);
  if (hash.startsWith("$gh-")) return async () => false;
  if (isAcceptedBcrypt(hash)) return (password) => verifyBcrypt(hash, password);
  if (isAcceptedPhpass(hash)) return (password) => verifyPhpass(hash, password);
  return null;
}

/**
 * The configured hasher, also verifying imported hashes (and asking to re-hash them). With
 * `dummyHash` (the configured hasher's hash that an unknown address is verified against), each
 * imported check runs beside one verification of it, so a wrong password for an imported account
 * costs at least what an unknown address does: an MD5 digest alone would take microseconds and
 * tell which addresses have accounts. A check dearer than the dummy still takes longer.
 */
export function withImportedHashes(hasher: PasswordHasher, dummyHash?: () => Promise<string>): PasswordHasher {
  const floor = (password: string) => (dummyHash ? dummyHash().then((dummy) => hasher.verify(dummy, password)) : Promise.resolve(false));
  return {
    hash: (password) => hasher.hash(password),
    async verify(hash, password) {
      const check = importedCheck(hash);
      if (!check) return hasher.verify(hash, password);
      const [valid] = await Promise.all([check(password), floor(password).catch(() => false)]);
      return valid;
    },
    // Bcrypt and phpass strings are not the default hasher's, so it asks for them too; a
    // configured bcrypt hasher keeps its own.
    needsRehash: (hash) => hash.startsWith("$gh-") || hasher.needsRehash(hash),
  };
}
