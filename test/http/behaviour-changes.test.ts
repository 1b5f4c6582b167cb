/**
 * Account behaviour that changed after Appwrite 1.6 (spec account-api-current.md §4), through
 * today's SDKs (appwrite 28, node-appwrite 27), each next to the 1.6 SDKs (appwrite 17,
 * node-appwrite 16), which keep the 1.6 behaviour: the changes are gated by the request's
 * `X-Appwrite-Response-Format` (src/core/behaviour.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import * as node from "node-appwrite";
import * as nodeLatest from "node-appwrite-latest";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, expectAppwriteError, raw, serverClient, sessionClient } from "../helpers/sdk";
import { latestBrowser, latestKey, latestSession } from "../helpers/sdk-latest";
import { startWithOutbox, uniqueEmail } from "../helpers/flows";
import { formatAtLeast } from "../../src/http/response-format";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "another horse battery";
const BLOCKED_1_6 =
  "The current user has been blocked. You can unblock the user by making a request to the User API's \"Update User Status\" endpoint or in the Appwrite Console's Auth section.";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A user signed up by the API key, with a session secret made by the key (node-appwrite 27). */
async function member(s: TestServer) {
  const email = uniqueEmail("behav");
  const user = await latestKey(s.endpoint).create({ userId: ID.unique(), email, password: PASSWORD });
  const session = await latestKey(s.endpoint).createEmailPasswordSession({ email, password: PASSWORD });
  expect(session.secret).toMatch(/\S/);
  return { email, id: user.$id, secret: session.secret };
}

/** A JWT made through node-appwrite 27 for the session. */
async function jwtOf(s: TestServer, secret: string, duration?: number) {
  const { jwt } = await latestSession(s.endpoint, secret).createJWT(duration === undefined ? {} : { duration });
  return jwt;
}

const expOf = (jwt: string) => (JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { exp: number }).exp;
const nowSeconds = (s: TestServer) => Math.floor(s.clock.now() / 1000);

const jwt16 = (s: TestServer, jwt: string) => new node.Account(new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setJWT(jwt));
const jwt27 = (s: TestServer, jwt: string) =>
  new nodeLatest.Account(new nodeLatest.Client().setEndpoint(s.endpoint).setProject(PROJECT).setJWT(jwt));

async function expectError(promise: Promise<unknown>, type: string, code: number, message?: string) {
  const e = await expectAppwriteError(promise, type, code);
  if (message !== undefined) expect(e.message).toBe(message);
}

describe("4.1 JWT duration", () => {
  it("exp = now + duration (0–3600); without it 900 s, for both SDK generations", async () => {
    const m = await member(server);
    expect(expOf(await jwtOf(server, m.secret, 60))).toBe(nowSeconds(server) + 60);
    expect(expOf(await jwtOf(server, m.secret, 3600))).toBe(nowSeconds(server) + 3600);
    expect(expOf(await jwtOf(server, m.secret))).toBe(nowSeconds(server) + 900);
    const old = await sessionClient(server.endpoint, m.secret).account.createJWT();
    expect(expOf(old.jwt)).toBe(nowSeconds(server) + 900);
  });

  it("a 60-second JWT works for 59 s and is refused at 60 s", async () => {
    const m = await member(server);
    const jwt = await jwtOf(server, m.secret, 60);
    server.clock.advance(59_000);
    expect((await jwt27(server, jwt).get()).$id).toBe(m.id);
    server.clock.advance(1_000);
    await expectError(jwt27(server, jwt).get(), "user_jwt_invalid", 401, "Failed to verify JWT. Invalid token: Expired");
  });

  it("duration 0 gives a token that has already expired; out of range is 400 with Appwrite's message", async () => {
    const m = await member(server);
    const jwt = await jwtOf(server, m.secret, 0);
    await expectError(jwt27(server, jwt).get(), "user_jwt_invalid", 401);
    for (const duration of [3601, -1]) {
      await expectError(
        latestSession(server.endpoint, m.secret).createJWT({ duration }),
        "general_argument_invalid",
        400,
        "Invalid `duration` param: Value must be a valid range between 0 and 3,600",
      );
    }
  });

  it("a JWT is accepted only while its session is unexpired (every format)", async () => {
    const s = await startServer({ auth: { sessionDuration: 120 } });
    try {
      const m = await member(s);
      const jwt = await jwtOf(s, m.secret, 3600);
      expect((await jwt27(s, jwt).get()).$id).toBe(m.id);
      s.clock.advance(121_000);
      await expectError(jwt27(s, jwt).get(), "general_unauthorized_scope", 401);
      await expectError(jwt16(s, jwt).get(), "general_unauthorized_scope", 401);
    } finally {
      await s.close();
    }
  });

  it("a JWT-authenticated request creating a JWT: 403 user_jwt_creation_denied; the 1.6 SDK keeps 404", async () => {
    const m = await member(server);
    const jwt = await jwtOf(server, m.secret);
    await expectError(
      jwt27(server, jwt).createJWT(),
      "user_jwt_creation_denied",
      403,
      "A JWT cannot be created from a request authorized with a JWT. Authenticate with a session cookie or session header instead.",
    );
    await expectError(jwt16(server, jwt).createJWT(), "user_session_not_found", 404);
  });
});

describe("4.9 total=false on identities and logs", () => {
  it("answers total 0 with the page; without it (and for the 1.6 SDK) the count", async () => {
    const m = await member(server);
    const latest = latestSession(server.endpoint, m.secret);
    await latest.updateName({ name: "Counted" });
    const counted = await latest.listLogs();
    expect(counted.total).toBeGreaterThanOrEqual(2);
    const uncounted = await latest.listLogs({ total: false });
    expect(uncounted.total).toBe(0);
    expect(uncounted.logs).toEqual(counted.logs);
    expect((await latest.listLogs({ total: true })).total).toBe(counted.total);
    expect((await sessionClient(server.endpoint, m.secret).account.listLogs()).total).toBe(counted.total);

    // Identities: the user has none, so the count is checked on a user with one.
    const now = new Date(server.clock.now());
    await server.service.config.store.identities.create({
      id: `identity${m.id}`.slice(0, 36),
      userId: m.id,
      provider: "github",
      providerUid: `uid-${m.id}`,
      providerEmail: m.email,
      providerAccessToken: "",
      providerRefreshToken: "",
      providerIdToken: "",
      providerAccessTokenExpiry: null,
      createdAt: now,
      updatedAt: now,
    });
    const web = latestBrowser(server.endpoint);
    await web.use((a) => a.createEmailPasswordSession({ email: m.email, password: PASSWORD }));
    expect(await web.use((a) => a.listIdentities())).toMatchObject({ total: 1 });
    const none = await web.use((a) => a.listIdentities({ total: false }));
    expect(none.total).toBe(0);
    expect(none.identities).toHaveLength(1);
    // A loose boolean, as Appwrite's: "0" is false; anything else is a 400.
    const zero = await raw(server.endpoint, "GET", "/account/identities?total=0", { headers: { "x-appwrite-session": m.secret } });
    expect(zero.json).toMatchObject({ total: 0 });
    const bad = await raw(server.endpoint, "GET", "/account/logs?total=maybe", { headers: { "x-appwrite-session": m.secret } });
    expect(bad.status).toBe(400);
  });
});

describe("4.8 user_blocked", () => {
  it("is 403 'The current user has been blocked.' for today's SDKs, 401 with 1.6's message for the 1.6 SDKs", async () => {
    const m = await member(server);
    await latestSession(server.endpoint, m.secret).updateStatus();
    await expectError(latestSession(server.endpoint, m.secret).get(), "user_blocked", 403, "The current user has been blocked.");
    await expectError(sessionClient(server.endpoint, m.secret).account.get(), "user_blocked", 401, BLOCKED_1_6);
    // Login with the right password names the block too, in each generation's form.
    const web28 = latestBrowser(server.endpoint);
    await expectError(
      web28.use((a) => a.createEmailPasswordSession({ email: m.email, password: PASSWORD })),
      "user_blocked",
      403,
    );
    const web17 = browser(server.endpoint);
    await expectError(
      web17.use((a) => a.createEmailPasswordSession(m.email, PASSWORD)),
      "user_blocked",
      401,
      BLOCKED_1_6,
    );
  });

  it("recovery for a blocked user: 403 for node-appwrite 27, 401 for node-appwrite 16", async () => {
    const { s, box } = await startWithOutbox();
    try {
      const m = await member(s);
      await latestSession(s.endpoint, m.secret).updateStatus();
      await expectError(latestKey(s.endpoint).createRecovery({ email: m.email, url: "http://localhost/recover" }), "user_blocked", 403);
      await expectError(serverClient(s.endpoint).account.createRecovery(m.email, "http://localhost/recover"), "user_blocked", 401);
      expect(box.entries).toHaveLength(0);
    } finally {
      await s.close();
    }
  });
});

describe("4.2 X-Appwrite-JWT together with a session", () => {
  it("is 403 user_jwt_and_cookie_set for today's SDKs; for the 1.6 SDK the JWT wins", async () => {
    const a = await member(server);
    const b = await member(server);
    const jwt = await jwtOf(server, a.secret);
    const both27 = new nodeLatest.Account(
      new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(b.secret).setJWT(jwt),
    );
    await expectError(
      both27.get(),
      "user_jwt_and_cookie_set",
      403,
      "JWT and cookie used in the same request. Use either `setJWT` or `setCookie`. Learn about which authentication method to use in the SSR docs: https://appwrite.io/docs/products/auth/server-side-rendering",
    );
    const both16 = new node.Account(new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(b.secret).setJWT(jwt));
    expect((await both16.get()).$id).toBe(a.id);
    // Either alone still works for today's SDKs; an invalid session beside a JWT is no session.
    expect((await jwt27(server, jwt).get()).$id).toBe(a.id);
    expect((await latestSession(server.endpoint, b.secret).get()).$id).toBe(b.id);
    const staleSession = new nodeLatest.Account(
      new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession("not-a-session").setJWT(jwt),
    );
    expect((await staleSession.get()).$id).toBe(a.id);
  });
});

describe("4.1 JWT rate limit", () => {
  const createJwt = (secret: string, format?: string) =>
    raw(server.endpoint, "POST", "/account/jwts", {
      body: {},
      headers: { "x-appwrite-session": secret, ...(format ? { "x-appwrite-response-format": format } : {}) },
    });
  const minuteEnd = () => Math.floor(server.clock.now() / 60_000) * 60 + 60;

  it("today's SDKs: 120 a minute per user, the 121st is 429, the next minute starts afresh", async () => {
    const m = await member(server);
    for (let i = 0; i < 119; i++) await jwtOf(server, m.secret);
    const last = await createJwt(m.secret, "1.9.5");
    expect(last.status).toBe(201);
    expect({
      limit: last.headers.get("x-ratelimit-limit"),
      remaining: last.headers.get("x-ratelimit-remaining"),
      reset: last.headers.get("x-ratelimit-reset"),
    }).toEqual({ limit: "120", remaining: "0", reset: String(minuteEnd()) });
    await expectError(latestSession(server.endpoint, m.secret).createJWT(), "general_rate_limit_exceeded", 429);
    // Another user has a counter of its own.
    const other = await member(server);
    expect((await createJwt(other.secret)).status).toBe(201);
    server.clock.set(minuteEnd() * 1000);
    expect(await jwtOf(server, m.secret)).toMatch(/^ey/);
  });

  it("the 1.6 SDK keeps 100 an hour: the 101st is 429, and still is a minute later", async () => {
    const m = await member(server);
    const old = sessionClient(server.endpoint, m.secret).account;
    for (let i = 0; i < 100; i++) await old.createJWT();
    await expectError(old.createJWT(), "general_rate_limit_exceeded", 429);
    server.clock.advance(61_000);
    const again = await createJwt(m.secret, "1.6.0");
    expect(again.status).toBe(429);
    expect(again.headers.get("x-ratelimit-limit")).toBe("100");
  });
});

describe("4.3 an API key together with a session", () => {
  it("today's SDKs run as the key; the 1.6 SDK gets 403 user_key_and_session_set", async () => {
    const m = await member(server);
    const jwt = await jwtOf(server, m.secret);
    const key27 = (client: nodeLatest.Client) =>
      new nodeLatest.Account(client.setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY));
    // As the key: a login answers with the session's secret, which only a key caller sees...
    const withSession = key27(new nodeLatest.Client().setSession(m.secret));
    const session = await withSession.createEmailPasswordSession({ email: m.email, password: PASSWORD });
    expect(session.secret).toMatch(/\S/);
    // ...and the account routes, which need a user, are outside the key's scopes.
    await expectError(withSession.get(), "general_unauthorized_scope", 401);
    await expectError(key27(new nodeLatest.Client().setJWT(jwt)).get(), "general_unauthorized_scope", 401);

    const key16 = (client: node.Client) => new node.Account(client.setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY));
    await expectError(
      key16(new node.Client().setSession(m.secret)).createEmailPasswordSession(m.email, PASSWORD),
      "user_key_and_session_set",
      403,
    );
    await expectError(key16(new node.Client().setJWT(jwt)).get(), "user_key_and_session_set", 403);
  });
});

describe("4.9 PATCH /account/password oldPassword", () => {
  it("is text of 0–256 for today's SDKs (a short one is wrong credentials); the 1.6 SDK keeps the 8–256 rule", async () => {
    const m = await member(server);
    const latest = latestSession(server.endpoint, m.secret);
    for (const oldPassword of ["", "short"]) {
      await expectError(latest.updatePassword({ password: NEW_PASSWORD, oldPassword }), "user_invalid_credentials", 401);
    }
    await expectError(latest.updatePassword({ password: NEW_PASSWORD, oldPassword: "a".repeat(257) }), "general_argument_invalid", 400);
    await expectError(
      sessionClient(server.endpoint, m.secret).account.updatePassword(NEW_PASSWORD, "short"),
      "general_argument_invalid",
      400,
      "Invalid `oldPassword` param: Password must be between 8 and 256 characters long.",
    );
    const wrongType = await raw(server.endpoint, "PATCH", "/account/password", {
      body: { password: NEW_PASSWORD, oldPassword: 12345678 },
      headers: { "x-appwrite-session": m.secret },
    });
    expect(wrongType.json).toMatchObject({
      code: 400,
      type: "general_argument_invalid",
      message: "Invalid `oldPassword` param: Value must be a valid string and no longer than 256 chars",
    });
    expect((await latest.updatePassword({ password: NEW_PASSWORD, oldPassword: PASSWORD })).$id).toBe(m.id);
  });
});

describe("formatAtLeast (src/http/response-format.ts)", () => {
  it("compares as PHP's version_compare; no header, '', '0' and over-long values are current", () => {
    expect(formatAtLeast("1.6.0", "1.9.0")).toBe(false);
    expect(formatAtLeast("1.8.9", "1.9.0")).toBe(false);
    expect(formatAtLeast("1.9.0", "1.9.0")).toBe(true);
    expect(formatAtLeast("1.9.5", "1.9.0")).toBe(true);
    expect(formatAtLeast("2.3.0", "1.9.0")).toBe(true);
    expect(formatAtLeast("abc", "1.9.0")).toBe(false);
    for (const current of [null, "", "0", "1".repeat(65)]) expect(formatAtLeast(current, "1.9.0")).toBe(true);
  });
});
