import { describe, expect, it } from "vitest";
import { concurrencyGate } from "../../src/crypto/concurrency-gate";
import { argon2Hasher } from "../../src/crypto/argon2-hasher";

/** A promise settled from outside, to hold a task running until the test lets it go. */
function held<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

// src/crypto/concurrency-gate.ts, which src/crypto/argon2-hasher.ts puts in front of every hash.
describe("concurrencyGate", () => {
  it("runs at most `max` at once, starting the others first come first served as places free up", async () => {
    const inTurn = concurrencyGate(2);
    const tasks = Array.from({ length: 5 }, () => held<number>());
    const started: number[] = [];
    const results = tasks.map((task, i) =>
      inTurn(() => {
        started.push(i);
        return task.promise;
      }),
    );
    await settle();
    expect(started).toEqual([0, 1]);
    tasks[1]!.resolve(1);
    await settle();
    expect(started).toEqual([0, 1, 2]);
    // A failure frees its place too, and reaches its own caller only.
    tasks[0]!.reject(new Error("boom"));
    await expect(results[0]).rejects.toThrow("boom");
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    // A newcomer while others wait joins the end of the line.
    const late = inTurn(async () => {
      started.push(99);
      return 99;
    });
    tasks[2]!.resolve(2);
    tasks[3]!.resolve(3);
    await settle();
    expect(started).toEqual([0, 1, 2, 3, 4, 99]);
    tasks[4]!.resolve(4);
    expect(await Promise.all([...results.slice(1), late])).toEqual([1, 2, 3, 4, 99]);
  });

  it("refuses a limit that is not a whole number of at least 1", () => {
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity]) expect(() => concurrencyGate(bad)).toThrow(RangeError);
    expect(() => argon2Hasher({ concurrency: 0 })).toThrow(RangeError);
  });

  it("the hasher still verifies correctly through the gate, with many at once on one place", async () => {
    const hasher = argon2Hasher({ memoryCost: 256, timeCost: 1, parallelism: 1, concurrency: 1 });
    const hash = await hasher.hash("right-password");
    const checks = await Promise.all(Array.from({ length: 6 }, (_, i) => hasher.verify(hash, i % 2 ? "right-password" : "wrong")));
    expect(checks).toEqual([false, true, false, true, false, true]);
  });
});
