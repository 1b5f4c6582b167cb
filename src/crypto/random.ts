import { randomFillSync, randomInt } from "node:crypto";

/**
 * CSPRNG bytes are drawn from one pool refilled 4 KiB at a time: each `randomBytes` call is a
 * trip into OpenSSL that costs ~5 µs whatever its size, and a login draws three times (session
 * id, session secret, audit id). Every byte is handed out once; a request for more than the pool
 * holds reads the OS directly.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafe(POOL_BYTES);
let offset = POOL_BYTES;

/**
 * A byte count as crypto.randomBytes takes it. The pool's offset moves by it: NaN would leave the
 * offset NaN and every later draw empty, a negative or fractional count would hand bytes out twice.
 */
function checkSize(bytes: number): void {
  if (!Number.isSafeInteger(bytes) || bytes < 0)
    throw new RangeError(`The number of random bytes must be a whole number >= 0, got ${bytes}`);
}

function reserve(bytes: number): number {
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += bytes;
  return start;
}

/** `bytes` CSPRNG bytes as lowercase hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  checkSize(bytes);
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(bytes)).toString("hex");
  const start = reserve(bytes);
  return pool.toString("hex", start, start + bytes);
}

/** `bytes` CSPRNG bytes in a buffer of their own (the pool is never lent out). */
export function randomBuffer(bytes: number): Buffer {
  checkSize(bytes);
  if (bytes > POOL_BYTES) return randomFillSync(Buffer.allocUnsafe(bytes));
  const start = reserve(bytes);
  return Buffer.from(pool.subarray(start, start + bytes));
}

/** A string of `length` CSPRNG decimal digits, uniformly distributed (no modulo bias). */
export function randomDigits(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += randomInt(0, 10).toString();
  return out;
}
