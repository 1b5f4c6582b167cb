import { createHash } from "node:crypto";
import { setImmediate as nextTurn } from "node:timers/promises";
import { constantTimeEqual } from "./hash";

/*
 * phpass "portable" hashes (`$P$…` WordPress, `$H$…` phpBB), written here from the algorithm:
 * h = md5(salt ‖ password), then 2^n times h = md5(h ‖ password); the stored string is the
 * 12-character setting followed by h in phpass's own base-64 (22 characters, 34 in all).
 */

const ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PORTABLE = /^\$[PH]\$([./0-9A-Za-z])([./0-9A-Za-z]{8})[./0-9A-Za-z]{22}$/;

/**
 * The highest log2 iteration count a login will run. phpass itself allows 7..30, but the MD5
 * chain runs on the event loop (no MD5 chain is offered off it) at about 1.4 µs a step: 2^16
 * costs ~90 ms, 2^30 would cost ~25 minutes. WordPress writes 2^13, phpBB 2^11.
 */
export const PHPASS_MAX_LOG2 = 16;
const PHPASS_MIN_LOG2 = 7;
/** Steps between yields to the event loop, so one login blocks it for a few milliseconds at most. */
const STEPS_PER_TURN = 4096;

/** The log2 iteration count of a well-formed portable hash (any count), or null. */
export function phpassLog2(hash: string): number | null {
  const found = PORTABLE.exec(hash);
  if (!found) return null;
  const log2 = ITOA64.indexOf(found[1]!);
  return log2 >= PHPASS_MIN_LOG2 && log2 <= 30 ? log2 : null;
}

/** True when the hash is portable phpass within the cost a login may run. */
export function isAcceptedPhpass(hash: string): boolean {
  const log2 = phpassLog2(hash);
  return log2 !== null && log2 <= PHPASS_MAX_LOG2;
}

/** phpass's base-64: little-endian 6-bit groups, 2, 3 or 4 characters per 1, 2 or 3 bytes. */
function encode64(input: Buffer): string {
  let out = "";
  for (let i = 0; i < input.length; i += 3) {
    const value = input[i]! | ((input[i + 1] ?? 0) << 8) | ((input[i + 2] ?? 0) << 16);
    const chars = Math.ceil((Math.min(3, input.length - i) * 8) / 6);
    for (let k = 0; k < chars; k++) out += ITOA64[(value >> (6 * k)) & 63];
  }
  return out;
}

/** Checks a password against a portable hash; false for anything else or beyond the cap. */
export async function verifyPhpass(hash: string, password: string): Promise<boolean> {
  if (!isAcceptedPhpass(hash)) return false;
  const secret = Buffer.from(password, "utf8");
  const block = Buffer.alloc(16 + secret.length);
  secret.copy(block, 16);
  let digest = createHash("md5").update(hash.slice(4, 12), "latin1").update(secret).digest();
  for (let step = 1 << phpassLog2(hash)!; step > 0; step--) {
    digest.copy(block, 0);
    digest = createHash("md5").update(block).digest();
    if (step % STEPS_PER_TURN === 0) await nextTurn();
  }
  return constantTimeEqual(hash.slice(0, 12) + encode64(digest), hash);
}
