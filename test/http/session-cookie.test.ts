import { describe, expect, it } from "vitest";
import { sessionCookieNames, sessionFromJar, sessionFromRequest, sessionHeaders } from "../../src/http/session-cookie";

const names = sessionCookieNames("My-Project");
const headers = (h: Record<string, string>) => (name: string) => h[name] ?? null;

describe("session cookie rules (src/http/session-cookie.ts)", () => {
  it("names: lower-cased cookie, its _legacy twin, and the fallback key in the project's case", () => {
    expect(names).toEqual({ cookie: "a_session_my-project", legacy: "a_session_my-project_legacy", fallbackKey: "a_session_My-Project" });
  });

  it("reads cookie, then _legacy, then X-Appwrite-Session, then X-Fallback-Cookies", () => {
    expect(
      sessionFromRequest(names, headers({ cookie: "a_session_my-project=A; a_session_my-project_legacy=B", "x-appwrite-session": "C" })),
    ).toEqual({ value: "A", fromFallback: false });
    expect(sessionFromRequest(names, headers({ cookie: "a_session_my-project_legacy=B", "x-appwrite-session": "C" }))).toEqual({
      value: "B",
      fromFallback: false,
    });
    expect(sessionFromRequest(names, headers({ "x-appwrite-session": "C", "x-fallback-cookies": '{"a_session_My-Project":"D"}' }))).toEqual(
      { value: "C", fromFallback: false },
    );
    expect(sessionFromRequest(names, headers({ "x-fallback-cookies": '{"A_SESSION_MY-PROJECT":"D"}' }))).toEqual({
      value: "D",
      fromFallback: true,
    });
    expect(sessionFromRequest(names, headers({}))).toEqual({ value: null, fromFallback: true });
  });

  it("a hostile fallback header gives no session and touches no prototype", () => {
    for (const text of ['{"__proto__":{"a_session_My-Project":"X"}}', "[1]", "null", "{", '{"a_session_My-Project":5}']) {
      expect(sessionFromRequest(names, headers({ "x-fallback-cookies": text })).value).toBeNull();
    }
    expect(Object.prototype).not.toHaveProperty("a_session_My-Project");
  });

  it("a jar is read by cookie name, original-case name, then the twin", () => {
    const jar = (entries: Record<string, string>) => (name: string) => entries[name];
    expect(sessionFromJar(names, jar({ "a_session_my-project_legacy": "L", "a_session_My-Project": "O" }))).toBe("O");
    expect(sessionFromJar(names, jar({ "a_session_my-project_legacy": "L" }))).toBe("L");
    expect(sessionFromJar(names, jar({}))).toBeNull();
  });

  it("sets both cookies, and the fallback header only across sites; clearing expires both", () => {
    const expire = new Date(Date.UTC(2030, 0, 1));
    const set = sessionHeaders(
      names,
      { value: "v/1", expire },
      { https: true, domain: ".api.example.com", sameSite: false, nowMs: expire.getTime() - 60_000 },
    );
    expect(set[0]).toEqual([
      "Set-Cookie",
      "a_session_my-project_legacy=v%2F1; expires=Tue, 01 Jan 2030 00:00:00 GMT; Max-Age=60; path=/; domain=.api.example.com; secure; httponly",
    ]);
    expect(set[1]![1]).toMatch(/^a_session_my-project=v%2F1; .*; secure; httponly; SameSite=None$/);
    expect(set[2]).toEqual(["X-Fallback-Cookies", '{"a_session_My-Project":"v/1"}']);
    const cleared = sessionHeaders(names, null, { https: false, domain: null, sameSite: true, nowMs: 0 });
    expect(cleared).toHaveLength(2);
    expect(cleared[1]![1]).toBe("a_session_my-project=; expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; path=/; httponly; SameSite=None");
  });
});
