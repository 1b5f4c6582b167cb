/**
 * MFA over HTTP, driven through the official SDKs (`appwrite` web `browser()`, `node-appwrite`
 * with a session) against a real Express server on loopback; raw HTTP only for status codes,
 * headers and malformed input the SDKs would never send.
 *
 * TOTP codes come from the independent `otpauth` library, as a real authenticator app would
 * compute them, always at the server's manual clock. A code accepted once is refused for the rest
 * of its 30 s step (replay protection), so the clock moves a step on between uses of TOTP codes.
 *
 * Routes: PATCH /account/mfa, POST/PUT/DELETE /account/mfa/authenticators/{type},
 * POST/PUT /account/mfa/challenge, GET /account/mfa/factors, POST/GET/PATCH /account/mfa/recovery-codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as OTPAuth from "otpauth";
import { AuthenticationFactor, AuthenticatorType, ID } from "appwrite";
import * as node from "node-appwrite";
import { outbox } from "gatehouse-auth";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, expectAppwriteError, raw, serverClient, sessionClient, type Browser, expectRawError } from "../helpers/sdk";
import { uniqueEmail, uniquePhone } from "../helpers/flows";
import { SESSION_FIELDS } from "../helpers/models";

// ---------------------------------------------------------------------------------------------
// Constants
// ---------------------------------------------------------------------------------------------

const PASSWORD = "password123";
const PROJECT_NAME = "Test Project"; // startServer's default projectName
const STEP_MS = 30_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
/** Challenge (and session) ids are 20 lowercase hex characters (src/crypto/ids.ts). */
const ID_FORMAT = /^[0-9a-f]{20}$/;
const RECOVERY_CODE = /^[0-9a-f]{10}$/;

const INVALID_TOKEN = "Invalid token passed in the request.";
const MORE_FACTORS = "More factors are required to complete the sign in process.";
const CHALLENGE_REQUIRED =
  "A recently successful challenge is required to complete this action. A challenge is considered recent for 5 minutes.";
const ALREADY_VERIFIED = "This authenticator is already verified on the current user.";
const AUTHENTICATOR_NOT_FOUND = "Authenticator could not be found on the current user.";
const CODES_EXIST = "The current user already generated recovery codes and they can only be read once for security reasons.";
const CODES_NOT_FOUND = "Recovery codes could not be found on the current user.";
const PHONE_NOT_FOUND = "The current user does not have a phone number associated with their account.";
const RATE_LIMITED = "Rate limit for the current endpoint has been exceeded. Please try again after some time.";
const GUEST_SCOPE = "User (role: guests) missing scope (account)";
const KEY_SCOPE = "User (role: applications) missing scope (account)";
const ROUTE_NOT_FOUND = "The requested route was not found. Please refer to the API docs and try again.";
const TEXT_256 = "Value must be a valid string and at least 1 chars and no longer than 256 chars";
const MSG = {
  mfaMissing: 'Param "mfa" is not optional.',
  mfaBoolean: "Invalid `mfa` param: Value must be a valid boolean",
  type: "Invalid `type` param: Value must be one of (totp)",
  otpMissing: 'Param "otp" is not optional.',
  otp: `Invalid \`otp\` param: ${TEXT_256}`,
  factorMissing: 'Param "factor" is not optional.',
  factor: "Invalid `factor` param: Value must be one of (email, phone, totp, recoverycode)",
  challengeIdMissing: 'Param "challengeId" is not optional.',
  challengeId: `Invalid \`challengeId\` param: ${TEXT_256}`,
};

/** Field order of the models these routes return, as Appwrite's. */
const CHALLENGE_FIELDS = ["$id", "$createdAt", "userId", "expire"];
const FACTOR_FIELDS = ["totp", "phone", "email", "recoveryCode"];

// ---------------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------------

/** Mail and SMS of `server` and `inputs`; read with `box.lastMail(to)` / `box.lastSms(to)`. */
const box = outbox();
/** With a mailer and an SMS provider (the outbox). */
let server: TestServer;
/** Neither a mailer nor an SMS provider. */
let bare: TestServer;
/** Bad-input tests: their own rate-limit counters (several share the literal `{param-challengeId}` key). */
let inputs: TestServer;

beforeAll(async () => {
  [server, bare, inputs] = await Promise.all([
    startServer({ mailer: box.mailer, sms: box.sms }),
    startServer(),
    startServer({ mailer: box.mailer, sms: box.sms }),
  ]);
});
afterAll(async () => {
  await Promise.all([server?.close(), bare?.close(), inputs?.close()]);
});

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** MFA numbers start +1415666, apart from the other flow suites' +1415555. */
const uniqueMfaPhone = () => uniquePhone("+1415666");

/** Wire datetime (src/models/datetime.ts). */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** Unix seconds at which the fixed 3600 s rate-limit window containing `ms` ends (src/ports/rate-limiter.ts). */
function windowEnd(ms: number): number {
  return Math.floor(ms / 1000 / 3600) * 3600 + 3600;
}

/** The code an authenticator app shows at the server's clock (plus `offsetMs`), by `otpauth`. */
function totpAt(s: TestServer, secret: string, offsetMs = 0): string {
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30, algorithm: "SHA1" });
  return totp.generate({ timestamp: s.clock.now() + offsetMs });
}

/** A well-formed code that is not `right`. */
function wrongCode(right: string): string {
  return String((Number(right) + 1) % 1_000_000).padStart(6, "0");
}

/** Moves the server to the next 30 s step: codes accepted in this step stay refused (replay protection). */
function nextStep(s: TestServer): void {
  s.clock.advance(STEP_MS);
}

interface Member {
  email: string;
  userId: string;
  /** The browser that logged in first. */
  b: Browser;
}

/** A user (made with the API key: signups are limited per IP) logged in on a fresh web browser. */
async function member(s: TestServer, tag: string): Promise<Member> {
  const email = uniqueEmail(tag);
  const user = await serverClient(s.endpoint).account.create(ID.unique(), email, PASSWORD);
  return { email, userId: user.$id, b: await login(s, email) };
}

/** Another web browser logged in with e-mail and password: one factor, `password`. */
async function login(s: TestServer, email: string): Promise<Browser> {
  const b = browser(s.endpoint);
  const session = await b.use((a) => a.createEmailPasswordSession(email, PASSWORD));
  expect(session.factors).toEqual(["password"]);
  return b;
}

/** Adds and verifies a TOTP authenticator from `m.b`; returns the base32 secret. */
async function addTotp(s: TestServer, m: Member): Promise<string> {
  const { secret } = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
  await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, totpAt(s, secret)));
  nextStep(s);
  return secret;
}

/** A user with a verified TOTP authenticator and MFA on; `b` keeps working (factors password+totp). */
async function mfaMember(s: TestServer, tag: string): Promise<Member & { secret: string }> {
  const m = await member(s, tag);
  const secret = await addTotp(s, m);
  expect((await m.b.use((a) => a.updateMFA(true))).mfa).toBe(true);
  return { ...m, secret };
}

/** Creates and completes a TOTP challenge on `b`; returns the Session the PUT answered. */
async function passTotp(s: TestServer, b: Browser, secret: string) {
  const challenge = await b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
  const session = await b.use((a) => a.updateMfaChallenge(challenge.$id, totpAt(s, secret)));
  nextStep(s);
  return session;
}

/** Creates and completes a recovery-code challenge on `b`. */
async function passRecoveryCode(b: Browser, code: string) {
  const challenge = await b.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
  return b.use((a) => a.updateMfaChallenge(challenge.$id, code));
}

/** Verifies the e-mail through POST/PUT /account/verification with the link from the outbox. */
async function verifyEmailByMail(m: Member): Promise<void> {
  await m.b.use((a) => a.createVerification("http://localhost/verify"));
  const mail = box.lastMail(m.email);
  expect(mail?.kind).toBe("verification");
  const secret = new URL(mail!.url!).searchParams.get("secret")!;
  await m.b.use((a) => a.updateVerification(m.userId, secret));
}

/** Marks the e-mail verified directly in the store (the verification flow is tested once above). */
async function verifyEmailInStore(s: TestServer, m: Member): Promise<void> {
  await s.service.config.store.users.update(m.userId, { emailVerification: true });
}

/** Sets the phone and verifies it through POST/PUT /account/verification/phone with the SMS code. */
async function verifyPhoneBySms(m: Member, phone: string): Promise<void> {
  await m.b.use((a) => a.updatePhone(phone, PASSWORD));
  await m.b.use((a) => a.createPhoneVerification());
  const sms = box.lastSms(phone);
  expect(sms?.kind).toBe("phone-verification");
  await m.b.use((a) => a.updatePhoneVerification(m.userId, sms!.secret));
}

/** The session value the web SDK keeps in localStorage (X-Fallback-Cookies). */
function sessionValue(b: Browser): string {
  const stored = b.storage.get("cookieFallback");
  expect(stored).toBeTruthy();
  return (JSON.parse(stored!) as Record<string, string>)[`a_session_${PROJECT}`]!;
}

/** Headers that make a raw request come from `b`'s session. */
function as(b: Browser): Record<string, string> {
  return { "x-appwrite-session": sessionValue(b) };
}

/** Expect a raw response to be this Appwrite error. */

// ---------------------------------------------------------------------------------------------
// TOTP authenticator
// ---------------------------------------------------------------------------------------------

describe("TOTP authenticator", () => {
  it("POST answers 200 with a 103-character base32 secret and the exact otpauth:// URI, which otpauth parses", async () => {
    const m = await member(server, "totp-setup");
    const res = await raw(server.endpoint, "POST", "/account/mfa/authenticators/totp", { body: {}, headers: as(m.b) });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json!)).toEqual(["secret", "uri"]);

    // The SDK's create replaces the unverified one made just above.
    const type = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    expect(type.secret).toMatch(/^[A-Z2-7]{103}$/);
    expect(type.secret).not.toBe(res.json!.secret);
    expect(type.uri).toBe(`otpauth://totp/Test%20Project%3A${m.email.replace("@", "%40")}?issuer=Test%20Project&secret=${type.secret}`);

    const parsed = OTPAuth.URI.parse(type.uri);
    expect(parsed).toBeInstanceOf(OTPAuth.TOTP);
    const app = parsed as OTPAuth.TOTP;
    expect({
      issuer: app.issuer,
      label: app.label,
      secret: app.secret.base32,
      algorithm: app.algorithm,
      digits: app.digits,
      period: app.period,
    }).toEqual({
      issuer: PROJECT_NAME,
      label: m.email,
      secret: type.secret,
      algorithm: "SHA1",
      digits: 6,
      period: 30,
    });

    // The app built from the URI alone produces codes the server accepts.
    const account = await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, app.generate({ timestamp: server.clock.now() })));
    expect(account.$id).toBe(m.userId);
    expect((await m.b.use((a) => a.listMfaFactors())).totp).toBe(true);
    nextStep(server);
  });

  it("verification refuses a wrong code and the codes of the previous and next steps (no window), then accepts the current one", async () => {
    const m = await member(server, "totp-verify");
    const { secret } = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    const right = totpAt(server, secret);
    const previous = totpAt(server, secret, -STEP_MS);
    const next = totpAt(server, secret, STEP_MS);
    expect(previous).not.toBe(right);
    expect(next).not.toBe(right);

    for (const otp of [wrongCode(right), previous, next, "12345", "abcdef", `${right} `]) {
      const e = await expectAppwriteError(
        m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, otp)),
        "user_invalid_token",
        401,
      );
      expect(e.message).toBe(INVALID_TOKEN);
    }
    // Failed attempts leave it unverified.
    expect((await m.b.use((a) => a.listMfaFactors())).totp).toBe(false);

    const account = await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, right));
    expect(account).toMatchObject({ $id: m.userId, email: m.email, mfa: false });
    expect(Object.keys(account)).toContain("targets");
    // The session that verified it gains `totp`.
    const session = await m.b.use((a) => a.getSession("current"));
    expect(session.factors).toEqual(["password", "totp"]);
    expect(await m.b.use((a) => a.listMfaFactors())).toEqual({ totp: true, phone: false, email: false, recoveryCode: false });
    nextStep(server);
  });

  it("a verified authenticator: a second POST and a second PUT answer 409 user_authenticator_already_verified", async () => {
    const m = await member(server, "totp-twice");
    const secret = await addTotp(server, m);
    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp)),
      "user_authenticator_already_verified",
      409,
    );
    expect(e.message).toBe(ALREADY_VERIFIED);
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, totpAt(server, secret))),
      "user_authenticator_already_verified",
      409,
    );
    // The refused POST did not replace the verified authenticator: its codes still pass a challenge.
    await passTotp(server, m.b, secret);
  });

  it("an unverified authenticator is replaced by a new POST: a different secret, and the old one's codes are refused", async () => {
    const m = await member(server, "totp-replace");
    const first = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    const second = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    expect(second.secret).not.toBe(first.secret);
    expect(second.uri).toContain(`secret=${second.secret}`);
    const oldCode = totpAt(server, first.secret);
    const newCode = totpAt(server, second.secret);
    expect(oldCode).not.toBe(newCode);
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, oldCode)),
      "user_invalid_token",
      401,
    );
    await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, newCode));
    expect((await m.b.use((a) => a.listMfaFactors())).totp).toBe(true);
    nextStep(server);
  });

  it("PUT without any authenticator answers 404 user_authenticator_not_found", async () => {
    const m = await member(server, "totp-none");
    const e = await expectAppwriteError(
      m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, "123456")),
      "user_authenticator_not_found",
      404,
    );
    expect(e.message).toBe(AUTHENTICATOR_NOT_FOUND);
  });

  it("the code that verified the authenticator cannot be replayed in a challenge within the same step", async () => {
    const m = await member(server, "totp-verify-replay");
    const { secret } = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    const used = totpAt(server, secret);
    await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, used));
    await m.b.use((a) => a.updateMFA(true));
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, used)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    nextStep(server);
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, totpAt(server, secret)));
    expect(session.factors).toEqual(["password", "totp"]);
    nextStep(server);
  });
});

// ---------------------------------------------------------------------------------------------
// Enabling MFA and the gate
// ---------------------------------------------------------------------------------------------

describe("enabling MFA and the gate", () => {
  it("updateMFA(true) credits the enabling session with every verified factor; other sessions are gated", async () => {
    const m = await member(server, "enable");
    // b2 logged in before MFA was set up; it is the one that turns MFA on.
    const b2 = await login(server, m.email);
    await addTotp(server, m);
    await verifyEmailInStore(server, m);
    expect((await b2.use((a) => a.getSession("current"))).factors).toEqual(["password"]);

    const account = await b2.use((a) => a.updateMFA(true));
    expect(account).toMatchObject({ $id: m.userId, mfa: true, emailVerification: true });

    // The enabling session keeps working, now holding password + totp + email.
    expect((await b2.use((a) => a.get())).mfa).toBe(true);
    const factors = (await b2.use((a) => a.getSession("current"))).factors;
    expect([...factors].sort()).toEqual(["email", "password", "totp"]);
    // The session that verified TOTP already had two factors.
    expect((await m.b.use((a) => a.get())).$id).toBe(m.userId);

    // A new login has one factor: gated.
    const b3 = await login(server, m.email);
    const e = await expectAppwriteError(
      b3.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    expect(e.message).toBe(MORE_FACTORS);
    // node-appwrite with a session (SSR) is gated the same way.
    const ssr = await serverClient(server.endpoint).account.createEmailPasswordSession(m.email, PASSWORD);
    await expectAppwriteError(sessionClient(server.endpoint, ssr.secret).account.get(), "user_more_factors_required", 401);
  });

  it("a gated session may list factors, create and complete challenges and log itself out, and nothing else", async () => {
    const m = await mfaMember(server, "gate");
    const b2 = await login(server, m.email);
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );

    const factors = await b2.use((a) => a.listMfaFactors());
    expect(Object.keys(factors)).toEqual(FACTOR_FIELDS);
    expect(factors).toEqual({ totp: true, phone: false, email: false, recoveryCode: false });

    // Everything outside the mfa group is refused, including DELETE /account/sessions and the
    // needsRecentChallenge routes (the gate comes first: src/core/pipeline.ts).
    const refused: Array<[string, () => Promise<unknown>]> = [
      ["deleteSessions", () => b2.use((a) => a.deleteSessions())],
      ["listSessions", () => b2.use((a) => a.listSessions())],
      ["getSession", () => b2.use((a) => a.getSession("current"))],
      ["updateName", () => b2.use((a) => a.updateName("Mallory"))],
      ["createJWT", () => b2.use((a) => a.createJWT())],
      ["updateMFA(false)", () => b2.use((a) => a.updateMFA(false))],
      ["createMfaAuthenticator", () => b2.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp))],
      ["updateMfaAuthenticator", () => b2.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, totpAt(server, m.secret)))],
      ["updateMfaRecoveryCodes", () => b2.use((a) => a.updateMfaRecoveryCodes())],
      ["deleteMfaAuthenticator", () => b2.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp))],
      ["createMfaRecoveryCodes", () => b2.use((a) => a.createMfaRecoveryCodes())],
      ["getMfaRecoveryCodes", () => b2.use((a) => a.getMfaRecoveryCodes())],
    ];
    for (const [name, call] of refused) {
      await expect(call(), name).rejects.toMatchObject({ code: 401, type: "user_more_factors_required" });
    }
    // deleteSessions was refused: the other session is still alive.
    expect((await m.b.use((a) => a.get())).mfa).toBe(true);
    expect((await m.b.use((a) => a.createMfaRecoveryCodes())).recoveryCodes).toHaveLength(6);

    // Challenges are allowed.
    const at = server.clock.now();
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    expect(Object.keys(challenge)).toEqual(CHALLENGE_FIELDS);
    expect(challenge.$id).toMatch(ID_FORMAT);
    expect(challenge).toMatchObject({ userId: m.userId, $createdAt: iso(at), expire: iso(at + HOUR_MS) });
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, wrongCode(totpAt(server, m.secret)))),
      "user_invalid_token",
      401,
    );
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, totpAt(server, m.secret)));
    expect(session.factors).toEqual(["password", "totp"]);
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);

    // A gated session may log itself out.
    const b3 = await login(server, m.email);
    const b3Id = (await m.b.use((a) => a.listSessions())).sessions.find((s) => !s.current && s.factors.length === 1)?.$id;
    expect(b3Id).toBeTruthy();
    await b3.use((a) => a.deleteSession("current"));
    await expectAppwriteError(
      b3.use((a) => a.get()),
      "general_unauthorized_scope",
      401,
    );
    const left = (await m.b.use((a) => a.listSessions())).sessions.map((s) => s.$id);
    expect(left).not.toContain(b3Id);
  });

  it("POST /account/mfa/challenge answers 200 (not 201)", async () => {
    const m = await mfaMember(server, "challenge-200");
    const b2 = await login(server, m.email);
    const res = await raw(server.endpoint, "POST", "/account/mfa/challenge", { body: { factor: "totp" }, headers: as(b2) });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json!)).toEqual(CHALLENGE_FIELDS);
  });

  it("MFA on without any verified factor: one factor is enough; verifying a TOTP authenticator then gates one-factor sessions", async () => {
    const m = await member(server, "no-factor");
    // An unverified authenticator and an unverified e-mail are not factors.
    const { secret } = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    expect((await m.b.use((a) => a.updateMFA(true))).mfa).toBe(true);
    expect((await m.b.use((a) => a.getSession("current"))).factors).toEqual(["password"]);
    const b2 = await login(server, m.email);
    expect((await b2.use((a) => a.get())).mfa).toBe(true);

    await m.b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, totpAt(server, secret)));
    nextStep(server);
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    // The session that verified the authenticator holds totp.
    expect((await m.b.use((a) => a.get())).$id).toBe(m.userId);
  });

  it("disabling MFA lifts the gate for other sessions", async () => {
    const m = await mfaMember(server, "disable");
    const b2 = await login(server, m.email);
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    const account = await m.b.use((a) => a.updateMFA(false));
    expect(account.mfa).toBe(false);
    expect((await b2.use((a) => a.get())).mfa).toBe(false);
    // The authenticator itself stays.
    expect((await b2.use((a) => a.listMfaFactors())).totp).toBe(true);
    // Disabling changes no session.
    expect((await b2.use((a) => a.getSession("current"))).factors).toEqual(["password"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Passing a challenge by each factor
// ---------------------------------------------------------------------------------------------

describe("completing a challenge by each factor", () => {
  it("totp: the PUT answers the current Session with the factor, ISO mfaUpdatedAt, current=true and a country name", async () => {
    const m = await mfaMember(server, "pass-totp");
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    server.clock.advance(5_000);
    const at = server.clock.now();
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, totpAt(server, m.secret)));
    expect(Object.keys(session)).toEqual(SESSION_FIELDS);
    expect(session).toMatchObject({
      userId: m.userId,
      factors: ["password", "totp"],
      mfaUpdatedAt: iso(at),
      current: true,
      secret: "",
      provider: "email",
    });
    expect(session.expire).toMatch(ISO);
    expect(session.$updatedAt).toMatch(ISO);

    // get() works now, and the stored session agrees with the PUT's answer.
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    const current = await b2.use((a) => a.getSession("current"));
    expect(current.$id).toBe(session.$id);
    expect(current.factors).toEqual(["password", "totp"]);
    expect(current.mfaUpdatedAt).toBe(iso(at));
    expect(session.countryName).toBe(current.countryName);
    expect(session.countryName).not.toBe("");
    // The challenge is gone once used: in the next step, with that step's valid code, it is refused.
    nextStep(server);
    const later = totpAt(server, m.secret);
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, later)),
      "user_invalid_token",
      401,
    );
    // That code was not spent: a new challenge takes it.
    const next = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b2.use((a) => a.updateMfaChallenge(next.$id, later));
    nextStep(server);
  });

  it("email: after verifying the address by the verification mail, the code arrives in a 'Verification Code for <project>' mail", async () => {
    const m = await member(server, "pass-email");
    await verifyEmailByMail(m);
    expect((await m.b.use((a) => a.get())).emailVerification).toBe(true);
    expect((await m.b.use((a) => a.listMfaFactors())).email).toBe(true);
    await m.b.use((a) => a.updateMFA(true));
    expect((await m.b.use((a) => a.getSession("current"))).factors).toEqual(["password", "email"]);

    const b2 = await login(server, m.email);
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    const at = server.clock.now();
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Email));
    expect(challenge.expire).toBe(iso(at + HOUR_MS));
    const mail = box.lastMail(m.email);
    expect(mail).toMatchObject({ kind: "mfa-otp", to: m.email, subject: `Verification Code for ${PROJECT_NAME}` });
    expect(mail!.secret).toMatch(/^\d{6}$/);
    expect(mail!.text).toContain(mail!.secret!);
    expect(mail!.html).toContain(mail!.secret!);

    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, wrongCode(mail!.secret!))),
      "user_invalid_token",
      401,
    );
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, mail!.secret!));
    expect(session.factors).toEqual(["password", "email"]);
    expect(session.mfaUpdatedAt).toBe(iso(server.clock.now()));
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    expect((await b2.use((a) => a.getSession("current"))).factors).toEqual(["password", "email"]);
  });

  it("phone: after verifying the number by SMS, the code arrives by SMS (the text is the code)", async () => {
    const m = await member(server, "pass-phone");
    const phone = uniqueMfaPhone();
    await verifyPhoneBySms(m, phone);
    expect(await m.b.use((a) => a.get())).toMatchObject({ phone, phoneVerification: true });
    expect(await m.b.use((a) => a.listMfaFactors())).toEqual({ totp: false, phone: true, email: false, recoveryCode: false });
    await m.b.use((a) => a.updateMFA(true));
    // Enabling credits the verified phone to the enabling session.
    expect((await m.b.use((a) => a.getSession("current"))).factors).toEqual(["password", "phone"]);

    const b2 = await login(server, m.email);
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone));
    const sms = box.lastSms(phone);
    expect(sms).toMatchObject({ kind: "mfa-otp", to: phone });
    expect(sms!.secret).toMatch(/^\d{6}$/);
    expect(sms!.text).toBe(sms!.secret);

    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone));
    const second = box.lastSms(phone)!;
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, second.secret));
    expect(session.factors).toEqual(["password", "phone"]);
    expect(session.mfaUpdatedAt).toBe(iso(server.clock.now()));
    expect((await b2.use((a) => a.get())).phone).toBe(phone);
  });

  it("recovery code: passes the gate, sends nothing, and is consumed", async () => {
    const m = await mfaMember(server, "pass-recovery");
    const { recoveryCodes: codes } = await m.b.use((a) => a.createMfaRecoveryCodes());
    const b2 = await login(server, m.email);
    const sent = box.entries.length;
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    expect(box.entries.length).toBe(sent);
    const session = await b2.use((a) => a.updateMfaChallenge(challenge.$id, codes[0]!));
    expect(session.factors).toEqual(["password", "recoverycode"]);
    expect(session.mfaUpdatedAt).toBe(iso(server.clock.now()));
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    // The challenge is gone once used, whatever code comes with it.
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, codes[2]!)),
      "user_invalid_token",
      401,
    );

    // The same code on another browser is refused; the next one works.
    const b3 = await login(server, m.email);
    const again = await b3.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    await expectAppwriteError(
      b3.use((a) => a.updateMfaChallenge(again.$id, codes[0]!)),
      "user_invalid_token",
      401,
    );
    await b3.use((a) => a.updateMfaChallenge(again.$id, codes[1]!));
    expect((await b3.use((a) => a.get())).$id).toBe(m.userId);
    // codes[2] was not spent on the dead challenge above.
    const b4 = await login(server, m.email);
    await passRecoveryCode(b4, codes[2]!);
    expect((await b4.use((a) => a.get())).$id).toBe(m.userId);
  });
});

// ---------------------------------------------------------------------------------------------
// Recovery codes
// ---------------------------------------------------------------------------------------------

describe("recovery codes", () => {
  it("POST gives 6 distinct codes of 10 lowercase hex; a second POST is 409; GET and PATCH need a fresh challenge", async () => {
    const m = await member(server, "codes-create");
    const res = await raw(server.endpoint, "POST", "/account/mfa/recovery-codes", { body: {}, headers: as(m.b) });
    expect(res.status).toBe(200);
    const codes = res.json!.recoveryCodes as string[];
    expect(Object.keys(res.json!)).toEqual(["recoveryCodes"]);
    expect(codes).toHaveLength(6);
    for (const code of codes) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(codes).size).toBe(6);
    expect((await m.b.use((a) => a.listMfaFactors())).recoveryCode).toBe(true);

    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaRecoveryCodes()),
      "user_recovery_codes_already_exists",
      409,
    );
    expect(e.message).toBe(CODES_EXIST);
    const g = await expectAppwriteError(
      m.b.use((a) => a.getMfaRecoveryCodes()),
      "user_challenge_required",
      401,
    );
    expect(g.message).toBe(CHALLENGE_REQUIRED);
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaRecoveryCodes()),
      "user_challenge_required",
      401,
    );
  });

  it("GET shows the remaining codes while the last challenge is at most 30 minutes old; 30 min + 1 s later it needs a new one", async () => {
    const m = await member(server, "codes-fresh");
    const { recoveryCodes: codes } = await m.b.use((a) => a.createMfaRecoveryCodes());
    await passRecoveryCode(m.b, codes[0]!);
    const remaining = await m.b.use((a) => a.getMfaRecoveryCodes());
    expect([...remaining.recoveryCodes].sort()).toEqual(codes.slice(1).sort());

    server.clock.advance(30 * MINUTE_MS);
    expect((await m.b.use((a) => a.getMfaRecoveryCodes())).recoveryCodes).toHaveLength(5);
    server.clock.advance(1_000);
    await expectAppwriteError(
      m.b.use((a) => a.getMfaRecoveryCodes()),
      "user_challenge_required",
      401,
    );
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaRecoveryCodes()),
      "user_challenge_required",
      401,
    );
    await expectAppwriteError(
      m.b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp)),
      "user_challenge_required",
      401,
    );

    // A new challenge makes it fresh again.
    await passRecoveryCode(m.b, codes[1]!);
    expect([...(await m.b.use((a) => a.getMfaRecoveryCodes())).recoveryCodes].sort()).toEqual(codes.slice(2).sort());

    // A code sealed under another service secret still counts but can no longer be shown.
    await server.service.config.store.mfa.replaceRecoveryCodes(m.userId, [
      { userId: m.userId, codeHash: "0".repeat(64), sealedCode: "v1.other.secret.seal", createdAt: new Date() },
    ]);
    const unshown = await expectAppwriteError(
      m.b.use((a) => a.getMfaRecoveryCodes()),
      "user_recovery_codes_not_found",
      404,
    );
    expect(unshown.message).toBe("Recovery codes can no longer be shown because the service secret changed. Regenerate them.");
  });

  it("each code works once; using all six leaves GET 404, recoveryCode false and PATCH 404, and POST works again", async () => {
    const m = await member(server, "codes-exhaust");
    const { recoveryCodes: codes } = await m.b.use((a) => a.createMfaRecoveryCodes());
    for (const code of codes) {
      const session = await passRecoveryCode(m.b, code);
      expect(session.factors).toContain("recoverycode");
    }
    const challenge = await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaChallenge(challenge.$id, codes[5]!)),
      "user_invalid_token",
      401,
    );

    // The last pass was just now, so these are past the freshness check.
    const e = await expectAppwriteError(
      m.b.use((a) => a.getMfaRecoveryCodes()),
      "user_recovery_codes_not_found",
      404,
    );
    expect(e.message).toBe(CODES_NOT_FOUND);
    expect((await m.b.use((a) => a.listMfaFactors())).recoveryCode).toBe(false);
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaRecoveryCodes()),
      "user_recovery_codes_not_found",
      404,
    );

    const fresh = await m.b.use((a) => a.createMfaRecoveryCodes());
    expect(fresh.recoveryCodes).toHaveLength(6);
    expect(fresh.recoveryCodes.filter((c) => codes.includes(c))).toEqual([]);
    expect((await m.b.use((a) => a.listMfaFactors())).recoveryCode).toBe(true);
  });

  it("PATCH regenerates: six new codes, GET shows them, the old ones are dead and the new ones work", async () => {
    const m = await member(server, "codes-regen");
    const { recoveryCodes: old } = await m.b.use((a) => a.createMfaRecoveryCodes());
    await passRecoveryCode(m.b, old[0]!);
    const { recoveryCodes: renewed } = await m.b.use((a) => a.updateMfaRecoveryCodes());
    expect(renewed).toHaveLength(6);
    for (const code of renewed) expect(code).toMatch(RECOVERY_CODE);
    expect(new Set(renewed).size).toBe(6);
    expect(renewed.filter((c) => old.includes(c))).toEqual([]);
    expect([...(await m.b.use((a) => a.getMfaRecoveryCodes())).recoveryCodes].sort()).toEqual([...renewed].sort());

    const challenge = await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaChallenge(challenge.$id, old[1]!)),
      "user_invalid_token",
      401,
    );
    await m.b.use((a) => a.updateMfaChallenge(challenge.$id, renewed[0]!));
    expect((await m.b.use((a) => a.getMfaRecoveryCodes())).recoveryCodes).toHaveLength(5);
  });

  it("another user's recovery code is refused", async () => {
    const a = await member(server, "codes-a");
    const b = await member(server, "codes-b");
    const { recoveryCodes: codesA } = await a.b.use((x) => x.createMfaRecoveryCodes());
    await b.b.use((x) => x.createMfaRecoveryCodes());
    const challenge = await b.b.use((x) => x.createMfaChallenge(AuthenticationFactor.Recoverycode));
    await expectAppwriteError(
      b.b.use((x) => x.updateMfaChallenge(challenge.$id, codesA[0]!)),
      "user_invalid_token",
      401,
    );
    // A's code is still unused.
    await passRecoveryCode(a.b, codesA[0]!);
  });
});

// ---------------------------------------------------------------------------------------------
// Removing the authenticator
// ---------------------------------------------------------------------------------------------

describe("removing the authenticator", () => {
  it("needs a fresh challenge; then 204, totp false, a second delete 404; mfa stays on but one-factor sessions pass", async () => {
    const m = await mfaMember(server, "delete-totp");
    // Two factors, but no challenge passed yet.
    const e = await expectAppwriteError(
      m.b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp)),
      "user_challenge_required",
      401,
    );
    expect(e.message).toBe(CHALLENGE_REQUIRED);

    await passTotp(server, m.b, m.secret);
    const res = await raw(server.endpoint, "DELETE", "/account/mfa/authenticators/totp", { body: {}, headers: as(m.b) });
    expect(res.status).toBe(204);
    expect(res.text).toBe("");
    expect(res.headers.get("content-type") ?? "").not.toContain("application/json");

    expect((await m.b.use((a) => a.listMfaFactors())).totp).toBe(false);
    const again = await expectAppwriteError(
      m.b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp)),
      "user_authenticator_not_found",
      404,
    );
    expect(again.message).toBe(AUTHENTICATOR_NOT_FOUND);

    // user.mfa and the session's factors are left as they were ...
    expect((await m.b.use((a) => a.get())).mfa).toBe(true);
    expect((await m.b.use((a) => a.getSession("current"))).factors).toEqual(["password", "totp"]);
    // ... but nothing is left to ask for: a new login passes.
    const b2 = await login(server, m.email);
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);

    // The old secret's codes no longer pass a challenge.
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, totpAt(server, m.secret))),
      "user_invalid_token",
      401,
    );

    // A new authenticator can be set up, with a new secret.
    const next = await m.b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    expect(next.secret).not.toBe(m.secret);
  });

  it("the SDK's deleteMfaAuthenticator succeeds with a fresh challenge", async () => {
    const m = await mfaMember(server, "delete-sdk");
    // The session already held totp (from verifying): a TOTP challenge adds it only once.
    const passed = await passTotp(server, m.b, m.secret);
    expect(passed.factors).toEqual(["password", "totp"]);
    await m.b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp));
    expect(await m.b.use((a) => a.listMfaFactors())).toEqual({ totp: false, phone: false, email: false, recoveryCode: false });
  });
});

// ---------------------------------------------------------------------------------------------
// Challenge failures
// ---------------------------------------------------------------------------------------------

describe("challenge failures", () => {
  it("a wrong code is refused (401 user_invalid_token) and the challenge survives it", async () => {
    const m = await mfaMember(server, "wrong");
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    const right = totpAt(server, m.secret);
    for (const otp of [wrongCode(right), "abcdef", "1234567"]) {
      const e = await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(challenge.$id, otp)),
        "user_invalid_token",
        401,
      );
      expect(e.message).toBe(INVALID_TOKEN);
    }
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    await b2.use((a) => a.updateMfaChallenge(challenge.$id, right));
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);
  });

  it("an unknown challenge id is refused", async () => {
    const m = await mfaMember(server, "unknown-challenge");
    const b2 = await login(server, m.email);
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge("0123456789abcdef0123", totpAt(server, m.secret))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
  });

  it("a challenge expires one hour after creation: at 59:59 it works, at 1 h + 1 s it is refused", async () => {
    const m = await mfaMember(server, "expiry");
    const b2 = await login(server, m.email);
    const early = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    server.clock.advance(HOUR_MS - 1_000);
    await b2.use((a) => a.updateMfaChallenge(early.$id, totpAt(server, m.secret)));
    nextStep(server);

    const b3 = await login(server, m.email);
    const created = server.clock.now();
    const late = await b3.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    expect(late.expire).toBe(iso(created + HOUR_MS));
    server.clock.advance(HOUR_MS + 1_000);
    const code = totpAt(server, m.secret);
    await expectAppwriteError(
      b3.use((a) => a.updateMfaChallenge(late.$id, code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b3.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    // The same code in a new challenge works: only the expiry was in the way.
    const fresh = await b3.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b3.use((a) => a.updateMfaChallenge(fresh.$id, code));
    expect((await b3.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);
  });

  it("an e-mail challenge expires too", async () => {
    const m = await member(server, "expiry-email");
    await verifyEmailInStore(server, m);
    await m.b.use((a) => a.updateMFA(true));
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Email));
    const code = box.lastMail(m.email)!.secret!;
    server.clock.advance(HOUR_MS + 1_000);
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
  });

  it("a TOTP code accepted once is refused in a second challenge within the same step, accepted codes of the next step pass", async () => {
    const m = await mfaMember(server, "replay");
    const b2 = await login(server, m.email);
    const b3 = await login(server, m.email);
    const code = totpAt(server, m.secret);
    const first = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b2.use((a) => a.updateMfaChallenge(first.$id, code));

    const second = await b3.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await expectAppwriteError(
      b3.use((a) => a.updateMfaChallenge(second.$id, code)),
      "user_invalid_token",
      401,
    );
    // Later in the same step, still refused.
    server.clock.set(Math.floor(server.clock.now() / STEP_MS) * STEP_MS + STEP_MS - 1);
    await expectAppwriteError(
      b3.use((a) => a.updateMfaChallenge(second.$id, totpAt(server, m.secret))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b3.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
    // The next step's code passes the same challenge.
    server.clock.advance(1);
    await b3.use((a) => a.updateMfaChallenge(second.$id, totpAt(server, m.secret)));
    expect((await b3.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);
  });

  it("codes of the previous and the next step are refused (no ±1 window)", async () => {
    const m = await mfaMember(server, "window");
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    const right = totpAt(server, m.secret);
    for (const offset of [-STEP_MS, STEP_MS, -2 * STEP_MS]) {
      const otp = totpAt(server, m.secret, offset);
      expect(otp).not.toBe(right);
      await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(challenge.$id, otp)),
        "user_invalid_token",
        401,
      );
    }
    await b2.use((a) => a.updateMfaChallenge(challenge.$id, right));
    nextStep(server);
  });

  it("user B cannot complete user A's challenge, even with B's own TOTP code or A's e-mailed code", async () => {
    const a = await mfaMember(server, "owner-a");
    const b = await mfaMember(server, "owner-b");
    await verifyEmailInStore(server, a);
    const a2 = await login(server, a.email);
    const b2 = await login(server, b.email);

    // TOTP: B's own valid code against A's challenge.
    const totpChallenge = await a2.use((x) => x.createMfaChallenge(AuthenticationFactor.Totp));
    await expectAppwriteError(
      b2.use((x) => x.updateMfaChallenge(totpChallenge.$id, totpAt(server, b.secret))),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((x) => x.get()),
      "user_more_factors_required",
      401,
    );

    // E-mail: A's code, stolen, against A's challenge from B's session.
    const emailChallenge = await a2.use((x) => x.createMfaChallenge(AuthenticationFactor.Email));
    const code = box.lastMail(a.email)!.secret!;
    await expectAppwriteError(
      b2.use((x) => x.updateMfaChallenge(emailChallenge.$id, code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((x) => x.get()),
      "user_more_factors_required",
      401,
    );

    // A can still complete both.
    await a2.use((x) => x.updateMfaChallenge(emailChallenge.$id, code));
    await a2.use((x) => x.updateMfaChallenge(totpChallenge.$id, totpAt(server, a.secret)));
    expect([...(await a2.use((x) => x.getSession("current"))).factors].sort()).toEqual(["email", "password", "totp"]);
    // And B's code was not spent on A's challenge.
    const own = await b2.use((x) => x.createMfaChallenge(AuthenticationFactor.Totp));
    await b2.use((x) => x.updateMfaChallenge(own.$id, totpAt(server, b.secret)));
    nextStep(server);
  });

  it("a challenge dies after 5 wrong codes: the right code is then refused; after 4 wrong codes it still works", async () => {
    const m = await mfaMember(server, "attempts");
    const b2 = await login(server, m.email);
    const right = totpAt(server, m.secret);
    const dead = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    for (let i = 0; i < 5; i += 1) {
      await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(dead.$id, wrongCode(right))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(dead.$id, right)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );

    // Four wrong codes leave the challenge alive (and the refused right code above was not spent).
    const alive = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    for (let i = 0; i < 4; i += 1) {
      await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(alive.$id, wrongCode(right))),
        "user_invalid_token",
        401,
      );
    }
    await b2.use((a) => a.updateMfaChallenge(alive.$id, right));
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);
  });

  it("an e-mail challenge dies after 5 wrong codes too", async () => {
    const m = await member(server, "attempts-email");
    await verifyEmailInStore(server, m);
    await m.b.use((a) => a.updateMFA(true));
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Email));
    const code = box.lastMail(m.email)!.secret!;
    for (let i = 0; i < 5; i += 1) {
      await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(challenge.$id, wrongCode(code))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_more_factors_required",
      401,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Challenge preconditions
// ---------------------------------------------------------------------------------------------

describe("challenge preconditions", () => {
  it("without SMTP an e-mail challenge is 503 general_smtp_disabled; without an SMS provider a phone challenge is 503 general_phone_disabled", async () => {
    const m = await member(bare, "no-delivery");
    await verifyEmailInStore(bare, m);
    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Email)),
      "general_smtp_disabled",
      503,
    );
    expect(e.message).toBe("SMTP disabled");
    const p = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone)),
      "general_phone_disabled",
      503,
    );
    expect(p.message).toBe("Phone provider not configured");
    // TOTP needs no delivery.
    const secret = await addTotp(bare, m);
    await passTotp(bare, m.b, secret);
  });

  it("a phone challenge without a phone is 400 user_phone_not_found; with an unverified phone 400 user_phone_not_verified", async () => {
    const m = await member(server, "phone-missing");
    const sent = box.entries.length;
    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone)),
      "user_phone_not_found",
      400,
    );
    expect(e.message).toBe(PHONE_NOT_FOUND);
    const phone = uniqueMfaPhone();
    await m.b.use((a) => a.updatePhone(phone, PASSWORD));
    const u = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone)),
      "user_phone_not_verified",
      400,
    );
    expect(u.message).toBe("User phone is not verified");
    expect(box.entries.length).toBe(sent);
  });

  it("an e-mail challenge with an unverified address is 400 user_email_not_verified; without an address 400 user_email_not_found", async () => {
    const m = await member(server, "email-unverified");
    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Email)),
      "user_email_not_verified",
      400,
    );
    expect(e.message).toBe("User email is not verified");
    expect(box.lastMail(m.email)).toBeUndefined();

    const anonymous = browser(server.endpoint);
    await anonymous.use((a) => a.createAnonymousSession());
    const n = await expectAppwriteError(
      anonymous.use((a) => a.createMfaChallenge(AuthenticationFactor.Email)),
      "user_email_not_found",
      400,
    );
    expect(n.message).toBe("User email could not be found.");
  });

  it("factor 'sms' is 400 general_argument_invalid", async () => {
    const m = await member(server, "factor-sms");
    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge("sms" as unknown as AuthenticationFactor)),
      "general_argument_invalid",
      400,
    );
    expect(e.message).toBe(MSG.factor);
  });

  it("a TOTP challenge without an authenticator can be created but never completed", async () => {
    const m = await member(server, "totp-missing");
    const challenge = await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await expectAppwriteError(
      m.b.use((a) => a.updateMfaChallenge(challenge.$id, "123456")),
      "user_invalid_token",
      401,
    );
    expect((await m.b.use((a) => a.getSession("current"))).factors).toEqual(["password"]);
  });
});

// ---------------------------------------------------------------------------------------------
// Rate limits
// ---------------------------------------------------------------------------------------------

describe("rate limits", () => {
  it("POST challenge: 10 per hour per user, with X-RateLimit headers; another user is not affected; the next window is", async () => {
    // Start at the top of a window, so the ten requests below stay in one window.
    server.clock.set(windowEnd(server.clock.now()) * 1000);
    const m = await mfaMember(server, "limit-post");
    const other = await mfaMember(server, "limit-post-other");
    const first = await raw(server.endpoint, "POST", "/account/mfa/challenge", { body: { factor: "totp" }, headers: as(m.b) });
    expect(first.status).toBe(200);
    const reset = String(windowEnd(server.clock.now()));
    expect([
      first.headers.get("x-ratelimit-limit"),
      first.headers.get("x-ratelimit-remaining"),
      first.headers.get("x-ratelimit-reset"),
    ]).toEqual(["10", "9", reset]);
    for (let i = 2; i <= 10; i += 1) await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));

    const e = await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp)),
      "general_rate_limit_exceeded",
      429,
    );
    expect(e.message).toBe(RATE_LIMITED);
    const refused = await raw(server.endpoint, "POST", "/account/mfa/challenge", { body: { factor: "totp" }, headers: as(m.b) });
    expectRawError(refused, 429, "general_rate_limit_exceeded");
    expect([refused.headers.get("x-ratelimit-limit"), refused.headers.get("x-ratelimit-remaining")]).toEqual(["10", "0"]);

    // Per user: another user on the same IP is not affected.
    await other.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    // The next window allows the user again.
    server.clock.set(windowEnd(server.clock.now()) * 1000);
    await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
  });

  it("POST challenge: refused requests (bad factor, missing phone) count towards the 10 (counted before validation)", async () => {
    server.clock.set(windowEnd(server.clock.now()) * 1000);
    const m = await member(server, "limit-count");
    for (let i = 0; i < 5; i += 1) {
      await expectAppwriteError(
        m.b.use((a) => a.createMfaChallenge("sms" as unknown as AuthenticationFactor)),
        "general_argument_invalid",
        400,
      );
      await expectAppwriteError(
        m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Phone)),
        "user_phone_not_found",
        400,
      );
    }
    await expectAppwriteError(
      m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp)),
      "general_rate_limit_exceeded",
      429,
    );
  });

  it("PUT challenge: 10 per hour per challenge id", async () => {
    server.clock.set(windowEnd(server.clock.now()) * 1000);
    const m = await mfaMember(server, "limit-put");
    const b2 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    const wrong = wrongCode(totpAt(server, m.secret));
    for (let i = 0; i < 10; i += 1) {
      await expectAppwriteError(
        b2.use((a) => a.updateMfaChallenge(challenge.$id, wrong)),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      b2.use((a) => a.updateMfaChallenge(challenge.$id, wrong)),
      "general_rate_limit_exceeded",
      429,
    );
    // Another challenge id has its own counter.
    const other = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b2.use((a) => a.updateMfaChallenge(other.$id, totpAt(server, m.secret)));
    expect((await b2.use((a) => a.get())).$id).toBe(m.userId);
    nextStep(server);
  });
});

// ---------------------------------------------------------------------------------------------
// More of the contract
// ---------------------------------------------------------------------------------------------

describe("more of the MFA contract", () => {
  it("audit log: PATCH mfa and PUT authenticator write user.update, challenges write challenge.create and challenges.update; the others write nothing", async () => {
    const m = await member(server, "audit");
    const secret = await addTotp(server, m); // POST (no audit) + PUT (user.update)
    await m.b.use((a) => a.updateMFA(true)); // user.update
    await m.b.use((a) => a.createMfaRecoveryCodes()); // no audit
    await passTotp(server, m.b, secret); // challenge.create + challenges.update
    await m.b.use((a) => a.getMfaRecoveryCodes()); // no audit
    await m.b.use((a) => a.updateMfaRecoveryCodes()); // no audit
    await m.b.use((a) => a.listMfaFactors()); // no audit
    await m.b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp)); // no audit
    const logs = await m.b.use((a) => a.listLogs());
    // Newest first; signup and login made the oldest entries.
    expect(logs.logs.map((l) => l.event)).toEqual([
      "challenges.update",
      "challenge.create",
      "user.update",
      "user.update",
      "session.create",
      "user.create",
    ]);
    expect(logs.logs.every((l) => l.userId === m.userId)).toBe(true);
  });

  it("PATCH /account/mfa honours X-Appwrite-Timestamp: older than the last change → 409, unparsable → 400", async () => {
    const m = await member(server, "timestamp");
    await m.b.use((a) => a.updateMFA(true));
    const changed = server.clock.now();
    server.clock.advance(1_000);
    const stale = await raw(server.endpoint, "PATCH", "/account/mfa", {
      body: { mfa: false },
      headers: { ...as(m.b), "x-appwrite-timestamp": iso(changed - 1) },
    });
    expectRawError(stale, 409, "document_update_conflict", "Remote document is newer than local.");
    const bad = await raw(server.endpoint, "PATCH", "/account/mfa", {
      body: { mfa: false },
      headers: { ...as(m.b), "x-appwrite-timestamp": "yesterday-ish" },
    });
    expectRawError(bad, 400, "general_argument_invalid", "Invalid X-Appwrite-Timestamp header value");
    expect((await m.b.use((a) => a.get())).mfa).toBe(true);
    const fresh = await raw(server.endpoint, "PATCH", "/account/mfa", {
      body: { mfa: false },
      headers: { ...as(m.b), "x-appwrite-timestamp": iso(changed) },
    });
    expect(fresh.status).toBe(200);
    expect(fresh.json!.mfa).toBe(false);
  });

  it("a blocked user gets user_blocked before the MFA gate, on skipsMfaGate routes too", async () => {
    const m = await mfaMember(server, "blocked");
    const b2 = await login(server, m.email);
    await server.service.config.store.users.update(m.userId, { status: false });
    await expectAppwriteError(
      b2.use((a) => a.get()),
      "user_blocked",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.listMfaFactors()),
      "user_blocked",
      401,
    );
    await expectAppwriteError(
      b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp)),
      "user_blocked",
      401,
    );
  });

  it("a 1.5 SDK's DELETE with an otp body is handled as in 1.6: the otp is ignored and a fresh challenge is needed", async () => {
    const m = await mfaMember(server, "delete-15");
    const headers = { ...as(m.b), "x-appwrite-response-format": "1.5.0" };
    const refused = await raw(server.endpoint, "DELETE", "/account/mfa/authenticators/totp", {
      body: { otp: totpAt(server, m.secret) },
      headers,
    });
    expectRawError(refused, 401, "user_challenge_required");
    await passTotp(server, m.b, m.secret);
    const res = await raw(server.endpoint, "DELETE", "/account/mfa/authenticators/totp", { body: { otp: "not-a-code" }, headers });
    expect(res.status).toBe(204);
  });

  it("a user without an e-mail (anonymous) can add an authenticator: never a 500", async () => {
    const anonymous = browser(server.endpoint);
    await anonymous.use((a) => a.createAnonymousSession());
    const type = await anonymous.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    expect(type.secret).toMatch(/^[A-Z2-7]{103}$/);
    const app = OTPAuth.URI.parse(type.uri) as OTPAuth.TOTP;
    expect(app.issuer).toBe(PROJECT_NAME);
    expect(app.secret.base32).toBe(type.secret);
    await anonymous.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, app.generate({ timestamp: server.clock.now() })));
    expect((await anonymous.use((a) => a.listMfaFactors())).totp).toBe(true);
    nextStep(server);
  });

  it("challenge codes and recovery codes are not stored in the clear", async () => {
    const m = await member(server, "hashes");
    await verifyEmailInStore(server, m);
    const challenge = await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Email));
    const code = box.lastMail(m.email)!.secret!;
    const store = server.service.config.store;
    const record = await store.challenges.get(challenge.$id);
    expect(record).not.toBeNull();
    expect(JSON.stringify(record)).not.toContain(code);
    const { recoveryCodes } = await m.b.use((a) => a.createMfaRecoveryCodes());
    const stored = JSON.stringify(await store.mfa.listRecoveryCodes(m.userId));
    for (const c of recoveryCodes) expect(stored).not.toContain(c);
  });

  it("two concurrent completions of one challenge: exactly one wins", async () => {
    const m = await member(server, "race");
    await verifyEmailInStore(server, m);
    await m.b.use((a) => a.updateMFA(true));
    const b2 = await login(server, m.email);
    const b3 = await login(server, m.email);
    const challenge = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Email));
    const otp = box.lastMail(m.email)!.secret!;
    const put = (b: Browser) =>
      raw(server.endpoint, "PUT", "/account/mfa/challenge", { body: { challengeId: challenge.$id, otp }, headers: as(b) });
    const results = await Promise.all([put(b2), put(b3)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("one recovery code presented concurrently in two challenges: exactly one wins", async () => {
    const m = await member(server, "race-code");
    const { recoveryCodes } = await m.b.use((a) => a.createMfaRecoveryCodes());
    const b2 = await login(server, m.email);
    const c1 = await m.b.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    const c2 = await b2.use((a) => a.createMfaChallenge(AuthenticationFactor.Recoverycode));
    const put = (b: Browser, challengeId: string) =>
      raw(server.endpoint, "PUT", "/account/mfa/challenge", { body: { challengeId, otp: recoveryCodes[0] }, headers: as(b) });
    const results = await Promise.all([put(m.b, c1.$id), put(b2, c2.$id)]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 401]);
  });
});

// ---------------------------------------------------------------------------------------------
// Bad input: always Appwrite's type and code, never a 500
// ---------------------------------------------------------------------------------------------

describe("bad input", () => {
  const ROUTES: Array<[string, string]> = [
    ["PATCH", "/account/mfa"],
    ["POST", "/account/mfa/authenticators/totp"],
    ["PUT", "/account/mfa/authenticators/totp"],
    ["DELETE", "/account/mfa/authenticators/totp"],
    ["POST", "/account/mfa/challenge"],
    ["PUT", "/account/mfa/challenge"],
    ["GET", "/account/mfa/factors"],
    ["POST", "/account/mfa/recovery-codes"],
    ["GET", "/account/mfa/recovery-codes"],
    ["PATCH", "/account/mfa/recovery-codes"],
  ];

  /** A user on `inputs` with codes, an unverified authenticator and a fresh challenge; raw calls use its session value. */
  let headers: Record<string, string>;
  beforeAll(async () => {
    const email = uniqueEmail("input");
    await serverClient(inputs.endpoint).account.create(ID.unique(), email, PASSWORD);
    const session = await serverClient(inputs.endpoint).account.createEmailPasswordSession(email, PASSWORD);
    headers = { "x-appwrite-session": session.secret };
    const account = sessionClient(inputs.endpoint, session.secret).account;
    const { recoveryCodes } = await account.createMfaRecoveryCodes();
    const challenge = await account.createMfaChallenge(node.AuthenticationFactor.Recoverycode);
    await account.updateMfaChallenge(challenge.$id, recoveryCodes[0]!);
    await account.createMfaAuthenticator(node.AuthenticatorType.Totp);
  });

  it("guests and API keys get 401 general_unauthorized_scope on every MFA route", async () => {
    for (const [method, path] of ROUTES) {
      const body = method === "GET" ? undefined : {};
      expectRawError(await raw(inputs.endpoint, method, path, { body }), 401, "general_unauthorized_scope", GUEST_SCOPE);
      expectRawError(
        await raw(inputs.endpoint, method, path, { body, headers: { "x-appwrite-key": API_KEY } }),
        401,
        "general_unauthorized_scope",
        KEY_SCOPE,
      );
    }
  });

  type Case = [
    method: string,
    path: string,
    body: string | object | undefined,
    status: number,
    type: string | null,
    message?: string,
    contentType?: string,
  ];
  const CASES: Case[] = [
    // PATCH /account/mfa
    ["PATCH", "/account/mfa", "{", 400, "general_argument_invalid", MSG.mfaMissing],
    ["PATCH", "/account/mfa", {}, 400, "general_argument_invalid", MSG.mfaMissing],
    ["PATCH", "/account/mfa", "[true]", 400, "general_argument_invalid", MSG.mfaMissing],
    ["PATCH", "/account/mfa", { mfa: "true" }, 400, "general_argument_invalid", MSG.mfaBoolean],
    ["PATCH", "/account/mfa", { mfa: 1 }, 400, "general_argument_invalid", MSG.mfaBoolean],
    ["PATCH", "/account/mfa", { mfa: {} }, 400, "general_argument_invalid", MSG.mfaBoolean],
    ["PATCH", "/account/mfa", { mfa: null }, 400, "general_argument_invalid"],
    ["PATCH", "/account/mfa", "mfa=true", 400, "general_argument_invalid", MSG.mfaBoolean, "application/x-www-form-urlencoded"],
    // POST /account/mfa/authenticators/{type}
    ["POST", "/account/mfa/authenticators/hotp", {}, 400, "general_argument_invalid", MSG.type],
    ["POST", "/account/mfa/authenticators/hotp", "{", 400, "general_argument_invalid", MSG.type],
    ["POST", "/account/mfa/authenticators/totp", "{", 200, null],
    // PUT /account/mfa/authenticators/{type}
    ["PUT", "/account/mfa/authenticators/hotp", { otp: "123456" }, 400, "general_argument_invalid", MSG.type],
    ["PUT", "/account/mfa/authenticators/totp", "{", 400, "general_argument_invalid", MSG.otpMissing],
    ["PUT", "/account/mfa/authenticators/totp", {}, 400, "general_argument_invalid", MSG.otpMissing],
    ["PUT", "/account/mfa/authenticators/totp", { otp: 123456 }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/authenticators/totp", { otp: "" }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/authenticators/totp", { otp: "1".repeat(257) }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/authenticators/totp", { otp: ["123456"] }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/authenticators/totp", { otp: { a: 1 } }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/authenticators/totp", { otp: "abcdef" }, 401, "user_invalid_token"],
    // DELETE /account/mfa/authenticators/{type} (the session has a fresh challenge)
    ["DELETE", "/account/mfa/authenticators/hotp", {}, 400, "general_argument_invalid", MSG.type],
    ["DELETE", "/account/mfa/authenticators/hotp", "{", 400, "general_argument_invalid", MSG.type],
    // POST /account/mfa/challenge
    ["POST", "/account/mfa/challenge", "{", 400, "general_argument_invalid", MSG.factorMissing],
    ["POST", "/account/mfa/challenge", { factor: "sms" }, 400, "general_argument_invalid", MSG.factor],
    ["POST", "/account/mfa/challenge", { factor: "recoveryCodes" }, 400, "general_argument_invalid", MSG.factor],
    ["POST", "/account/mfa/challenge", { factor: 1 }, 400, "general_argument_invalid", MSG.factor],
    ["POST", "/account/mfa/challenge", { factor: "" }, 400, "general_argument_invalid", MSG.factor],
    ["POST", "/account/mfa/challenge", { factor: ["totp"] }, 400, "general_argument_invalid", MSG.factor],
    ["POST", "/account/mfa/challenge", { factor: null }, 400, "general_argument_invalid"],
    // PUT /account/mfa/challenge
    ["PUT", "/account/mfa/challenge", "{", 400, "general_argument_invalid", MSG.challengeIdMissing],
    ["PUT", "/account/mfa/challenge", { otp: "123456" }, 400, "general_argument_invalid", MSG.challengeIdMissing],
    ["PUT", "/account/mfa/challenge", { challengeId: "abc" }, 400, "general_argument_invalid", MSG.otpMissing],
    ["PUT", "/account/mfa/challenge", { challengeId: 123, otp: "123456" }, 400, "general_argument_invalid", MSG.challengeId],
    ["PUT", "/account/mfa/challenge", { challengeId: "x".repeat(257), otp: "123456" }, 400, "general_argument_invalid", MSG.challengeId],
    ["PUT", "/account/mfa/challenge", { challengeId: "abc", otp: 123456 }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/challenge", { challengeId: "abc", otp: "" }, 400, "general_argument_invalid", MSG.otp],
    ["PUT", "/account/mfa/challenge", { challengeId: "0123456789abcdef0123", otp: "123456" }, 401, "user_invalid_token"],
    // Routes without parameters ignore the body and the query.
    ["GET", "/account/mfa/factors?factor=sms&x[]=1", undefined, 200, null],
    ["POST", "/account/mfa/recovery-codes", "{", 409, "user_recovery_codes_already_exists"],
    ["GET", "/account/mfa/recovery-codes?x=1", undefined, 200, null],
    ["PATCH", "/account/mfa/recovery-codes", "{", 200, null],
    ["GET", "/account/mfa/unknown", undefined, 404, "general_route_not_found", ROUTE_NOT_FOUND],
  ];

  it.each(CASES)("%s %s %j → %i %s", async (method, path, body, status, type, message, contentType) => {
    const res = await raw(inputs.endpoint, method, path, {
      body,
      headers: { ...headers, ...(contentType ? { "content-type": contentType } : {}) },
    });
    expect(res.status).not.toBe(500);
    if (type) expectRawError(res, status, type, message);
    else expect(res.status).toBe(status);
  });

  it("the type is matched case-insensitively (WhiteList)", async () => {
    const res = await raw(inputs.endpoint, "POST", "/account/mfa/authenticators/TOTP", { body: {}, headers });
    expect(res.status).toBe(200);
    expect(res.json!.secret).toMatch(/^[A-Z2-7]{103}$/);
  });

  it("pipeline order: the fresh-challenge check comes before parameter validation; the gate before both", async () => {
    const m = await member(inputs, "input-order");
    // No challenge passed: DELETE with a bad type is refused for the challenge first
    // (src/core/pipeline.ts checks it before the parameters).
    expectRawError(
      await raw(inputs.endpoint, "DELETE", "/account/mfa/authenticators/hotp", { body: {}, headers: as(m.b) }),
      401,
      "user_challenge_required",
    );
    // A gated session gets user_more_factors_required before any validation.
    await m.b.use((a) => a.updateMFA(true));
    await inputs.service.config.store.users.update(m.userId, { emailVerification: true });
    const b2 = await login(inputs, m.email);
    expectRawError(
      await raw(inputs.endpoint, "PATCH", "/account/mfa", { body: { mfa: "x" }, headers: as(b2) }),
      401,
      "user_more_factors_required",
    );
    expectRawError(
      await raw(inputs.endpoint, "POST", "/account/mfa/authenticators/hotp", { body: {}, headers: as(b2) }),
      401,
      "user_more_factors_required",
    );
    // mfa-group routes validate normally.
    expectRawError(
      await raw(inputs.endpoint, "POST", "/account/mfa/challenge", { body: { factor: "sms" }, headers: as(b2) }),
      400,
      "general_argument_invalid",
      MSG.factor,
    );
  });

  it("DELETE with a malformed body still removes the authenticator (no body parameters in 1.6)", async () => {
    const res = await raw(inputs.endpoint, "DELETE", "/account/mfa/authenticators/totp", { body: "{", headers });
    expect(res.status).toBe(204);
    expectRawError(
      await raw(inputs.endpoint, "DELETE", "/account/mfa/authenticators/totp", { body: "{", headers }),
      404,
      "user_authenticator_not_found",
    );
  });
});
