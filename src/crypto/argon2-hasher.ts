import { availableParallelism } from "node:os";
import { hash as argon2Hash, verify as argon2Verify } from "@node-rs/argon2";
import type { PasswordHasher } from "../ports/password-hasher";
import { concurrencyGate } from "./concurrency-gate";

export interface Argon2Options {
  /** Memory in KiB. OWASP's first recommended configuration: 19 MiB. */
  memoryCost?: number;
  /** Iterations. OWASP: 2. */
  timeCost?: number;
  /** Lanes. OWASP: 1. */
  parallelism?: number;
  /**
   * Hashes and verifications computed at once; more wait their turn. Default: the machine's CPU
   * cores. More than that only makes them share the cores, with the event loop as well: on 2 cores,
   * 4 at once (libuv's pool) doubled the event loop's p99 delay for the same login rate
   * (`npm run bench`, scenario 3), and a smaller number leaves pool threads free for the app's
   * file and DNS work.
   */
  concurrency?: number;
}

export const OWASP_ARGON2: Required<Omit<Argon2Options, "concurrency">> = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/**
 * Argon2id through @node-rs/argon2, which hashes on libuv's thread pool, so hashing never blocks
 * the event loop; at most `concurrency` at once. Hashes are PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) that record the
 * algorithm and parameters, which is what `needsRehash` reads.
 */
export function argon2Hasher(options: Argon2Options = {}): PasswordHasher {
  const { concurrency = availableParallelism(), ...cost } = options;
  const params = { ...OWASP_ARGON2, ...cost };
  const inTurn = concurrencyGate(concurrency);
  const expected = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`;
  // 2 is Algorithm.Argon2id; the package exports it as a const enum, which isolated modules cannot read.
  const hashOptions = { algorithm: 2 as const, ...params };
  return {
    hash: (password) => inTurn(() => argon2Hash(password, hashOptions)),
    async verify(hash, password) {
      if (!hash.startsWith("$argon2")) return false;
      try {
        return await inTurn(() => argon2Verify(hash, password));
      } catch {
        return false;
      }
    },
    needsRehash: (hash) => !hash.startsWith(expected),
  };
}
