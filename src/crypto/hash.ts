import { createHash, timingSafeEqual } from "node:crypto";

/** sha256 as lowercase hex: how every session, token, challenge and recovery secret is stored. */
export function sha256Hex(value: string): string {
  return createHash("sha256").update(value, "utf8").digest("hex");
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
