/**
 * P18 (the adversarial suite's numbering, test/security/fuzz.test.ts): the password hasher's
 * concurrency limit (src/crypto/concurrency-gate.ts, in front of every Argon2 hash and
 * verification in src/crypto/argon2-hasher.ts). Logins decide how many tasks arrive and in which
 * order they finish (some failing, as a verification of a malformed stored hash does): never more
 * than the limit run at once, the limit is used, and every task settles with its own result.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { concurrencyGate } from "../../src/crypto/concurrency-gate";

function held<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((res) => (resolve = res));
  return { promise, resolve };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

describe("P18: the hasher's concurrency limit", () => {
  it("property: for any limit and any order of finishing (some failing), never more than the limit run and every task settles", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.record({ order: fc.nat(1000), fails: fc.boolean() }), { minLength: 1, maxLength: 30 }),
        async (max, specs) => {
          const inTurn = concurrencyGate(max);
          let running = 0;
          let peak = 0;
          const gates = specs.map(() => held<void>());
          const outcomes = specs.map((spec, i) =>
            inTurn(async () => {
              running += 1;
              peak = Math.max(peak, running);
              try {
                await gates[i]!.promise;
                if (spec.fails) throw new Error(`task ${i}`);
                return i;
              } finally {
                running -= 1;
              }
            }).then(
              (value) => ({ ok: true, value }),
              (error: Error) => ({ ok: false, value: error.message }),
            ),
          );
          // Let tasks finish in the generated order, a turn of the event loop apart.
          const byOrder = specs.map((spec, i) => ({ i, order: spec.order })).sort((a, b) => a.order - b.order || a.i - b.i);
          for (const { i } of byOrder) {
            await settle();
            gates[i]!.resolve();
          }
          const settled = await Promise.all(outcomes);
          expect(peak).toBeLessThanOrEqual(max);
          expect(peak).toBe(Math.min(max, specs.length));
          expect(settled).toEqual(specs.map((spec, i) => (spec.fails ? { ok: false, value: `task ${i}` } : { ok: true, value: i })));
          expect(running).toBe(0);
        },
      ),
      { numRuns: RUNS },
    );
  });
});
