import { randomHex } from "./random";

let lastMicros = 0;

/**
 * Appwrite's `ID.unique()`: 13 hex characters of a microsecond timestamp (PHP `uniqid()`)
 * followed by 7 random hex characters, 20 lowercase hex characters in all. The timestamp part is
 * kept strictly increasing within the process so IDs sort by creation.
 */
export function uniqueId(nowMs: number = Date.now()): string {
  let micros = Math.floor(nowMs * 1000);
  if (micros <= lastMicros) micros = lastMicros + 1;
  lastMicros = micros;
  const seconds = Math.floor(micros / 1_000_000);
  const fraction = micros % 1_000_000;
  const time = seconds.toString(16).padStart(8, "0") + fraction.toString(16).padStart(5, "0");
  return time + randomHex(4).slice(0, 7);
}
