/**
 * Session routes over HTTP, driven through the official SDKs (`appwrite` web, `node-appwrite`)
 * against a real Express server on loopback; raw HTTP only for what the SDKs cannot send.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import * as node from "node-appwrite";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import {
  browser,
  expectAppwriteError,
  raw,
  serverClient,
  sessionClient,
  type Browser,
  expectRawError,
  type RawResult,
} from "../helpers/sdk";
import { SESSION_FIELDS } from "../helpers/models";

// ---------------------------------------------------------------------------------------------
// Constants and helpers
// ---------------------------------------------------------------------------------------------

const COOKIE = `a_session_${PROJECT}`;
const PASSWORD = "password123";
const YEAR_MS = 31_536_000 * 1000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const INVALID_CREDENTIALS = "Invalid credentials. Please check the email and password.";
const SESSION_NOT_FOUND = "The current user session could not be found.";
const ALREADY_EXISTS = "Creation of a session is prohibited when a session is active.";
const RATE_LIMITED = "Rate limit for the current endpoint has been exceeded. Please try again after some time.";
const INVALID_EMAIL = "Invalid `email` param: Value must be a valid email address";
const INVALID_PASSWORD = "Invalid `password` param: Password must be between 8 and 256 characters long.";
const INVALID_SESSION_ID =
  "Invalid `sessionId` param: UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";
const GUEST_SCOPE = "User (role: guests) missing scope (account)";
const KEY_SCOPE = "User (role: applications) missing scope (account)";
/** An id of the right shape that no session has. */
const UNKNOWN_ID = "0123456789abcdef0123";

let seq = 0;
/** A fresh address per call, so no two tests share a user or an e-mail rate-limit counter. */
function uniqueEmail(tag: string): string {
  seq += 1;
  return `${tag}-${seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Wire datetime (src/models/datetime.ts). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** Unix seconds at which the fixed 3600 s window containing `ms` ends (src/ports/rate-limiter.ts). */
function windowEnd(ms: number): number {
  return Math.floor(ms / 1000 / 3600) * 3600 + 3600;
}

function storeOf(s: TestServer) {
  return s.service.config.store;
}

/** A user made through node-appwrite with the API key (key callers are not rate limited). */
async function signUp(s: TestServer, email: string, password = PASSWORD, project = PROJECT) {
  return serverClient(s.endpoint, API_KEY, project).account.create(ID.unique(), email, password);
}

/** A session made with the API key: its `secret` is the session value (the SSR pattern). */
async function keyLogin(s: TestServer, email: string, password = PASSWORD) {
  return serverClient(s.endpoint).account.createEmailPasswordSession(email, password);
}

/** A user signed up and logged in with the key; returns the user, the session and its value. */
async function userWithSession(s: TestServer, tag: string) {
  const email = uniqueEmail(tag);
  const user = await signUp(s, email);
  const session = await keyLogin(s, email);
  return { email, user, session, secret: session.secret };
}

/** A simulated browser logged in through the web SDK (session kept via X-Fallback-Cookies). */
async function webLogin(s: TestServer, email: string, password = PASSWORD, project = PROJECT): Promise<Browser> {
  const b = browser(s.endpoint, project);
  await b.use((account) => account.createEmailPasswordSession(email, password));
  return b;
}

/** The session value the web SDK keeps in localStorage. */
function fallbackValue(b: Browser, project = PROJECT): string {
  const stored = b.storage.get("cookieFallback");
  expect(stored).toBeTruthy();
  return (JSON.parse(stored!) as Record<string, string>)[`a_session_${project}`]!;
}

function asSession(s: TestServer, secret: string) {
  return sessionClient(s.endpoint, secret).account;
}

/** GET /account with a session value in the given transport; returns the raw result. */
function getAccount(s: TestServer, headers: Record<string, string>, project?: string) {
  return raw(s.endpoint, "GET", "/account", { headers, ...(project ? { project } : {}) });
}

interface ParsedCookie {
  name: string;
  value: string;
  attributes: Map<string, string>;
}

function parseSetCookie(header: string): ParsedCookie {
  const [pair = "", ...attrs] = header.split(";").map((part) => part.trim());
  const eq = pair.indexOf("=");
  const attributes = new Map<string, string>();
  for (const attr of attrs) {
    const i = attr.indexOf("=");
    attributes.set((i < 0 ? attr : attr.slice(0, i)).toLowerCase(), i < 0 ? "" : attr.slice(i + 1));
  }
  return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attributes };
}

function setCookies(res: RawResult): ParsedCookie[] {
  return res.headers.getSetCookie().map(parseSetCookie);
}

/** Decodes a session value (src/core/session-value.ts) and checks its exact textual form. */
function decodeValue(value: string, userId: string): { id: string; secret: string } {
  const text = Buffer.from(value, "base64").toString("utf8");
  const parsed = JSON.parse(text) as { id: string; secret: string };
  expect(parsed.id).toBe(userId);
  expect(parsed.secret).toMatch(/^[0-9a-f]{256}$/);
  expect(text).toBe(`{"id":"${userId}","secret":"${parsed.secret}"}`);
  expect(Buffer.from(text, "utf8").toString("base64")).toBe(value);
  return parsed;
}

/** Logs in over raw HTTP and returns the session value from X-Fallback-Cookies. */
async function rawLogin(s: TestServer, email: string, path = "/account/sessions/email", project = PROJECT) {
  const res = await raw(s.endpoint, "POST", path, { body: { email, password: PASSWORD }, project });
  expect(res.status).toBe(201);
  const fallback = JSON.parse(res.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>;
  return { res, value: fallback[`a_session_${project}`]! };
}

// ---------------------------------------------------------------------------------------------
// The default server
// ---------------------------------------------------------------------------------------------

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("POST /account/sessions/email", () => {
  it("web SDK login returns the Session model (Appwrite's field order) with provider email, factors [password], current, hidden secret", async () => {
    const email = uniqueEmail("login-model");
    const user = await signUp(server, email);
    const now = server.clock.now();
    const b = browser(server.endpoint);
    const session = await b.use((account) => account.createEmailPasswordSession(email, PASSWORD));

    expect(Object.keys(session)).toEqual(SESSION_FIELDS);
    expect(session).toMatchObject({
      $createdAt: iso(now),
      $updatedAt: iso(now),
      userId: user.$id,
      expire: iso(now + YEAR_MS),
      provider: "email",
      providerUid: email,
      providerAccessToken: "",
      providerAccessTokenExpiry: "",
      providerRefreshToken: "",
      ip: "127.0.0.1",
      countryCode: "--",
      countryName: "Unknown",
      current: true,
      factors: ["password"],
      secret: "",
      mfaUpdatedAt: "",
    });
    expect(session.$id).toMatch(/^[0-9a-f]{20}$/);
    // The web SDK keeps the session from X-Fallback-Cookies and is logged in with it.
    decodeValue(fallbackValue(b), user.$id);
    const me = await b.use((account) => account.get());
    expect(me.$id).toBe(user.$id);
    const stored = await storeOf(server).sessions.list(user.$id);
    expect(stored.map((s) => s.id)).toEqual([session.$id]);
  });

  it("answers 201 with X-Fallback-Cookies and the two host-only httponly cookies (legacy without SameSite, main with SameSite=None)", async () => {
    const email = uniqueEmail("login-cookies");
    const user = await signUp(server, email);
    const now = server.clock.now();
    const res = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });

    expect(res.status).toBe(201);
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.json!.expire).toBe(iso(now + YEAR_MS));
    expect(res.json!.secret).toBe("");

    const fallbackHeader = res.headers.get("x-fallback-cookies");
    expect(fallbackHeader).toBeTruthy();
    const fallback = JSON.parse(fallbackHeader!) as Record<string, string>;
    expect(Object.keys(fallback)).toEqual([COOKIE]);
    const value = fallback[COOKIE]!;
    decodeValue(value, user.$id);

    const cookies = setCookies(res);
    expect(cookies.map((c) => c.name)).toEqual([`${COOKIE}_legacy`, COOKIE]);
    const expireSecond = Math.floor((now + YEAR_MS) / 1000) * 1000;
    for (const cookie of cookies) {
      expect(decodeURIComponent(cookie.value)).toBe(value);
      expect(cookie.attributes.get("path")).toBe("/");
      expect(cookie.attributes.has("httponly")).toBe(true);
      expect(cookie.attributes.has("domain")).toBe(false); // localhost: host-only
      expect(cookie.attributes.has("secure")).toBe(false); // plain http
      expect(Date.parse(cookie.attributes.get("expires")!)).toBe(expireSecond);
    }
    expect(cookies[0]!.attributes.has("samesite")).toBe(false);
    expect(cookies[1]!.attributes.get("samesite")).toBe("None");

    // The cookie as a browser would send it back authenticates.
    const me = await getAccount(server, { cookie: `${COOKIE}=${cookies[1]!.value}` });
    expect(me.status).toBe(200);
    expect(me.json!.$id).toBe(user.$id);
  });

  it("the alias POST /account/sessions logs in the same way", async () => {
    const email = uniqueEmail("alias");
    const user = await signUp(server, email);
    const { res, value } = await rawLogin(server, email, "/account/sessions");
    expect(Object.keys(res.json!)).toEqual(SESSION_FIELDS);
    expect(res.json).toMatchObject({
      userId: user.$id,
      provider: "email",
      providerUid: email,
      factors: ["password"],
      current: true,
      secret: "",
    });
    decodeValue(value, user.$id);
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(1);
  });

  it("normalises the e-mail (trim, lowercase) before lookup; providerUid is the stored address", async () => {
    const email = uniqueEmail("norm");
    await signUp(server, email);
    const session = await browser(server.endpoint).use((account) =>
      account.createEmailPasswordSession(`  ${email.toUpperCase()} `, PASSWORD),
    );
    expect(session.providerUid).toBe(email);
  });

  it("accepts a form-encoded body (non-JSON bodies are form-decoded)", async () => {
    const email = uniqueEmail("form");
    const user = await signUp(server, email);
    const res = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: new URLSearchParams({ email, password: PASSWORD }).toString(),
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(201);
    expect(res.json!.userId).toBe(user.$id);
  });

  it("wrong password and unknown e-mail both give 401 user_invalid_credentials with the same message, and write no session", async () => {
    const email = uniqueEmail("wrongpw");
    const user = await signUp(server, email);
    const b = await webLogin(server, email); // one good session to list with

    const wrong = await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, "wrong-password")),
      "user_invalid_credentials",
      401,
    );
    const unknown = await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(uniqueEmail("nobody"), PASSWORD)),
      "user_invalid_credentials",
      401,
    );
    expect(wrong.message).toBe(INVALID_CREDENTIALS);
    expect(unknown.message).toBe(INVALID_CREDENTIALS);

    const list = await b.use((account) => account.listSessions());
    expect(list.total).toBe(1);
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(1);
  });

  it("a user without a password (anonymous, given an e-mail) gets 401 user_invalid_credentials", async () => {
    const anon = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expect(anon.status).toBe(201);
    const userId = anon.json!.userId as string;
    const email = uniqueEmail("passwordless");
    await storeOf(server).users.update(userId, { email });
    expect((await storeOf(server).users.getByEmail(email))?.passwordHash).toBeNull();

    const res = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });
    expectRawError(res, 401, "user_invalid_credentials", INVALID_CREDENTIALS);
    expect(await storeOf(server).sessions.list(userId)).toHaveLength(1); // only the anonymous one
  });

  it("a blocked user gets 401 user_blocked with the right password and user_invalid_credentials with a wrong one; no session is written", async () => {
    const email = uniqueEmail("blocked-login");
    const user = await signUp(server, email);
    await storeOf(server).users.update(user.$id, { status: false });

    await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, PASSWORD)),
      "user_blocked",
      401,
    );
    await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, "not-the-password")),
      "user_invalid_credentials",
      401,
    );
    // The key caller is refused the same way (credentials and status are not auth-method toggles).
    await expectAppwriteError(keyLogin(server, email), "user_blocked", 401);
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);
  });

  it("a logged-in caller gets 401 user_session_already_exists, before parameter validation", async () => {
    const email = uniqueEmail("already");
    const user = await signUp(server, email);
    const b = await webLogin(server, email);

    // Session-group check precedes validation: a bad e-mail still gives the session error.
    const e = await expectAppwriteError(
      b.use((account) => account.createEmailPasswordSession("not-an-email", "x")),
      "user_session_already_exists",
      401,
    );
    expect(e.message).toBe(ALREADY_EXISTS);
    await expectAppwriteError(
      b.use((account) => account.createEmailPasswordSession(email, PASSWORD)),
      "user_session_already_exists",
      401,
    );
    await expectAppwriteError(
      b.use((account) => account.createAnonymousSession()),
      "user_session_already_exists",
      401,
    );

    // The same through the alias and an X-Appwrite-Session header, with an empty body.
    const viaHeader = await raw(server.endpoint, "POST", "/account/sessions", {
      body: {},
      headers: { "x-appwrite-session": fallbackValue(b) },
    });
    expectRawError(viaHeader, 401, "user_session_already_exists");
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(1);
  });

  it("validates email and password (400 general_argument_invalid with Appwrite's texts), writing nothing", async () => {
    // Invalid and missing addresses never enter a rate-limit key: they share the literal
    // `{param-email}` counter of this IP, which earlier tests used too. Start a fresh window.
    server.clock.set((windowEnd(server.clock.now()) + 1) * 1000);
    const email = uniqueEmail("valid");
    const user = await signUp(server, email);
    const usersBefore = await storeOf(server).users.count();
    const post = (body: string | object, headers?: Record<string, string>) =>
      raw(server.endpoint, "POST", "/account/sessions/email", { body, ...(headers ? { headers } : {}) });

    await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession("not-an-email", PASSWORD)),
      "general_argument_invalid",
      400,
    );
    expectRawError(await post({ email: "not-an-email", password: PASSWORD }), 400, "general_argument_invalid", INVALID_EMAIL);
    expectRawError(await post({ email, password: "short" }), 400, "general_argument_invalid", INVALID_PASSWORD);
    expectRawError(await post({ email, password: "x".repeat(257) }), 400, "general_argument_invalid", INVALID_PASSWORD);
    // Length is counted in bytes: three two-byte characters are 6 bytes (too short), four are 8.
    expectRawError(await post({ email, password: "ééé" }), 400, "general_argument_invalid", INVALID_PASSWORD);
    expectRawError(await post({ email, password: "éééé" }), 401, "user_invalid_credentials");
    // Wrong types.
    expectRawError(await post({ email: 12345, password: PASSWORD }), 400, "general_argument_invalid", INVALID_EMAIL);
    expectRawError(await post({ email, password: 12345678 }), 400, "general_argument_invalid", INVALID_PASSWORD);
    expectRawError(await post({ email: [email], password: PASSWORD }), 400, "general_argument_invalid", INVALID_EMAIL);
    // Declaration order: email is reported before password.
    expectRawError(await post({ email: "bad", password: "bad" }), 400, "general_argument_invalid", INVALID_EMAIL);
    // Missing fields, malformed or non-object JSON (treated as {}), JSON null.
    expectRawError(await post({ email }), 400, "general_argument_invalid", 'Param "password" is not optional.');
    expectRawError(await post({ password: PASSWORD }), 400, "general_argument_invalid", 'Param "email" is not optional.');
    expectRawError(await post("{not json"), 400, "general_argument_invalid", 'Param "email" is not optional.');
    expectRawError(await post("[1,2]"), 400, "general_argument_invalid", 'Param "email" is not optional.');
    // A JSON null is a present value: it fails the validator (utopia-php/http validates it).
    expectRawError(
      await post({ email: null, password: PASSWORD }),
      400,
      "general_argument_invalid",
      "Invalid `email` param: Value must be a valid email address",
    );

    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);
    expect(await storeOf(server).users.count()).toBe(usersBefore);
  });

  it("a request for another project gets 404 project_not_found", async () => {
    const email = uniqueEmail("project");
    await signUp(server, email);
    const res = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      project: "other-project",
    });
    expectRawError(res, 404, "project_not_found");
  });

  it("error bodies are {message, code, type, version} with no-cache headers", async () => {
    const res = await raw(server.endpoint, "POST", "/account/sessions/email", { body: { email: uniqueEmail("err"), password: PASSWORD } });
    expect(res.status).toBe(401);
    expect(Object.keys(res.json!)).toEqual(["message", "code", "type", "version"]);
    expect(res.json).toEqual({ message: INVALID_CREDENTIALS, code: 401, type: "user_invalid_credentials", version: "2.3.0" });
    expect(res.headers.get("content-type")).toContain("application/json");
    expect(res.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
  });
});

// Gatehouse counts per (IP, normalised e-mail) at Appwrite's 10, plus a per-e-mail ceiling of 100
// (src/core/rate-limits.ts); other IPs, the ceiling and the lock-out are in test/security/rate-limits.test.ts.
describe("POST /account/sessions/email rate limit (10 per hour per IP and e-mail)", () => {
  const post = (email: string, password: string, path = "/account/sessions/email", headers?: Record<string, string>) =>
    raw(server.endpoint, "POST", path, { body: { email, password }, ...(headers ? { headers } : {}) });

  it("allows 10 attempts with Remaining 9..0 and the end of the UTC hour as Reset; the 11th is 429 even with the right password", async () => {
    const email = uniqueEmail("rl");
    const user = await signUp(server, email);
    const reset = String(windowEnd(server.clock.now()));
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await post(email, "wrong-password");
      expectRawError(res, 401, "user_invalid_credentials");
      expect(res.headers.get("x-ratelimit-limit")).toBe("10");
      expect(res.headers.get("x-ratelimit-reset")).toBe(reset);
      remaining.push(res.headers.get("x-ratelimit-remaining") ?? "missing");
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);

    const limited = await post(email, PASSWORD);
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("10");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(limited.headers.get("x-ratelimit-reset")).toBe(reset);
    await expectAppwriteError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, PASSWORD)),
      "general_rate_limit_exceeded",
      429,
    );
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);

    // The key holds the normalised e-mail: a differently cased spelling is the same counter.
    expectRawError(await post(email.toUpperCase(), PASSWORD), 429, "general_rate_limit_exceeded", RATE_LIMITED);
    // API-key callers are not limited.
    const keyed = await keyLogin(server, email);
    expect(keyed.userId).toBe(user.$id);
  });

  it("a failed validation still counts as an attempt", async () => {
    const email = uniqueEmail("rl-invalid");
    await signUp(server, email);
    for (let i = 0; i < 10; i++) expectRawError(await post(email, "short"), 400, "general_argument_invalid");
    expectRawError(await post(email, PASSWORD), 429, "general_rate_limit_exceeded");
  });

  it("the alias POST /account/sessions shares the counter with /account/sessions/email", async () => {
    const email = uniqueEmail("rl-alias");
    await signUp(server, email);
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await post(email, "wrong-password", i % 2 === 0 ? "/account/sessions/email" : "/account/sessions");
      expect(res.status).toBe(401);
      remaining.push(res.headers.get("x-ratelimit-remaining") ?? "missing");
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    expectRawError(await post(email, PASSWORD, "/account/sessions"), 429, "general_rate_limit_exceeded");
    expectRawError(await post(email, PASSWORD, "/account/sessions/email"), 429, "general_rate_limit_exceeded");
  });

  it("API-key responses still carry the rate-limit headers but do not use up the counter (exempt callers)", async () => {
    const email = uniqueEmail("rl-key");
    await signUp(server, email);
    const keyed = await post(email, PASSWORD, "/account/sessions/email", { "x-appwrite-key": API_KEY });
    expect(keyed.status).toBe(201);
    expect(keyed.headers.get("x-ratelimit-limit")).toBe("10");
    expect(keyed.headers.get("x-ratelimit-reset")).toBe(String(windowEnd(server.clock.now())));
    // The key call was not counted: the first client attempt still sees 9 remaining.
    const client = await post(email, "wrong-password");
    expect(client.headers.get("x-ratelimit-remaining")).toBe("9");
  });
});

describe("POST /account/sessions/anonymous", () => {
  it("creates an anonymous user and session: 201, provider anonymous, factors [anonymous], empty email/name/passwordUpdate", async () => {
    const now = server.clock.now();
    const b = browser(server.endpoint);
    const session = await b.use((account) => account.createAnonymousSession());
    expect(Object.keys(session)).toEqual(SESSION_FIELDS);
    expect(session).toMatchObject({
      expire: iso(now + YEAR_MS),
      provider: "anonymous",
      providerUid: "",
      current: true,
      factors: ["anonymous"],
      secret: "",
    });
    const me = await b.use((account) => account.get());
    expect(me).toMatchObject({
      $id: session.userId,
      email: "",
      name: "",
      phone: "",
      passwordUpdate: "",
      status: true,
      emailVerification: false,
      phoneVerification: false,
      mfa: false,
      prefs: {},
      targets: [],
    });
    expect(me.registration).toBe(iso(now));
  });

  it("answers 201 with cookies and X-Fallback-Cookies; a garbage JSON body is ignored", async () => {
    const res = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: "{garbage" });
    expect(res.status).toBe(201);
    const value = (JSON.parse(res.headers.get("x-fallback-cookies")!) as Record<string, string>)[COOKIE]!;
    decodeValue(value, res.json!.userId as string);
    expect(setCookies(res).map((c) => [c.name, decodeURIComponent(c.value)])).toEqual([
      [`${COOKIE}_legacy`, value],
      [COOKIE, value],
    ]);
    expect((await getAccount(server, { "x-appwrite-session": value })).json!.$id).toBe(res.json!.userId);
  });

  it("a logged-in caller gets 401 user_session_already_exists and no user is created", async () => {
    const b = browser(server.endpoint);
    await b.use((account) => account.createAnonymousSession());
    const before = await storeOf(server).users.count();
    const e = await expectAppwriteError(
      b.use((account) => account.createAnonymousSession()),
      "user_session_already_exists",
      401,
    );
    expect(e.message).toBe(ALREADY_EXISTS);
    expect(await storeOf(server).users.count()).toBe(before);
  });

  it("an API-key caller sees the session value as secret, and setSession with it works", async () => {
    const session = await serverClient(server.endpoint).account.createAnonymousSession();
    expect(session.provider).toBe("anonymous");
    decodeValue(session.secret, session.userId);
    const me = await asSession(server, session.secret).get();
    expect(me.$id).toBe(session.userId);
    expect(me.email).toBe("");
  });
});

describe("GET /account/sessions", () => {
  it("lists all of the user's sessions oldest first, current only for the caller's, secrets hidden", async () => {
    const email = uniqueEmail("list");
    const user = await signUp(server, email);
    const b1 = await webLogin(server, email);
    server.clock.advance(1000);
    const b2 = await webLogin(server, email);
    server.clock.advance(1000);
    const keyed = await keyLogin(server, email);
    server.clock.advance(1000);
    const other = await userWithSession(server, "list-other");

    const mine = await b2.use((account) => account.getSession("current"));
    const list = await b2.use((account) => account.listSessions());
    expect(list.total).toBe(3);
    expect(list.sessions).toHaveLength(3);
    const first = await b1.use((account) => account.getSession("current"));
    expect(list.sessions.map((s) => s.$id)).toEqual([first.$id, mine.$id, keyed.$id]);
    expect(list.sessions.map((s) => s.current)).toEqual([false, true, false]);
    expect(list.sessions.every((s) => s.secret === "" && s.userId === user.$id)).toBe(true);
    expect(list.sessions.map((s) => Object.keys(s))).toEqual([SESSION_FIELDS, SESSION_FIELDS, SESSION_FIELDS]);
    expect(list.sessions.some((s) => s.$id === other.session.$id)).toBe(false);

    // Seen from the key-made session (X-Appwrite-Session), that one is current and the secret is still "".
    const viaHeader = await asSession(server, keyed.secret).listSessions();
    expect(viaHeader.sessions.map((s) => s.current)).toEqual([false, false, true]);
    expect(viaHeader.sessions.map((s) => s.secret)).toEqual(["", "", ""]);
  });

  it("a guest gets 401 general_unauthorized_scope (role guests); an API key gets it with role applications", async () => {
    const guest = await expectAppwriteError(
      browser(server.endpoint).use((account) => account.listSessions()),
      "general_unauthorized_scope",
      401,
    );
    expect(guest.message).toBe(GUEST_SCOPE);
    const keyed = await expectAppwriteError(serverClient(server.endpoint).account.listSessions(), "general_unauthorized_scope", 401);
    expect(keyed.message).toBe(KEY_SCOPE);
  });
});

describe("GET /account/sessions/{sessionId}", () => {
  it("returns an own session by id (current false) and by 'current' (current true)", async () => {
    const email = uniqueEmail("get");
    await signUp(server, email);
    const b = await webLogin(server, email);
    const keyed = await keyLogin(server, email);

    const current = await b.use((account) => account.getSession("current"));
    expect(Object.keys(current)).toEqual(SESSION_FIELDS);
    expect(current.current).toBe(true);
    expect(current.secret).toBe("");
    const byId = await b.use((account) => account.getSession(current.$id));
    expect(byId).toEqual(current);
    const otherOwn = await b.use((account) => account.getSession(keyed.$id));
    expect(otherOwn).toMatchObject({ $id: keyed.$id, current: false, secret: "", provider: "email" });
  });

  it("another user's session and an unknown id give 404 user_session_not_found; a malformed id gives 400", async () => {
    const a = await userWithSession(server, "get-a");
    const b = await userWithSession(server, "get-b");
    const account = asSession(server, a.secret);

    const foreign = await expectAppwriteError(account.getSession(b.session.$id), "user_session_not_found", 404);
    expect(foreign.message).toBe(SESSION_NOT_FOUND);
    await expectAppwriteError(account.getSession(UNKNOWN_ID), "user_session_not_found", 404);
    await expectAppwriteError(account.getSession("a".repeat(37)), "general_argument_invalid", 400);
    const bad = await raw(server.endpoint, "GET", "/account/sessions/%24bad", { headers: { "x-appwrite-session": a.secret } });
    expectRawError(bad, 400, "general_argument_invalid", INVALID_SESSION_ID);
    // A guest is refused by scope before the id is looked at.
    expectRawError(await raw(server.endpoint, "GET", `/account/sessions/${a.session.$id}`), 401, "general_unauthorized_scope", GUEST_SCOPE);
    expectRawError(await raw(server.endpoint, "GET", "/account/sessions/current"), 401, "general_unauthorized_scope");
  });
});

describe("DELETE /account/sessions/{sessionId}", () => {
  it("deleting 'current' answers 204, clears both cookies and sends X-Fallback-Cookies: []", async () => {
    const { user, secret, session } = await userWithSession(server, "del-current");
    const res = await raw(server.endpoint, "DELETE", "/account/sessions/current", { body: {}, headers: { "x-appwrite-session": secret } });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("content-type") ?? "").not.toContain("application/json");
    expect(res.headers.get("x-fallback-cookies")).toBe("[]");
    const cookies = setCookies(res);
    expect(cookies.map((c) => c.name)).toEqual([`${COOKIE}_legacy`, COOKIE]);
    for (const cookie of cookies) {
      expect(cookie.value).toBe("");
      expect(Date.parse(cookie.attributes.get("expires")!)).toBeLessThan(server.clock.now());
      expect(cookie.attributes.get("path")).toBe("/");
      expect(cookie.attributes.has("httponly")).toBe(true);
    }
    expect(cookies[1]!.attributes.get("samesite")).toBe("None");

    expect(await storeOf(server).sessions.get(session.$id)).toBeNull();
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);
    expectRawError(await getAccount(server, { "x-appwrite-session": secret }), 401, "general_unauthorized_scope", GUEST_SCOPE);
  });

  it("the web SDK logs out with deleteSession('current') and is a guest afterwards", async () => {
    const email = uniqueEmail("del-web");
    await signUp(server, email);
    const b = await webLogin(server, email);
    const value = fallbackValue(b);
    await b.use((account) => account.deleteSession("current"));
    expect(b.storage.get("cookieFallback")).toBe("[]");
    await expectAppwriteError(
      b.use((account) => account.get()),
      "general_unauthorized_scope",
      401,
    );
    // The old value is dead everywhere.
    await expectAppwriteError(asSession(server, value).get(), "general_unauthorized_scope", 401);
  });

  it("deleting the current session by its id also clears the cookies", async () => {
    const { secret, session } = await userWithSession(server, "del-by-id");
    const res = await raw(server.endpoint, "DELETE", `/account/sessions/${session.$id}`, {
      body: {},
      headers: { "x-appwrite-session": secret },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("x-fallback-cookies")).toBe("[]");
    expect(setCookies(res).map((c) => c.value)).toEqual(["", ""]);
  });

  it("deleting another own session leaves the caller logged in and sends no cookie changes", async () => {
    const email = uniqueEmail("del-other");
    const user = await signUp(server, email);
    const b = await webLogin(server, email);
    const keyed = await keyLogin(server, email);

    const res = await raw(server.endpoint, "DELETE", `/account/sessions/${keyed.$id}`, {
      body: {},
      headers: { "x-appwrite-session": fallbackValue(b) },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("x-fallback-cookies")).toBeNull();
    expect(res.headers.getSetCookie()).toEqual([]);

    expect((await b.use((account) => account.get())).$id).toBe(user.$id);
    await expectAppwriteError(asSession(server, keyed.secret).get(), "general_unauthorized_scope", 401);
    expect((await b.use((account) => account.listSessions())).total).toBe(1);
  });

  it("the web SDK deletes another own session by id and keeps its own", async () => {
    const email = uniqueEmail("del-other-web");
    await signUp(server, email);
    const b = await webLogin(server, email);
    const keyed = await keyLogin(server, email);
    const stored = b.storage.get("cookieFallback");
    await b.use((account) => account.deleteSession(keyed.$id));
    expect(b.storage.get("cookieFallback")).toBe(stored);
    const list = await b.use((account) => account.listSessions());
    expect(list.sessions.map((s) => s.current)).toEqual([true]);
  });

  it("another user's session and an unknown id give 404 user_session_not_found and delete nothing", async () => {
    const a = await userWithSession(server, "del-a");
    const b = await userWithSession(server, "del-b");
    const e = await expectAppwriteError(asSession(server, a.secret).deleteSession(b.session.$id), "user_session_not_found", 404);
    expect(e.message).toBe(SESSION_NOT_FOUND);
    await expectAppwriteError(asSession(server, a.secret).deleteSession(UNKNOWN_ID), "user_session_not_found", 404);
    await expectAppwriteError(asSession(server, a.secret).deleteSession("-bad"), "general_argument_invalid", 400);
    expect((await asSession(server, b.secret).get()).$id).toBe(b.user.$id);
    expect((await asSession(server, a.secret).get()).$id).toBe(a.user.$id);
    expectRawError(
      await raw(server.endpoint, "DELETE", `/account/sessions/${a.session.$id}`, { body: {} }),
      401,
      "general_unauthorized_scope",
    );
    expect(await storeOf(server).sessions.get(a.session.$id)).not.toBeNull();
  });

  it("the path wins over a body sessionId, and a malformed body is ignored", async () => {
    const email = uniqueEmail("del-path");
    await signUp(server, email);
    const first = await keyLogin(server, email);
    const second = await keyLogin(server, email);
    const res = await raw(server.endpoint, "DELETE", "/account/sessions/current", {
      body: { sessionId: first.$id },
      headers: { "x-appwrite-session": second.secret },
    });
    expect(res.status).toBe(204);
    expect(await storeOf(server).sessions.get(second.$id)).toBeNull();
    expect(await storeOf(server).sessions.get(first.$id)).not.toBeNull();

    const garbage = await raw(server.endpoint, "DELETE", "/account/sessions/current", {
      body: "{nope",
      headers: { "x-appwrite-session": first.secret },
    });
    expect(garbage.status).toBe(204);
    expect(await storeOf(server).sessions.get(first.$id)).toBeNull();
  });
});

describe("DELETE /account/sessions", () => {
  it("deletes every session of the user: 204, cookies cleared, X-Fallback-Cookies: []; the sessions are dead everywhere", async () => {
    const email = uniqueEmail("del-all");
    const user = await signUp(server, email);
    const b = await webLogin(server, email);
    const k1 = await keyLogin(server, email);
    const k2 = await keyLogin(server, email);
    const bystander = await userWithSession(server, "del-all-other");

    const res = await raw(server.endpoint, "DELETE", "/account/sessions", { body: {}, headers: { "x-appwrite-session": k1.secret } });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("x-fallback-cookies")).toBe("[]");
    expect(setCookies(res).map((c) => [c.name, c.value])).toEqual([
      [`${COOKIE}_legacy`, ""],
      [COOKIE, ""],
    ]);

    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);
    await expectAppwriteError(
      b.use((account) => account.get()),
      "general_unauthorized_scope",
      401,
    );
    await expectAppwriteError(asSession(server, k1.secret).get(), "general_unauthorized_scope", 401);
    await expectAppwriteError(asSession(server, k2.secret).listSessions(), "general_unauthorized_scope", 401);
    // Other users keep theirs.
    expect((await asSession(server, bystander.secret).get()).$id).toBe(bystander.user.$id);
  });

  it("the web SDK's deleteSessions logs the browser out", async () => {
    const email = uniqueEmail("del-all-web");
    await signUp(server, email);
    const b = await webLogin(server, email);
    await b.use((account) => account.deleteSessions());
    expect(b.storage.get("cookieFallback")).toBe("[]");
    await expectAppwriteError(
      b.use((account) => account.listSessions()),
      "general_unauthorized_scope",
      401,
    );
  });

  it("a guest gets 401 general_unauthorized_scope", async () => {
    await expectAppwriteError(
      browser(server.endpoint).use((account) => account.deleteSessions()),
      "general_unauthorized_scope",
      401,
    );
  });
});

describe("session transport", () => {
  let email: string;
  let userId: string;
  let value: string;
  let other: Awaited<ReturnType<typeof userWithSession>>;
  beforeAll(async () => {
    email = uniqueEmail("transport");
    userId = (await signUp(server, email)).$id;
    value = (await keyLogin(server, email)).secret;
    other = await userWithSession(server, "transport-other");
  });

  it("the a_session_<project> cookie (URL-encoded) authenticates", async () => {
    const res = await getAccount(server, { cookie: `other=1; ${COOKIE}=${encodeURIComponent(value)}; x=y` });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(userId);
    expect(res.headers.get("x-debug-fallback")).toBe("false");
  });

  it("the raw (not URL-encoded) cookie value authenticates", async () => {
    const res = await getAccount(server, { cookie: `${COOKIE}=${value}` });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(userId);
  });

  it("the _legacy cookie alone authenticates", async () => {
    const res = await getAccount(server, { cookie: `${COOKIE}_legacy=${encodeURIComponent(value)}` });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(userId);
  });

  it("cookie names are read case-insensitively", async () => {
    const res = await getAccount(server, { cookie: `${COOKIE.toUpperCase()}=${encodeURIComponent(value)}` });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(userId);
  });

  it("X-Appwrite-Session (node-appwrite setSession) authenticates", async () => {
    const me = await asSession(server, value).get();
    expect(me.$id).toBe(userId);
    expect(me.email).toBe(email);
  });

  it("X-Fallback-Cookies (web SDK) authenticates and is reported by X-Debug-Fallback: true", async () => {
    const b = browser(server.endpoint);
    b.storage.set("cookieFallback", JSON.stringify({ [COOKIE]: value }));
    expect((await b.use((account) => account.get())).$id).toBe(userId);
    const res = await getAccount(server, { "x-fallback-cookies": JSON.stringify({ [COOKIE]: value }) });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-debug-fallback")).toBe("true");
  });

  it("X-Debug-Fallback is true whenever neither cookie nor X-Appwrite-Session gave a value, even without a fallback header", async () => {
    const res = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expect(res.status).toBe(201);
    expect(res.headers.get("x-debug-fallback")).toBe("true");
  });

  it("precedence: the cookie beats X-Appwrite-Session, which beats X-Fallback-Cookies", async () => {
    const both = await getAccount(server, { cookie: `${COOKIE}=${encodeURIComponent(value)}`, "x-appwrite-session": other.secret });
    expect(both.json!.$id).toBe(userId);
    const headerAndFallback = await getAccount(server, {
      "x-appwrite-session": value,
      "x-fallback-cookies": JSON.stringify({ [COOKIE]: other.secret }),
    });
    expect(headerAndFallback.json!.$id).toBe(userId);
  });

  // Decided here: a malformed or invalid cookie does not make the server fall through to the
  // header or the fallback; only an absent one does (src/http/session-cookie.ts). Appwrite 1.6.2
  // itself decodes an undecodable cookie to empty values and then does fall through.
  it("a malformed cookie does not fall through to X-Appwrite-Session or X-Fallback-Cookies: the caller is a guest", async () => {
    const withFallback = await getAccount(server, {
      cookie: `${COOKIE}=not-a-session`,
      "x-fallback-cookies": JSON.stringify({ [COOKIE]: value }),
    });
    expectRawError(withFallback, 401, "general_unauthorized_scope", GUEST_SCOPE);
    const withHeader = await getAccount(server, { cookie: `${COOKIE}=not-a-session`, "x-appwrite-session": value });
    expectRawError(withHeader, 401, "general_unauthorized_scope", GUEST_SCOPE);
  });

  it("a well-formed cookie with a wrong secret does not fall through either", async () => {
    const forged = Buffer.from(JSON.stringify({ id: userId, secret: "0".repeat(256) })).toString("base64");
    const res = await getAccount(server, { cookie: `${COOKIE}=${encodeURIComponent(forged)}`, "x-appwrite-session": value });
    expectRawError(res, 401, "general_unauthorized_scope", GUEST_SCOPE);
    // Another user's id with this user's secret is no good either.
    const swapped = Buffer.from(JSON.stringify({ id: other.user.$id, secret: decodeValue(value, userId).secret })).toString("base64");
    expectRawError(await getAccount(server, { "x-appwrite-session": swapped }), 401, "general_unauthorized_scope");
  });

  it("an empty cookie value gives nothing, so X-Appwrite-Session is read", async () => {
    const res = await getAccount(server, { cookie: `${COOKIE}=`, "x-appwrite-session": value });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(userId);
  });

  it("garbage in X-Appwrite-Session or X-Fallback-Cookies makes a guest, never a 500", async () => {
    const cases: Array<Record<string, string>> = [
      { "x-appwrite-session": "%%%" },
      { "x-appwrite-session": Buffer.from("[1,2]").toString("base64") },
      { "x-fallback-cookies": "{not json" },
      { "x-fallback-cookies": "[]" },
      { "x-fallback-cookies": JSON.stringify({ [COOKIE]: 42 }) },
    ];
    for (const headers of cases) {
      expectRawError(await getAccount(server, headers), 401, "general_unauthorized_scope", GUEST_SCOPE);
    }
  });

  it("a deleted session is a guest", async () => {
    const { secret } = await userWithSession(server, "transport-deleted");
    await asSession(server, secret).deleteSession("current");
    expectRawError(
      await getAccount(server, { cookie: `${COOKIE}=${encodeURIComponent(secret)}` }),
      401,
      "general_unauthorized_scope",
      GUEST_SCOPE,
    );
  });
});

describe("server API keys", () => {
  it("a key caller sees the session value as secret; setSession(secret) then works", async () => {
    const email = uniqueEmail("ssr");
    const user = await signUp(server, email);
    const session = await keyLogin(server, email);
    expect(session.current).toBe(true);
    expect(session.provider).toBe("email");
    decodeValue(session.secret, user.$id);
    const me = await sessionClient(server.endpoint, session.secret).account.get();
    expect(me.$id).toBe(user.$id);
    // Seen by the user (not a key), the secret is hidden again.
    expect((await asSession(server, session.secret).getSession("current")).secret).toBe("");
  });

  it("key + valid session gives 403 user_key_and_session_set", async () => {
    const { secret, email } = await userWithSession(server, "key-and-session");
    const client = new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY).setSession(secret);
    const e = await expectAppwriteError(
      new node.Account(client).createEmailPasswordSession(email, PASSWORD),
      "user_key_and_session_set",
      403,
    );
    expect(e.message).toContain("API key and session used in the same request.");
    // The 1.6 format's rule; since 1.9 the key wins (test/http/behaviour-changes.test.ts).
    const viaCookie = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-appwrite-key": API_KEY, cookie: `${COOKIE}=${encodeURIComponent(secret)}`, "x-appwrite-response-format": "1.6.0" },
    });
    expectRawError(viaCookie, 403, "user_key_and_session_set");
  });

  it("key + an invalid session runs as the key", async () => {
    const email = uniqueEmail("key-bad-session");
    await signUp(server, email);
    const client = new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY).setSession("garbage");
    const session = await new node.Account(client).createEmailPasswordSession(email, PASSWORD);
    expect(session.secret.length).toBeGreaterThan(300);
  });

  it("an unknown key gives 401 user_unauthorized", async () => {
    const email = uniqueEmail("bad-key");
    await signUp(server, email);
    await expectAppwriteError(
      serverClient(server.endpoint, "not-a-configured-key-000").account.createEmailPasswordSession(email, PASSWORD),
      "user_unauthorized",
      401,
    );
    await expectAppwriteError(
      serverClient(server.endpoint, "not-a-configured-key-000").account.createAnonymousSession(),
      "user_unauthorized",
      401,
    );
  });

  it("a key cannot call GET /account (401 general_unauthorized_scope, role applications)", async () => {
    const e = await expectAppwriteError(serverClient(server.endpoint).account.get(), "general_unauthorized_scope", 401);
    expect(e.message).toBe(KEY_SCOPE);
    await expectAppwriteError(serverClient(server.endpoint).account.getSession("current"), "general_unauthorized_scope", 401);
    await expectAppwriteError(serverClient(server.endpoint).account.deleteSessions(), "general_unauthorized_scope", 401);
  });

  it("key calls skip the origin check; the same call without the key from a foreign origin is 403 general_unknown_origin", async () => {
    const email = uniqueEmail("origin");
    const user = await signUp(server, email);
    const foreign = { origin: "https://evil.example.com" };
    const refused = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: foreign,
    });
    expectRawError(
      refused,
      403,
      "general_unknown_origin",
      "Invalid Origin. Register your new client (evil.example.com) as a new Web platform: add it to `platforms` in the Gatehouse config",
    );
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(0);

    const keyed = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: { ...foreign, "x-appwrite-key": API_KEY },
    });
    expect(keyed.status).toBe(201);
    decodeValue(keyed.json!.secret as string, user.$id);

    // A registered platform (localhost) passes without a key.
    const local = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: { origin: "http://localhost:3000" },
    });
    expect(local.status).toBe(201);
    expect(local.json!.secret).toBe("");
  });
});

describe("blocked users on session routes", () => {
  it("PATCH /account/status blocks: cookies cleared, sessions kept but every session route answers 401 user_blocked", async () => {
    const email = uniqueEmail("self-block");
    const user = await signUp(server, email);
    const keyed = await keyLogin(server, email);
    const b = await webLogin(server, email);

    const blockRes = await raw(server.endpoint, "PATCH", "/account/status", {
      body: {},
      headers: { "x-appwrite-session": fallbackValue(b) },
    });
    expect(blockRes.status).toBe(200);
    expect(blockRes.json!.status).toBe(false);
    expect(blockRes.headers.get("x-fallback-cookies")).toBe("[]");
    expect(setCookies(blockRes).map((c) => c.value)).toEqual(["", ""]);
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(2);

    const account = asSession(server, keyed.secret);
    await expectAppwriteError(account.get(), "user_blocked", 401);
    await expectAppwriteError(account.listSessions(), "user_blocked", 401);
    await expectAppwriteError(account.getSession("current"), "user_blocked", 401);
    await expectAppwriteError(account.getSession(UNKNOWN_ID), "user_blocked", 401);
    await expectAppwriteError(account.updateSession("current"), "user_blocked", 401);
    await expectAppwriteError(account.deleteSession("current"), "user_blocked", 401);
    await expectAppwriteError(account.deleteSessions(), "user_blocked", 401);
    // Blocked precedes the session-group check.
    await expectAppwriteError(account.createAnonymousSession(), "user_blocked", 401);
    await expectAppwriteError(
      browser(server.endpoint).use((a) => a.createEmailPasswordSession(email, PASSWORD)),
      "user_blocked",
      401,
    );
    // Nothing was deleted by the refused calls.
    expect(await storeOf(server).sessions.list(user.$id)).toHaveLength(2);
  });

  it("a user blocked in the store is refused on the next request", async () => {
    const { user, secret } = await userWithSession(server, "store-block");
    expect((await asSession(server, secret).get()).$id).toBe(user.$id);
    await storeOf(server).users.update(user.$id, { status: false });
    await expectAppwriteError(asSession(server, secret).listSessions(), "user_blocked", 401);
  });
});

// ---------------------------------------------------------------------------------------------
// Servers with their own configuration
// ---------------------------------------------------------------------------------------------

describe("PATCH /account/sessions/{sessionId}", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it("extends expire to now + duration with an ISO datetime and a correct current", async () => {
    const email = uniqueEmail("patch");
    await signUp(s, email);
    const b = await webLogin(s, email);
    const keyed = await keyLogin(s, email);
    const created = await b.use((account) => account.getSession("current"));

    s.clock.advance(24 * 3600 * 1000);
    const now = s.clock.now();
    const updated = await b.use((account) => account.updateSession("current"));
    expect(Object.keys(updated)).toEqual(SESSION_FIELDS);
    expect(updated.$id).toBe(created.$id);
    expect(updated.expire).toMatch(ISO);
    expect(updated.expire).toBe(iso(now + YEAR_MS));
    expect(updated.expire).not.toBe(created.expire);
    expect(updated.$updatedAt).toBe(iso(now));
    expect(updated.$createdAt).toBe(created.$createdAt);
    expect(updated.current).toBe(true);
    expect(updated.secret).toBe("");
    expect(updated.countryName).toBe("Unknown");
    expect((await b.use((account) => account.getSession("current"))).expire).toBe(iso(now + YEAR_MS));

    s.clock.advance(1000);
    const other = await b.use((account) => account.updateSession(keyed.$id));
    expect(other.$id).toBe(keyed.$id);
    expect(other.current).toBe(false);
    expect(other.expire).toBe(iso(s.clock.now() + YEAR_MS));
    // Via X-Appwrite-Session, the by-id update of one's own session is current.
    const self = await asSession(s, keyed.secret).updateSession(keyed.$id);
    expect(self.current).toBe(true);
  });

  it("unknown or foreign ids give 404 user_session_not_found and change nothing; malformed ids give 400; guests 401", async () => {
    const a = await userWithSession(s, "patch-a");
    const b = await userWithSession(s, "patch-b");
    const before = (await storeOf(s).sessions.get(b.session.$id))!.expire.getTime();
    s.clock.advance(1000);
    const e = await expectAppwriteError(asSession(s, a.secret).updateSession(b.session.$id), "user_session_not_found", 404);
    expect(e.message).toBe(SESSION_NOT_FOUND);
    expect((await storeOf(s).sessions.get(b.session.$id))!.expire.getTime()).toBe(before);
    await expectAppwriteError(asSession(s, a.secret).updateSession(UNKNOWN_ID), "user_session_not_found", 404);
    const bad = await raw(s.endpoint, "PATCH", `/account/sessions/${"x".repeat(37)}`, {
      body: {},
      headers: { "x-appwrite-session": a.secret },
    });
    expectRawError(bad, 400, "general_argument_invalid", INVALID_SESSION_ID);
    expectRawError(
      await raw(s.endpoint, "PATCH", "/account/sessions/current", { body: "{bad" }),
      401,
      "general_unauthorized_scope",
      GUEST_SCOPE,
    );
    // A malformed body is ignored on an otherwise good call.
    const ok = await raw(s.endpoint, "PATCH", "/account/sessions/current", { body: "{bad", headers: { "x-appwrite-session": a.secret } });
    expect(ok.status).toBe(200);
    expect(ok.json!.$id).toBe(a.session.$id);
  });

  it("is limited to 10 per hour per IP (429 on the 11th)", async () => {
    // Start from a fresh window.
    s.clock.set((windowEnd(s.clock.now()) + 1) * 1000);
    const { secret } = await userWithSession(s, "patch-rl");
    const remaining: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await raw(s.endpoint, "PATCH", "/account/sessions/current", { body: {}, headers: { "x-appwrite-session": secret } });
      expect(res.status).toBe(200);
      remaining.push(res.headers.get("x-ratelimit-remaining") ?? "missing");
    }
    expect(remaining).toEqual(["9", "8", "7", "6", "5", "4", "3", "2", "1", "0"]);
    await expectAppwriteError(asSession(s, secret).updateSession("current"), "general_rate_limit_exceeded", 429);
  });
});

describe("expired sessions (auth.sessionDuration 3600)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ auth: { sessionDuration: 3600 } });
  });
  afterAll(() => s.close());

  it("are listed (oldest first) but cannot authenticate", async () => {
    const email = uniqueEmail("expired");
    const user = await signUp(s, email);
    const old = await keyLogin(s, email);
    s.clock.advance(30 * 60 * 1000);
    const fresh = await keyLogin(s, email);
    expect(fresh.expire).toBe(iso(s.clock.now() + 3600 * 1000));
    s.clock.advance(40 * 60 * 1000); // old: 70 min old (expired); fresh: 40 min old

    const list = await asSession(s, fresh.secret).listSessions();
    expect(list.total).toBe(2);
    expect(list.sessions.map((x) => [x.$id, x.current])).toEqual([
      [old.$id, false],
      [fresh.$id, true],
    ]);
    expect(Date.parse(list.sessions[0]!.expire)).toBeLessThan(s.clock.now());

    // The expired one is a guest on every transport and every route.
    const expired = asSession(s, old.secret);
    const guest = await expectAppwriteError(expired.get(), "general_unauthorized_scope", 401);
    expect(guest.message).toBe(GUEST_SCOPE);
    await expectAppwriteError(expired.listSessions(), "general_unauthorized_scope", 401);
    await expectAppwriteError(expired.getSession("current"), "general_unauthorized_scope", 401);
    await expectAppwriteError(expired.updateSession("current"), "general_unauthorized_scope", 401);
    await expectAppwriteError(expired.deleteSession("current"), "general_unauthorized_scope", 401);
    await expectAppwriteError(expired.deleteSessions(), "general_unauthorized_scope", 401);
    expectRawError(await getAccount(s, { cookie: `${COOKIE}=${encodeURIComponent(old.secret)}` }), 401, "general_unauthorized_scope");
    const b = browser(s.endpoint);
    b.storage.set("cookieFallback", JSON.stringify({ [COOKIE]: old.secret }));
    await expectAppwriteError(
      b.use((account) => account.get()),
      "general_unauthorized_scope",
      401,
    );
    // An expired session does not block a new login either (the caller is a guest).
    const again = await b.use((account) => account.createEmailPasswordSession(email, PASSWORD));
    expect(again.userId).toBe(user.$id);
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(3);
  });

  it("an own expired session can be read, extended (then it works again) and deleted from a live one", async () => {
    const email = uniqueEmail("expired-manage");
    await signUp(s, email);
    const old = await keyLogin(s, email);
    const old2 = await keyLogin(s, email);
    s.clock.advance(2 * 3600 * 1000);
    const live = await keyLogin(s, email);
    const account = asSession(s, live.secret);

    const read = await account.getSession(old.$id);
    expect(Date.parse(read.expire)).toBeLessThan(s.clock.now());
    const extended = await account.updateSession(old.$id);
    expect(extended.expire).toBe(iso(s.clock.now() + 3600 * 1000));
    expect((await asSession(s, old.secret).getSession("current")).$id).toBe(old.$id);

    await account.deleteSession(old2.$id);
    expect((await account.listSessions()).sessions.map((x) => x.$id)).toEqual([old.$id, live.$id]);
  });
});

describe("session limit (auth.maxSessions 3)", () => {
  let s: TestServer;
  let short: TestServer;
  beforeAll(async () => {
    s = await startServer({ auth: { maxSessions: 3 } });
    short = await startServer({ auth: { maxSessions: 3, sessionDuration: 60 } });
  });
  afterAll(async () => {
    await s.close();
    await short.close();
  });

  it("five logins leave the newest three: the oldest are deleted and stop working, the newest is returned", async () => {
    const email = uniqueEmail("limit");
    const user = await signUp(s, email);
    const sessions = [];
    for (let i = 0; i < 5; i++) {
      sessions.push(await keyLogin(s, email));
      s.clock.advance(1000);
    }
    const ids = sessions.map((x) => x.$id);
    expect((await storeOf(s).sessions.list(user.$id)).map((x) => x.id)).toEqual(ids.slice(2));

    const newest = sessions[4]!;
    const list = await asSession(s, newest.secret).listSessions();
    expect(list.total).toBe(3);
    expect(list.sessions.map((x) => x.$id)).toEqual(ids.slice(2));
    expect(list.sessions.map((x) => x.current)).toEqual([false, false, true]);

    await expectAppwriteError(asSession(s, sessions[0]!.secret).get(), "general_unauthorized_scope", 401);
    await expectAppwriteError(asSession(s, sessions[1]!.secret).get(), "general_unauthorized_scope", 401);
    expect((await asSession(s, sessions[2]!.secret).get()).$id).toBe(user.$id);
  });

  it("the web SDK's newest login survives the trim and stays logged in", async () => {
    const email = uniqueEmail("limit-web");
    const user = await signUp(s, email);
    for (let i = 0; i < 3; i++) {
      await keyLogin(s, email);
      s.clock.advance(1000);
    }
    const b = await webLogin(s, email);
    const current = await b.use((account) => account.getSession("current"));
    const list = await b.use((account) => account.listSessions());
    expect(list.total).toBe(3);
    expect(list.sessions.at(-1)!.$id).toBe(current.$id);
    expect(list.sessions.at(-1)!.current).toBe(true);
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(3);
  });

  it("expired sessions count towards the limit", async () => {
    const email = uniqueEmail("limit-expired");
    const user = await signUp(short, email);
    const first = await keyLogin(short, email);
    short.clock.advance(1000);
    const second = await keyLogin(short, email);
    short.clock.advance(1000);
    const third = await keyLogin(short, email);
    short.clock.advance(120 * 1000); // all three expired
    const fourth = await keyLogin(short, email);
    const list = await asSession(short, fourth.secret).listSessions();
    expect(list.total).toBe(3);
    expect(list.sessions.map((x) => x.$id)).toEqual([second.$id, third.$id, fourth.$id]);
    expect(await storeOf(short).sessions.get(first.$id)).toBeNull();
    expect(await storeOf(short).sessions.list(user.$id)).toHaveLength(3);
  });
});

describe("auth methods switched off", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ auth: { methods: { emailPassword: false, anonymous: false } } });
  });
  afterAll(() => s.close());

  it("e-mail/password login gives 501 user_auth_method_unsupported, before validation; a key caller is exempt", async () => {
    const email = uniqueEmail("disabled");
    const user = await signUp(s, email); // the key also bypasses the toggle on signup
    const e = await expectAppwriteError(
      browser(s.endpoint).use((account) => account.createEmailPasswordSession(email, PASSWORD)),
      "user_auth_method_unsupported",
      501,
    );
    expect(e.message).toBe("Email / Password authentication is disabled for this project");
    expectRawError(
      await raw(s.endpoint, "POST", "/account/sessions", { body: { email, password: PASSWORD } }),
      501,
      "user_auth_method_unsupported",
      "Email / Password authentication is disabled for this project",
    );
    // The auth-method check precedes parameter validation.
    expectRawError(await raw(s.endpoint, "POST", "/account/sessions/email", { body: "{}" }), 501, "user_auth_method_unsupported");
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(0);

    const keyed = await keyLogin(s, email);
    expect(keyed.userId).toBe(user.$id);
  });

  it("anonymous login gives 501 'Anonymous authentication is disabled for this project'; a key caller is exempt", async () => {
    const before = await storeOf(s).users.count();
    const e = await expectAppwriteError(
      browser(s.endpoint).use((account) => account.createAnonymousSession()),
      "user_auth_method_unsupported",
      501,
    );
    expect(e.message).toBe("Anonymous authentication is disabled for this project");
    expect(await storeOf(s).users.count()).toBe(before);
    const keyed = await serverClient(s.endpoint).account.createAnonymousSession();
    expect(keyed.provider).toBe("anonymous");
  });
});

describe("anonymous rate limit (50 per hour per IP)", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it("allows 50, refuses the 51st with 429 and the limit headers; a key caller is exempt", async () => {
    const reset = String(windowEnd(s.clock.now()));
    const remaining: string[] = [];
    for (let i = 0; i < 50; i++) {
      const res = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
      expect(res.status).toBe(201);
      expect(res.headers.get("x-ratelimit-limit")).toBe("50");
      expect(res.headers.get("x-ratelimit-reset")).toBe(reset);
      remaining.push(res.headers.get("x-ratelimit-remaining") ?? "missing");
    }
    expect(remaining).toEqual(Array.from({ length: 50 }, (_, i) => String(49 - i)));
    const users = await storeOf(s).users.count();

    const limited = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expect(limited.headers.get("x-ratelimit-limit")).toBe("50");
    expect(limited.headers.get("x-ratelimit-remaining")).toBe("0");
    await expectAppwriteError(
      browser(s.endpoint).use((account) => account.createAnonymousSession()),
      "general_rate_limit_exceeded",
      429,
    );
    expect(await storeOf(s).users.count()).toBe(users);

    const keyed = await serverClient(s.endpoint).account.createAnonymousSession();
    expect(keyed.provider).toBe("anonymous");

    // The next window starts afresh.
    s.clock.set(Number(reset) * 1000);
    const next = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expect(next.status).toBe(201);
    expect(next.headers.get("x-ratelimit-remaining")).toBe("49");
  });
});

describe("API key expiry", () => {
  const EXPIRED_KEY = "expired-server-key-0123456789ab";
  const SOON_KEY = "soon-expiring-key-0123456789abc";
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({
      apiKeys: [
        API_KEY,
        { secret: EXPIRED_KEY, expire: new Date("2020-01-01T00:00:00Z") },
        { secret: SOON_KEY, expire: new Date(Date.now() + 3600 * 1000) },
      ],
    });
  });
  afterAll(() => s.close());

  it("an expired key gives 401 project_key_expired; a key expires when the clock passes its expire", async () => {
    const email = uniqueEmail("key-expiry");
    const user = await signUp(s, email);
    const e = await expectAppwriteError(
      serverClient(s.endpoint, EXPIRED_KEY).account.createEmailPasswordSession(email, PASSWORD),
      "project_key_expired",
      401,
    );
    expect(e.message).toBe("The API key has expired. Replace it in `apiKeys` in the Gatehouse config.");
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(0);

    const ok = await serverClient(s.endpoint, SOON_KEY).account.createEmailPasswordSession(email, PASSWORD);
    decodeValue(ok.secret, user.$id);
    s.clock.advance(2 * 3600 * 1000);
    await expectAppwriteError(serverClient(s.endpoint, SOON_KEY).account.createAnonymousSession(), "project_key_expired", 401);
    // The unexpiring key still works.
    expect((await keyLogin(s, email)).userId).toBe(user.$id);
  });
});

describe("a project id with capitals (cookie names are lowercased on write, read case-insensitively)", () => {
  const MIXED = "MixedCase";
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ projectId: MIXED });
  });
  afterAll(() => s.close());

  it("writes a_session_mixedcase cookies and an X-Fallback-Cookies member with the original case; both work", async () => {
    const email = uniqueEmail("mixed");
    const user = await signUp(s, email, PASSWORD, MIXED);
    const { res, value } = await rawLogin(s, email, "/account/sessions/email", MIXED);
    decodeValue(value, user.$id);
    const cookies = setCookies(res);
    expect(cookies.map((c) => c.name)).toEqual(["a_session_mixedcase_legacy", "a_session_mixedcase"]);

    const viaCookie = await getAccount(s, { cookie: `a_session_mixedcase=${cookies[1]!.value}` }, MIXED);
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.json!.$id).toBe(user.$id);

    const b = await webLogin(s, email, PASSWORD, MIXED);
    expect(Object.keys(JSON.parse(b.storage.get("cookieFallback")!) as object)).toEqual([`a_session_${MIXED}`]);
    expect((await b.use((account) => account.get())).$id).toBe(user.$id);
  });
});
