/**
 * Runs at most `max` of the functions handed to it at once; the others wait their turn, first
 * come first served. A function that throws frees its place like one that returns.
 */
export function concurrencyGate(max: number): <T>(fn: () => Promise<T>) => Promise<T> {
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`concurrency must be a whole number of at least 1, not ${max}`);
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (running >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await fn();
    } finally {
      // The place passes straight to the next in line, so a newcomer cannot overtake it.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
