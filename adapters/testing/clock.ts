import type { Clock } from "gatehouse-auth";

/** A duration: milliseconds, or text such as `"15m"`, `"1h30m"`, `"2d"`, `"30s"`, `"500ms"`. */
export type Duration = number | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/gy;

/** `"1h30m"` → 5 400 000. Throws on anything else, so a typo fails the test instead of moving time by 0. */
export function durationMs(duration: Duration): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration)) throw new TypeError(`clock: ${duration} is not a duration`);
    return duration;
  }
  const text = duration.replace(/\s+/g, "");
  let total = 0;
  let end = 0;
  PART.lastIndex = 0;
  for (let match = PART.exec(text); match; match = PART.exec(text)) {
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
    end = PART.lastIndex;
  }
  if (text === "" || end !== text.length)
    throw new TypeError(`clock: "${duration}" is not a duration (use e.g. "15m", "1h30m", "2d", "500ms")`);
  return total;
}

/** The clock of a test service: it moves only when the test says so. */
export interface TestClock extends Clock {
  /** Moves time forward (a negative duration moves it back). */
  advance(duration: Duration): void;
  /** Jumps to an instant: a Date, epoch milliseconds or an ISO string. */
  set(at: Date | number | string): void;
  /** The current instant as a Date. */
  date(): Date;
}

/** The instant test clocks start at unless told otherwise. */
export const TEST_EPOCH = Date.parse("2026-01-01T00:00:00.000Z");

function instant(at: Date | number | string): number {
  const ms = at instanceof Date ? at.getTime() : typeof at === "number" ? at : Date.parse(at);
  if (!Number.isFinite(ms)) throw new TypeError(`clock: ${String(at)} is not an instant`);
  return ms;
}

export function testClock(start: Date | number | string = TEST_EPOCH): TestClock {
  let now = instant(start);
  return {
    now: () => now,
    advance: (duration) => {
      now += durationMs(duration);
    },
    set: (at) => {
      now = instant(at);
    },
    date: () => new Date(now),
  };
}
