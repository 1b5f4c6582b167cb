/** The wire datetime (src/models/datetime.ts) against the platform's own ISO formatting. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDate } from "../../src/models/datetime";

const iso = (date: Date) => date.toISOString().replace("Z", "+00:00");
const YEAR_10000 = Date.UTC(10000, 0, 1);

describe("formatDate", () => {
  it("equals toISOString with a numeric offset for every millisecond from 1970 to 9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: YEAR_10000 - 1 }), (ms) => {
        expect(formatDate(new Date(ms))).toBe(iso(new Date(ms)));
      }),
      { numRuns: 20_000 },
    );
  });

  it("is exact at the edges: epoch, leap days, century rules, the last millisecond of 9999", () => {
    for (const text of [
      "1970-01-01T00:00:00.000Z",
      "1999-12-31T23:59:59.999Z",
      "2000-02-29T12:00:00.500Z",
      "2024-02-29T23:59:59.999Z",
      "2024-03-01T00:00:00.000Z",
      "2100-02-28T00:00:00.001Z",
      "2100-03-01T00:00:00.000Z",
      "2400-02-29T00:00:00.000Z",
      "9999-12-31T23:59:59.999Z",
    ]) {
      expect(formatDate(new Date(text))).toBe(text.replace("Z", "+00:00"));
    }
  });

  it("falls back to the platform outside 1970–9999, and unset is empty", () => {
    expect(formatDate(new Date(-1))).toBe("1969-12-31T23:59:59.999+00:00");
    expect(formatDate(new Date(YEAR_10000))).toBe("+010000-01-01T00:00:00.000+00:00");
    expect(formatDate(null)).toBe("");
    expect(formatDate(undefined)).toBe("");
    expect(() => formatDate(new Date(Number.NaN))).toThrow(RangeError);
  });
});
