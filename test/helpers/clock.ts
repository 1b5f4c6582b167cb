import type { Clock } from "gatehouse-auth";

/** A clock tests move by hand. */
export function manualClock(start = Date.parse("2026-01-01T00:00:00.000Z")) {
  let now = start;
  const clock: Clock & { advance(ms: number): void; set(ms: number): void } = {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
    set: (ms) => {
      now = ms;
    },
  };
  return clock;
}
