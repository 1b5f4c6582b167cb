import { createCipheriv, scrypt, type ScryptOptions } from "node:crypto";
import { constantTimeEqualBytes } from "./hash";

/*
 * Imported scrypt hashes: plain scrypt (the Users API's `/users/scrypt`, hex of the derived key,
 * the salt used as its UTF-8 text) and Firebase's modified scrypt (`/users/scrypt-modified`:
 * the first 32 bytes of scrypt(password, salt ‖ separator, N 2^14, r 8, p 1, 64 bytes) key
 * AES-256-CTR with a zero IV over the project's signer key; base64 fields). Stored as
 * `$gh-scrypt$N$r$p$<salt base64url>$<hex>` and
 * `$gh-scrypt-modified$<salt>$<separator>$<signer key>$<hash>` (base64 as imported).
 */

export interface ScryptParams {
  salt: string;
  costCpu: number;
  costMemory: number;
  costParallel: number;
  length: number;
}

/**
 * What one login may cost. Memory: scrypt needs 128·r·(N + p + 2) bytes, capped at 64 MiB (the
 * Appwrite test vector needs 27 MB, Firebase's parameters 16 MiB), so a hostile import cannot make
 * each login allocate gigabytes. Work: N·r·p at most 2^22, 32 times Firebase's 2^17 (~50 ms here).
 */
export const SCRYPT_CAPS = { memoryBytes: 64 * 1024 * 1024, work: 2 ** 22, parallel: 16, minLength: 16, maxLength: 128 };

function memoryOf(p: Pick<ScryptParams, "costCpu" | "costMemory" | "costParallel">): number {
  return 128 * p.costMemory * (p.costCpu + p.costParallel + 2);
}

/** Why these parameters cannot be imported (the parameter and the rule), or null when they can. */
export function scryptProblem(p: Omit<ScryptParams, "salt">): { param: string; description: string } | null {
  const { costCpu: n, costMemory: r, costParallel: parallel, length } = p;
  if (!Number.isSafeInteger(n) || n < 2 || (n & (n - 1)) !== 0 || n > 2 ** 20) {
    return { param: "passwordCpu", description: "Value must be a power of two from 2 to 1048576 (scrypt's N)" };
  }
  if (!Number.isSafeInteger(r) || r < 1 || r > 64)
    return { param: "passwordMemory", description: "Value must be from 1 to 64 (scrypt's r)" };
  // scrypt's own rule (N < 2^(16·r)), which only r = 1 can break within the caps.
  if (n >= 2 ** (16 * r)) return { param: "passwordCpu", description: "Value must be below 2^(16·r) (scrypt's N for this r)" };
  if (!Number.isSafeInteger(parallel) || parallel < 1 || parallel > SCRYPT_CAPS.parallel) {
    return { param: "passwordParallel", description: `Value must be from 1 to ${SCRYPT_CAPS.parallel} (scrypt's p)` };
  }
  if (!Number.isSafeInteger(length) || length < SCRYPT_CAPS.minLength || length > SCRYPT_CAPS.maxLength) {
    return { param: "passwordLength", description: `Value must be from ${SCRYPT_CAPS.minLength} to ${SCRYPT_CAPS.maxLength} bytes` };
  }
  if (memoryOf(p) > SCRYPT_CAPS.memoryBytes || n * r * parallel > SCRYPT_CAPS.work) {
    return {
      param: "passwordMemory",
      description: "Value makes scrypt cost more than a login may: 128·r·(N+p+2) bytes at most 64 MiB and N·r·p at most 4194304",
    };
  }
  return null;
}

export function storedScrypt(p: ScryptParams, hex: string): string {
  const salt = Buffer.from(p.salt, "utf8").toString("base64url");
  return `$gh-scrypt$${p.costCpu}$${p.costMemory}$${p.costParallel}$${salt}$${hex.toLowerCase()}`;
}

const SCRYPT = /^\$gh-scrypt\$(\d{1,8})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{1,700})\$((?:[0-9a-f]{2}){16,128})$/;

/** The parameters and derived key of a stored scrypt hash, or null for anything else or beyond the caps. */
export function parseStoredScrypt(stored: string): { params: ScryptParams; key: Buffer } | null {
  const found = SCRYPT.exec(stored);
  if (!found) return null;
  const key = Buffer.from(found[5]!, "hex");
  const params = {
    salt: Buffer.from(found[4]!, "base64url").toString("utf8"),
    costCpu: Number(found[1]),
    costMemory: Number(found[2]),
    costParallel: Number(found[3]),
    length: key.length,
  };
  return scryptProblem(params) ? null : { params, key };
}

function derive(password: string | Buffer, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Node's scrypt refuses more than `maxmem`; the caps have been checked, so allow what they allow. */
function options(n: number, r: number, p: number): ScryptOptions {
  return { N: n, r, p, maxmem: memoryOf({ costCpu: n, costMemory: r, costParallel: p }) + 1024 };
}

export async function verifyScrypt(stored: string, password: string): Promise<boolean> {
  const parsed = parseStoredScrypt(stored);
  if (!parsed) return false;
  const { salt, costCpu, costMemory, costParallel, length } = parsed.params;
  try {
    const key = await derive(password, Buffer.from(salt, "utf8"), length, options(costCpu, costMemory, costParallel));
    return constantTimeEqualBytes(key, parsed.key);
  } catch {
    return false; // within the caps scrypt does not fail; a stored string never makes a login 500
  }
}

// Firebase's modified scrypt.

export interface ScryptModifiedParams {
  salt: string;
  saltSeparator: string;
  signerKey: string;
}

/** Firebase's defaults (mem_cost 14, rounds 8), the only parameters Appwrite verifies with. */
const FIREBASE = { N: 2 ** 14, r: 8, p: 1, length: 64 };
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/** Standard or URL-safe base64 (Firebase's CLI writes the one, its Admin SDK the other), or null. */
export function decodeBase64(value: string): Buffer | null {
  if (!BASE64.test(value)) return null;
  const bare = value.replace(/=+$/, "");
  if (bare.length % 4 === 1 || (value.length > bare.length && value.length % 4 !== 0)) return null;
  const bytes = Buffer.from(bare.replace(/-/g, "+").replace(/_/g, "/"), "base64");
  return bytes.length > 0 ? bytes : null;
}

export function storedScryptModified(p: ScryptModifiedParams, hash: string): string {
  return `$gh-scrypt-modified$${p.salt}$${p.saltSeparator}$${p.signerKey}$${hash}`;
}

const MODIFIED = /^\$gh-scrypt-modified\$([^$]{1,200})\$([^$]{1,200})\$([^$]{1,200})\$([^$]{1,400})$/;

/** The fields of a stored modified-scrypt hash, decoded, or null for anything else. */
export function parseStoredScryptModified(stored: string): { params: ScryptModifiedParams; bytes: Buffer[] } | null {
  const found = MODIFIED.exec(stored);
  if (!found) return null;
  const bytes = found.slice(1, 5).map((field) => decodeBase64(field!));
  if (bytes.some((b) => b === null)) return null;
  return { params: { salt: found[1]!, saltSeparator: found[2]!, signerKey: found[3]! }, bytes: bytes as Buffer[] };
}

/** The modified-scrypt hash of a password: the signer key encrypted under its derived key. */
export async function scryptModifiedHash(password: string, salt: Buffer, separator: Buffer, signerKey: Buffer): Promise<Buffer> {
  const derived = await derive(password, Buffer.concat([salt, separator]), FIREBASE.length, options(FIREBASE.N, FIREBASE.r, FIREBASE.p));
  const cipher = createCipheriv("aes-256-ctr", derived.subarray(0, 32), Buffer.alloc(16));
  return Buffer.concat([cipher.update(signerKey), cipher.final()]);
}

export async function verifyScryptModified(stored: string, password: string): Promise<boolean> {
  const parsed = parseStoredScryptModified(stored);
  if (!parsed) return false;
  const [salt, separator, signerKey, hash] = parsed.bytes as [Buffer, Buffer, Buffer, Buffer];
  if (hash.length !== signerKey.length) return false;
  try {
    return constantTimeEqualBytes(await scryptModifiedHash(password, salt, separator, signerKey), hash);
  } catch {
    return false;
  }
}
