/**
 * Token routes over HTTP, driven through the official SDKs (`appwrite` web, `node-appwrite` with
 * the API key) against a real Express server on loopback; raw HTTP only for what the SDKs cannot
 * send or show (malformed input, the deprecated POST aliases, rate-limit headers).
 *
 * Routes: POST tokens/email, POST tokens/magic-url (+ alias POST sessions/magic-url),
 * POST tokens/phone (+ alias POST sessions/phone), POST sessions/token, PUT sessions/magic-url,
 * PUT sessions/phone.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID, type Models } from "appwrite";
import { API_KEY, PROJECT, type TestServer } from "../helpers/server";
import type { Outbox } from "gatehouse-auth";
import { expectAppwriteError, raw, sessionClient, type Browser, expectRawError } from "../helpers/sdk";
import {
  expectRateHeaders,
  freshWindow,
  iso,
  key,
  nextIp,
  startWithOutbox as start,
  storeOf,
  uniqueEmail,
  uniqueId,
  uniquePhone,
  web,
  wrongCode,
  type OutboxServer as Env,
} from "../helpers/flows";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const YEAR_MS = 31_536_000 * 1000;
const PASSWORD = "password123";

/** The Token model's fields, in Appwrite's order (src/models/token.ts). */
const TOKEN_FIELDS = ["$id", "$createdAt", "userId", "secret", "expire", "phrase"];

const INVALID_TOKEN = "Invalid token passed in the request.";
const RATE_LIMITED = "Rate limit for the current endpoint has been exceeded. Please try again after some time.";
const ALREADY_EXISTS = "Creation of a session is prohibited when a session is active.";
const CUSTOM_ID =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";
const INVALID_USER_ID = `Invalid \`userId\` param: ${CUSTOM_ID}`;
const INVALID_EMAIL = "Invalid `email` param: Value must be a valid email address";
const INVALID_PHONE = "Invalid `phone` param: Phone number must start with a '+' can have a maximum of fifteen digits.";
const INVALID_PHRASE = "Invalid `phrase` param: Value must be a valid boolean";
const INVALID_SECRET = "Invalid `secret` param: Value must be a valid string and at least 1 chars and no longer than 256 chars";
const HOSTS = "Invalid `url` param: URL host must be one of: ";
const notOptional = (name: string) => `Param "${name}" is not optional.`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function lifetime(token: { $createdAt: string; expire: string }): number {
  return Date.parse(token.expire) - Date.parse(token.$createdAt);
}

async function signUp(s: TestServer, email: string, password = PASSWORD) {
  return key(s).create(ID.unique(), email, password);
}

async function webLogin(s: TestServer, email: string, password = PASSWORD): Promise<Browser> {
  const b = web(s);
  await b.use((account) => account.createEmailPasswordSession(email, password));
  return b;
}

/** Raw HTTP from a given client IP (X-Forwarded-For), for bodies and headers the SDK cannot show. */
function call(
  s: TestServer,
  method: string,
  path: string,
  body: string | object,
  options: { ip?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  return raw(s.endpoint, method, path, { body, headers });
}

/** The Token model: field order, ID format, `$createdAt` now, `expire - $createdAt` the lifetime. */
function expectToken(
  token: object,
  expected: { userId: string; now: number; lifetimeMs: number; secret?: string | RegExp; phrase?: string | RegExp },
) {
  const t = token as Record<string, string>;
  expect(Object.keys(t)).toEqual(TOKEN_FIELDS);
  expect(t.$id).toMatch(/^[0-9a-f]{20}$/);
  expect(t.$createdAt).toBe(iso(expected.now));
  expect(t.userId).toBe(expected.userId);
  expect(t.expire).toBe(iso(expected.now + expected.lifetimeMs));
  expect(lifetime(t as { $createdAt: string; expire: string })).toBe(expected.lifetimeMs);
  const secret = expected.secret ?? "";
  if (typeof secret === "string") expect(t.secret).toBe(secret);
  else expect(t.secret).toMatch(secret);
  const phrase = expected.phrase ?? "";
  if (typeof phrase === "string") expect(t.phrase).toBe(phrase);
  else expect(t.phrase).toMatch(phrase);
}

/** A session created from a token: no providerUid, current, hidden secret. */
function expectTokenSession(session: Models.Session, expected: { userId: string; provider: string; factors: string[]; now: number }) {
  expect(session).toMatchObject({
    userId: expected.userId,
    provider: expected.provider,
    providerUid: "",
    providerAccessToken: "",
    factors: expected.factors,
    current: true,
    secret: "",
    expire: iso(expected.now + YEAR_MS),
    $createdAt: iso(expected.now),
  });
  expect(session.$id).toMatch(/^[0-9a-f]{20}$/);
}

function mailTo(box: Outbox, email: string) {
  const mail = box.lastMail(email);
  expect(mail, `no mail to ${email}`).toBeTruthy();
  return mail!;
}

function smsTo(box: Outbox, phone: string) {
  const sms = box.lastSms(phone);
  expect(sms, `no SMS to ${phone}`).toBeTruthy();
  return sms!;
}

/** The magic link from the newest mail to `email`. */
function magicLink(box: Outbox, email: string): URL {
  const mail = mailTo(box, email);
  expect(mail.kind).toBe("magic-url");
  return new URL(mail.url!);
}

/** Requests an e-mail OTP as a guest; returns the token and the mailed code. */
async function emailOtp(env: Env, email = uniqueEmail("otp"), userId = ID.unique()) {
  const token = await web(env.s).use((account) => account.createEmailToken(userId, email));
  return { email, token, userId: token.userId, code: mailTo(env.box, email).secret! };
}

/** Requests a magic URL as a guest; returns the token and the link's userId and secret. */
async function magicUrl(env: Env, email = uniqueEmail("magic"), url?: string) {
  const token = await web(env.s).use((account) => account.createMagicURLToken(ID.unique(), email, url));
  const link = magicLink(env.box, email);
  return { email, token, userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! };
}

/** Requests an SMS OTP as a guest; returns the token and the texted code. */
async function phoneOtp(env: Env, phone = uniquePhone(), userId = ID.unique()) {
  const token = await web(env.s).use((account) => account.createPhoneToken(userId, phone));
  return { phone, token, userId: token.userId, code: smsTo(env.box, phone).secret };
}

async function usersCount(s: TestServer) {
  return storeOf(s).users.count();
}

// ---------------------------------------------------------------------------------------------
// The default server
// ---------------------------------------------------------------------------------------------

let env: Env;
beforeAll(async () => {
  env = await start();
});
afterAll(() => env.s.close());
// Per-IP counters (magic URL 60/h, phone 10/h) are shared by every test on this server.
beforeEach(() => freshWindow(env.s));

describe("POST /account/tokens/email (e-mail OTP)", () => {
  it("unknown address: creates the user with the given userId; Token model with hidden secret and a 15-minute life; the mailed code logs in", async () => {
    const { s, box } = env;
    const email = uniqueEmail("otp-new");
    const userId = uniqueId("otp-user");
    const now = s.clock.now();
    const b = web(s);

    const token = await b.use((account) => account.createEmailToken(userId, email));
    expectToken(token, { userId, now, lifetimeMs: 15 * MINUTE });
    expect(await storeOf(s).users.get(userId)).toMatchObject({
      id: userId,
      email,
      emailVerification: false,
      passwordHash: null,
      status: true,
    });

    const mail = mailTo(box, email);
    expect(mail).toMatchObject({ kind: "email-otp", to: email, subject: "OTP for Test Project Login" });
    expect(mail.secret).toMatch(/^\d{6}$/);
    expect(mail.text).toContain(mail.secret);
    expect(mail.phrase).toBeUndefined();

    const session = await b.use((account) => account.createSession(userId, mail.secret!));
    expectTokenSession(session, { userId, provider: "token", factors: ["email"], now });
    const me = await b.use((account) => account.get());
    expect(me).toMatchObject({ $id: userId, email, emailVerification: true, phoneVerification: false, passwordUpdate: "" });
    // Single use: the token is gone.
    expect(await storeOf(s).tokens.list(userId, new Date(s.clock.now()))).toHaveLength(0);
  });

  it("known address: the userId param is ignored and the response userId is the existing user's; the response shape equals the unknown-address one", async () => {
    const { s, box } = env;
    const known = uniqueEmail("otp-known");
    const user = await signUp(s, known);
    const ignoredId = uniqueId("ignored");
    const b = web(s);

    const forKnown = await b.use((account) => account.createEmailToken(ignoredId, known));
    const forUnknown = await b.use((account) => account.createEmailToken(ID.unique(), uniqueEmail("otp-unknown")));
    expect(forKnown.userId).toBe(user.$id);
    expect(await storeOf(s).users.get(ignoredId)).toBeNull();
    expect(forUnknown.userId).toMatch(/^[0-9a-f]{20}$/);
    expect(forUnknown.userId).not.toBe(user.$id);
    // Same fields, same hidden secret, same phrase, same lifetime: nothing tells the two apart.
    expect(Object.keys(forKnown)).toEqual(Object.keys(forUnknown));
    expect({ secret: forKnown.secret, phrase: forKnown.phrase, life: lifetime(forKnown) }).toEqual({
      secret: forUnknown.secret,
      phrase: forUnknown.phrase,
      life: lifetime(forUnknown),
    });

    // The address is normalised (NFKC, trim, lowercase) before the lookup (src/validation/validators.ts).
    const shouted = await b.use((account) => account.createEmailToken(ID.unique(), `  ${known.toUpperCase()} `));
    expect(shouted.userId).toBe(user.$id);

    // The password user logs in with the code and keeps the password.
    const code = mailTo(box, known).secret!;
    const session = await b.use((account) => account.createSession(user.$id, code));
    expect(session).toMatchObject({ userId: user.$id, provider: "token", factors: ["email"] });
    expect((await key(s).createEmailPasswordSession(known, PASSWORD)).userId).toBe(user.$id);
  });

  it("an API-key caller gets the raw 6-digit code (the one mailed) and can exchange it for a session value (SSR)", async () => {
    const { s, box } = env;
    const email = uniqueEmail("otp-key");
    const now = s.clock.now();
    const token = await key(s).createEmailToken(ID.unique(), email);
    expectToken(token, { userId: token.userId, now, lifetimeMs: 15 * MINUTE, secret: /^\d{6}$/ });
    expect(token.secret).toBe(mailTo(box, email).secret);

    const session = await key(s).createSession(token.userId, token.secret);
    expect(session).toMatchObject({ userId: token.userId, provider: "token", factors: ["email"] });
    const value = JSON.parse(Buffer.from(session.secret, "base64").toString("utf8")) as { id: string; secret: string };
    expect(value.id).toBe(token.userId);
    expect(value.secret).toMatch(/^[0-9a-f]{256}$/);
    expect((await sessionClient(s.endpoint, session.secret).account.get()).emailVerification).toBe(true);
  });

  it('phrase: true puts a security phrase in the token and the e-mail; without it the phrase is "" and the mail has none', async () => {
    const { s, box } = env;
    const email = uniqueEmail("otp-phrase");
    const b = web(s);
    const withPhrase = await b.use((account) => account.createEmailToken(ID.unique(), email, true));
    expect(withPhrase.phrase).toMatch(/^[A-Z][a-z]+ [a-z]+$/);
    const mail = mailTo(box, email);
    expect(mail.phrase).toBe(withPhrase.phrase);
    expect(mail.text).toContain(withPhrase.phrase);
    expect(mail.html).toContain(withPhrase.phrase);

    const without = await b.use((account) => account.createEmailToken(ID.unique(), email, false));
    expect(without.phrase).toBe("");
    const plain = mailTo(box, email);
    expect(plain).not.toBe(mail);
    expect(plain.phrase).toBeUndefined();
    expect(plain.text).not.toContain("Security phrase");
  });

  it("a new address with a userId that is already taken gives 409 document_already_exists; no user, no mail", async () => {
    const { s, box } = env;
    const existing = await signUp(s, uniqueEmail("taken"));
    const email = uniqueEmail("otp-taken");
    await expectAppwriteError(
      web(s).use((account) => account.createEmailToken(existing.$id, email)),
      "document_already_exists",
      409,
    );
    expect(await storeOf(s).users.getByEmail(email)).toBeNull();
    expect(box.lastMail(email)).toBeUndefined();
  });

  it("a logged-in caller may request a code (not a session-group route) but gets 401 user_session_already_exists exchanging it", async () => {
    const { s } = env;
    const email = uniqueEmail("otp-caller");
    await signUp(s, email);
    const b = await webLogin(s, email);
    const other = await (async () => {
      const target = uniqueEmail("otp-for-other");
      const token = await b.use((account) => account.createEmailToken(ID.unique(), target));
      return { token, code: mailTo(env.box, target).secret! };
    })();
    expect(other.token.secret).toBe("");
    const e = await expectAppwriteError(
      b.use((account) => account.createSession(other.token.userId, other.code)),
      "user_session_already_exists",
      401,
    );
    expect(e.message).toBe(ALREADY_EXISTS);
    // The code was not spent: a guest can still use it.
    const session = await web(s).use((account) => account.createSession(other.token.userId, other.code));
    expect(session.userId).toBe(other.token.userId);
  });
});

describe("e-mail OTP codes: lifetime, wrong, reused, foreign, attempt limit", () => {
  it("a code works until its 15 minutes are over, then 401 user_invalid_token", async () => {
    const { s } = env;
    const first = await emailOtp(env);
    s.clock.advance(15 * MINUTE - 1000);
    expect((await web(s).use((account) => account.createSession(first.userId, first.code))).userId).toBe(first.userId);

    const second = await emailOtp(env);
    s.clock.advance(15 * MINUTE + 1000);
    const e = await expectAppwriteError(
      web(s).use((account) => account.createSession(second.userId, second.code)),
      "user_invalid_token",
      401,
    );
    expect(e.message).toBe(INVALID_TOKEN);
    expect(await storeOf(s).sessions.list(second.userId)).toHaveLength(0);
  });

  it("a wrong code, another user's code and a reused code each give 401 user_invalid_token and write no session", async () => {
    const { s } = env;
    const a = await emailOtp(env);
    let b = await emailOtp(env);
    while (b.code === a.code) b = await emailOtp(env); // one chance in a million
    const guest = web(s);

    await expectAppwriteError(
      guest.use((account) => account.createSession(a.userId, wrongCode(a.code))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((account) => account.createSession(a.userId, b.code)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(a.userId)).toHaveLength(0);
    // An unknown user is the same 401, not a 404.
    await expectAppwriteError(
      guest.use((account) => account.createSession(uniqueId("nobody"), a.code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((account) => account.createSession("unique()", a.code)),
      "user_invalid_token",
      401,
    );

    expect((await web(s).use((account) => account.createSession(a.userId, a.code))).userId).toBe(a.userId);
    await expectAppwriteError(
      web(s).use((account) => account.createSession(a.userId, a.code)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(a.userId)).toHaveLength(1);
    // B's code was not touched by the attempt against A.
    expect((await web(s).use((account) => account.createSession(b.userId, b.code))).userId).toBe(b.userId);
  });

  it("a code dies after 5 wrong attempts: the right code then gets 401", async () => {
    const { s } = env;
    const otp = await emailOtp(env);
    for (let i = 1; i <= 5; i++) {
      await expectAppwriteError(
        web(s).use((account) => account.createSession(otp.userId, wrongCode(otp.code, i))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      web(s).use((account) => account.createSession(otp.userId, otp.code)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(otp.userId)).toHaveLength(0);
    expect(await storeOf(s).tokens.list(otp.userId, new Date(s.clock.now()))).toHaveLength(0);
  });

  it("4 wrong attempts leave the code usable", async () => {
    const { s } = env;
    const otp = await emailOtp(env);
    for (let i = 1; i <= 4; i++) {
      await expectAppwriteError(
        web(s).use((account) => account.createSession(otp.userId, wrongCode(otp.code, i))),
        "user_invalid_token",
        401,
      );
    }
    const session = await web(s).use((account) => account.createSession(otp.userId, otp.code));
    expect(session).toMatchObject({ userId: otp.userId, provider: "token" });
  });
});

describe("POST /account/tokens/magic-url (magic link)", () => {
  it("unknown address: creates the user; Token model with a 1-hour life; the link keeps the URL's query and adds userId, secret, expire, project; PUT sessions/magic-url logs in", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-new");
    const userId = uniqueId("magic-user");
    const now = s.clock.now();
    const b = web(s);

    const token = await b.use((account) => account.createMagicURLToken(userId, email, "http://localhost/auth/callback?ref=abc&lang=en"));
    expectToken(token, { userId, now, lifetimeMs: HOUR });
    expect(await storeOf(s).users.get(userId)).toMatchObject({ email, emailVerification: false, passwordHash: null });

    const mail = mailTo(box, email);
    expect(mail).toMatchObject({ kind: "magic-url", to: email, subject: "Test Project Login" });
    const link = new URL(mail.url!);
    expect(`${link.protocol}//${link.host}${link.pathname}`).toBe("http://localhost/auth/callback");
    expect(link.searchParams.get("ref")).toBe("abc");
    expect(link.searchParams.get("lang")).toBe("en");
    expect(link.searchParams.get("userId")).toBe(userId);
    expect(link.searchParams.get("secret")).toMatch(/^[0-9a-f]{64}$/);
    expect(link.searchParams.get("expire")).toBe(token.expire);
    expect(link.searchParams.get("project")).toBe(PROJECT);
    expect(mail.text).toContain(mail.url);

    const session = await b.use((account) => account.updateMagicURLSession(userId, link.searchParams.get("secret")!));
    expectTokenSession(session, { userId, provider: "magic-url", factors: ["email"], now });
    expect(await b.use((account) => account.get())).toMatchObject({ $id: userId, emailVerification: true });
  });

  it("the link overrides userId/secret already in the URL rather than duplicating them", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-override");
    const token = await web(s).use((account) =>
      account.createMagicURLToken(ID.unique(), email, "http://localhost/cb?userId=evil&secret=forged&keep=1"),
    );
    const link = magicLink(box, email);
    expect(link.searchParams.getAll("userId")).toEqual([token.userId]);
    expect(link.searchParams.getAll("secret")).toHaveLength(1);
    expect(link.searchParams.get("secret")).toMatch(/^[0-9a-f]{64}$/);
    expect(link.searchParams.get("keep")).toBe("1");
  });

  it("without a url the link points at <api origin>/console/auth/magic-url", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-default");
    await web(s).use((account) => account.createMagicURLToken(ID.unique(), email));
    const link = magicLink(box, email);
    expect(`${link.origin}${link.pathname}`).toBe(`http://localhost:${s.port}/console/auth/magic-url`);
    expect(link.searchParams.get("project")).toBe(PROJECT);
  });

  it("known address: userId param ignored, response userId is the existing user's, same shape as for an unknown address", async () => {
    const { s, box } = env;
    const known = uniqueEmail("magic-known");
    const user = await signUp(s, known);
    const ignoredId = uniqueId("ignored");
    const b = web(s);
    const forKnown = await b.use((account) => account.createMagicURLToken(ignoredId, known, "http://localhost/cb"));
    const forUnknown = await b.use((account) =>
      account.createMagicURLToken(ID.unique(), uniqueEmail("magic-unknown"), "http://localhost/cb"),
    );
    expect(forKnown.userId).toBe(user.$id);
    expect(magicLink(box, known).searchParams.get("userId")).toBe(user.$id);
    expect(await storeOf(s).users.get(ignoredId)).toBeNull();
    expect(Object.keys(forKnown)).toEqual(Object.keys(forUnknown));
    expect({ secret: forKnown.secret, phrase: forKnown.phrase, life: lifetime(forKnown) }).toEqual({
      secret: forUnknown.secret,
      phrase: forUnknown.phrase,
      life: lifetime(forUnknown),
    });
  });

  it("an API-key caller gets the raw 64-hex secret (the one in the link); POST sessions/token exchanges it", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-key");
    const now = s.clock.now();
    const token = await key(s).createMagicURLToken(ID.unique(), email, "http://localhost/cb");
    expectToken(token, { userId: token.userId, now, lifetimeMs: HOUR, secret: /^[0-9a-f]{64}$/ });
    expect(magicLink(box, email).searchParams.get("secret")).toBe(token.secret);

    const session = await web(s).use((account) => account.createSession(token.userId, token.secret));
    expectTokenSession(session, { userId: token.userId, provider: "magic-url", factors: ["email"], now });
  });

  it('phrase: true puts the phrase in the token and the e-mail; default ""', async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-phrase");
    const t = await web(s).use((account) => account.createMagicURLToken(ID.unique(), email, "http://localhost/cb", true));
    expect(t.phrase).toMatch(/^[A-Z][a-z]+ [a-z]+$/);
    expect(mailTo(box, email).phrase).toBe(t.phrase);
    expect(mailTo(box, email).text).toContain(t.phrase);
    const plain = await web(s).use((account) => account.createMagicURLToken(ID.unique(), email, "http://localhost/cb"));
    expect(plain.phrase).toBe("");
    expect(mailTo(box, email).phrase).toBeUndefined();
  });

  it("the alias POST /account/sessions/magic-url creates the same token and mail", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-alias");
    const now = s.clock.now();
    const res = await call(s, "POST", "/account/sessions/magic-url", { userId: "unique()", email, url: "http://localhost/cb" });
    expect(res.status).toBe(201);
    expectToken(res.json!, { userId: res.json!.userId as string, now, lifetimeMs: HOUR });
    const link = magicLink(box, email);
    expect(link.searchParams.get("userId")).toBe(res.json!.userId);
    const session = await web(s).use((account) => account.createSession(res.json!.userId as string, link.searchParams.get("secret")!));
    expect(session.provider).toBe("magic-url");
  });

  it("a URL on a foreign host gives 400 general_argument_invalid naming the allowed hosts; nothing is written or sent", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-evil");
    const users = await usersCount(s);
    const sent = box.entries.length;
    const e = await expectAppwriteError(
      web(s).use((account) => account.createMagicURLToken(ID.unique(), email, "https://evil.example/x")),
      "general_argument_invalid",
      400,
    );
    expect(e.message).toBe(`${HOSTS}localhost`);
    for (const url of ["not a url", "https://localhost.evil.example/x", "//localhost/x"]) {
      expectRawError(
        await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email, url }, { ip: nextIp() }),
        400,
        "general_argument_invalid",
        `${HOSTS}localhost`,
      );
    }
    expect(await usersCount(s)).toBe(users);
    expect(box.entries.length).toBe(sent);
  });

  it("a link works until its hour is over, then 401; wrong, foreign and reused secrets give 401", async () => {
    const { s } = env;
    const a = await magicUrl(env, uniqueEmail("magic-a"), "http://localhost/cb");
    const b = await magicUrl(env, uniqueEmail("magic-b"), "http://localhost/cb");
    const guest = web(s);
    await expectAppwriteError(
      guest.use((account) => account.updateMagicURLSession(a.userId, "0".repeat(64))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((account) => account.updateMagicURLSession(a.userId, b.secret)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(a.userId)).toHaveLength(0);

    s.clock.advance(HOUR - 1000);
    expect((await web(s).use((account) => account.updateMagicURLSession(a.userId, a.secret))).userId).toBe(a.userId);
    const reused = await expectAppwriteError(
      web(s).use((account) => account.updateMagicURLSession(a.userId, a.secret)),
      "user_invalid_token",
      401,
    );
    expect(reused.message).toBe(INVALID_TOKEN);

    s.clock.advance(2000); // b is now 1 h + 1 s old
    await expectAppwriteError(
      web(s).use((account) => account.updateMagicURLSession(b.userId, b.secret)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(b.userId)).toHaveLength(0);
  });

  it("a 64-hex secret has no attempt limit: 6 wrong tries, then the link still works", async () => {
    const { s } = env;
    const m = await magicUrl(env);
    for (let i = 0; i < 6; i++) {
      await expectAppwriteError(
        web(s).use((account) => account.createSession(m.userId, `${i}`.repeat(64))),
        "user_invalid_token",
        401,
      );
    }
    expect((await web(s).use((account) => account.createSession(m.userId, m.secret))).provider).toBe("magic-url");
  });

  it("a new address with a taken userId gives 409 document_already_exists", async () => {
    const { s, box } = env;
    const existing = await signUp(s, uniqueEmail("magic-taken"));
    const email = uniqueEmail("magic-taken-new");
    await expectAppwriteError(
      web(s).use((account) => account.createMagicURLToken(existing.$id, email)),
      "document_already_exists",
      409,
    );
    expect(await storeOf(s).users.getByEmail(email)).toBeNull();
    expect(box.lastMail(email)).toBeUndefined();
  });
});

describe("POST /account/tokens/phone (SMS OTP)", () => {
  it("unknown number: creates the user with the userId, phone and an SMS target; 15-minute Token; the texted code logs in via PUT sessions/phone", async () => {
    const { s, box } = env;
    const phone = uniquePhone();
    const userId = uniqueId("phone-user");
    const now = s.clock.now();
    const b = web(s);

    const token = await b.use((account) => account.createPhoneToken(userId, phone));
    expectToken(token, { userId, now, lifetimeMs: 15 * MINUTE });
    expect(await storeOf(s).users.get(userId)).toMatchObject({ phone, email: null, phoneVerification: false, passwordHash: null });

    const sms = smsTo(box, phone);
    expect(sms.kind).toBe("phone-login");
    expect(sms.secret).toMatch(/^\d{6}$/);
    expect(sms.text).toBe(sms.secret);

    const session = await b.use((account) => account.updatePhoneSession(userId, sms.secret));
    expectTokenSession(session, { userId, provider: "phone", factors: ["phone"], now });
    const me = await b.use((account) => account.get());
    expect(me).toMatchObject({ $id: userId, phone, phoneVerification: true, emailVerification: false, email: "" });
    expect(me.targets.map((t) => [t.providerType, t.identifier])).toEqual([["sms", phone]]);
  });

  it("known number: userId ignored, the existing user's id is returned, same shape as for an unknown number; POST sessions/token also takes the code", async () => {
    const { s, box } = env;
    const first = await phoneOtp(env);
    await web(s).use((account) => account.createSession(first.userId, first.code));
    const ignoredId = uniqueId("ignored");
    const again = await web(s).use((account) => account.createPhoneToken(ignoredId, first.phone));
    const other = await web(s).use((account) => account.createPhoneToken(ID.unique(), uniquePhone()));
    expect(again.userId).toBe(first.userId);
    expect(await storeOf(s).users.get(ignoredId)).toBeNull();
    expect(Object.keys(again)).toEqual(Object.keys(other));
    expect({ secret: again.secret, phrase: again.phrase, life: lifetime(again) }).toEqual({
      secret: other.secret,
      phrase: other.phrase,
      life: lifetime(other),
    });

    const session = await web(s).use((account) => account.createSession(first.userId, smsTo(box, first.phone).secret));
    expect(session).toMatchObject({ userId: first.userId, provider: "phone", factors: ["phone"] });
  });

  it('an API-key caller gets base64 {"id":userId,"secret":code} as the secret', async () => {
    const { s, box } = env;
    const phone = uniquePhone();
    const now = s.clock.now();
    const token = await key(s).createPhoneToken(ID.unique(), phone);
    expectToken(token, { userId: token.userId, now, lifetimeMs: 15 * MINUTE, secret: /^[A-Za-z0-9+/]+=*$/ });
    const code = smsTo(box, phone).secret;
    const decoded = Buffer.from(token.secret, "base64").toString("utf8");
    expect(decoded).toBe(`{"id":"${token.userId}","secret":"${code}"}`);
    const session = await key(s).createSession(token.userId, code);
    expect(session).toMatchObject({ userId: token.userId, provider: "phone", factors: ["phone"] });
    expect((await sessionClient(s.endpoint, session.secret).account.get()).phoneVerification).toBe(true);
  });

  it("the alias POST /account/sessions/phone creates the same token and SMS", async () => {
    const { s, box } = env;
    const phone = uniquePhone();
    const userId = uniqueId("phone-alias");
    const now = s.clock.now();
    const res = await call(s, "POST", "/account/sessions/phone", { userId, phone });
    expect(res.status).toBe(201);
    expectToken(res.json!, { userId, now, lifetimeMs: 15 * MINUTE });
    const session = await web(s).use((account) => account.updatePhoneSession(userId, smsTo(box, phone).secret));
    expect(session.provider).toBe("phone");
  });

  it("a code works until its 15 minutes are over; wrong, foreign and reused codes give 401", async () => {
    const { s } = env;
    const a = await phoneOtp(env);
    let b = await phoneOtp(env);
    while (b.code === a.code) b = await phoneOtp(env);
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneSession(a.userId, wrongCode(a.code))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneSession(a.userId, b.code)),
      "user_invalid_token",
      401,
    );

    s.clock.advance(15 * MINUTE - 1000);
    expect((await web(s).use((account) => account.updatePhoneSession(a.userId, a.code))).userId).toBe(a.userId);
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneSession(a.userId, a.code)),
      "user_invalid_token",
      401,
    );
    s.clock.advance(2000);
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneSession(b.userId, b.code)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(b.userId)).toHaveLength(0);
    expect(await storeOf(s).sessions.list(a.userId)).toHaveLength(1);
  });

  it("an SMS code dies after 5 wrong attempts", async () => {
    const { s } = env;
    const otp = await phoneOtp(env);
    for (let i = 1; i <= 5; i++) {
      await expectAppwriteError(
        web(s).use((account) => account.updatePhoneSession(otp.userId, wrongCode(otp.code, i))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneSession(otp.userId, otp.code)),
      "user_invalid_token",
      401,
    );
    expect(await storeOf(s).sessions.list(otp.userId)).toHaveLength(0);
  });

  it("a new number with a taken userId gives 409 document_already_exists; no SMS", async () => {
    const { s, box } = env;
    const existing = await signUp(s, uniqueEmail("phone-taken"));
    const phone = uniquePhone();
    await expectAppwriteError(
      web(s).use((account) => account.createPhoneToken(existing.$id, phone)),
      "document_already_exists",
      409,
    );
    expect(await storeOf(s).users.getByPhone(phone)).toBeNull();
    expect(box.lastSms(phone)).toBeUndefined();
  });
});

describe("POST /account/sessions/token, PUT /account/sessions/magic-url, PUT /account/sessions/phone", () => {
  it("the three routes are the same exchange: the token type, not the route, decides provider and factors", async () => {
    const { s } = env;
    const now = s.clock.now();
    const m = await magicUrl(env);
    const viaPhoneRoute = await web(s).use((account) => account.updatePhoneSession(m.userId, m.secret));
    expectTokenSession(viaPhoneRoute, { userId: m.userId, provider: "magic-url", factors: ["email"], now });

    const p = await phoneOtp(env);
    const viaMagicRoute = await web(s).use((account) => account.updateMagicURLSession(p.userId, p.code));
    expectTokenSession(viaMagicRoute, { userId: p.userId, provider: "phone", factors: ["phone"], now });

    const o = await emailOtp(env);
    const viaToken = await web(s).use((account) => account.createSession(o.userId, o.code));
    expectTokenSession(viaToken, { userId: o.userId, provider: "token", factors: ["email"], now });
  });

  it("the web SDK keeps the new session (X-Fallback-Cookies); a key caller gets the session value for setSession", async () => {
    const { s } = env;
    const o = await emailOtp(env);
    const b = web(s);
    await b.use((account) => account.createSession(o.userId, o.code));
    expect(b.storage.get("cookieFallback")).toContain(`a_session_${PROJECT}`);
    expect((await b.use((account) => account.get())).$id).toBe(o.userId);

    const m = await magicUrl(env);
    const keyed = await key(s).updateMagicURLSession(m.userId, m.secret);
    expect(keyed.secret.length).toBeGreaterThan(300);
    expect((await sessionClient(s.endpoint, keyed.secret).account.get()).$id).toBe(m.userId);
  });

  it("an e-mail verification token cannot be exchanged for a session (401) and stays usable for verification", async () => {
    const { s, box } = env;
    const email = uniqueEmail("verif-exchange");
    const user = await signUp(s, email);
    const b = await webLogin(s, email);
    await b.use((account) => account.createVerification("http://localhost/verify"));
    const link = new URL(mailTo(box, email).url!);
    const secret = link.searchParams.get("secret")!;
    expect(secret).toMatch(/^[0-9a-f]{256}$/);

    for (const exchange of [
      (a: Browser["account"]) => a.createSession(user.$id, secret),
      (a: Browser["account"]) => a.updateMagicURLSession(user.$id, secret),
      (a: Browser["account"]) => a.updatePhoneSession(user.$id, secret),
    ]) {
      await expectAppwriteError(web(s).use(exchange), "user_invalid_token", 401);
    }
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(1); // only the password login
    const done = await web(s).use((account) => account.updateVerification(user.$id, secret));
    expect(done.userId).toBe(user.$id);
  });

  it("a recovery token cannot be exchanged for a session (401) and stays usable for recovery", async () => {
    const { s } = env;
    const email = uniqueEmail("recovery-exchange");
    const user = await signUp(s, email);
    const token = await key(s).createRecovery(email, "http://localhost/reset");
    expect(token.secret).toMatch(/^[0-9a-f]{256}$/);
    await expectAppwriteError(
      web(s).use((account) => account.createSession(user.$id, token.secret)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(key(s).createSession(user.$id, token.secret), "user_invalid_token", 401);
    expect(await storeOf(s).sessions.list(user.$id)).toHaveLength(0);
    await web(s).use((account) => account.updateRecovery(user.$id, token.secret, "new-password-456"));
    expect((await key(s).createEmailPasswordSession(email, "new-password-456")).userId).toBe(user.$id);
  });

  it("a blocked user can still exchange a token, but the session then answers 401 user_blocked", async () => {
    const { s } = env;
    const o = await emailOtp(env);
    await storeOf(s).users.update(o.userId, { status: false });
    const b = web(s);
    const session = await b.use((account) => account.createSession(o.userId, o.code));
    expect(session.userId).toBe(o.userId);
    expect(await storeOf(s).sessions.list(o.userId)).toHaveLength(1);
    await expectAppwriteError(
      b.use((account) => account.get()),
      "user_blocked",
      401,
    );
  });

  it("a logged-in caller gets 401 user_session_already_exists on all three routes, before parameter validation", async () => {
    const { s } = env;
    const email = uniqueEmail("already");
    await signUp(s, email);
    const b = await webLogin(s, email);
    const o = await emailOtp(env);
    for (const exchange of [
      (a: Browser["account"]) => a.createSession(o.userId, o.code),
      (a: Browser["account"]) => a.updateMagicURLSession(o.userId, o.code),
      (a: Browser["account"]) => a.updatePhoneSession(o.userId, o.code),
      (a: Browser["account"]) => a.createSession("_bad id_", ""),
    ]) {
      const e = await expectAppwriteError(b.use(exchange), "user_session_already_exists", 401);
      expect(e.message).toBe(ALREADY_EXISTS);
    }
    expect(await storeOf(s).sessions.list(o.userId)).toHaveLength(0);
    // The code was not spent.
    expect((await web(s).use((account) => account.createSession(o.userId, o.code))).userId).toBe(o.userId);
  });
});

describe("single use under concurrency, audit names, link details", () => {
  it("two simultaneous exchanges of one code: exactly one session is created", async () => {
    const { s } = env;
    const o = await emailOtp(env);
    const results = await Promise.allSettled([
      web(s).use((account) => account.createSession(o.userId, o.code)),
      key(s).createSession(o.userId, o.code),
      raw(s.endpoint, "POST", "/account/sessions/token", { body: { userId: o.userId, secret: o.code } }),
    ]);
    const statuses = results.map((r) => {
      if (r.status === "rejected") return (r.reason as { code?: number }).code;
      const value = r.value as { status?: number };
      return typeof value.status === "number" ? value.status : 201;
    });
    expect(statuses.filter((code) => code === 201)).toHaveLength(1);
    expect(statuses.filter((code) => code === 401)).toHaveLength(2);
    expect(await storeOf(s).sessions.list(o.userId)).toHaveLength(1);
  });

  it("token creation and the exchange are both audited as session.create", async () => {
    const { s } = env;
    const m = await magicUrl(env);
    await web(s).use((account) => account.updateMagicURLSession(m.userId, m.secret));
    const events = (await storeOf(s).logs.list(m.userId, { limit: 10, offset: 0 })).map((l) => l.event);
    expect(events).toEqual(["session.create", "session.create"]);
  });

  it("the magic link keeps the URL's path, port and fragment", async () => {
    const { s, box } = env;
    const email = uniqueEmail("magic-fragment");
    await web(s).use((account) => account.createMagicURLToken(ID.unique(), email, "http://localhost:8080/a/b/?x=1#done"));
    const link = magicLink(box, email);
    expect(link.host).toBe("localhost:8080");
    expect(link.pathname).toBe("/a/b/");
    expect(link.hash).toBe("#done");
    expect(link.searchParams.get("x")).toBe("1");
  });
});

describe("user limit (auth.userLimit)", () => {
  let limited: Env;
  beforeAll(async () => {
    limited = await start({ auth: { userLimit: 1 } });
  });
  afterAll(() => limited.s.close());

  it("token routes that would create a user give 400 user_count_exceeded; a known address or number still gets its token", async () => {
    const { s, box } = limited;
    const first = await emailOtp(limited, uniqueEmail("limit-first"));
    for (const request of [
      () => web(s).use((a) => a.createEmailToken(ID.unique(), uniqueEmail("limit-otp"))),
      () => web(s).use((a) => a.createMagicURLToken(ID.unique(), uniqueEmail("limit-magic"))),
      () => web(s).use((a) => a.createPhoneToken(ID.unique(), uniquePhone())),
    ]) {
      await expectAppwriteError(request(), "user_count_exceeded", 400);
    }
    expect(await usersCount(s)).toBe(1);
    const again = await web(s).use((a) => a.createMagicURLToken(ID.unique(), first.email));
    expect(again.userId).toBe(first.userId);
    expect(mailTo(box, first.email).kind).toBe("magic-url");
  });
});

describe("mock numbers (auth.mockNumbers)", () => {
  const MOCK = "+14155559999"; // outside uniquePhone()'s range (base < 5000 + a few hundred)
  let mock: Env;
  beforeAll(async () => {
    mock = await start({ auth: { mockNumbers: [{ phone: MOCK, otp: "424242" }] } });
  });
  afterAll(() => mock.s.close());

  it("a mock number gets no SMS and logs in with the fixed code; other numbers still get an SMS", async () => {
    const { s, box } = mock;
    const token = await web(s).use((account) => account.createPhoneToken(ID.unique(), MOCK));
    expect(token.secret).toBe("");
    expect(lifetime(token)).toBe(15 * MINUTE);
    expect(box.lastSms(MOCK)).toBeUndefined();
    expect(box.entries).toHaveLength(0);
    const session = await web(s).use((account) => account.createSession(token.userId, "424242"));
    expect(session).toMatchObject({ userId: token.userId, provider: "phone", factors: ["phone"] });

    const phone = uniquePhone();
    await web(s).use((account) => account.createPhoneToken(ID.unique(), phone));
    expect(smsTo(box, phone).secret).toMatch(/^\d{6}$/);
  });
});

describe("rate limits", () => {
  // Gatehouse counts per (IP, normalised e-mail) at Appwrite's 10, plus a per-e-mail ceiling
  // (src/core/rate-limits.ts; the ceiling and lock-out cases are in test/security/rate-limits.test.ts).
  it("POST tokens/email: 10 per hour per IP and e-mail, with X-RateLimit headers; other spellings share the counter; another IP has its own; API keys are exempt", async () => {
    const { s, box } = env;
    const email = uniqueEmail("rl-otp");
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "POST", "/account/tokens/email", { userId: "unique()", email }, { ip });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const sent = box.entries.length;
    const limited = await call(s, "POST", "/account/tokens/email", { userId: "unique()", email }, { ip });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
    // The key holds the normalised address: the upper-case spelling is the same counter.
    const upper = await call(s, "POST", "/account/tokens/email", { userId: "unique()", email: email.toUpperCase() }, { ip });
    expectRawError(upper, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expect(box.entries.length).toBe(sent);

    // Another IP has its own counter (the web SDK comes from 127.0.0.1).
    const other = await call(s, "POST", "/account/tokens/email", { userId: "unique()", email }, { ip: nextIp() });
    expect(other.status).toBe(201);
    expectRateHeaders(other, 10, 9, s);
    // Key callers pass and are not counted.
    expect((await key(s).createEmailToken(ID.unique(), email)).secret).toMatch(/^\d{6}$/);
    const keyed = await call(s, "POST", "/account/tokens/email", { userId: "unique()", email }, { headers: { "x-appwrite-key": API_KEY } });
    expect(keyed.status).toBe(201);
    expect(keyed.headers.get("x-ratelimit-limit")).toBe("10");

    // The next window starts afresh.
    freshWindow(s);
    expect((await call(s, "POST", "/account/tokens/email", { userId: "unique()", email })).status).toBe(201);
  });

  it("POST tokens/magic-url: 60 per hour per IP and e-mail (the alias shares the counter), and at most 100 per e-mail whatever the IP", async () => {
    const { s } = env;
    const email = uniqueEmail("rl-magic-email");
    const ip = nextIp();
    for (let i = 0; i < 60; i++) {
      const path = i % 2 === 0 ? "/account/tokens/magic-url" : "/account/sessions/magic-url";
      const res = await call(s, "POST", path, { userId: "unique()", email }, { ip });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 60, 59 - i, s);
    }
    for (const path of ["/account/tokens/magic-url", "/account/sessions/magic-url"]) {
      const res = await call(s, "POST", path, { userId: "unique()", email }, { ip });
      expectRawError(res, 429, "general_rate_limit_exceeded", RATE_LIMITED);
      expectRateHeaders(res, 60, 0, s);
    }
    // From another IP the address has 40 left of its ceiling of 100 (the tightest key is reported).
    const second = nextIp();
    for (let i = 0; i < 40; i++) {
      const res = await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email }, { ip: second });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 100, 39 - i, s);
    }
    const ceiling = await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email }, { ip: nextIp() });
    expectRawError(ceiling, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(ceiling, 100, 0, s);
    // Another address is not affected.
    expect(
      (await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email: uniqueEmail("rl-magic-other") }, { ip: nextIp() }))
        .status,
    ).toBe(201);
  });

  it("POST tokens/magic-url: 60 per hour per IP, whatever the e-mail", async () => {
    const { s } = env;
    const ip = nextIp();
    for (let i = 0; i < 60; i++) {
      const res = await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email: uniqueEmail("rl-magic-ip") }, { ip });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 60, 59 - i, s);
    }
    const fresh = uniqueEmail("rl-magic-ip-last");
    const limited = await call(s, "POST", "/account/sessions/magic-url", { userId: "unique()", email: fresh }, { ip });
    expectRawError(limited, 429, "general_rate_limit_exceeded");
    expectRateHeaders(limited, 60, 0, s);
    expect(await storeOf(s).users.getByEmail(fresh)).toBeNull();
    expect((await call(s, "POST", "/account/tokens/magic-url", { userId: "unique()", email: fresh }, { ip: nextIp() })).status).toBe(201);
  });

  it("POST tokens/phone: 10 per hour per IP and number, and per IP (the alias shares the counters)", async () => {
    const { s } = env;
    const phone = uniquePhone();
    const first = nextIp();
    for (let i = 0; i < 10; i++) {
      const path = i % 2 === 0 ? "/account/tokens/phone" : "/account/sessions/phone";
      const res = await call(s, "POST", path, { userId: "unique()", phone }, { ip: first });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const byPhone = await call(s, "POST", "/account/tokens/phone", { userId: "unique()", phone }, { ip: first });
    expectRawError(byPhone, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(byPhone, 10, 0, s);
    // The number's own ceiling (100) is far off: another IP may still ask for a code.
    expect((await call(s, "POST", "/account/tokens/phone", { userId: "unique()", phone }, { ip: nextIp() })).status).toBe(201);

    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      expect((await call(s, "POST", "/account/sessions/phone", { userId: "unique()", phone: uniquePhone() }, { ip })).status).toBe(201);
    }
    const fresh = uniquePhone();
    const byIp = await call(s, "POST", "/account/tokens/phone", { userId: "unique()", phone: fresh }, { ip });
    expectRawError(byIp, 429, "general_rate_limit_exceeded");
    expect(await storeOf(s).users.getByPhone(fresh)).toBeNull();
    // The web SDK (its own IP, 127.0.0.1) is limited only by its own counter.
    expect((await web(s).use((account) => account.createPhoneToken(ID.unique(), fresh))).secret).toBe("");
  });

  it("session from token: 10 per hour per IP+userId, one counter for sessions/token and PUT magic-url/phone (no {url} in the key)", async () => {
    const { s } = env;
    const m = await magicUrl(env);
    const ip = nextIp();
    const paths: Array<[string, string]> = [
      ["POST", "/account/sessions/token"],
      ["PUT", "/account/sessions/magic-url"],
      ["PUT", "/account/sessions/phone"],
    ];
    for (let i = 0; i < 10; i++) {
      const [method, path] = paths[i % 3]!;
      const res = await call(s, method, path, { userId: m.userId, secret: "f".repeat(64) }, { ip });
      expectRawError(res, 401, "user_invalid_token");
      expectRateHeaders(res, 10, 9 - i, s);
    }
    for (const [method, path] of paths) {
      const res = await call(s, method, path, { userId: m.userId, secret: m.secret }, { ip });
      expectRawError(res, 429, "general_rate_limit_exceeded", RATE_LIMITED);
      expectRateHeaders(res, 10, 0, s);
    }
    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(0);
    // Another user from the same IP, and the same user from another IP, are not limited.
    const other = await magicUrl(env);
    expect((await call(s, "POST", "/account/sessions/token", { userId: other.userId, secret: other.secret }, { ip })).status).toBe(201);
    const ok = await call(s, "PUT", "/account/sessions/magic-url", { userId: m.userId, secret: m.secret }, { ip: nextIp() });
    expect(ok.status).toBe(201);
    expectRateHeaders(ok, 10, 9, s);
  });
});

describe("auth methods switched off (auth.methods)", () => {
  let off: Env;
  beforeAll(async () => {
    off = await start({ auth: { methods: { emailOtp: false, magicUrl: false, phone: false } } });
  });
  afterAll(() => off.s.close());

  it("501 user_auth_method_unsupported with Appwrite's messages for clients; nothing written or sent", async () => {
    const { s, box } = off;
    const b = web(s);
    const cases: Array<[() => Promise<unknown>, string]> = [
      [
        () => b.use((a) => a.createEmailToken(ID.unique(), uniqueEmail("off-otp"))),
        "Email OTP authentication is disabled for this project",
      ],
      [
        () => b.use((a) => a.createMagicURLToken(ID.unique(), uniqueEmail("off-magic"))),
        "Magic URL authentication is disabled for this project",
      ],
      [() => b.use((a) => a.createPhoneToken(ID.unique(), uniquePhone())), "Phone authentication is disabled for this project"],
    ];
    for (const [request, message] of cases) {
      const e = await expectAppwriteError(request(), "user_auth_method_unsupported", 501);
      expect(e.message).toBe(message);
    }
    expectRawError(
      await call(s, "POST", "/account/sessions/magic-url", { userId: "unique()", email: uniqueEmail("off-alias") }),
      501,
      "user_auth_method_unsupported",
      "Magic URL authentication is disabled for this project",
    );
    expectRawError(
      await call(s, "POST", "/account/sessions/phone", { userId: "unique()", phone: uniquePhone() }),
      501,
      "user_auth_method_unsupported",
      "Phone authentication is disabled for this project",
    );
    expect(await usersCount(s)).toBe(0);
    expect(box.entries).toHaveLength(0);
  });

  it("API keys bypass the toggles, and the session exchange (no auth-method check) still works", async () => {
    const { s, box } = off;
    const email = uniqueEmail("off-key");
    const otp = await key(s).createEmailToken(ID.unique(), email);
    expect(otp.secret).toMatch(/^\d{6}$/);
    const magic = await key(s).createMagicURLToken(ID.unique(), uniqueEmail("off-key-magic"));
    expect(magic.secret).toMatch(/^[0-9a-f]{64}$/);
    const phone = uniquePhone();
    const sms = await key(s).createPhoneToken(ID.unique(), phone);
    expect(sms.userId).toBeTruthy();
    expect(mailTo(box, email).secret).toBe(otp.secret);

    expect((await web(s).use((a) => a.createSession(otp.userId, otp.secret))).provider).toBe("token");
    expect((await web(s).use((a) => a.updateMagicURLSession(magic.userId, magic.secret))).provider).toBe("magic-url");
    expect((await web(s).use((a) => a.updatePhoneSession(sms.userId, smsTo(box, phone).secret))).provider).toBe("phone");
  });
});

describe("no mailer and no SMS provider configured", () => {
  let bare: Env;
  beforeAll(async () => {
    bare = await start({}, { mail: false, sms: false });
  });
  afterAll(() => bare.s.close());

  it('e-mail OTP and magic URL give 503 general_smtp_disabled "SMTP disabled"; phone gives 503 general_phone_disabled; no user is created', async () => {
    const { s } = bare;
    const b = web(s);
    for (const request of [
      () => b.use((a) => a.createEmailToken(ID.unique(), uniqueEmail("nosmtp-otp"))),
      () => b.use((a) => a.createMagicURLToken(ID.unique(), uniqueEmail("nosmtp-magic"))),
      () => key(s).createEmailToken(ID.unique(), uniqueEmail("nosmtp-key")),
    ]) {
      const e = await expectAppwriteError(request(), "general_smtp_disabled", 503);
      expect(e.message).toBe("SMTP disabled");
    }
    expectRawError(
      await call(s, "POST", "/account/sessions/magic-url", { userId: "unique()", email: uniqueEmail("nosmtp-alias") }),
      503,
      "general_smtp_disabled",
      "SMTP disabled",
    );
    for (const request of [
      () => b.use((a) => a.createPhoneToken(ID.unique(), uniquePhone())),
      () => key(s).createPhoneToken(ID.unique(), uniquePhone()),
    ]) {
      const e = await expectAppwriteError(request(), "general_phone_disabled", 503);
      expect(e.message).toBe("Phone provider not configured");
    }
    expectRawError(
      await call(s, "POST", "/account/sessions/phone", { userId: "unique()", phone: uniquePhone() }),
      503,
      "general_phone_disabled",
    );
    expect(await usersCount(s)).toBe(0);
  });
});

describe("configured platforms as redirect hosts", () => {
  let hosts: Env;
  beforeAll(async () => {
    hosts = await start({ platforms: ["localhost", "app.example.com", "*.example.org"] });
  });
  afterAll(() => hosts.s.close());

  it("accepts the platform hosts (wildcards match subdomains) and names every configured host when refusing", async () => {
    const { s, box } = hosts;
    for (const url of ["https://app.example.com/login", "https://eu.example.org/cb?x=1", "http://localhost:3000/cb"]) {
      const email = uniqueEmail("hosts-ok");
      await web(s).use((a) => a.createMagicURLToken(ID.unique(), email, url));
      expect(magicLink(box, email).host).toBe(new URL(url).host);
    }
    for (const url of ["https://evil.example/x", "https://example.org/x", "https://app.example.com.evil.example/x"]) {
      const e = await expectAppwriteError(
        web(s).use((a) => a.createMagicURLToken(ID.unique(), uniqueEmail("hosts-bad"), url)),
        "general_argument_invalid",
        400,
      );
      const message = e.message ?? "";
      expect(message.startsWith(HOSTS)).toBe(true);
      const listed = message.slice(HOSTS.length).split(", ");
      expect(listed).toEqual(expect.arrayContaining(["localhost", "app.example.com", "*.example.org"]));
      expect(listed).not.toContain("evil.example");
    }
  });
});

describe("bad input (never 500, nothing written)", () => {
  async function expectBad(s: TestServer, method: string, path: string, body: string | object, message: string) {
    const res = await call(s, method, path, body, { ip: nextIp() });
    expectRawError(res, 400, "general_argument_invalid", message);
  }

  it("POST tokens/email: malformed JSON, missing fields, wrong types, bad userId/email/phrase", async () => {
    const { s, box } = env;
    const email = uniqueEmail("bad-otp");
    const users = await usersCount(s);
    const sent = box.entries.length;
    const p = "/account/tokens/email";
    await expectBad(s, "POST", p, "{not json", notOptional("userId"));
    await expectBad(s, "POST", p, "[]", notOptional("userId"));
    await expectBad(s, "POST", p, {}, notOptional("userId"));
    await expectBad(s, "POST", p, { email }, notOptional("userId"));
    await expectBad(s, "POST", p, { userId: "unique()" }, notOptional("email"));
    await expectBad(s, "POST", p, { userId: 123, email }, INVALID_USER_ID);
    await expectBad(s, "POST", p, { userId: null, email }, INVALID_USER_ID);
    await expectBad(s, "POST", p, { userId: "x".repeat(37), email }, INVALID_USER_ID);
    await expectBad(s, "POST", p, { userId: "_leading", email }, INVALID_USER_ID);
    await expectBad(s, "POST", p, { userId: "has space", email }, INVALID_USER_ID);
    await expectBad(s, "POST", p, { userId: "unique()", email: "not-an-email" }, INVALID_EMAIL);
    await expectBad(s, "POST", p, { userId: "unique()", email: 42 }, INVALID_EMAIL);
    await expectBad(s, "POST", p, { userId: "unique()", email: [email] }, INVALID_EMAIL);
    await expectBad(s, "POST", p, { userId: "unique()", email: `${"a".repeat(65)}@example.com` }, INVALID_EMAIL);
    await expectBad(s, "POST", p, { userId: "unique()", email, phrase: "true" }, INVALID_PHRASE);
    await expectBad(s, "POST", p, { userId: "unique()", email, phrase: 1 }, INVALID_PHRASE);
    // Declaration order: userId before email.
    await expectBad(s, "POST", p, { userId: "-bad", email: "bad" }, INVALID_USER_ID);
    expect(await usersCount(s)).toBe(users);
    expect(box.entries.length).toBe(sent);
    // A 36-character id is the maximum and is accepted.
    const longest = `a${"b".repeat(35)}`;
    expect((await call(s, "POST", p, { userId: longest, email }, { ip: nextIp() })).json?.userId).toBe(longest);
  });

  it("POST tokens/magic-url (and alias): malformed JSON, missing fields, wrong types, bad url", async () => {
    const { s, box } = env;
    const email = uniqueEmail("bad-magic");
    const users = await usersCount(s);
    const sent = box.entries.length;
    for (const p of ["/account/tokens/magic-url", "/account/sessions/magic-url"]) {
      await expectBad(s, "POST", p, "{not json", notOptional("userId"));
      await expectBad(s, "POST", p, { userId: "unique()" }, notOptional("email"));
      await expectBad(s, "POST", p, { userId: 7, email }, INVALID_USER_ID);
      await expectBad(s, "POST", p, { userId: "x".repeat(37), email }, INVALID_USER_ID);
      await expectBad(s, "POST", p, { userId: "unique()", email: "nope" }, INVALID_EMAIL);
      await expectBad(s, "POST", p, { userId: "unique()", email, url: 5 }, `${HOSTS}localhost`);
      await expectBad(s, "POST", p, { userId: "unique()", email, url: "" }, `${HOSTS}localhost`);
      await expectBad(s, "POST", p, { userId: "unique()", email, url: "https://evil.example/x" }, `${HOSTS}localhost`);
      await expectBad(s, "POST", p, { userId: "unique()", email, phrase: "yes" }, INVALID_PHRASE);
    }
    expect(await usersCount(s)).toBe(users);
    expect(box.entries.length).toBe(sent);
  });

  it("POST tokens/phone (and alias): malformed JSON, missing fields, wrong types, bad numbers", async () => {
    const { s, box } = env;
    const users = await usersCount(s);
    const sent = box.entries.length;
    for (const p of ["/account/tokens/phone", "/account/sessions/phone"]) {
      await expectBad(s, "POST", p, "{not json", notOptional("userId"));
      await expectBad(s, "POST", p, { userId: "unique()" }, notOptional("phone"));
      await expectBad(s, "POST", p, { phone: uniquePhone() }, notOptional("userId"));
      await expectBad(s, "POST", p, { userId: true, phone: uniquePhone() }, INVALID_USER_ID);
      await expectBad(s, "POST", p, { userId: "unique()", phone: 14155550123 }, INVALID_PHONE);
      await expectBad(s, "POST", p, { userId: "unique()", phone: "14155550123" }, INVALID_PHONE);
      await expectBad(s, "POST", p, { userId: "unique()", phone: "+0123456789" }, INVALID_PHONE);
      await expectBad(s, "POST", p, { userId: "unique()", phone: "+123456" }, INVALID_PHONE);
      await expectBad(s, "POST", p, { userId: "unique()", phone: "+1234567890123456" }, INVALID_PHONE);
      await expectBad(s, "POST", p, { userId: "unique()", phone: "+1 415 555 0123" }, INVALID_PHONE);
    }
    expect(await usersCount(s)).toBe(users);
    expect(box.entries.length).toBe(sent);
  });

  it("session routes: malformed JSON, missing fields, wrong types, oversized secret, invalid userId; the real code still works afterwards", async () => {
    const { s } = env;
    const o = await emailOtp(env);
    for (const [method, p] of [
      ["POST", "/account/sessions/token"],
      ["PUT", "/account/sessions/magic-url"],
      ["PUT", "/account/sessions/phone"],
    ] as const) {
      await expectBad(s, method, p, "{not json", notOptional("userId"));
      await expectBad(s, method, p, {}, notOptional("userId"));
      await expectBad(s, method, p, { secret: o.code }, notOptional("userId"));
      await expectBad(s, method, p, { userId: o.userId }, notOptional("secret"));
      await expectBad(s, method, p, { userId: 42, secret: o.code }, INVALID_USER_ID);
      await expectBad(s, method, p, { userId: "x".repeat(37), secret: o.code }, INVALID_USER_ID);
      await expectBad(s, method, p, { userId: ".dot", secret: o.code }, INVALID_USER_ID);
      await expectBad(s, method, p, { userId: o.userId, secret: "" }, INVALID_SECRET);
      await expectBad(s, method, p, { userId: o.userId, secret: "a".repeat(257) }, INVALID_SECRET);
      await expectBad(s, method, p, { userId: o.userId, secret: Number(o.code) }, INVALID_SECRET);
      await expectBad(s, method, p, { userId: o.userId, secret: [o.code] }, INVALID_SECRET);
      await expectBad(s, method, p, { userId: o.userId, secret: null }, INVALID_SECRET);
      // 256 characters (counted as characters, not bytes) pass validation and are just wrong.
      expectRawError(await call(s, method, p, { userId: o.userId, secret: "é".repeat(256) }, { ip: nextIp() }), 401, "user_invalid_token");
    }
    expect(await storeOf(s).sessions.list(o.userId)).toHaveLength(0);
    expect((await web(s).use((account) => account.createSession(o.userId, o.code))).userId).toBe(o.userId);
  });
});
