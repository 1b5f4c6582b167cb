import { describe, expect, it } from "vitest";
import { randomBuffer, randomHex } from "../../src/crypto/random";

// src/crypto/random.ts hands out bytes from a 4 KiB pool; these check that no byte is handed out
// twice (across refills too) and that what it returns is the caller's own.
describe("pooled CSPRNG", () => {
  it("never repeats a draw across many pool refills", () => {
    const seen = new Set<string>();
    // 3,000 × 16 bytes = about 12 refills; a byte handed out twice would repeat a whole draw.
    for (let i = 0; i < 3000; i++) {
      const hex = randomHex(16);
      expect(hex).toMatch(/^[0-9a-f]{32}$/);
      seen.add(hex);
    }
    expect(seen.size).toBe(3000);
  });

  it("draws sizes that do not divide the pool, and larger than the pool", () => {
    const draws = Array.from({ length: 400 }, (_, i) => randomHex(1 + (i % 97)));
    draws.forEach((hex, i) => expect(hex).toHaveLength(2 * (1 + (i % 97))));
    const long = randomHex(5000);
    expect(long).toMatch(/^[0-9a-f]{10000}$/);
    expect(new Set(long.match(/.{32}/g)).size).toBe(312);
  });

  it("gives each caller a buffer of its own", () => {
    const first = randomBuffer(32);
    const copy = Buffer.from(first);
    first.fill(0);
    // Writing to a returned buffer changes neither later draws nor earlier ones.
    const second = randomBuffer(32);
    expect(second.equals(Buffer.alloc(32))).toBe(false);
    expect(copy.equals(Buffer.alloc(32))).toBe(false);
    expect(randomBuffer(5000)).toHaveLength(5000);
  });

  it("is roughly uniform over nibbles", () => {
    const hex = Array.from({ length: 200 }, () => randomHex(100)).join("");
    const counts = new Map<string, number>();
    for (const c of hex) counts.set(c, (counts.get(c) ?? 0) + 1);
    const expected = hex.length / 16;
    let chi = 0;
    for (const c of "0123456789abcdef") chi += ((counts.get(c) ?? 0) - expected) ** 2 / expected;
    // 15 degrees of freedom: 50 is far beyond the 0.9999 quantile (~44), a constant pool is not.
    expect(chi).toBeLessThan(50);
  });
});
