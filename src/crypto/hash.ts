import { createHash, createHmac, hash, timingSafeEqual } from "node:crypto";

// All hashing and constant-time comparison goes through node:crypto, here: one library, one place.

/**
 * sha256 as lowercase hex: how every session, token, challenge and recovery secret is stored.
 * The one-shot `hash` (Node 20.12+, package.json engines) builds no Hash object: every
 * authenticated request hashes its session secret.
 */
export function sha256Hex(value: string): string {
  return hash("sha256", value, "hex");
}

/**
 * Constant-time comparison of two strings. Lengths are compared first (a length is not a secret
 * here: every stored hash has the same length).
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, "utf8");
  const right = Buffer.from(b, "utf8");
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}

/** Constant-time comparison of two byte strings (a signature against the expected one). */
export function constantTimeEqualBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** HMAC-SHA256 of `message` under `key`. */
export function hmacSha256(key: Uint8Array, message: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(message).digest();
}

/** SHA-256 of a text, as bytes (key derivation). */
export function sha256Bytes(value: string): Uint8Array {
  return createHash("sha256").update(value, "utf8").digest();
}
