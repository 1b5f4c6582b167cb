import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../ports/password-hasher";

export interface Argon2Options {
  /** Memory in KiB. OWASP's first recommended configuration: 19 MiB. */
  memoryCost?: number;
  /** Iterations. OWASP: 2. */
  timeCost?: number;
  /** Lanes. OWASP: 1. */
  parallelism?: number;
}

export const OWASP_ARGON2: Required<Argon2Options> = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Argon2id through @node-rs/argon2, which hashes on libuv's thread pool, so hashing never blocks
 * the event loop. Hashes are PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that record the
 * algorithm and parameters, which is what `needsRehash` reads.
 */
export function argon2Hasher(options: Argon2Options = {}): PasswordHasher {
  const params = { ...OWASP_ARGON2, ...options };
  const expected = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`;
  // 2 is Algorithm.Argon2id; the package exports it as a const enum, which isolated modules cannot read.
  const hashOptions = { algorithm: 2 as const, ...params };
  return {
    hash: (password) => argon2Hash(password, hashOptions),
    async verify(hash, password) {
      if (!hash.startsWith("$argon2")) return false;
      try {
        return await argon2Verify(hash, password);
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => !hash.startsWith(expected),
  };
}
