import { randomBytes, randomInt } from "node:crypto";

/** `bytes` CSPRNG bytes as lowercase hex (2 × bytes characters). */
export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

/** A string of `length` CSPRNG decimal digits, uniformly distributed (no modulo bias). */
export function randomDigits(length: number): string {
  let out = "";
  for (let i = 0; i < length; i++) out += randomInt(0, 10).toString();
  return out;
}
