/**
 * E-mail verification, phone verification and password recovery over HTTP, driven through the
 * official SDKs (`appwrite` web, `node-appwrite` with the API key or a session) against a real
 * Express server on loopback; raw HTTP only for malformed input and rate-limit headers.
 *
 * Routes: POST/PUT verification, POST/PUT verification/phone, POST/PUT recovery.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import type { TestServer } from "../helpers/server";
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
  uniquePhone,
  web,
  wrongCode,
  type OutboxServer as Env,
} from "../helpers/flows";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const HOUR = 3_600_000;
const PASSWORD = "password123";
const NEW_PASSWORD = "brand-new-password-1";

/** The Token model's fields, in Appwrite's order (src/models/token.ts). */
const TOKEN_FIELDS = ["$id", "$createdAt", "userId", "secret", "expire", "phrase"];

const INVALID_TOKEN = "Invalid token passed in the request.";
const RATE_LIMITED = "Rate limit for the current endpoint has been exceeded. Please try again after some time.";
const USER_NOT_FOUND = "User with the requested ID could not be found.";
const INVALID_CREDENTIALS = "Invalid credentials. Please check the email and password.";
const RECENTLY_USED =
  "The password you are trying to use is similar to your previous password. For your security, please choose a different password and try again.";
const PHONE_NOT_FOUND = "The current user does not have a phone number associated with their account.";
const GUEST_SCOPE = "User (role: guests) missing scope (account)";
const KEY_SCOPE = "User (role: applications) missing scope (account)";
const UID = "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";
const INVALID_USER_ID = `Invalid \`userId\` param: ${UID}`;
const INVALID_EMAIL = "Invalid `email` param: Value must be a valid email address";
const INVALID_SECRET = "Invalid `secret` param: Value must be a valid string and at least 1 chars and no longer than 256 chars";
const INVALID_NEW_PASSWORD =
  "Invalid `password` param: Password must be between 8 and 265 characters long, and should not be one of the commonly used password.";
const HOSTS = "Invalid `url` param: URL host must be one of: ";
const notOptional = (name: string) => `Param "${name}" is not optional.`;

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const asSession = (s: TestServer, secret: string) => sessionClient(s.endpoint, secret).account;

/** A user signed up with the key, logged in through the web SDK and with the key (session value). */
async function member(s: TestServer, tag: string, password = PASSWORD) {
  const email = uniqueEmail(tag);
  const user = await key(s).create(ID.unique(), email, password);
  const b = web(s);
  await b.use((account) => account.createEmailPasswordSession(email, password));
  const keyed = await key(s).createEmailPasswordSession(email, password);
  return { email, user, userId: user.$id, b, secret: keyed.secret, sessionId: keyed.$id };
}

/** A member whose account has a phone number (set through PATCH /account/phone). */
async function memberWithPhone(s: TestServer, tag: string, phone = uniquePhone()) {
  const m = await member(s, tag);
  await m.b.use((account) => account.updatePhone(phone, PASSWORD));
  return { ...m, phone };
}

function call(
  s: TestServer,
  method: string,
  path: string,
  body: string | object,
  options: { ip?: string; session?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.ip) headers["x-forwarded-for"] = options.ip;
  if (options.session) headers["x-appwrite-session"] = options.session;
  return raw(s.endpoint, method, path, { body, headers });
}

function expectToken(token: object, expected: { userId: string; now: number; lifetimeMs: number; secret?: string | RegExp }) {
  const t = token as Record<string, string>;
  expect(Object.keys(t)).toEqual(TOKEN_FIELDS);
  expect(t.$id).toMatch(/^[0-9a-f]{20}$/);
  expect(t.$createdAt).toBe(iso(expected.now));
  expect(t.userId).toBe(expected.userId);
  expect(t.expire).toBe(iso(expected.now + expected.lifetimeMs));
  expect(Date.parse(t.expire!) - Date.parse(t.$createdAt!)).toBe(expected.lifetimeMs);
  const secret = expected.secret ?? "";
  if (typeof secret === "string") expect(t.secret).toBe(secret);
  else expect(t.secret).toMatch(secret);
  expect(t.phrase).toBe("");
}

/** The link of the newest mail to `email`, of the given kind. */
function linkTo(box: Outbox, email: string, kind: "verification" | "recovery"): URL {
  const mail = box.lastMail(email);
  expect(mail, `no mail to ${email}`).toBeTruthy();
  expect(mail!.kind).toBe(kind);
  return new URL(mail!.url!);
}

function codeTo(box: Outbox, phone: string): string {
  const sms = box.lastSms(phone);
  expect(sms, `no SMS to ${phone}`).toBeTruthy();
  expect(sms!.kind).toBe("phone-verification");
  return sms!.secret;
}

/** Asks for an e-mail verification link as the member; returns the token and the link's secret. */
async function verificationLink(env: Env, m: { b: Browser; email: string }, url = "http://localhost/verify") {
  const token = await m.b.use((account) => account.createVerification(url));
  return { token, secret: linkTo(env.box, m.email, "verification").searchParams.get("secret")! };
}

/** Asks for a recovery link as a guest; returns the token and the link's secret. */
async function recoveryLink(env: Env, email: string, url = "http://localhost/reset") {
  const token = await web(env.s).use((account) => account.createRecovery(email, url));
  return { token, secret: linkTo(env.box, email, "recovery").searchParams.get("secret")! };
}

async function phoneCode(env: Env, m: { b: Browser; phone: string }) {
  const token = await m.b.use((account) => account.createPhoneVerification());
  return { token, code: codeTo(env.box, m.phone) };
}

// ---------------------------------------------------------------------------------------------
// The default server
// ---------------------------------------------------------------------------------------------

let env: Env;
beforeAll(async () => {
  env = await start();
});
afterAll(() => env.s.close());
beforeEach(() => freshWindow(env.s));

describe("POST /account/verification", () => {
  it("sends a link (userId, secret, expire merged into the URL, its query kept) and returns a 1-hour Token with a hidden secret", async () => {
    const { s, box } = env;
    const m = await member(s, "verify");
    const now = s.clock.now();
    const token = await m.b.use((account) => account.createVerification("http://localhost/verify?from=mail&step=2"));
    expectToken(token, { userId: m.userId, now, lifetimeMs: HOUR });

    const mail = box.lastMail(m.email)!;
    expect(mail).toMatchObject({ kind: "verification", to: m.email, subject: "Account Verification" });
    const link = new URL(mail.url!);
    expect(`${link.origin}${link.pathname}`).toBe("http://localhost/verify");
    expect(link.searchParams.get("from")).toBe("mail");
    expect(link.searchParams.get("step")).toBe("2");
    expect(link.searchParams.get("userId")).toBe(m.userId);
    expect(link.searchParams.get("secret")).toMatch(/^[0-9a-f]{256}$/);
    expect(link.searchParams.get("expire")).toBe(token.expire);
    expect(mail.text).toContain(mail.url);
    expect((await m.b.use((account) => account.get())).emailVerification).toBe(false);
  });

  it("full flow: a guest confirms from the link (public scope); the account is verified; asking again gives 409 user_email_already_verified", async () => {
    const { s } = env;
    const m = await member(s, "verify-flow");
    const now = s.clock.now();
    const { token, secret } = await verificationLink(env, m);

    const guest = web(s);
    const done = await guest.use((account) => account.updateVerification(m.userId, secret));
    expect(Object.keys(done)).toEqual(TOKEN_FIELDS);
    expect(done).toEqual({ $id: token.$id, $createdAt: iso(now), userId: m.userId, secret: "", expire: token.expire, phrase: "" });
    expect(guest.storage.get("cookieFallback")).toBeUndefined(); // no session was created

    expect((await m.b.use((account) => account.get())).emailVerification).toBe(true);
    const events = (await storeOf(s).logs.list(m.userId, { limit: 2, offset: 0 })).map((l) => l.event);
    expect(events).toEqual(["verification.update", "verification.create"]); // newest first
    const e = await expectAppwriteError(
      m.b.use((account) => account.createVerification("http://localhost/verify")),
      "user_email_already_verified",
      409,
    );
    expect(e.message).toBe("User email is already verified");
    expect(await storeOf(s).tokens.list(m.userId, new Date(s.clock.now()))).toHaveLength(0);
  });

  it("the logged-in user may confirm too", async () => {
    const { s } = env;
    const m = await member(s, "verify-self");
    const { secret } = await verificationLink(env, m);
    await m.b.use((account) => account.updateVerification(m.userId, secret));
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(true);
  });

  it("guests and API keys get 401 general_unauthorized_scope (account scope)", async () => {
    const { s, box } = env;
    const sent = box.entries.length;
    const guest = await expectAppwriteError(
      web(s).use((account) => account.createVerification("http://localhost/verify")),
      "general_unauthorized_scope",
      401,
    );
    expect(guest.message).toBe(GUEST_SCOPE);
    const keyed = await expectAppwriteError(key(s).createVerification("http://localhost/verify"), "general_unauthorized_scope", 401);
    expect(keyed.message).toBe(KEY_SCOPE);
    expect(box.entries.length).toBe(sent);
  });

  it("a URL on a foreign host gives 400 naming the allowed hosts; a missing or mistyped url too; nothing is sent", async () => {
    const { s, box } = env;
    const m = await member(s, "verify-evil");
    const e = await expectAppwriteError(
      m.b.use((account) => account.createVerification("https://evil.example/x")),
      "general_argument_invalid",
      400,
    );
    expect(e.message).toBe(`${HOSTS}localhost`);
    expectRawError(
      await call(s, "POST", "/account/verification", "{bad", { session: m.secret }),
      400,
      "general_argument_invalid",
      notOptional("url"),
    );
    expectRawError(
      await call(s, "POST", "/account/verification", {}, { session: m.secret }),
      400,
      "general_argument_invalid",
      notOptional("url"),
    );
    expectRawError(
      await call(s, "POST", "/account/verification", { url: 42 }, { session: m.secret }),
      400,
      "general_argument_invalid",
      `${HOSTS}localhost`,
    );
    expectRawError(
      await call(s, "POST", "/account/verification", { url: "not a url" }, { session: m.secret }),
      400,
      "general_argument_invalid",
      `${HOSTS}localhost`,
    );
    expect(box.lastMail(m.email)).toBeUndefined();
    expect(await storeOf(s).tokens.list(m.userId, new Date(s.clock.now()))).toHaveLength(0);
  });

  it("is limited to 10 per hour per user (url+userId), with X-RateLimit headers; another user from the same IP is not", async () => {
    const { s } = env;
    const m = await member(s, "verify-rl");
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "POST", "/account/verification", { url: "http://localhost/verify" }, { session: m.secret, ip: nextIp() });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const limited = await call(s, "POST", "/account/verification", { url: "http://localhost/verify" }, { session: m.secret, ip: nextIp() });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
    await expectAppwriteError(
      m.b.use((account) => account.createVerification("http://localhost/verify")),
      "general_rate_limit_exceeded",
      429,
    );
    const other = await member(s, "verify-rl-other");
    expect((await other.b.use((account) => account.createVerification("http://localhost/verify"))).userId).toBe(other.userId);
  });
});

describe("PUT /account/verification", () => {
  it("the link works until its hour is over, then 401 user_invalid_token", async () => {
    const { s } = env;
    const a = await member(s, "verify-exp-a");
    const b = await member(s, "verify-exp-b");
    const first = await verificationLink(env, a);
    const second = await verificationLink(env, b);
    s.clock.advance(HOUR - 1000);
    await web(s).use((account) => account.updateVerification(a.userId, first.secret));
    expect((await asSession(s, a.secret).get()).emailVerification).toBe(true);
    s.clock.advance(2000);
    const e = await expectAppwriteError(
      web(s).use((account) => account.updateVerification(b.userId, second.secret)),
      "user_invalid_token",
      401,
    );
    expect(e.message).toBe(INVALID_TOKEN);
    expect((await asSession(s, b.secret).get()).emailVerification).toBe(false);
  });

  it("wrong, another user's and reused secrets give 401; an unknown user 404 user_not_found; nothing is verified by them", async () => {
    const { s } = env;
    const a = await member(s, "verify-a");
    const b = await member(s, "verify-b");
    const la = await verificationLink(env, a);
    const lb = await verificationLink(env, b);
    const guest = web(s);
    await expectAppwriteError(
      guest.use((account) => account.updateVerification(a.userId, "0".repeat(256))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((account) => account.updateVerification(a.userId, lb.secret)),
      "user_invalid_token",
      401,
    );
    const missing = await expectAppwriteError(
      guest.use((account) => account.updateVerification("nobody0123456789", la.secret)),
      "user_not_found",
      404,
    );
    expect(missing.message).toBe(USER_NOT_FOUND);
    expect((await asSession(s, a.secret).get()).emailVerification).toBe(false);

    await guest.use((account) => account.updateVerification(a.userId, la.secret));
    await expectAppwriteError(
      guest.use((account) => account.updateVerification(a.userId, la.secret)),
      "user_invalid_token",
      401,
    );
    // B's link was not spent by the attempt against A.
    await guest.use((account) => account.updateVerification(b.userId, lb.secret));
    expect((await asSession(s, b.secret).get()).emailVerification).toBe(true);
  });

  it("only a verification token verifies: a recovery secret gives 401", async () => {
    const { s } = env;
    const m = await member(s, "verify-recovery");
    const recovery = await key(s).createRecovery(m.email, "http://localhost/reset");
    await expectAppwriteError(
      web(s).use((account) => account.updateVerification(m.userId, recovery.secret)),
      "user_invalid_token",
      401,
    );
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(false);
  });

  it("is limited to 10 per hour per (IP, userId param): the 11th from that IP is 429 even with the right secret, while the owner elsewhere is not locked out", async () => {
    const { s } = env;
    const m = await member(s, "verify-put-rl");
    const { secret } = await verificationLink(env, m);
    const attacker = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "PUT", "/account/verification", { userId: m.userId, secret: "f".repeat(256) }, { ip: attacker });
      expectRawError(res, 401, "user_invalid_token");
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const limited = await call(s, "PUT", "/account/verification", { userId: m.userId, secret }, { ip: attacker });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(false);
    // Refused before the handler: the link was not spent, and works from the owner's address
    // (src/core/rate-limits.ts: per (IP, user id), then per IP, then a per-user ceiling of 100).
    const owner = await call(s, "PUT", "/account/verification", { userId: m.userId, secret }, { ip: nextIp() });
    expect(owner.status).toBe(200);
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(true);
  });

  it("bad input: malformed JSON, missing fields, wrong types, oversized secret, invalid userId; the link still works afterwards", async () => {
    const { s } = env;
    const m = await member(s, "verify-bad");
    const { secret } = await verificationLink(env, m);
    const bad = async (body: string | object, message: string) =>
      expectRawError(await call(s, "PUT", "/account/verification", body, { ip: nextIp() }), 400, "general_argument_invalid", message);
    await bad("{not json", notOptional("userId"));
    await bad({}, notOptional("userId"));
    await bad({ secret }, notOptional("userId"));
    await bad({ userId: m.userId }, notOptional("secret"));
    await bad({ userId: 12, secret }, INVALID_USER_ID);
    await bad({ userId: "unique()", secret }, INVALID_USER_ID);
    await bad({ userId: "x".repeat(37), secret }, INVALID_USER_ID);
    await bad({ userId: "_x", secret }, INVALID_USER_ID);
    await bad({ userId: m.userId, secret: "" }, INVALID_SECRET);
    await bad({ userId: m.userId, secret: `${secret}0` }, INVALID_SECRET);
    await bad({ userId: m.userId, secret: 5 }, INVALID_SECRET);
    await bad({ userId: m.userId, secret: null }, INVALID_SECRET);
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(false);
    await web(s).use((account) => account.updateVerification(m.userId, secret));
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(true);
  });
});

describe("POST /account/verification/phone", () => {
  it("a user without a phone gets 400 user_phone_not_found", async () => {
    const { s, box } = env;
    const m = await member(s, "phone-none");
    const sent = box.entries.length;
    const e = await expectAppwriteError(
      m.b.use((account) => account.createPhoneVerification()),
      "user_phone_not_found",
      400,
    );
    expect(e.message).toBe(PHONE_NOT_FOUND);
    expect(box.entries.length).toBe(sent);
  });

  it("full flow: a 1-hour Token with hidden secret, a 6-digit SMS, PUT confirms; asking again gives 409 user_phone_already_verified", async () => {
    const { s, box } = env;
    const m = await memberWithPhone(s, "phone-flow");
    const now = s.clock.now();
    const token = await m.b.use((account) => account.createPhoneVerification());
    expectToken(token, { userId: m.userId, now, lifetimeMs: HOUR });
    const sms = box.lastSms(m.phone)!;
    expect(sms.kind).toBe("phone-verification");
    expect(sms.secret).toMatch(/^\d{6}$/);
    expect(sms.text).toBe(sms.secret);

    const done = await m.b.use((account) => account.updatePhoneVerification(m.userId, sms.secret));
    expect(Object.keys(done)).toEqual(TOKEN_FIELDS);
    expect(done).toEqual({ $id: token.$id, $createdAt: iso(now), userId: m.userId, secret: "", expire: token.expire, phrase: "" });
    expect(await m.b.use((account) => account.get())).toMatchObject({ phone: m.phone, phoneVerification: true, emailVerification: false });
    const events = (await storeOf(s).logs.list(m.userId, { limit: 2, offset: 0 })).map((l) => l.event);
    expect(events).toEqual(["verification.update", "verification.create"]);
    const e = await expectAppwriteError(
      m.b.use((account) => account.createPhoneVerification()),
      "user_phone_already_verified",
      409,
    );
    expect(e.message).toBe("User phone is already verified");
  });

  it("guests and API keys get 401 general_unauthorized_scope", async () => {
    const { s } = env;
    expect(
      (
        await expectAppwriteError(
          web(s).use((account) => account.createPhoneVerification()),
          "general_unauthorized_scope",
          401,
        )
      ).message,
    ).toBe(GUEST_SCOPE);
    expect((await expectAppwriteError(key(s).createPhoneVerification(), "general_unauthorized_scope", 401)).message).toBe(KEY_SCOPE);
  });

  it("is limited to 10 per hour per user, with X-RateLimit headers", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-rl-user");
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "POST", "/account/verification/phone", {}, { session: m.secret, ip: nextIp() });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const limited = await call(s, "POST", "/account/verification/phone", {}, { session: m.secret, ip: nextIp() });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
  });

  it("is limited to 10 per hour per IP, whatever the user", async () => {
    const { s } = env;
    const ip = nextIp();
    const members = [];
    for (let i = 0; i < 11; i++) members.push(await memberWithPhone(s, `phone-rl-ip-${i}`));
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "POST", "/account/verification/phone", {}, { session: members[i]!.secret, ip });
      expect(res.status).toBe(201);
    }
    const last = members[10]!;
    const limited = await call(s, "POST", "/account/verification/phone", {}, { session: last.secret, ip });
    expectRawError(limited, 429, "general_rate_limit_exceeded");
    expect(env.box.lastSms(last.phone)).toBeUndefined();
    expect((await call(s, "POST", "/account/verification/phone", {}, { session: last.secret, ip: nextIp() })).status).toBe(201);
  });
});

describe("PUT /account/verification/phone", () => {
  it("the code works until its hour is over; wrong, another user's and reused codes give 401", async () => {
    const { s } = env;
    const a = await memberWithPhone(s, "phone-a");
    const b = await memberWithPhone(s, "phone-b");
    const ca = await phoneCode(env, a);
    let cb = await phoneCode(env, b);
    while (cb.code === ca.code) cb = await phoneCode(env, b);

    await expectAppwriteError(
      a.b.use((account) => account.updatePhoneVerification(a.userId, wrongCode(ca.code))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      a.b.use((account) => account.updatePhoneVerification(a.userId, cb.code)),
      "user_invalid_token",
      401,
    );
    expect((await a.b.use((account) => account.get())).phoneVerification).toBe(false);

    s.clock.advance(HOUR - 1000);
    await a.b.use((account) => account.updatePhoneVerification(a.userId, ca.code));
    expect((await a.b.use((account) => account.get())).phoneVerification).toBe(true);
    const reused = await expectAppwriteError(
      a.b.use((account) => account.updatePhoneVerification(a.userId, ca.code)),
      "user_invalid_token",
      401,
    );
    expect(reused.message).toBe(INVALID_TOKEN);

    s.clock.advance(2000); // B's code is now 1 h + 1 s old
    await expectAppwriteError(
      b.b.use((account) => account.updatePhoneVerification(b.userId, cb.code)),
      "user_invalid_token",
      401,
    );
    expect((await b.b.use((account) => account.get())).phoneVerification).toBe(false);
  });

  it("a signed-in user cannot verify someone else's phone with their own code (401); both codes stay usable by their owners", async () => {
    const { s } = env;
    const a = await memberWithPhone(s, "phone-victim");
    const b = await memberWithPhone(s, "phone-attacker");
    const ca = await phoneCode(env, a);
    const cb = await phoneCode(env, b);
    await expectAppwriteError(
      b.b.use((account) => account.updatePhoneVerification(a.userId, cb.code)),
      "user_invalid_token",
      401,
    );
    expect((await a.b.use((account) => account.get())).phoneVerification).toBe(false);
    await b.b.use((account) => account.updatePhoneVerification(b.userId, cb.code));
    await a.b.use((account) => account.updatePhoneVerification(a.userId, ca.code));
    expect((await a.b.use((account) => account.get())).phoneVerification).toBe(true);
  });

  it("a guest gets 401 even with the right code (the code is checked against the caller's own tokens); the owner can still confirm", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-guest");
    const { code } = await phoneCode(env, m);
    await expectAppwriteError(
      web(s).use((account) => account.updatePhoneVerification(m.userId, code)),
      "user_invalid_token",
      401,
    );
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(false);
    await m.b.use((account) => account.updatePhoneVerification(m.userId, code));
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(true);
  });

  it("an unknown user gets 404 user_not_found", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-404");
    const { code } = await phoneCode(env, m);
    const e = await expectAppwriteError(
      m.b.use((account) => account.updatePhoneVerification("nobody0123456789", code)),
      "user_not_found",
      404,
    );
    expect(e.message).toBe(USER_NOT_FOUND);
  });

  it("a code dies after 5 wrong attempts", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-attempts");
    const { code } = await phoneCode(env, m);
    for (let i = 1; i <= 5; i++) {
      await expectAppwriteError(
        m.b.use((account) => account.updatePhoneVerification(m.userId, wrongCode(code, i))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      m.b.use((account) => account.updatePhoneVerification(m.userId, code)),
      "user_invalid_token",
      401,
    );
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(false);
  });

  it("is limited to 10 per hour per (IP, userId param): the 11th try from that IP is 429, another IP is still counted apart", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-put-rl");
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "PUT", "/account/verification/phone", { userId: m.userId, secret: "x" }, { session: m.secret, ip });
      expectRawError(res, 401, "user_invalid_token");
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const limited = await call(s, "PUT", "/account/verification/phone", { userId: m.userId, secret: "x" }, { session: m.secret, ip });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
    const elsewhere = await call(
      s,
      "PUT",
      "/account/verification/phone",
      { userId: m.userId, secret: "x" },
      { session: m.secret, ip: nextIp() },
    );
    expectRawError(elsewhere, 401, "user_invalid_token");
  });

  it("bad input: malformed JSON, missing fields, wrong types, oversized secret, invalid userId; the code still works afterwards", async () => {
    const { s } = env;
    const m = await memberWithPhone(s, "phone-bad");
    const { code } = await phoneCode(env, m);
    const bad = async (body: string | object, message: string) =>
      expectRawError(
        await call(s, "PUT", "/account/verification/phone", body, { session: m.secret, ip: nextIp() }),
        400,
        "general_argument_invalid",
        message,
      );
    await bad("{not json", notOptional("userId"));
    await bad({ secret: code }, notOptional("userId"));
    await bad({ userId: m.userId }, notOptional("secret"));
    await bad({ userId: ["x"], secret: code }, INVALID_USER_ID);
    await bad({ userId: "unique()", secret: code }, INVALID_USER_ID);
    await bad({ userId: "x".repeat(37), secret: code }, INVALID_USER_ID);
    await bad({ userId: m.userId, secret: "1".repeat(257) }, INVALID_SECRET);
    await bad({ userId: m.userId, secret: Number(code) }, INVALID_SECRET);
    await bad({ userId: m.userId, secret: "" }, INVALID_SECRET);
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(false);
    await m.b.use((account) => account.updatePhoneVerification(m.userId, code));
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(true);
  });
});

describe("POST /account/recovery", () => {
  it("sends a reset link (userId, secret, expire merged, the URL's query kept) and returns a 1-hour Token with hidden secret", async () => {
    const { s, box } = env;
    const email = uniqueEmail("recover");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const now = s.clock.now();
    const token = await web(s).use((account) => account.createRecovery(email, "http://localhost/reset?lang=de"));
    expectToken(token, { userId: user.$id, now, lifetimeMs: HOUR });

    const mail = box.lastMail(email)!;
    expect(mail).toMatchObject({ kind: "recovery", to: email, subject: "Password Reset" });
    const link = new URL(mail.url!);
    expect(`${link.origin}${link.pathname}`).toBe("http://localhost/reset");
    expect(link.searchParams.get("lang")).toBe("de");
    expect(link.searchParams.get("userId")).toBe(user.$id);
    expect(link.searchParams.get("secret")).toMatch(/^[0-9a-f]{256}$/);
    expect(link.searchParams.get("expire")).toBe(token.expire);
    expect(mail.text).toContain(mail.url);
  });

  it("an API-key caller gets the raw 256-hex secret, the one in the link", async () => {
    const { s, box } = env;
    const email = uniqueEmail("recover-key");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const now = s.clock.now();
    const token = await key(s).createRecovery(email, "http://localhost/reset");
    expectToken(token, { userId: user.$id, now, lifetimeMs: HOUR, secret: /^[0-9a-f]{256}$/ });
    expect(linkTo(box, email, "recovery").searchParams.get("secret")).toBe(token.secret);
  });

  it("the address is normalised before the lookup; the mail goes to the stored address", async () => {
    const { s, box } = env;
    const email = uniqueEmail("recover-case");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const token = await web(s).use((account) => account.createRecovery(`  ${email.toUpperCase()}`, "http://localhost/reset"));
    expect(token.userId).toBe(user.$id);
    expect(linkTo(box, email, "recovery").searchParams.get("userId")).toBe(user.$id);
  });

  it("an unknown address gives 404 user_not_found (Appwrite's answer, kept); nothing is sent", async () => {
    const { s, box } = env;
    const sent = box.entries.length;
    const e = await expectAppwriteError(
      web(s).use((account) => account.createRecovery(uniqueEmail("recover-nobody"), "http://localhost/reset")),
      "user_not_found",
      404,
    );
    expect(e.message).toBe(USER_NOT_FOUND);
    expect(box.entries.length).toBe(sent);
  });

  it("a blocked user gets 401 user_blocked; nothing is sent", async () => {
    const { s, box } = env;
    const email = uniqueEmail("recover-blocked");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    await storeOf(s).users.update(user.$id, { status: false });
    await expectAppwriteError(
      web(s).use((account) => account.createRecovery(email, "http://localhost/reset")),
      "user_blocked",
      401,
    );
    expect(box.lastMail(email)).toBeUndefined();
    expect(await storeOf(s).tokens.list(user.$id, new Date(s.clock.now()))).toHaveLength(0);
  });

  it("a foreign host, a missing url and a bad e-mail give 400; nothing is sent", async () => {
    const { s, box } = env;
    const email = uniqueEmail("recover-evil");
    await key(s).create(ID.unique(), email, PASSWORD);
    const e = await expectAppwriteError(
      web(s).use((account) => account.createRecovery(email, "https://evil.example/x")),
      "general_argument_invalid",
      400,
    );
    expect(e.message).toBe(`${HOSTS}localhost`);
    const bad = async (body: string | object, message: string) =>
      expectRawError(await call(s, "POST", "/account/recovery", body, { ip: nextIp() }), 400, "general_argument_invalid", message);
    await bad("{not json", notOptional("email"));
    await bad({ email }, notOptional("url"));
    await bad({ url: "http://localhost/reset" }, notOptional("email"));
    await bad({ email: "nope", url: "http://localhost/reset" }, INVALID_EMAIL);
    await bad({ email: 1, url: "http://localhost/reset" }, INVALID_EMAIL);
    await bad({ email, url: ["http://localhost/reset"] }, `${HOSTS}localhost`);
    await bad({ email, url: "localhost/reset" }, `${HOSTS}localhost`);
    expect(box.lastMail(email)).toBeUndefined();
  });

  // Gatehouse counts per (IP, normalised e-mail) at Appwrite's 10, then per IP, then a per-e-mail
  // ceiling of 100 (src/core/rate-limits.ts; the ceiling is tested in test/security/rate-limits.test.ts).
  it("is limited to 10 per hour per IP and e-mail and 10 per hour per IP (any e-mail), with X-RateLimit headers; API keys are exempt", async () => {
    const { s } = env;
    const email = uniqueEmail("recover-rl");
    await key(s).create(ID.unique(), email, PASSWORD);
    const first = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(s, "POST", "/account/recovery", { email, url: "http://localhost/reset" }, { ip: first });
      expect(res.status).toBe(201);
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const byEmail = await call(
      s,
      "POST",
      "/account/recovery",
      { email: email.toUpperCase(), url: "http://localhost/reset" },
      { ip: first },
    );
    expectRawError(byEmail, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(byEmail, 10, 0, s);
    // Someone else's requests do not lock the owner out: another IP has its own counter.
    expect((await call(s, "POST", "/account/recovery", { email, url: "http://localhost/reset" }, { ip: nextIp() })).status).toBe(201);
    expect((await key(s).createRecovery(email, "http://localhost/reset")).secret).toMatch(/^[0-9a-f]{256}$/);

    // Per IP: unknown addresses (404) count too.
    const ip = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(
        s,
        "POST",
        "/account/recovery",
        { email: uniqueEmail("recover-rl-ip"), url: "http://localhost/reset" },
        { ip },
      );
      expectRawError(res, 404, "user_not_found");
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const other = uniqueEmail("recover-rl-other");
    await key(s).create(ID.unique(), other, PASSWORD);
    expectRawError(
      await call(s, "POST", "/account/recovery", { email: other, url: "http://localhost/reset" }, { ip }),
      429,
      "general_rate_limit_exceeded",
    );
    expect((await call(s, "POST", "/account/recovery", { email: other, url: "http://localhost/reset" }, { ip: nextIp() })).status).toBe(
      201,
    );
  });
});

describe("PUT /account/recovery", () => {
  it("full flow: the new password works, the old fails, emailVerification becomes true, existing sessions end, no session is created", async () => {
    const { s } = env;
    const m = await member(s, "reset");
    const now = s.clock.now();
    const { token, secret } = await recoveryLink(env, m.email);
    expect((await asSession(s, m.secret).get()).emailVerification).toBe(false);

    s.clock.advance(1000);
    const guest = web(s);
    const done = await guest.use((account) => account.updateRecovery(m.userId, secret, NEW_PASSWORD));
    expect(Object.keys(done)).toEqual(TOKEN_FIELDS);
    expect(done).toEqual({ $id: token.$id, $createdAt: iso(now), userId: m.userId, secret: "", expire: token.expire, phrase: "" });
    expect(guest.storage.get("cookieFallback")).toBeUndefined();

    // Appwrite 1.6 revokes no session; Gatehouse's default auth.invalidateSessions ends them all
    // (test/security/sessions-after-password.test.ts). No session was added.
    const me = await storeOf(s).users.get(m.userId);
    expect(me).toMatchObject({ emailVerification: true, passwordUpdatedAt: new Date(now + 1000) });
    await expectAppwriteError(
      m.b.use((account) => account.get()),
      "general_unauthorized_scope",
      401,
    );
    await expectAppwriteError(asSession(s, m.secret).get(), "general_unauthorized_scope", 401);
    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(0);

    const old = await expectAppwriteError(key(s).createEmailPasswordSession(m.email, PASSWORD), "user_invalid_credentials", 401);
    expect(old.message).toBe(INVALID_CREDENTIALS);
    expect(await storeOf(s).tokens.list(m.userId, new Date(s.clock.now()))).toHaveLength(0);
    const events = (await storeOf(s).logs.list(m.userId, { limit: 2, offset: 0 })).map((l) => l.event);
    expect(events).toEqual(["recovery.update", "recovery.create"]);
    expect((await key(s).createEmailPasswordSession(m.email, NEW_PASSWORD)).userId).toBe(m.userId);
  });

  it("a passwordless user (made by a magic URL) gets a first password through recovery", async () => {
    const { s, box } = env;
    const email = uniqueEmail("reset-passwordless");
    const token = await web(s).use((account) => account.createMagicURLToken(ID.unique(), email));
    expect(box.lastMail(email)?.kind).toBe("magic-url");
    await expectAppwriteError(key(s).createEmailPasswordSession(email, NEW_PASSWORD), "user_invalid_credentials", 401);
    const { secret } = await recoveryLink(env, email);
    await web(s).use((account) => account.updateRecovery(token.userId, secret, NEW_PASSWORD));
    const session = await key(s).createEmailPasswordSession(email, NEW_PASSWORD);
    expect(session.userId).toBe(token.userId);
    expect((await asSession(s, session.secret).get()).emailVerification).toBe(true);
  });

  it('an API-key caller completing recovery also sees secret "" (1.6.2)', async () => {
    const { s } = env;
    const email = uniqueEmail("reset-key");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const token = await key(s).createRecovery(email, "http://localhost/reset");
    const done = await key(s).updateRecovery(user.$id, token.secret, NEW_PASSWORD);
    expect(done).toMatchObject({ $id: token.$id, userId: user.$id, secret: "" });
    expect((await key(s).createEmailPasswordSession(email, NEW_PASSWORD)).userId).toBe(user.$id);
  });

  it("the link works until its hour is over, then 401", async () => {
    const { s } = env;
    const a = uniqueEmail("reset-exp-a");
    const b = uniqueEmail("reset-exp-b");
    const ua = await key(s).create(ID.unique(), a, PASSWORD);
    const ub = await key(s).create(ID.unique(), b, PASSWORD);
    const la = await recoveryLink(env, a);
    const lb = await recoveryLink(env, b);
    s.clock.advance(HOUR - 1000);
    await web(s).use((account) => account.updateRecovery(ua.$id, la.secret, NEW_PASSWORD));
    s.clock.advance(2000);
    const e = await expectAppwriteError(
      web(s).use((account) => account.updateRecovery(ub.$id, lb.secret, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    expect(e.message).toBe(INVALID_TOKEN);
    expect((await key(s).createEmailPasswordSession(b, PASSWORD)).userId).toBe(ub.$id);
    await expectAppwriteError(key(s).createEmailPasswordSession(b, NEW_PASSWORD), "user_invalid_credentials", 401);
  });

  it("wrong, another user's and reused secrets give 401, an unknown user 404; the password is unchanged by them", async () => {
    const { s } = env;
    const a = uniqueEmail("reset-a");
    const b = uniqueEmail("reset-b");
    const ua = await key(s).create(ID.unique(), a, PASSWORD);
    const ub = await key(s).create(ID.unique(), b, PASSWORD);
    const la = await recoveryLink(env, a);
    const lb = await recoveryLink(env, b);
    const guest = web(s);
    await expectAppwriteError(
      guest.use((account) => account.updateRecovery(ua.$id, "0".repeat(256), NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((account) => account.updateRecovery(ua.$id, lb.secret, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    const missing = await expectAppwriteError(
      guest.use((account) => account.updateRecovery("nobody0123456789", la.secret, NEW_PASSWORD)),
      "user_not_found",
      404,
    );
    expect(missing.message).toBe(USER_NOT_FOUND);
    expect((await key(s).createEmailPasswordSession(a, PASSWORD)).userId).toBe(ua.$id);

    await guest.use((account) => account.updateRecovery(ua.$id, la.secret, NEW_PASSWORD));
    await expectAppwriteError(
      guest.use((account) => account.updateRecovery(ua.$id, la.secret, "third-password-3")),
      "user_invalid_token",
      401,
    );
    expect((await key(s).createEmailPasswordSession(a, NEW_PASSWORD)).userId).toBe(ua.$id);
    // B's link was not spent by the attempt against A.
    await guest.use((account) => account.updateRecovery(ub.$id, lb.secret, NEW_PASSWORD));
    expect((await key(s).createEmailPasswordSession(b, NEW_PASSWORD)).userId).toBe(ub.$id);
  });

  it("only a recovery token resets: an e-mail verification secret gives 401", async () => {
    const { s } = env;
    const m = await member(s, "reset-verif");
    const { secret } = await verificationLink(env, m);
    await expectAppwriteError(
      web(s).use((account) => account.updateRecovery(m.userId, secret, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    expect((await key(s).createEmailPasswordSession(m.email, PASSWORD)).userId).toBe(m.userId);
  });

  it("is limited to 10 per hour per (IP, userId param): the 11th try from that IP is 429 even with the right secret; the owner elsewhere completes it", async () => {
    const { s } = env;
    const email = uniqueEmail("reset-rl");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const { secret } = await recoveryLink(env, email);
    const attacker = nextIp();
    for (let i = 0; i < 10; i++) {
      const res = await call(
        s,
        "PUT",
        "/account/recovery",
        { userId: user.$id, secret: "f".repeat(256), password: NEW_PASSWORD },
        { ip: attacker },
      );
      expectRawError(res, 401, "user_invalid_token");
      expectRateHeaders(res, 10, 9 - i, s);
    }
    const limited = await call(s, "PUT", "/account/recovery", { userId: user.$id, secret, password: NEW_PASSWORD }, { ip: attacker });
    expectRawError(limited, 429, "general_rate_limit_exceeded", RATE_LIMITED);
    expectRateHeaders(limited, 10, 0, s);
    // The owner, from another address, is not locked out (src/core/rate-limits.ts).
    const done = await call(s, "PUT", "/account/recovery", { userId: user.$id, secret, password: NEW_PASSWORD }, { ip: nextIp() });
    expect(done.status).toBe(200);
    expect((await key(s).createEmailPasswordSession(email, NEW_PASSWORD)).userId).toBe(user.$id);
  });

  it("bad input: malformed JSON, missing fields, wrong types, short/long passwords, oversized secret, invalid userId; the link still works afterwards", async () => {
    const { s } = env;
    const email = uniqueEmail("reset-bad");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const { secret } = await recoveryLink(env, email);
    const userId = user.$id;
    const bad = async (body: string | object, message: string) =>
      expectRawError(await call(s, "PUT", "/account/recovery", body, { ip: nextIp() }), 400, "general_argument_invalid", message);
    await bad("{not json", notOptional("userId"));
    await bad({}, notOptional("userId"));
    await bad({ userId, password: NEW_PASSWORD }, notOptional("secret"));
    await bad({ userId, secret }, notOptional("password"));
    await bad({ userId: 1, secret, password: NEW_PASSWORD }, INVALID_USER_ID);
    await bad({ userId: "unique()", secret, password: NEW_PASSWORD }, INVALID_USER_ID);
    await bad({ userId: "x".repeat(37), secret, password: NEW_PASSWORD }, INVALID_USER_ID);
    await bad({ userId, secret: "", password: NEW_PASSWORD }, INVALID_SECRET);
    await bad({ userId, secret: `${secret}a`, password: NEW_PASSWORD }, INVALID_SECRET);
    await bad({ userId, secret: { secret }, password: NEW_PASSWORD }, INVALID_SECRET);
    await bad({ userId, secret, password: "short" }, INVALID_NEW_PASSWORD);
    await bad({ userId, secret, password: "x".repeat(257) }, INVALID_NEW_PASSWORD);
    await bad({ userId, secret, password: "ééé" }, INVALID_NEW_PASSWORD); // 6 bytes
    await bad({ userId, secret, password: 12345678 }, INVALID_NEW_PASSWORD);
    // Declaration order: userId, then secret, then password.
    await bad({ userId: "_", secret: "", password: "" }, INVALID_USER_ID);
    await bad({ userId, secret: "", password: "" }, INVALID_SECRET);
    expect((await key(s).createEmailPasswordSession(email, PASSWORD)).userId).toBe(userId);
    // Each invalid request came from its own address, so none used up a per-(IP, user) counter,
    // and the per-user ceiling (100) is far off: the link still works from yet another address.
    expect((await call(s, "PUT", "/account/recovery", { userId, secret, password: NEW_PASSWORD }, { ip: nextIp() })).status).toBe(200);
    expect((await key(s).createEmailPasswordSession(email, NEW_PASSWORD)).userId).toBe(userId);
  });
});

describe("password history (auth.passwordHistory)", () => {
  let history: Env;
  beforeAll(async () => {
    history = await start({ auth: { passwordHistory: 3 } });
  });
  afterAll(() => history.s.close());

  it("a recent password gives 400 password_recently_used and leaves the link usable with another password", async () => {
    const { s } = history;
    const email = uniqueEmail("history");
    const user = await key(s).create(ID.unique(), email, PASSWORD);
    const { secret } = await recoveryLink(history, email);

    const e = await expectAppwriteError(
      web(s).use((account) => account.updateRecovery(user.$id, secret, PASSWORD)),
      "password_recently_used",
      400,
    );
    expect(e.message).toBe(RECENTLY_USED);
    expect((await key(s).createEmailPasswordSession(email, PASSWORD)).userId).toBe(user.$id); // unchanged

    await web(s).use((account) => account.updateRecovery(user.$id, secret, NEW_PASSWORD));
    expect((await key(s).createEmailPasswordSession(email, NEW_PASSWORD)).userId).toBe(user.$id);

    // Both passwords are now in the history.
    const next = await recoveryLink(history, email);
    for (const recent of [PASSWORD, NEW_PASSWORD]) {
      await expectAppwriteError(
        web(s).use((account) => account.updateRecovery(user.$id, next.secret, recent)),
        "password_recently_used",
        400,
      );
    }
    await web(s).use((account) => account.updateRecovery(user.$id, next.secret, "third-password-3"));
  });
});

describe("mock numbers (auth.mockNumbers) for phone verification", () => {
  const MOCK = "+14155559998"; // outside uniquePhone()'s range
  let mock: Env;
  beforeAll(async () => {
    mock = await start({ auth: { mockNumbers: [{ phone: MOCK, otp: "135790" }] } });
  });
  afterAll(() => mock.s.close());

  it("no SMS is sent and the fixed code verifies the number", async () => {
    const { s, box } = mock;
    const m = await memberWithPhone(s, "mock-verify", MOCK);
    const token = await m.b.use((account) => account.createPhoneVerification());
    expect(token.secret).toBe("");
    expect(Date.parse(token.expire) - Date.parse(token.$createdAt)).toBe(HOUR);
    expect(box.lastSms(MOCK)).toBeUndefined();
    expect(box.entries.filter((e) => e.channel === "sms")).toHaveLength(0);
    await m.b.use((account) => account.updatePhoneVerification(m.userId, "135790"));
    expect((await m.b.use((account) => account.get())).phoneVerification).toBe(true);
  });
});

describe("no mailer and no SMS provider configured", () => {
  let bare: Env;
  beforeAll(async () => {
    bare = await start({}, { mail: false, sms: false });
  });
  afterAll(() => bare.s.close());

  it('verification and recovery give 503 general_smtp_disabled "SMTP Disabled"; phone verification 503 general_phone_disabled', async () => {
    const { s } = bare;
    const m = await member(s, "bare");
    const verification = await expectAppwriteError(
      m.b.use((account) => account.createVerification("http://localhost/verify")),
      "general_smtp_disabled",
      503,
    );
    expect(verification.message).toBe("SMTP Disabled");
    const recovery = await expectAppwriteError(
      web(s).use((account) => account.createRecovery(m.email, "http://localhost/reset")),
      "general_smtp_disabled",
      503,
    );
    expect(recovery.message).toBe("SMTP Disabled");
    const keyed = await expectAppwriteError(key(s).createRecovery(m.email, "http://localhost/reset"), "general_smtp_disabled", 503);
    expect(keyed.message).toBe("SMTP Disabled");
    // The provider check comes before the no-phone check.
    const phone = await expectAppwriteError(
      m.b.use((account) => account.createPhoneVerification()),
      "general_phone_disabled",
      503,
    );
    expect(phone.message).toBe("Phone provider not configured");
    expect(await storeOf(s).tokens.list(m.userId, new Date(s.clock.now()))).toHaveLength(0);
    // SMTP is checked before the address is looked up.
    await expectAppwriteError(
      web(s).use((account) => account.createRecovery(uniqueEmail("bare-nobody"), "http://localhost/reset")),
      "general_smtp_disabled",
      503,
    );
  });
});
