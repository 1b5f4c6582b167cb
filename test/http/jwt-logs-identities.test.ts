/**
 * JWTs, activity logs and OAuth identities over HTTP, through the official SDKs (`appwrite` web,
 * `node-appwrite`) against a real Express server on loopback; raw HTTP only for status codes,
 * headers and input the SDKs never send.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID, Query } from "appwrite";
import * as node from "node-appwrite";
import type { IdentityRecord } from "gatehouse-auth";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, expectAppwriteError, raw, serverClient, type Browser, expectRawError } from "../helpers/sdk";
import { LOG_FIELDS } from "../helpers/models";

// ---------------------------------------------------------------------------------------------
// Constants and helpers
// ---------------------------------------------------------------------------------------------

const PASSWORD = "password123";
const JWT_SECONDS = 900;
const GUEST_SCOPE = "User (role: guests) missing scope (account)";
const SESSION_NOT_FOUND = "The current user session could not be found.";
const IDENTITY_NOT_FOUND = "The identity could not be found. Please sign in with OAuth provider to create identity first.";
const CHROME_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const FIREFOX_UBUNTU = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0";
const UNKNOWN_ID = "0123456789abcdef0123";

/** The Identity model's fields, in Appwrite's order. */
const IDENTITY_FIELDS = [
  "$id",
  "$createdAt",
  "$updatedAt",
  "userId",
  "provider",
  "providerUid",
  "providerEmail",
  "providerAccessToken",
  "providerAccessTokenExpiry",
  "providerRefreshToken",
];

/** The parsed user-agent fields Appwrite's device detector gives these two browsers. */
const CHROME_FIELDS = {
  osCode: "WIN",
  osName: "Windows",
  osVersion: "10",
  clientType: "browser",
  clientCode: "CH",
  clientName: "Chrome",
  clientVersion: "120.0.0.0",
  clientEngine: "Blink",
  clientEngineVersion: "120.0.0.0",
  deviceName: "desktop",
  deviceBrand: "",
  deviceModel: "",
};
const FIREFOX_FIELDS = {
  osCode: "UBT",
  osName: "Ubuntu",
  osVersion: "",
  clientType: "browser",
  clientCode: "FF",
  clientName: "Firefox",
  clientVersion: "121.0",
  clientEngine: "Gecko",
  clientEngineVersion: "121.0",
  deviceName: "desktop",
  deviceBrand: "",
  deviceModel: "",
};

let seq = 0;
function uniqueEmail(tag: string): string {
  seq += 1;
  return `${tag}-${seq}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Wire datetime (src/models/datetime.ts). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

function nowSeconds(s: TestServer): number {
  return Math.floor(s.clock.now() / 1000);
}

/** A user signed up with the API key (not rate limited) and logged in through a web-SDK browser. */
async function loggedIn(s: TestServer, tag: string, userAgent?: string) {
  const email = uniqueEmail(tag);
  const user = await serverClient(s.endpoint).account.create(ID.unique(), email, PASSWORD, "Jo");
  const b = browser(s.endpoint);
  if (userAgent) b.client.headers["User-Agent"] = userAgent;
  const session = await b.use((account) => account.createEmailPasswordSession(email, PASSWORD));
  return { email, user, b, session, value: sessionValue(b) };
}

/** The session value the web SDK keeps in localStorage (X-Fallback-Cookies). */
function sessionValue(b: Browser): string {
  const stored = b.storage.get("cookieFallback");
  expect(stored).toBeTruthy();
  return (JSON.parse(stored!) as Record<string, string>)[`a_session_${PROJECT}`]!;
}

/** node-appwrite acting with a JWT (`Client.setJWT`), as a server function would. */
function jwtAccount(s: TestServer, jwt: string) {
  const client = new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setJWT(jwt);
  return new node.Account(client);
}

function segments(jwt: string) {
  const [header, payload, signature] = jwt.split(".");
  return { header: header!, payload: payload!, signature: signature! };
}

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const unb64url = (segment: string) => Buffer.from(segment, "base64url").toString("utf8");

async function expectError(promise: Promise<unknown>, type: string, code: number, message?: string) {
  const e = await expectAppwriteError(promise, type, code);
  if (message !== undefined) expect(e.message).toBe(message);
  return e;
}

// ---------------------------------------------------------------------------------------------
// The default server
// ---------------------------------------------------------------------------------------------

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

// ---------------------------------------------------------------------------------------------
// JWT: X-Appwrite-JWT authenticates as its session's user (src/core/authenticate.ts)
// ---------------------------------------------------------------------------------------------

describe("POST /account/jwts", () => {
  it("the web SDK's createJWT gives a token node-appwrite's setJWT can use; 201 on the wire", async () => {
    const { b, user, value } = await loggedIn(server, "jwt-basic");
    const { jwt } = await b.use((account) => account.createJWT());
    const me = await jwtAccount(server, jwt).get();
    expect(me.$id).toBe(user.$id);
    expect(me.email).toBe(user.email);

    const res = await raw(server.endpoint, "POST", "/account/jwts", { body: {}, headers: { "x-appwrite-session": value } });
    expect(res.status).toBe(201);
    expect(Object.keys(res.json!)).toEqual(["jwt"]);
    // The 1.5 path is an alias.
    const alias = await raw(server.endpoint, "POST", "/account/jwt", { body: {}, headers: { "x-appwrite-session": value } });
    expect(alias.status).toBe(201);
    expect((await jwtAccount(server, alias.json!.jwt).get()).$id).toBe(user.$id);
  });

  it("is three base64url segments: header {typ,alg HS256}, payload exactly {userId, sessionId, exp = now + 900}", async () => {
    const { b, user, session } = await loggedIn(server, "jwt-shape");
    const now = nowSeconds(server);
    const { jwt } = await b.use((account) => account.createJWT());
    const parts = jwt.split(".");
    expect(parts).toHaveLength(3);
    for (const part of parts) expect(part).toMatch(/^[A-Za-z0-9_-]+$/);
    const { header, payload, signature } = segments(jwt);
    expect(unb64url(header)).toBe('{"typ":"JWT","alg":"HS256"}');
    expect(unb64url(payload)).toBe(`{"userId":"${user.$id}","sessionId":"${session.$id}","exp":${now + JWT_SECONDS}}`);
    // An HMAC-SHA256 is 32 bytes.
    expect(Buffer.from(signature, "base64url")).toHaveLength(32);
  });

  it("works until exp and is refused from exp on (leeway 0): 401 user_jwt_invalid 'Invalid token: Expired'", async () => {
    const { b, user } = await loggedIn(server, "jwt-expiry");
    const { jwt } = await b.use((account) => account.createJWT());
    server.clock.advance((JWT_SECONDS - 1) * 1000);
    expect((await jwtAccount(server, jwt).get()).$id).toBe(user.$id);
    server.clock.advance(2 * 1000);
    await expectError(jwtAccount(server, jwt).get(), "user_jwt_invalid", 401, "Failed to verify JWT. Invalid token: Expired");
    // The session itself is unaffected, and mints a fresh token.
    const fresh = await b.use((account) => account.createJWT());
    expect((await jwtAccount(server, fresh.jwt).get()).$id).toBe(user.$id);
  });

  it("the expiry is the server clock's: 901 s later on the server's manual clock, refused", async () => {
    const { b } = await loggedIn(server, "jwt-expiry-901");
    const { jwt } = await b.use((account) => account.createJWT());
    server.clock.advance(901 * 1000);
    await expectError(jwtAccount(server, jwt).get(), "user_jwt_invalid", 401, "Failed to verify JWT. Invalid token: Expired");
  });

  it("a tampered payload or signature fails with 'Invalid token: Signature failed'", async () => {
    const a = await loggedIn(server, "jwt-tamper-a");
    const other = await loggedIn(server, "jwt-tamper-b");
    const { jwt } = await a.b.use((account) => account.createJWT());
    const { header, payload, signature } = segments(jwt);
    // Claim to be another user, keeping the signature.
    const forged = unb64url(payload).replace(a.user.$id, other.user.$id);
    expect(forged).toContain(other.user.$id);
    const withForgedPayload = `${header}.${b64url(forged)}.${signature}`;
    await expectError(
      jwtAccount(server, withForgedPayload).get(),
      "user_jwt_invalid",
      401,
      "Failed to verify JWT. Invalid token: Signature failed",
    );
    // A later expiry, same signature.
    const extended = unb64url(payload).replace(/"exp":\d+/, '"exp":9999999999');
    await expectError(
      jwtAccount(server, `${header}.${b64url(extended)}.${signature}`).get(),
      "user_jwt_invalid",
      401,
      "Failed to verify JWT. Invalid token: Signature failed",
    );
    // One changed signature character.
    const flipped = (signature[0] === "A" ? "B" : "A") + signature.slice(1);
    await expectError(
      jwtAccount(server, `${header}.${payload}.${flipped}`).get(),
      "user_jwt_invalid",
      401,
      "Failed to verify JWT. Invalid token: Signature failed",
    );
    // A token signed with another key (another server's secret).
    const elsewhere = await startServer({ secret: "another-server-secret-0123456789abcdef" });
    try {
      const email = uniqueEmail("jwt-elsewhere");
      await serverClient(elsewhere.endpoint).account.create(ID.unique(), email, PASSWORD);
      const eb = browser(elsewhere.endpoint);
      await eb.use((account) => account.createEmailPasswordSession(email, PASSWORD));
      const foreign = await eb.use((account) => account.createJWT());
      await expectError(
        jwtAccount(server, foreign.jwt).get(),
        "user_jwt_invalid",
        401,
        "Failed to verify JWT. Invalid token: Signature failed",
      );
    } finally {
      await elsewhere.close();
    }
  });

  it("garbage without segments fails with 'Invalid token: Incomplete segments'", async () => {
    for (const garbage of ["garbage", "not-a-jwt-at-all", "only.two"]) {
      await expectError(
        jwtAccount(server, garbage).get(),
        "user_jwt_invalid",
        401,
        "Failed to verify JWT. Invalid token: Incomplete segments",
      );
    }
  });

  it("a JWT error wins over the scope check: a bad JWT on a public route is still 401 user_jwt_invalid", async () => {
    const res = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email: uniqueEmail("nobody"), password: PASSWORD },
      headers: { "x-appwrite-jwt": "garbage" },
    });
    expectRawError(res, 401, "user_jwt_invalid", "Failed to verify JWT. Invalid token: Incomplete segments");
  });

  it("a JWT whose session was deleted makes the caller a guest: 401 general_unauthorized_scope", async () => {
    const { b } = await loggedIn(server, "jwt-deleted");
    const { jwt } = await b.use((account) => account.createJWT());
    await b.use((account) => account.deleteSession("current"));
    await expectError(jwtAccount(server, jwt).get(), "general_unauthorized_scope", 401, GUEST_SCOPE);
  });

  it("a JWT ends with its session's expiry too (Appwrite checks only that the session exists)", async () => {
    const short = await startServer({ auth: { sessionDuration: 60 } });
    try {
      const { b, user, value } = await loggedIn(short, "jwt-session-expiry");
      const { jwt } = await b.use((account) => account.createJWT());
      expect((await jwtAccount(short, jwt).get()).$id).toBe(user.$id);
      short.clock.advance(120 * 1000);
      // The session is expired for its own secret, and the JWT (exp 900 s) that names it with it.
      expectRawError(
        await raw(short.endpoint, "GET", "/account", { headers: { "x-appwrite-session": value } }),
        401,
        "general_unauthorized_scope",
      );
      await expectError(jwtAccount(short, jwt).get(), "general_unauthorized_scope", 401, GUEST_SCOPE);
    } finally {
      await short.close();
    }
  });

  it("a blocked user's JWT gives 401 user_blocked (blocking through the JWT itself)", async () => {
    const { b } = await loggedIn(server, "jwt-blocked");
    const { jwt } = await b.use((account) => account.createJWT());
    const blocked = await jwtAccount(server, jwt).updateStatus();
    expect(blocked.status).toBe(false);
    await expectError(jwtAccount(server, jwt).get(), "user_blocked", 401);
    await expectError(jwtAccount(server, jwt).listSessions(), "user_blocked", 401);
  });

  it("a JWT-authenticated createJWT has no current session: 404 user_session_not_found", async () => {
    const { b } = await loggedIn(server, "jwt-from-jwt");
    const { jwt } = await b.use((account) => account.createJWT());
    await expectError(jwtAccount(server, jwt).createJWT(), "user_session_not_found", 404, SESSION_NOT_FOUND);
  });

  it("under a JWT, getSession('current') is 404 and no listed session is current; a named session still loads", async () => {
    const { b, session } = await loggedIn(server, "jwt-current");
    const { jwt } = await b.use((account) => account.createJWT());
    const account = jwtAccount(server, jwt);
    await expectError(account.getSession("current"), "user_session_not_found", 404, SESSION_NOT_FOUND);

    const viaJwt = await account.listSessions();
    expect(viaJwt.total).toBe(1);
    expect(viaJwt.sessions.map((s) => [s.$id, s.current])).toEqual([[session.$id, false]]);
    // The same list through the session marks it current.
    const viaSession = await b.use((a) => a.listSessions());
    expect(viaSession.sessions.map((s) => [s.$id, s.current])).toEqual([[session.$id, true]]);

    const named = await account.getSession(session.$id);
    expect(named).toMatchObject({ $id: session.$id, current: false });
  });

  // Both together are refused from format 1.9.0 on (test/http/behaviour-changes.test.ts); a 1.6
  // client's JWT wins, as in Appwrite 1.6.
  it("a JWT sent with the same user's session keeps the current session known", async () => {
    const { b, session, value } = await loggedIn(server, "jwt-and-session");
    const { jwt } = await b.use((account) => account.createJWT());
    const res = await raw(server.endpoint, "GET", "/account/sessions", {
      headers: { "x-appwrite-jwt": jwt, "x-appwrite-session": value, "x-appwrite-response-format": "1.6.0" },
    });
    expect(res.status).toBe(200);
    expect(res.json!.sessions.map((s: { $id: string; current: boolean }) => [s.$id, s.current])).toEqual([[session.$id, true]]);
  });

  it("a JWT overrides another user's session: the request runs as the JWT's user", async () => {
    const a = await loggedIn(server, "jwt-override-a");
    const other = await loggedIn(server, "jwt-override-b");
    const { jwt } = await a.b.use((account) => account.createJWT());
    const res = await raw(server.endpoint, "GET", "/account", {
      headers: { "x-appwrite-jwt": jwt, "x-appwrite-session": other.value, "x-appwrite-response-format": "1.6.0" },
    });
    expect(res.status).toBe(200);
    expect(res.json!.$id).toBe(a.user.$id);
  });

  it("a JWT together with an API key: 403 user_key_and_session_set", async () => {
    const { b } = await loggedIn(server, "jwt-and-key");
    const { jwt } = await b.use((account) => account.createJWT());
    const client = new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setJWT(jwt).setKey(API_KEY);
    await expectError(new node.Account(client).get(), "user_key_and_session_set", 403);
    // On a key route too: the conflict is found before the route's scope.
    await expectError(new node.Account(client).create(ID.unique(), uniqueEmail("x"), PASSWORD), "user_key_and_session_set", 403);
  });

  it("is rate limited to 100 per hour per user for the 1.6 format: headers on every answer, the 101st is 429", async () => {
    const a = await loggedIn(server, "jwt-limit-a");
    const other = await loggedIn(server, "jwt-limit-b");
    // Today's format counts 120 a minute (test/http/behaviour-changes.test.ts).
    const headers = (value: string) => ({ "x-appwrite-session": value, "x-appwrite-response-format": "1.6.0" });
    const create = (value: string) => raw(server.endpoint, "POST", "/account/jwts", { body: {}, headers: headers(value) });
    const first = await create(a.value);
    expect(first.status).toBe(201);
    const reset = Math.floor(server.clock.now() / 1000 / 3600) * 3600 + 3600;
    expect([
      first.headers.get("x-ratelimit-limit"),
      first.headers.get("x-ratelimit-remaining"),
      first.headers.get("x-ratelimit-reset"),
    ]).toEqual(["100", "99", String(reset)]);
    for (let i = 2; i <= 100; i++) {
      const res = await create(a.value);
      expect(res.status, `request ${i}`).toBe(201);
      if (i === 100) expect(res.headers.get("x-ratelimit-remaining")).toBe("0");
    }
    const over = await create(a.value);
    expectRawError(
      over,
      429,
      "general_rate_limit_exceeded",
      "Rate limit for the current endpoint has been exceeded. Please try again after some time.",
    );
    // Another user on the same IP has their own counter.
    const theirs = await create(other.value);
    expect(theirs.status).toBe(201);
    expect(theirs.headers.get("x-ratelimit-remaining")).toBe("99");
  });

  it("a guest gets 401 general_unauthorized_scope", async () => {
    const guest = browser(server.endpoint);
    await expectError(
      guest.use((account) => account.createJWT()),
      "general_unauthorized_scope",
      401,
      GUEST_SCOPE,
    );
  });
});

describe("POST /account/jwts with the jwt auth method off", () => {
  let off: TestServer;
  beforeAll(async () => {
    off = await startServer({ auth: { methods: { jwt: false } } });
  });
  afterAll(() => off.close());

  it("answers 501 user_auth_method_unsupported 'JWT authentication is disabled for this project'", async () => {
    const { b } = await loggedIn(off, "jwt-off");
    await expectError(
      b.use((account) => account.createJWT()),
      "user_auth_method_unsupported",
      501,
      "JWT authentication is disabled for this project",
    );
    // The rest of the account still works.
    expect((await b.use((account) => account.get())).email).toContain("jwt-off");
  });
});

// ---------------------------------------------------------------------------------------------
// Logs: the Log model and the audit events (src/core/audit.ts)
// ---------------------------------------------------------------------------------------------

describe("GET /account/logs", () => {
  let chrome: Browser;
  let email: string;
  let userId: string;
  /** Server times of the six audited actions, oldest first. */
  const times: number[] = [];
  /** The events expected, newest first. */
  const EVENTS = ["session.delete", "session.create", "user.update", "user.update", "session.create", "user.create"];

  beforeAll(async () => {
    email = uniqueEmail("logs");
    chrome = browser(server.endpoint);
    chrome.client.headers["User-Agent"] = CHROME_WINDOWS;
    const firefox = browser(server.endpoint);
    firefox.client.headers["User-Agent"] = FIREFOX_UBUNTU;
    const step = () => {
      server.clock.advance(1000);
      times.push(server.clock.now());
    };

    step();
    const user = await chrome.use((account) => account.create(ID.unique(), email, PASSWORD, "Ada"));
    userId = user.$id;
    step();
    await chrome.use((account) => account.createEmailPasswordSession(email, PASSWORD));
    step();
    await chrome.use((account) => account.updateName("Ada Lovelace"));
    step();
    await chrome.use((account) => account.updatePrefs({ theme: "dark" }));
    step();
    const other = await firefox.use((account) => account.createEmailPasswordSession(email, PASSWORD));
    // Reads and JWTs write no log entry.
    server.clock.advance(1000);
    await chrome.use((account) => account.get());
    await chrome.use((account) => account.listSessions());
    await chrome.use((account) => account.getPrefs());
    await chrome.use((account) => account.createJWT());
    await chrome.use((account) => account.listLogs());
    step();
    await chrome.use((account) => account.deleteSession(other.$id));
  });

  it("lists exactly the audited events, newest first, with the Log model's fields", async () => {
    const { total, logs } = await chrome.use((account) => account.listLogs());
    expect(total).toBe(6);
    expect(logs.map((l) => l.event)).toEqual(EVENTS);
    for (const log of logs) expect(Object.keys(log)).toEqual(LOG_FIELDS);
    expect(logs.map((l) => l.time)).toEqual([...times].reverse().map(iso));
    for (const log of logs) {
      expect(log).toMatchObject({ userId, userEmail: email, mode: "default", ip: "127.0.0.1", countryCode: "--", countryName: "Unknown" });
    }
  });

  it("each entry snapshots the user at that moment and the parsed user agent of the request", async () => {
    const { logs } = await chrome.use((account) => account.listLogs());
    const [deleted, firefoxLogin, prefs, rename, chromeLogin, created] = logs;
    // The name before and after the rename.
    expect([created!.userName, chromeLogin!.userName, rename!.userName, prefs!.userName]).toEqual([
      "Ada",
      "Ada",
      "Ada Lovelace",
      "Ada Lovelace",
    ]);
    for (const log of [created, chromeLogin, rename, prefs, deleted]) expect(log).toMatchObject(CHROME_FIELDS);
    expect(firefoxLogin).toMatchObject(FIREFOX_FIELDS);
  });

  it("Query.limit and Query.offset page the list while total stays the full count", async () => {
    const page = (queries: string[]) => chrome.use((account) => account.listLogs(queries));
    const limited = await page([Query.limit(2)]);
    expect([limited.total, limited.logs.map((l) => l.event)]).toEqual([6, EVENTS.slice(0, 2)]);
    const offset = await page([Query.offset(1)]);
    expect([offset.total, offset.logs.map((l) => l.event)]).toEqual([6, EVENTS.slice(1)]);
    const both = await page([Query.limit(2), Query.offset(3)]);
    expect([both.total, both.logs.map((l) => l.event), both.logs[0]!.time]).toEqual([6, EVENTS.slice(3, 5), iso(times[2]!)]);
    const past = await page([Query.offset(10)]);
    expect([past.total, past.logs]).toEqual([6, []]);
    // Numeric strings are accepted, as Appwrite accepts them (src/validation/queries.ts).
    const text = await raw(server.endpoint, "GET", `/account/logs?queries[]=${encodeURIComponent('{"method":"limit","values":["1"]}')}`, {
      headers: { "x-appwrite-session": sessionValue(chrome) },
    });
    expect([text.status, text.json!.total, text.json!.logs.length]).toEqual([200, 6, 1]);
  });

  it("any method but limit and offset: 400 'Invalid query method: <m>'", async () => {
    for (const [query, method] of [
      [Query.equal("event", ["user.create"]), "equal"],
      [Query.orderAsc("time"), "orderAsc"],
      [Query.cursorAfter(UNKNOWN_ID), "cursorAfter"],
      [Query.select(["event"]), "select"],
    ] as const) {
      await expectError(
        chrome.use((account) => account.listLogs([query])),
        "general_argument_invalid",
        400,
        `Invalid \`queries\` param: Invalid query method: ${method}`,
      );
    }
  });

  it("limit below 1 or a negative offset: 400 invalid limit / offset", async () => {
    const zero = await expectError(
      chrome.use((account) => account.listLogs([Query.limit(0)])),
      "general_argument_invalid",
      400,
    );
    expect(zero.message).toMatch(/^Invalid `queries` param: Invalid query: Invalid limit: /);
    const negative = await expectError(
      chrome.use((account) => account.listLogs([Query.offset(-1)])),
      "general_argument_invalid",
      400,
    );
    expect(negative.message).toMatch(/^Invalid `queries` param: Invalid query: Invalid offset: /);
  });

  it("malformed queries over raw HTTP: not an array, not JSON, the old string syntax", async () => {
    const headers = { "x-appwrite-session": sessionValue(chrome) };
    expectRawError(
      await raw(server.endpoint, "GET", "/account/logs?queries=x", { headers }),
      400,
      "general_argument_invalid",
      "Invalid `queries` param: Queries must be an array",
    );
    expectRawError(
      await raw(server.endpoint, "GET", "/account/logs?queries[]=x", { headers }),
      400,
      "general_argument_invalid",
      "Invalid `queries` param: Invalid query: Syntax error",
    );
    expectRawError(
      await raw(server.endpoint, "GET", `/account/logs?queries[]=${encodeURIComponent("limit(2)")}`, { headers }),
      400,
      "general_argument_invalid",
      "Invalid `queries` param: Invalid query: Syntax error",
    );
  });

  it("a guest gets 401 general_unauthorized_scope, not 400, even with invalid queries (scope is checked first)", async () => {
    const guest = browser(server.endpoint);
    await expectError(
      guest.use((account) => account.listLogs([Query.equal("event", ["x"])])),
      "general_unauthorized_scope",
      401,
      GUEST_SCOPE,
    );
    expectRawError(await raw(server.endpoint, "GET", "/account/logs?queries=x"), 401, "general_unauthorized_scope", GUEST_SCOPE);
  });

  it("a JWT reads the same logs; a user sees only their own", async () => {
    const { jwt } = await chrome.use((account) => account.createJWT());
    const viaJwt = await jwtAccount(server, jwt).listLogs();
    expect(viaJwt.logs.map((l) => l.event)).toEqual(EVENTS);
    const stranger = await loggedIn(server, "logs-stranger");
    const theirs = await stranger.b.use((account) => account.listLogs());
    expect(theirs.logs.map((l) => [l.event, l.userId])).toEqual([
      ["session.create", stranger.user.$id],
      ["user.create", stranger.user.$id],
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// Identities: list, delete, and the Identity model
// ---------------------------------------------------------------------------------------------

const hexId = () => randomBytes(10).toString("hex");

/** A user with three identities (github, google, github; one second apart) and a stranger with one. */
async function withIdentities(tag: string) {
  const store = server.service.config.store;
  const me = await loggedIn(server, `${tag}-me`);
  const stranger = await loggedIn(server, `${tag}-stranger`);
  const base = server.clock.now() - 10_000;
  const make = async (userId: string, provider: string, offsetMs: number, extra: Partial<IdentityRecord> = {}) => {
    const identity: IdentityRecord = {
      id: hexId(),
      userId,
      createdAt: new Date(base + offsetMs),
      updatedAt: new Date(base + offsetMs),
      provider,
      providerUid: `${provider}-${hexId()}`,
      providerEmail: `${tag}-${provider}-${offsetMs}@example.com`,
      providerAccessToken: `token-${offsetMs}`,
      providerAccessTokenExpiry: null,
      providerRefreshToken: "",
      providerIdToken: "",
      ...extra,
    };
    await store.identities.create(identity);
    return identity;
  };
  const expiry = new Date(base + 3_600_000);
  const mine = [
    await make(me.user.$id, "github", 1000, { providerAccessTokenExpiry: expiry, providerRefreshToken: "refresh-1" }),
    await make(me.user.$id, "google", 2000),
    await make(me.user.$id, "github", 3000),
  ];
  const theirs = await make(stranger.user.$id, "github", 1500);
  return { me, stranger, mine, theirs, expiry };
}

describe("GET /account/identities", () => {
  let fixture: Awaited<ReturnType<typeof withIdentities>>;
  const ids = (list: { identities: Array<{ $id: string }> }) => list.identities.map((i) => i.$id);
  const list = (queries?: string[]) => fixture.me.b.use((account) => account.listIdentities(queries));

  beforeAll(async () => {
    fixture = await withIdentities("ident-list");
  });

  it("returns the caller's identities only, oldest first, with total and the Identity model", async () => {
    const result = await list();
    expect(result.total).toBe(3);
    expect(ids(result)).toEqual(fixture.mine.map((i) => i.id));
    expect(Object.keys(result)).toEqual(["total", "identities"]);
    const [first] = result.identities;
    expect(Object.keys(first!)).toEqual(IDENTITY_FIELDS);
    const record = fixture.mine[0]!;
    expect(first).toEqual({
      $id: record.id,
      $createdAt: iso(record.createdAt.getTime()),
      $updatedAt: iso(record.updatedAt.getTime()),
      userId: fixture.me.user.$id,
      provider: "github",
      providerUid: record.providerUid,
      providerEmail: record.providerEmail,
      providerAccessToken: "token-1000",
      providerAccessTokenExpiry: iso(fixture.expiry.getTime()),
      providerRefreshToken: "refresh-1",
    });
    // A null expiry is "".
    expect(result.identities[1]!.providerAccessTokenExpiry).toBe("");
    // The stranger sees only theirs.
    const theirs = await fixture.stranger.b.use((account) => account.listIdentities());
    expect([theirs.total, ids(theirs)]).toEqual([1, [fixture.theirs.id]]);
  });

  it("Query.equal filters (total counts the matches); other filters work too", async () => {
    const [gh1, google, gh2] = fixture.mine.map((i) => i.id);
    const github = await list([Query.equal("provider", ["github"])]);
    expect([github.total, ids(github)]).toEqual([2, [gh1, gh2]]);
    const notGithub = await list([Query.notEqual("provider", "github")]);
    expect(ids(notGithub)).toEqual([google]);
    const byEmail = await list([Query.equal("providerEmail", [fixture.mine[1]!.providerEmail])]);
    expect(ids(byEmail)).toEqual([google]);
    // Filtering on userId cannot reach another user's identities.
    const stolen = await list([Query.equal("userId", [fixture.stranger.user.$id])]);
    expect([stolen.total, stolen.identities]).toEqual([0, []]);
  });

  it("Query.orderDesc('$createdAt') reverses; Query.limit(1) and Query.offset page with total unchanged", async () => {
    const [gh1, google, gh2] = fixture.mine.map((i) => i.id);
    expect(ids(await list([Query.orderDesc("$createdAt")]))).toEqual([gh2, google, gh1]);
    const one = await list([Query.limit(1)]);
    expect([one.total, ids(one)]).toEqual([3, [gh1]]);
    const rest = await list([Query.offset(1)]);
    expect([rest.total, ids(rest)]).toEqual([3, [google, gh2]]);
  });

  it("Query.cursorAfter(id) continues after that identity, in the query's order", async () => {
    const [gh1, google, gh2] = fixture.mine.map((i) => i.id);
    expect(ids(await list([Query.cursorAfter(gh1!)]))).toEqual([google, gh2]);
    expect(ids(await list([Query.cursorAfter(gh1!), Query.limit(1)]))).toEqual([google]);
    expect(ids(await list([Query.orderDesc("$createdAt"), Query.cursorAfter(gh2!)]))).toEqual([google, gh1]);
    expect(ids(await list([Query.cursorBefore(gh2!)]))).toEqual([gh1, google]);
  });

  // Appwrite (utopia-php/database) pages backwards from the cursor: with a limit, the page is the
  // rows immediately before it.
  it("Query.cursorBefore(id) with a limit gives the rows immediately before the cursor", async () => {
    const [, google, gh2] = fixture.mine.map((i) => i.id);
    expect(ids(await list([Query.cursorBefore(gh2!), Query.limit(1)]))).toEqual([google]);
  });

  it("an unknown cursor: 400 general_cursor_not_found \"Identity '<id>' for the 'cursor' value not found.\"", async () => {
    await expectError(
      list([Query.cursorAfter(UNKNOWN_ID)]),
      "general_cursor_not_found",
      400,
      `Identity '${UNKNOWN_ID}' for the 'cursor' value not found.`,
    );
    await expectError(
      list([Query.cursorBefore(UNKNOWN_ID)]),
      "general_cursor_not_found",
      400,
      `Identity '${UNKNOWN_ID}' for the 'cursor' value not found.`,
    );
  });

  it("Query.select is not allowed, nor an attribute outside the identity schema: 400", async () => {
    await expectError(
      list([Query.select(["provider"])]),
      "general_argument_invalid",
      400,
      "Invalid `queries` param: Invalid query method: select",
    );
    await expectError(
      list([Query.equal("providerAccessToken", ["x"])]),
      "general_argument_invalid",
      400,
      "Invalid `queries` param: Invalid query: Attribute not found in schema: providerAccessToken",
    );
    await expectError(
      list([Query.orderAsc("secret")]),
      "general_argument_invalid",
      400,
      "Invalid `queries` param: Invalid query: Attribute not found in schema: secret",
    );
    await expectError(list(["{not json"]), "general_argument_invalid", 400, "Invalid `queries` param: Invalid query: Syntax error");
  });

  it("a guest gets 401 general_unauthorized_scope", async () => {
    const guest = browser(server.endpoint);
    await expectError(
      guest.use((account) => account.listIdentities([Query.select(["x"])])),
      "general_unauthorized_scope",
      401,
      GUEST_SCOPE,
    );
  });
});

describe("DELETE /account/identities/{identityId}", () => {
  it("deletes the caller's own identity: 204 with no body, gone from the list and the store, audited as identity.delete", async () => {
    const { me, mine } = await withIdentities("ident-del");
    const store = server.service.config.store;
    const res = await raw(server.endpoint, "DELETE", `/account/identities/${mine[1]!.id}`, {
      body: {},
      headers: { "x-appwrite-session": me.value },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("content-type")).toBeNull();
    expect(await store.identities.get(mine[1]!.id)).toBeNull();
    const after = await me.b.use((account) => account.listIdentities());
    expect([after.total, after.identities.map((i) => i.$id)]).toEqual([2, [mine[0]!.id, mine[2]!.id]]);

    // Through the web SDK as well.
    await me.b.use((account) => account.deleteIdentity(mine[0]!.id));
    expect(await store.identities.get(mine[0]!.id)).toBeNull();

    const logs = await me.b.use((account) => account.listLogs());
    expect(logs.logs.map((l) => l.event)).toEqual(["identity.delete", "identity.delete", "session.create", "user.create"]);
    // Sessions are not touched.
    expect((await me.b.use((account) => account.get())).$id).toBe(me.user.$id);
  });

  it("another user's identity: 401 user_unauthorized, and it stays", async () => {
    const { me, theirs } = await withIdentities("ident-other");
    await expectError(
      me.b.use((account) => account.deleteIdentity(theirs.id)),
      "user_unauthorized",
      401,
      "The current user is not authorized to perform the requested action.",
    );
    expect(await server.service.config.store.identities.get(theirs.id)).not.toBeNull();
    const logs = await me.b.use((account) => account.listLogs());
    expect(logs.logs.map((l) => l.event)).not.toContain("identity.delete");
  });

  it("an unknown identity: 404 user_identity_not_found; an invalid id: 400", async () => {
    const { me } = await withIdentities("ident-unknown");
    await expectError(
      me.b.use((account) => account.deleteIdentity(UNKNOWN_ID)),
      "user_identity_not_found",
      404,
      IDENTITY_NOT_FOUND,
    );
    await expectError(
      me.b.use((account) => account.deleteIdentity("_bad")),
      "general_argument_invalid",
      400,
    );
  });

  it("a guest gets 401 general_unauthorized_scope", async () => {
    const { theirs } = await withIdentities("ident-guest");
    const guest = browser(server.endpoint);
    await expectError(
      guest.use((account) => account.deleteIdentity(theirs.id)),
      "general_unauthorized_scope",
      401,
      GUEST_SCOPE,
    );
    expect(await server.service.config.store.identities.get(theirs.id)).not.toBeNull();
  });
});
