import { createHash } from "node:crypto";
import type { PasswordHasher } from "../ports/password-hasher";
import { constantTimeEqual } from "./hash";

/*
 * Password hashes imported from other systems (the Users API's `/users/md5`, `/users/sha`,
 * `/users/argon2`). Argon2 strings are stored as they came (they are PHC strings the Argon2
 * hasher verifies); MD5 and SHA digests are stored as `$gh-md5$<hex>` and
 * `$gh-sha$<algorithm>$<hex>`, self-describing like a PHC string. The first successful login
 * re-hashes the password with the configured hasher (`needsRehash`), so an imported digest lives
 * only until its owner next signs in.
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

/** What the admin User model says about a stored hash: Appwrite's `hash` name and its options. */
export function importedAlgorithm(hash: string | null): { hash: "md5" } | { hash: "sha"; version: string } | null {
  if (!hash) return null;
  if (MD5.test(hash)) return { hash: "md5" };
  const sha = SHA.exec(hash);
  if (sha) {
    const version = Object.entries(SHA_VERSIONS).find(([, name]) => name === sha[1])?.[0] ?? sha[1]!;
    return { hash: "sha", version };
  }
  return null;
}

function digestMatches(algorithm: string, stored: string, password: string): boolean {
  if (!NODE_NAMES.has(algorithm) && algorithm !== "md5") return false;
  return constantTimeEqual(createHash(algorithm).update(password, "utf8").digest("hex"), stored);
}

/** The configured hasher, also verifying imported digests (and asking to re-hash them). */
export function withImportedHashes(hasher: PasswordHasher): PasswordHasher {
  return {
    hash: (password) => hasher.hash(password),
    async verify(hash, password) {
      const md5 = MD5.exec(hash);
      if (md5) return digestMatches("md5", md5[1]!, password);
      const sha = SHA.exec(hash);
      if (sha) return digestMatches(sha[1]!, sha[2]!, password);
      return hasher.verify(hash, password);
    },
    needsRehash: (hash) => hash.startsWith("$gh-") || hasher.needsRehash(hash),
  };
}
