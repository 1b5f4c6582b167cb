import { createHash, hash as digest } from "node:crypto";
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
 * chain runs on the event loop (no MD5 chain is offered off it) at about 0.7 µs a step for a short
 * password and 1 µs for the longest a login takes (256 bytes): 2^16 costs 45-70 ms, 2^30 would
 * cost hours. WordPress writes 2^13, phpBB 2^11.
 */
export const PHPASS_MAX_LOG2 = 16;
const PHPASS_MIN_LOG2 = 7;
/** How long a chain runs before yielding to the event loop, and how often it looks at the clock. */
const SLICE_MS = 4;
const STEPS_PER_CLOCK_CHECK = 256;

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

/**
 * The chain in progress. Chains run one after another: each yields between slices, but chains
 * running side by side would each add a slice to every turn of the event loop, so K guesses in
 * flight would delay every other request K times as long.
 */
let queue: Promise<unknown> = Promise.resolve();

/** Checks a password against a portable hash; false for anything else or beyond the cap. */
export function verifyPhpass(hash: string, password: string): Promise<boolean> {
  if (!isAcceptedPhpass(hash)) return Promise.resolve(false);
  const result = queue.then(() => chain(hash, password));
  queue = result.catch(() => {});
  return result;
}

async function chain(hash: string, password: string): Promise<boolean> {
  const secret = Buffer.from(password, "utf8");
  const block = Buffer.alloc(16 + secret.length);
  secret.copy(block, 16);
  let h = createHash("md5").update(hash.slice(4, 12), "latin1").update(secret).digest();
  let sliceStart = performance.now();
  for (let step = 1 << phpassLog2(hash)!; step > 0; step--) {
    h.copy(block, 0);
    h = digest("md5", block, "buffer");
    if (step % STEPS_PER_CLOCK_CHECK === 0 && performance.now() - sliceStart >= SLICE_MS) {
      await nextTurn();
      sliceStart = performance.now();
    }
  }
  return constantTimeEqual(hash.slice(0, 12) + encode64(h), hash);
}
