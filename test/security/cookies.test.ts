import { describe, expect, it } from "vitest";
import { readCookie, readFirstCookie } from "../../src/http/cookies";
import { requestUrl } from "../../src/http/request-url";

// The session cookie and its `_legacy` twin are read in one pass (src/http/cookies.ts); it must
// choose exactly as two `readCookie` calls did.
describe("readFirstCookie", () => {
  const two = (header: string | null) => readCookie(header, "a_session_p") ?? readCookie(header, "a_session_p_legacy");
  const cases = [
    null,
    "",
    "a_session_p=1",
    "a_session_p_legacy=2; a_session_p=1",
    "a_session_p_legacy=2",
    "A_Session_P=%41; a_session_p=2",
    "a_session_p=; a_session_p_legacy=2",
    "a_session_p=%E0%A4%A; x=1",
    "junk; =; a_session_p_legacy=1; a_session_p_legacy=2",
    " a_session_p = spaced ; other=3",
  ];
  for (const header of cases) {
    it(JSON.stringify(header), () => {
      expect(readFirstCookie(header, "a_session_p", "a_session_p_legacy")).toBe(two(header));
    });
  }
});

describe("requestUrl", () => {
  it("refuses a bad Host however many good ones it has seen (its cache is bounded, never a pass)", () => {
    for (let i = 0; i < 200; i++) expect(requestUrl(`http://h${i}.test/v1`, `h${i}.test:${1000 + i}`)).not.toBeNull();
    for (const bad of ["a b", "[::1", "localhost:99999", "", "1.2.3.999", "[1::2::3]"]) {
      expect(requestUrl("http://localhost/v1", bad), bad).toBeNull();
    }
    expect(requestUrl("http://localhost/v1", "localhost")?.pathname).toBe("/v1");
    expect(requestUrl("http://localhost/v1", "localhost")?.pathname).toBe("/v1");
  });
});
