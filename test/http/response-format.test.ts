/**
 * `X-Appwrite-Response-Format` (older SDKs) over HTTP against a real Express server on loopback:
 * raw HTTP with the header set, since the official SDKs in the tests are 1.6 SDKs; they are used
 * to check that they get no filters and no warning. The pure parts (PHP's version_compare, the
 * 1.4 query parser, the filter tables) are also checked directly.
 */
import { randomBytes } from "node:crypto";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import * as OTPAuth from "otpauth";
import { AuthenticationFactor, AuthenticatorType, ID } from "appwrite";
import { outbox, type IdentityRecord } from "gatehouse-auth";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, raw, serverClient, type Browser, expectRawError, type RawResult } from "../helpers/sdk";
import { uniqueEmail } from "../helpers/flows";
import { compatFor, formatLevel, toCurrentParams, toOlderModel } from "../../src/http/response-format";
import { versionCompare } from "../../src/http/version-compare";
import { oldQueryToJson } from "../../src/validation/old-queries";
import { SESSION_FIELDS } from "../helpers/models";

// ---------------------------------------------------------------------------------------------
// Constants and helpers
// ---------------------------------------------------------------------------------------------

const PASSWORD = "password123";
const SERVER_VERSION = "1.6.2";
const format = (version: string) => ({ "x-appwrite-response-format": version });
const V14 = format("1.4.0");
const SYNTAX_ERROR = "Invalid `queries` param: Invalid query: Syntax error";
const warningFor = (sdk: string) =>
  `The current SDK is built for Appwrite ${sdk}. However, the current Appwrite server version is ${SERVER_VERSION}. Please downgrade your SDK to match the Appwrite version: https://appwrite.io/docs/sdks`;

/** What a 1.4 SDK gets: no `factors`, no `secret` (response filter V17). */
const SESSION_FIELDS_14 = SESSION_FIELDS.filter((f) => f !== "factors" && f !== "secret");
const TOKEN_FIELDS = ["$id", "$createdAt", "userId", "secret", "expire", "phrase"];
const TOKEN_FIELDS_14 = TOKEN_FIELDS.filter((f) => f !== "phrase");

/** A user made with the API key (signups are limited per IP). */
async function signUp(tag: string) {
  const email = uniqueEmail(tag);
  const user = await serverClient(server.endpoint).account.create(ID.unique(), email, PASSWORD);
  return { email, userId: user.$id };
}

/** Logs in over raw HTTP with these headers; returns the response and the session value. */
async function rawLogin(email: string, headers: Record<string, string>) {
  const res = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD }, headers });
  expect(res.status).toBe(201);
  const fallback = JSON.parse(res.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>;
  const session = fallback[`a_session_${PROJECT}`];
  expect(session).toBeTruthy();
  return { res, headers: { "x-appwrite-session": session! } };
}

/** The session value the web SDK keeps in localStorage (X-Fallback-Cookies). */
function sessionOf(b: Browser): Record<string, string> {
  const stored = JSON.parse(b.storage.get("cookieFallback") ?? "{}") as Record<string, string>;
  return { "x-appwrite-session": stored[`a_session_${PROJECT}`]! };
}

/** Adds and verifies a TOTP authenticator from `b`; returns a generator of current codes. */
async function addTotp(b: Browser): Promise<() => string> {
  const { secret } = await b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 });
  const code = () => totp.generate({ timestamp: server.clock.now() });
  await b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, code()));
  // A code is accepted once per 30 s step (replay protection, src/core/operations/mfa.ts): move on
  // before the next one.
  server.clock.advance(30_000);
  return code;
}

const queryString = (queries: string[]) => queries.map((q) => `queries[]=${encodeURIComponent(q)}`).join("&");

let server: TestServer;
const box = outbox();
beforeAll(async () => {
  server = await startServer({ mailer: box.mailer, version: SERVER_VERSION });
});
afterAll(() => server.close());
afterEach(() => vi.restoreAllMocks());

// ---------------------------------------------------------------------------------------------
// Pure parts
// ---------------------------------------------------------------------------------------------

describe("version_compare, as PHP compares", () => {
  it.each([
    ["1.4.0", "1.5.0", -1],
    ["1.5.0", "1.5.0", 0],
    ["1.6.0", SERVER_VERSION, -1],
    ["1.7.0", SERVER_VERSION, 1],
    ["1.10.0", "1.9.0", 1],
    ["1.6", "1.6.0", -1],
    ["1.6.2.0", "1.6.2", 1],
    ["1.5.0-rc.1", "1.5.0", -1],
    ["1.5.0RC1", "1.5.0", -1],
    ["5.3.0-dev", "5.3.0", -1],
    ["1.0.0pl1", "1.0.0", 1],
    ["abc", "1.5.0", -1],
    ["xyz", "0.0.1", -1],
    ["preview", SERVER_VERSION, 1],
  ])("version_compare(%j, %j) = %i", (a, b, expected) => {
    expect(versionCompare(a, b)).toBe(expected);
    expect(versionCompare(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it("maps a format to its filter level, and the 1.9 formats and later to none", () => {
    expect([
      formatLevel("1.4.0"),
      formatLevel("1.4.99"),
      formatLevel("1.5.0"),
      formatLevel("1.5.9"),
      formatLevel("1.6.0"),
      formatLevel("1.7.0"),
      formatLevel("1.8.9"),
      formatLevel("1.9.0"),
      formatLevel("1.9.5"),
      formatLevel("2.3.0"),
    ]).toEqual(["1.4", "1.4", "1.5", "1.5", "1.6", "1.6", "1.6", null, null, null]);
    expect(compatFor("1.6.0", SERVER_VERSION)?.warning).toBeNull();
    expect(compatFor("1.9.5", "2.3.0")).toBeNull();
    expect(compatFor("2.3.0", "2.3.0")).toBeNull();
    // PHP's `if ($responseFormat)`: "0" is falsy, like "".
    expect(compatFor("0", SERVER_VERSION)).toBeNull();
    expect(compatFor("", SERVER_VERSION)).toBeNull();
    expect(compatFor("1.7.0", SERVER_VERSION)?.warning).toBe(warningFor("1.7.0"));
    expect(compatFor("1.5.0", SERVER_VERSION)?.warning).toBeNull();
  });
});

describe("the 1.4 query string form, as Appwrite's V17 filter parsed it", () => {
  it.each([
    ["limit(25)", { method: "limit", values: [25] }],
    ["offset(0)", { method: "offset", values: [0] }],
    ['limit("25")', { method: "limit", values: ["25"] }],
    ['equal("provider", ["github"])', { method: "equal", attribute: "provider", values: ["github"] }],
    ['equal("provider", "github")', { method: "equal", attribute: "provider", values: ["github"] }],
    ["equal('provider', ['github', 'google'])", { method: "equal", attribute: "provider", values: ["github", "google"] }],
    ['notEqual("a", 1.5)', { method: "notEqual", attribute: "a", values: [1.5] }],
    ['lessThan("a", -.5e1)', { method: "lessThan", attribute: "a", values: [-5] }],
    ['greaterThan("a", true)', { method: "greaterThan", attribute: "a", values: [true] }],
    ['equal("a", [false, null, 0x1A])', { method: "equal", attribute: "a", values: [false, null, "0x1A"] }],
    ['search("name", "a, b")', { method: "search", attribute: "name", values: ["a, b"] }],
    ['equal("a", "x\\"y")', { method: "equal", attribute: "a", values: ['x"y'] }],
    ['equal("a", "x\\,y")', { method: "equal", attribute: "a", values: ["x,y"] }],
    ['equal("a", "x\\ny")', { method: "equal", attribute: "a", values: ["x\\ny"] }],
    ['equal("a", "it\'s")', { method: "equal", attribute: "a", values: ["it's"] }],
    ['equal("a", bare word)', { method: "equal", attribute: "a", values: ["bareword"] }],
    ['isNull("x")', { method: "isNull", attribute: "x" }],
    ['between("a", 1, 2)', { method: "between", attribute: "a", values: [1, 2] }],
    ['between("a", 1)', { method: "between", attribute: "a", values: [1, null] }],
    ['startsWith("a", "é")', { method: "startsWith", attribute: "a", values: ["é"] }],
    ['endsWith("a", "z")', { method: "endsWith", attribute: "a", values: ["z"] }],
    ['orderDesc("$createdAt")', { method: "orderDesc", attribute: "$createdAt" }],
    ["orderAsc()", { method: "orderAsc" }],
    ['cursorAfter("abc")', { method: "cursorAfter", values: ["abc"] }],
    ['select(["a", "b"])', { method: "select", values: ["a", "b"] }],
    // array_filter drops an attribute of "0" and empty values, as PHP's empty() does.
    ['equal("0", [])', { method: "equal" }],
    // Quirks kept: the last character is dropped unread, and a second array repeats the first.
    ["limit(25", { method: "limit", values: [2] }],
    ['between("a", [1], [2])', { method: "between", attribute: "a", values: [[1], [1, 2]] }],
    ["unknown(1)", { method: "unknown" }],
  ])("%s", (query, json) => {
    expect(JSON.parse(oldQueryToJson(query)!)).toEqual(json);
  });

  it.each(["limit", "", '{"method":"limit","values":[1]}', "Query.limit(1)", "between()", 'select("a")', "equal([1], 2)", "limit(1e999)"])(
    "%j cannot be read (PHP throws)",
    (query) => {
      expect(oldQueryToJson(query)).toBeNull();
    },
  );
});

describe("the filter tables", () => {
  it("drop passwordAgain (below 1.5) and otp (below 1.6), and convert queries only below 1.5", () => {
    expect(toCurrentParams("updateRecovery", { userId: "u", secret: "s", password: "p", passwordAgain: "q" }, "1.4")).toEqual({
      userId: "u",
      secret: "s",
      password: "p",
    });
    expect(toCurrentParams("updateRecovery", { password: "p", passwordAgain: "q" }, "1.5")).toEqual({ password: "p", passwordAgain: "q" });
    expect(toCurrentParams("deleteMfaAuthenticator", { type: "totp", otp: "123456" }, "1.5")).toEqual({ type: "totp" });
    expect(toCurrentParams("deleteMfaAuthenticator", { type: "totp", otp: "123456" }, "1.4")).toEqual({ type: "totp" });
    expect(toCurrentParams("listLogs", { queries: ["limit(1)"] }, "1.4")).toEqual({ queries: ['{"method":"limit","values":[1]}'] });
    expect(toCurrentParams("listLogs", { queries: ["limit(1)"] }, "1.5")).toEqual({ queries: ["limit(1)"] });
    expect(toCurrentParams("listSessions", { otp: "1", passwordAgain: "2" }, "1.4")).toEqual({ otp: "1", passwordAgain: "2" });
  });

  it("strip Token.phrase and Session.factors/secret for 1.4, and leave Account alone", () => {
    expect(toOlderModel("createEmailToken", { $id: "t", secret: "", phrase: "x" }, "1.4")).toEqual({ $id: "t", secret: "" });
    expect(toOlderModel("getSession", { $id: "s", factors: ["password"], secret: "", current: true }, "1.4")).toEqual({
      $id: "s",
      current: true,
    });
    expect(toOlderModel("listSessions", { total: 1, sessions: [{ $id: "s", factors: [], secret: "" }] }, "1.4")).toEqual({
      total: 1,
      sessions: [{ $id: "s" }],
    });
    const account = { $id: "u", mfa: true, targets: [] };
    expect(toOlderModel("get", account, "1.4")).toEqual(account);
  });

  it("strip the fields added after 1.6 below 1.9, from every model that has them, in lists too", () => {
    const account = { $id: "u", emailVerification: false, emailCanonical: null, passwordPwned: null, mfa: true, impersonator: false };
    for (const level of ["1.4", "1.5", "1.6"] as const) {
      expect(toOlderModel("get", account, level)).toEqual({ $id: "u", emailVerification: false, mfa: true });
      expect(toOlderModel("updateMfaAuthenticator", account, level)).toEqual({ $id: "u", emailVerification: false, mfa: true });
    }
    expect(toOlderModel("listIdentities", { total: 1, identities: [{ $id: "i", providerIdToken: "" }] }, "1.6")).toEqual({
      total: 1,
      identities: [{ $id: "i" }],
    });
    expect(toOlderModel("listLogs", { total: 1, logs: [{ event: "e", userType: "user", ip: "" }] }, "1.6")).toEqual({
      total: 1,
      logs: [{ event: "e", ip: "" }],
    });
    expect(toOlderModel("listMfaFactors", { totp: true, recoveryCode: false, custom: false }, "1.5")).toEqual({
      totp: true,
      recoveryCode: false,
    });
    // 1.6 keeps what 1.5 added.
    expect(toOlderModel("createEmailToken", { $id: "t", phrase: "x" }, "1.6")).toEqual({ $id: "t", phrase: "x" });
  });
});

// ---------------------------------------------------------------------------------------------
// Queries over HTTP (src/validation/queries.ts, src/validation/old-queries.ts)
// ---------------------------------------------------------------------------------------------

describe("1.4 string queries over HTTP", () => {
  it("GET /account/logs: limit() and offset() page the same way the JSON form does", async () => {
    const { email } = await signUp("logs");
    const { headers } = await rawLogin(email, {});
    const all = await raw(server.endpoint, "GET", "/account/logs", { headers });
    expect(all.status).toBe(200);
    const events = (all.json!.logs as Array<{ event: string }>).map((l) => l.event);
    expect(events).toEqual(["session.create", "user.create"]);

    const second = await raw(server.endpoint, "GET", `/account/logs?${queryString(["limit(1)", "offset(1)"])}`, {
      headers: { ...headers, ...V14 },
    });
    expect(second.status).toBe(200);
    expect(second.json!.total).toBe(2);
    expect((second.json!.logs as Array<{ event: string }>).map((l) => l.event)).toEqual(["user.create"]);

    // A converted query goes through the usual checks.
    const zero = await raw(server.endpoint, "GET", `/account/logs?${queryString(["limit(0)"])}`, { headers: { ...headers, ...V14 } });
    expectRawError(zero, 400, "general_argument_invalid");
    expect(zero.json!.message).toMatch(/^Invalid `queries` param: Invalid query: Invalid limit: /);
    const notAllowed = await raw(server.endpoint, "GET", `/account/logs?${queryString(['equal("event", ["user.create"])'])}`, {
      headers: { ...headers, ...V14 },
    });
    expectRawError(notAllowed, 400, "general_argument_invalid", "Invalid `queries` param: Invalid query method: equal");
  });

  it("GET /account/identities: equal() with an array or a scalar, orderDesc(), limit() and cursorAfter()", async () => {
    const { email, userId } = await signUp("identities");
    const { headers } = await rawLogin(email, {});
    const base = server.clock.now() - 10_000;
    const make = async (provider: string, offsetMs: number) => {
      const identity: IdentityRecord = {
        id: randomBytes(10).toString("hex"),
        userId,
        createdAt: new Date(base + offsetMs),
        updatedAt: new Date(base + offsetMs),
        provider,
        providerUid: `${provider}-${offsetMs}`,
        providerEmail: `${provider}-${offsetMs}@example.com`,
        providerAccessToken: "",
        providerAccessTokenExpiry: null,
        providerRefreshToken: "",
        providerIdToken: "",
      };
      await server.service.config.store.identities.create(identity);
      return identity.id;
    };
    const github1 = await make("github", 1000);
    await make("google", 2000);
    const github2 = await make("github", 3000);
    const list = (queries: string[], extra: Record<string, string> = V14) =>
      raw(server.endpoint, "GET", `/account/identities?${queryString(queries)}`, { headers: { ...headers, ...extra } });
    const ids = (res: RawResult) => (res.json!.identities as Array<{ $id: string; provider: string }>).map((i) => i.$id);

    const everything = await list([]);
    expect(everything.json!.total).toBe(3);

    const arrayForm = await list(['equal("provider", ["github"])']);
    expect(arrayForm.status).toBe(200);
    expect(arrayForm.json!.total).toBe(2);
    expect(ids(arrayForm).sort()).toEqual([github1, github2].sort());

    const scalarForm = await list(["equal('provider', 'github')", 'orderDesc("$createdAt")']);
    expect(scalarForm.json!.total).toBe(2);
    expect(ids(scalarForm)).toEqual([github2, github1]);

    const paged = await list(['equal("provider", ["github"])', 'orderDesc("$createdAt")', "limit(1)"]);
    expect({ total: paged.json!.total, ids: ids(paged) }).toEqual({ total: 2, ids: [github2] });
    const next = await list(['equal("provider", ["github"])', 'orderDesc("$createdAt")', `cursorAfter("${github2}")`]);
    expect(ids(next)).toEqual([github1]);

    const unknown = await list(['equal("secret", ["x"])']);
    expectRawError(
      unknown,
      400,
      "general_argument_invalid",
      "Invalid `queries` param: Invalid query: Attribute not found in schema: secret",
    );
  });

  it("without the header, with a 1.5 or a 1.6 format, the string form still fails as garbage does", async () => {
    const { email } = await signUp("no-header");
    const { headers } = await rawLogin(email, {});
    const path = `/account/identities?${queryString(['equal("provider", ["github"])'])}`;
    for (const extra of [{}, format("1.5.0"), format("1.6.0"), format(SERVER_VERSION)]) {
      expectRawError(
        await raw(server.endpoint, "GET", path, { headers: { ...headers, ...extra } }),
        400,
        "general_argument_invalid",
        SYNTAX_ERROR,
      );
    }
    // ...and with the 1.4 format the same request succeeds.
    expect((await raw(server.endpoint, "GET", path, { headers: { ...headers, ...V14 } })).status).toBe(200);
  });

  it("a 1.4 string the old parser cannot read gives the same 400 as JSON garbage; a guest still gets 401 first", async () => {
    const { email } = await signUp("garbage");
    const { headers } = await rawLogin(email, {});
    for (const query of ["limit", "between()", 'select("a")', '{"method":"limit","values":[1]}']) {
      const res = await raw(server.endpoint, "GET", `/account/logs?${queryString([query])}`, { headers: { ...headers, ...V14 } });
      expectRawError(res, 400, "general_argument_invalid", SYNTAX_ERROR);
    }
    const guest = await raw(server.endpoint, "GET", `/account/logs?${queryString(["limit"])}`, { headers: V14 });
    expectRawError(guest, 401, "general_unauthorized_scope");
  });
});

// ---------------------------------------------------------------------------------------------
// Models: Session and Token as each format sees them
// ---------------------------------------------------------------------------------------------

describe("1.4 response models", () => {
  it("Session responses (create, get, update, list) lack factors and secret; the Account keeps targets and mfa", async () => {
    const { email } = await signUp("session14");
    const { res: created, headers } = await rawLogin(email, V14);
    expect(Object.keys(created.json!)).toEqual(SESSION_FIELDS_14);
    expect(created.json!.current).toBe(true);

    const got = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...V14 } });
    expect(got.status).toBe(200);
    expect(Object.keys(got.json!)).toEqual(SESSION_FIELDS_14);
    const updated = await raw(server.endpoint, "PATCH", "/account/sessions/current", { headers: { ...headers, ...V14 } });
    expect(updated.status).toBe(200);
    expect(Object.keys(updated.json!)).toEqual(SESSION_FIELDS_14);

    await rawLogin(email, {});
    const listed = await raw(server.endpoint, "GET", "/account/sessions", { headers: { ...headers, ...V14 } });
    expect(listed.json!.total).toBe(2);
    for (const session of listed.json!.sessions) expect(Object.keys(session)).toEqual(SESSION_FIELDS_14);

    const account = await raw(server.endpoint, "GET", "/account", { headers: { ...headers, ...V14 } });
    expect(account.status).toBe(200);
    expect(account.json).toHaveProperty("mfa", false);
    expect(account.json!.targets).toEqual([expect.objectContaining({ providerType: "email", identifier: email })]);

    // The same session read by a 1.6 SDK has both fields.
    const current = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format("1.6.0") } });
    expect(Object.keys(current.json!)).toEqual(SESSION_FIELDS);
    expect(current.json!.factors).toEqual(["password"]);
  });

  it("an API key's 1.4 login gets no secret either (as in Appwrite, whose 1.4 Session had none)", async () => {
    const { email } = await signUp("key14");
    const keyed = (extra: Record<string, string>) =>
      raw(server.endpoint, "POST", "/account/sessions/email", {
        body: { email, password: PASSWORD },
        headers: { "x-appwrite-key": API_KEY, ...extra },
      });
    const old = await keyed(V14);
    expect(old.status).toBe(201);
    expect(old.json).not.toHaveProperty("secret");
    const current = await keyed({});
    expect(current.json!.secret).toMatch(/.{20,}/);
  });

  it("the MFA challenge's Session (PUT /account/mfa/challenge) also loses factors and secret", async () => {
    const { email } = await signUp("challenge14");
    const b = browser(server.endpoint);
    await b.use((a) => a.createEmailPasswordSession(email, PASSWORD));
    const code = await addTotp(b);
    const challenge = await raw(server.endpoint, "POST", "/account/mfa/challenge", {
      body: { factor: "totp" },
      headers: { ...sessionOf(b), ...V14 },
    });
    // 200, not 201, as Appwrite answers POST /account/mfa/challenge.
    expect(challenge.status).toBe(200);
    const done = await raw(server.endpoint, "PUT", "/account/mfa/challenge", {
      body: { challengeId: challenge.json!.$id, otp: code() },
      headers: { ...sessionOf(b), ...V14 },
    });
    expect(done.status).toBe(200);
    expect(Object.keys(done.json!)).toEqual(SESSION_FIELDS_14);
    server.clock.advance(30_000);
  });

  it("Token responses lack phrase (POST /account/tokens/email with phrase: true)", async () => {
    const email = uniqueEmail("token14");
    const body = { userId: ID.unique(), email, phrase: true };
    const old = await raw(server.endpoint, "POST", "/account/tokens/email", { body, headers: V14 });
    expect(old.status).toBe(201);
    expect(Object.keys(old.json!)).toEqual(TOKEN_FIELDS_14);
    const current = await raw(server.endpoint, "POST", "/account/tokens/email", {
      body: { ...body, userId: old.json!.userId },
      headers: format("1.6.0"),
    });
    expect(Object.keys(current.json!)).toEqual(TOKEN_FIELDS);
    expect(current.json!.phrase).toMatch(/\w+ \w+/);
  });
});

// ---------------------------------------------------------------------------------------------
// Request parameters: the older formats' request filters (src/http/response-format.ts)
// ---------------------------------------------------------------------------------------------

describe("1.4 and 1.5 request parameters", () => {
  it("PUT /account/recovery with passwordAgain (1.4) completes the recovery; the Token lacks phrase", async () => {
    const { email, userId } = await signUp("recovery14");
    const started = await raw(server.endpoint, "POST", "/account/recovery", {
      body: { email, url: "http://localhost/reset" },
      headers: V14,
    });
    expect(started.status).toBe(201);
    expect(Object.keys(started.json!)).toEqual(TOKEN_FIELDS_14);
    const secret = new URL(box.lastMail(email)!.url!).searchParams.get("secret")!;
    const newPassword = "brand-new-password-14";
    const done = await raw(server.endpoint, "PUT", "/account/recovery", {
      body: { userId, secret, password: newPassword, passwordAgain: newPassword },
      headers: V14,
    });
    expect(done.status).toBe(200);
    expect(Object.keys(done.json!)).toEqual(TOKEN_FIELDS_14);
    const login = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: newPassword } });
    expect(login.status).toBe(201);
  });

  it("DELETE /account/mfa/authenticators/totp with otp in the body (1.5) is accepted; the otp is ignored", async () => {
    const { email } = await signUp("delete15");
    const b = browser(server.endpoint);
    await b.use((a) => a.createEmailPasswordSession(email, PASSWORD));
    const code = await addTotp(b);
    const challenge = await b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b.use((a) => a.updateMfaChallenge(challenge.$id, code()));
    server.clock.advance(30_000);

    const res = await raw(server.endpoint, "DELETE", "/account/mfa/authenticators/totp", {
      body: { otp: "not-a-code" },
      headers: { ...sessionOf(b), ...format("1.5.0") },
    });
    expect(res.status).toBe(204);
    expect((await b.use((a) => a.listMfaFactors())).totp).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The header itself: compared as PHP's version_compare (src/http/version-compare.ts)
// ---------------------------------------------------------------------------------------------

describe("the format value", () => {
  it("a format above the server version draws X-Appwrite-Warning and changes nothing else; 1.6.0 and 1.6.2 draw none", async () => {
    const { email } = await signUp("warning");
    const { headers } = await rawLogin(email, {});
    const newer = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format("1.7.0") } });
    expect(newer.status).toBe(200);
    expect(newer.headers.get("x-appwrite-warning")).toBe(warningFor("1.7.0"));
    expect(Object.keys(newer.json!)).toEqual(SESSION_FIELDS);
    // Errors carry it too: Appwrite adds it before any check can fail.
    const guest = await raw(server.endpoint, "GET", "/account", { headers: format("1.7.0") });
    expect(guest.status).toBe(401);
    expect(guest.headers.get("x-appwrite-warning")).toBe(warningFor("1.7.0"));

    for (const version of ["1.6.0", SERVER_VERSION, "1.4.0"]) {
      const res = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format(version) } });
      expect(res.status).toBe(200);
      expect(res.headers.get("x-appwrite-warning")).toBeNull();
    }
    expect((await raw(server.endpoint, "GET", "/account", { headers })).headers.get("x-appwrite-warning")).toBeNull();
  });

  it("the official SDKs send 1.6.0 and get no warning and no filters", async () => {
    const b = browser(server.endpoint);
    const node = serverClient(server.endpoint);
    expect(b.client.headers["X-Appwrite-Response-Format"]).toBe("1.6.0");
    expect((node.client as unknown as { headers: Record<string, string> }).headers["X-Appwrite-Response-Format"]).toBe("1.6.0");

    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const email = uniqueEmail("sdk");
    await node.account.create(ID.unique(), email, PASSWORD);
    const session = await b.use((a) => a.createEmailPasswordSession(email, PASSWORD));
    expect(session.factors).toEqual(["password"]);
    expect(session).toHaveProperty("secret", "");
    const list = await b.use((a) => a.listSessions());
    expect(list.sessions[0]).toHaveProperty("factors", ["password"]);
    const token = await b.use((a) => a.createVerification("http://localhost/verify"));
    expect(token).toHaveProperty("phrase", "");
    expect(warn).not.toHaveBeenCalled();

    // The spy does see a warning when there is one: the same SDK claiming to be newer.
    b.client.headers["X-Appwrite-Response-Format"] = "1.7.0";
    await b.use((a) => a.get());
    expect(warn).toHaveBeenCalledWith(`Warning: ${warningFor("1.7.0")}`);
  });

  it("a malformed value compares as PHP's version_compare does: `abc` is a very old SDK (1.4 filters), `preview` a newer one (warning only)", async () => {
    // version_compare("abc", "1.5.0") is -1 ("a" counts as "alpha", below any number), so
    // Appwrite applies every compatibility filter; "preview" starts with "p" ("patch level"),
    // above any number, so Appwrite warns and filters nothing. "0" is falsy in PHP: no effect.
    const { email } = await signUp("malformed");
    const { headers } = await rawLogin(email, {});
    const abc = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format("abc") } });
    expect(abc.status).toBe(200);
    expect(Object.keys(abc.json!)).toEqual(SESSION_FIELDS_14);
    expect(abc.headers.get("x-appwrite-warning")).toBeNull();
    const logs = await raw(server.endpoint, "GET", `/account/logs?${queryString(["limit(1)"])}`, {
      headers: { ...headers, ...format("abc") },
    });
    expect(logs.status).toBe(200);
    expect(logs.json!.logs).toHaveLength(1);

    const preview = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format("preview") } });
    expect(Object.keys(preview.json!)).toEqual(SESSION_FIELDS);
    expect(preview.headers.get("x-appwrite-warning")).toBe(warningFor("preview"));

    const zero = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { ...headers, ...format("0") } });
    expect(Object.keys(zero.json!)).toEqual(SESSION_FIELDS);
    expect(zero.headers.get("x-appwrite-warning")).toBeNull();
  });
});
