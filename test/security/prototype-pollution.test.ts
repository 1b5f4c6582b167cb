/**
 * Prototype pollution through request parameters (issue 11, item 1): the attacks of the report,
 * sent over HTTP to a real Express server in this process, so a polluted `Object.prototype` would
 * be visible here. Each test checks that `Object.prototype` gained nothing, that the request was
 * refused (400 `general_argument_invalid`), and that the effect the attack aimed at did not
 * happen: the MFA gate holds, answers are not redirects, no foreign cookie is set, the origin
 * check still refuses, nothing is stored.
 *
 * Covers src/http/params.ts (prototype-less containers, forbidden keys), the outcome reads of
 * src/http/handler.ts (own properties only) and parseParams (src/validation/validators.ts).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import express from "express";
import { parseBody, parsePhpQuery } from "../../src/http/params";
import { FORBIDDEN_KEYS } from "../../src/validation/input-limits";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { expectRawError, raw, type RawResult } from "../helpers/sdk";
import { uniqueEmail } from "../helpers/flows";

const PASSWORD = "password123";
const COOKIE = `a_session_${PROJECT}`;
const EVIL = "https://evil.example/steal";
const FORM = { "content-type": "text/plain" };

const baseline = Object.getOwnPropertyNames(Object.prototype).sort();
const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();

/** Undo whatever a failing run planted, so one failure does not cascade into the next test. */
function restorePrototype(): void {
  for (const key of Object.getOwnPropertyNames(Object.prototype)) {
    if (!baseline.includes(key)) delete (Object.prototype as Record<string, unknown>)[key];
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
afterEach(restorePrototype);

async function userWithSession(s: TestServer, mfa = false) {
  const email = uniqueEmail("proto");
  const user = await s.service.create({ userId: "unique()", email, password: PASSWORD }, { key: API_KEY });
  if (mfa) await s.service.config.store.users.update(user.$id, { mfa: true, emailVerification: true });
  const login = await raw(s.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });
  expect(login.status).toBe(201);
  const session = (JSON.parse(login.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>)[COOKIE]!;
  return { user, email, auth: { "x-appwrite-session": session } };
}

function expectRefused(res: RawResult) {
  expectRawError(res, 400, "general_argument_invalid");
  expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
}

describe("bracket parameters cannot reach Object.prototype", () => {
  it("GET /v1/account?__proto__[skipsMfaGate]=1 (no session, no project): refused, and the MFA gate still holds", async () => {
    const victim = await userWithSession(server, true);
    const attack = await raw(server.endpoint, "GET", "/account?__proto__[skipsMfaGate]=1", { project: null });
    expect(prototypeKeys()).toEqual(baseline);
    expectRefused(attack);
    // A password-only session of an MFA user must still be stopped before changing the e-mail.
    const change = await raw(server.endpoint, "PATCH", "/account/email", {
      body: { email: uniqueEmail("taken"), password: PASSWORD },
      headers: victim.auth,
    });
    expectRawError(change, 401, "user_more_factors_required");
  });

  it("__proto__[redirect]=… in a text/plain body: refused, and successful answers are not redirects", async () => {
    const { auth } = await userWithSession(server);
    const attack = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: `__proto__[redirect]=${encodeURIComponent(EVIL)}`,
      headers: FORM,
    });
    expect(prototypeKeys()).toEqual(baseline);
    expectRefused(attack);
    const after = await raw(server.endpoint, "GET", "/account", { headers: auth });
    expect(after.status).toBe(200);
    expect(after.headers.get("location")).toBeNull();
  });

  it("__proto__[cookies][0][…] in a text/plain body: refused, and a later login sets no foreign cookie", async () => {
    const fixation = ["name", "value", "maxAge"]
      .map((f, i) => `__proto__[cookies][0][${f}]=${["attacker_cookie", "attacker-session", "31536000"][i]}`)
      .join("&");
    const attack = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: fixation, headers: FORM });
    expect(prototypeKeys()).toEqual(baseline);
    expectRefused(attack);
    const email = uniqueEmail("fixation");
    await server.service.create({ userId: "unique()", email, password: PASSWORD }, { key: API_KEY });
    const login = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });
    expect(login.status).toBe(201);
    const cookies = login.headers.getSetCookie();
    expect(cookies.length).toBeGreaterThan(0);
    expect(cookies.filter((c) => c.includes("attacker"))).toEqual([]);
  });

  it("__proto__[anyOrigin]=1 in a text/plain body: refused, and the origin check still refuses a foreign origin", async () => {
    const attack = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: "__proto__[anyOrigin]=1", headers: FORM });
    expect(prototypeKeys()).toEqual(baseline);
    expectRefused(attack);
    const foreign = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { origin: "https://evil.example" },
    });
    expectRawError(foreign, 403, "general_unknown_origin");
  });

  it("the same keys nested under a parameter (prefs[__proto__][redirect]) and in a query string", async () => {
    const { auth } = await userWithSession(server);
    const form = await raw(server.endpoint, "PATCH", "/account/prefs", {
      body: `prefs[__proto__][redirect]=${encodeURIComponent(EVIL)}`,
      headers: { ...auth, ...FORM },
    });
    const query = await raw(server.endpoint, "GET", `/account/logs?queries[__proto__][redirect]=${encodeURIComponent(EVIL)}`, {
      headers: auth,
    });
    const constructor = await raw(server.endpoint, "GET", "/account?a[constructor][prototype][redirect]=1", { headers: auth });
    expect(prototypeKeys()).toEqual(baseline);
    for (const res of [form, query, constructor]) expectRefused(res);
    expect((await raw(server.endpoint, "GET", "/account/prefs", { headers: auth })).json).toEqual({});
  });
});

describe("JSON bodies", () => {
  for (const [label, body] of [
    ["{__proto__: {…}}", `{"__proto__":{"redirect":"${EVIL}","skipsMfaGate":true}}`],
    ["{constructor: {prototype: {…}}}", `{"constructor":{"prototype":{"redirect":"${EVIL}"}}}`],
    ["a nested __proto__", `{"extra":[{"__proto__":{"redirect":"${EVIL}"}}]}`],
  ] as const) {
    it(`${label}: refused before anything runs, no session created, no redirect`, async () => {
      const before = await server.service.config.store.users.count();
      const attack = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body });
      expect(prototypeKeys()).toEqual(baseline);
      expectRefused(attack);
      expect(attack.headers.get("location")).toBeNull();
      expect(await server.service.config.store.users.count()).toBe(before);
    });
  }

  it("prefs with a __proto__ key: refused and nothing stored (JSON body and the typed service call)", async () => {
    const { user, auth } = await userWithSession(server);
    const prefs = `{"prefs":{"theme":"dark","__proto__":{"redirect":"${EVIL}"}}}`;
    const res = await raw(server.endpoint, "PATCH", "/account/prefs", { body: prefs, headers: auth });
    expect(prototypeKeys()).toEqual(baseline);
    expectRefused(res);
    expect(res.json?.message).toContain("`prefs`");
    // A typed call (no HTTP parser in between), with JSON.parse's own "__proto__" key.
    const typed = server.service.updatePrefs({ prefs: JSON.parse(prefs).prefs }, { session: auth["x-appwrite-session"] });
    await expect(typed).rejects.toMatchObject({
      type: "general_argument_invalid",
      message: "Invalid `prefs` param: Value must be a valid object.",
    });
    const stored = await server.service.config.store.users.get(user.$id);
    expect(Object.keys(stored!.prefs)).toEqual([]);
    expect(prototypeKeys()).toEqual(baseline);
  });

  it("an Express app's express.json() body is sanitised too", async () => {
    const s = await startServer({}, (app) => app.use(express.json()));
    try {
      const attack = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: `{"__proto__":{"redirect":"${EVIL}"}}` });
      expect(prototypeKeys()).toEqual(baseline);
      expectRefused(attack);
    } finally {
      await s.close();
    }
  });
});

/** True when the object inherits nothing: no Object.prototype members, no `__proto__` accessor. */
const inheritsNothing = (value: unknown) =>
  typeof value === "object" && value !== null && !("__proto__" in value) && !("toString" in value) && !("constructor" in value);

describe("the parsers build objects that inherit nothing (unit)", () => {
  it("every container of a bracket parse inherits nothing", () => {
    const parsed = parsePhpQuery("a=1&b[x][y]=2&c[]=3&c[]=4&d[0][k]=5");
    expect(inheritsNothing(parsed)).toBe(true);
    expect(inheritsNothing(parsed.b)).toBe(true);
    expect(inheritsNothing((parsed.b as Record<string, unknown>).x)).toBe(true);
    expect(inheritsNothing((parsed.d as unknown[])[0])).toBe(true);
    expect(parsed).toEqual({ a: "1", b: { x: { y: "2" } }, c: ["3", "4"], d: [{ k: "5" }] });
  });

  it("every object of a JSON body inherits nothing", () => {
    const parsed = parseBody("application/json", '{"a":{"b":[{"c":1}]}}');
    expect(inheritsNothing(parsed)).toBe(true);
    const a = parsed.a as { b: Array<Record<string, unknown>> };
    expect(inheritsNothing(a)).toBe(true);
    expect(inheritsNothing(a.b[0])).toBe(true);
    expect(parsed).toEqual({ a: { b: [{ c: 1 }] } });
  });

  for (const key of FORBIDDEN_KEYS) {
    it(`"${key}" is refused as a name, a bracket segment and a JSON key, at any depth`, () => {
      for (const attempt of [
        () => parsePhpQuery(`${key}=1`),
        () => parsePhpQuery(`${key}[x]=1`),
        () => parsePhpQuery(`a[${key}]=1`),
        () => parsePhpQuery(`a[0][b][${key}][c]=1`),
        () => parseBody("application/json", `{"${key}":1}`),
        () => parseBody("application/json", `{"a":[{"b":{"${key}":{}}}]}`),
      ]) {
        expect(attempt).toThrowError(expect.objectContaining({ type: "general_argument_invalid" }));
      }
      expect(prototypeKeys()).toEqual(baseline);
    });
  }
});
