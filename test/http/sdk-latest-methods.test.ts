/**
 * Every Account method of today's SDKs, appwrite 28 (web) and node-appwrite 27 (server), against
 * the default configuration, in object-style and positional calls, with each answer compared
 * field by field with the SDK's own `Models` declaration (test/helpers/sdk-models.ts). Consents
 * stay 404 (README, route table); `createIdTokenSession` has its own suite. The last test checks
 * that no method of either SDK is left uncalled by the suites written for them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { AuthenticationFactor, AuthenticatorType, ID, OAuthProvider, Query } from "appwrite-latest";
import * as node from "node-appwrite-latest";
import * as OTPAuth from "otpauth";
import { expectAppwriteError } from "../helpers/sdk";
import { latestBrowser, latestKey, latestSession } from "../helpers/sdk-latest";
import { declaredFields, expectModel } from "../helpers/sdk-models";
import { freshWindow, startWithOutbox, storeOf, uniqueEmail, uniquePhone, type OutboxServer } from "../helpers/flows";
import { followRedirects } from "../helpers/navigate";
import { PROJECT } from "../helpers/server";

const PASSWORD = "correct horse battery";
const NEW_PASSWORD = "another horse battery";
const APP = "http://localhost/app";
const MOCK = { clientId: "mock-client", clientSecret: "mock-secret" };

let env: OutboxServer;
beforeAll(async () => {
  env = await startWithOutbox({ oauth2: { mock: MOCK } });
});
afterAll(() => env.s.close());
beforeEach(() => freshWindow(env.s));

/** A TOTP code generator for `secret` at the server's clock; each test step moves the clock a period on. */
function totp(secret: string) {
  return () => {
    env.s.clock.advance(30_000);
    return new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({
      timestamp: env.s.clock.now(),
    });
  };
}

const mailTo = (email: string) => env.box.lastMail(email)!;
const linkSecret = (email: string) => new URL(mailTo(email).url!).searchParams.get("secret")!;

describe("appwrite 28: every Account method", () => {
  it("account, prefs, contact changes, sessions and JWT, with Models.User, Session, SessionList, Jwt, Target", async () => {
    const b = latestBrowser(env.s.endpoint);
    const email = uniqueEmail("m28");
    const user = await b.use((a) => a.create({ userId: ID.unique(), email, password: PASSWORD, name: "Web" }));
    expectModel(user, "web28", "User");
    expect(user).toMatchObject({ emailCanonical: null, passwordPwned: null, impersonator: false, impersonatorUserId: null });
    const session = await b.use((a) => a.createEmailPasswordSession(email, PASSWORD));
    expectModel(session, "web28", "Session");
    expectModel(await b.use((a) => a.get()), "web28", "User");
    expectModel(await b.use((a) => a.updateName("Renamed")), "web28", "User");
    expect((await b.use((a) => a.updatePrefs({ prefs: { theme: "dark" } }))).prefs).toEqual({ theme: "dark" });
    expect((await b.use((a) => a.updatePrefs({ lang: "fr" }))).prefs).toEqual({ lang: "fr" });
    expect(await b.use((a) => a.getPrefs())).toEqual({ lang: "fr" });
    const moved = uniqueEmail("m28-moved");
    expect((await b.use((a) => a.updateEmail({ email: moved, password: PASSWORD }))).email).toBe(moved);
    expectModel(await b.use((a) => a.updatePassword(NEW_PASSWORD, PASSWORD)), "web28", "User");
    expectModel(await b.use((a) => a.updatePassword({ password: PASSWORD, oldPassword: NEW_PASSWORD })), "web28", "User");
    const phone = uniquePhone();
    expect((await b.use((a) => a.updatePhone(phone, PASSWORD))).phone).toBe(phone);
    expect((await b.use((a) => a.updatePhone({ phone: uniquePhone(), password: PASSWORD }))).phone).not.toBe(phone);

    const list = await b.use((a) => a.listSessions());
    expectModel(list, "web28", "SessionList");
    expectModel(list.sessions[0], "web28", "Session");
    expect((await b.use((a) => a.getSession({ sessionId: "current" }))).$id).toBe(session.$id);
    expect((await b.use((a) => a.getSession(session.$id))).current).toBe(true);
    expectModel(await b.use((a) => a.updateSession({ sessionId: "current" })), "web28", "Session");
    expect((await b.use((a) => a.updateSession(session.$id))).$id).toBe(session.$id);
    expectModel(await b.use((a) => a.createJWT()), "web28", "Jwt");
    expect((await b.use((a) => a.createJWT({ duration: 600 }))).jwt.split(".")).toHaveLength(3);
    expect((await b.use((a) => a.createJWT(600))).jwt.split(".")).toHaveLength(3);

    const target = await b.use((a) => a.createPushTarget(ID.unique(), `token-${user.$id}`, "fcm"));
    expectModel(target, "web28", "Target");
    expectModel((await b.use((a) => a.get())).targets[0], "web28", "Target");

    const other = latestBrowser(env.s.endpoint);
    const second = await other.use((a) => a.createEmailPasswordSession({ email: moved, password: PASSWORD }));
    await b.use((a) => a.deleteSession(second.$id));
    await expectAppwriteError(
      other.use((a) => a.get()),
      "general_unauthorized_scope",
      401,
    );
    await b.use((a) => a.deleteSessions());
    await expectAppwriteError(
      b.use((a) => a.get()),
      "general_unauthorized_scope",
      401,
    );
  });

  it("verification by link under both names and by phone, positional and object-style", async () => {
    const b = latestBrowser(env.s.endpoint);
    const email = uniqueEmail("m28-verify");
    const { $id: userId } = await b.use((a) => a.create(ID.unique(), email, PASSWORD));
    await b.use((a) => a.createEmailPasswordSession({ email, password: PASSWORD }));
    expectModel(await b.use((a) => a.createVerification({ url: "http://localhost/verify" })), "web28", "Token");
    const first = linkSecret(email);
    await b.use((a) => a.createEmailVerification("http://localhost/verify"));
    const second = linkSecret(email);
    expectModel(await b.use((a) => a.updateVerification(userId, first)), "web28", "Token");
    await expectAppwriteError(
      b.use((a) => a.createVerification("http://localhost/verify")),
      "user_email_already_verified",
      409,
    );
    // The second link is still usable for the same address.
    await b.use((a) => a.updateEmailVerification({ userId, secret: second }));

    const phone = uniquePhone();
    await b.use((a) => a.updatePhone({ phone, password: PASSWORD }));
    await b.use((a) => a.createPhoneVerification());
    const code = env.box.lastSms(phone)!.secret;
    await b.use((a) => a.updatePhoneVerification(userId, code));
    expect(await b.use((a) => a.get())).toMatchObject({ emailVerification: true, phoneVerification: true });
  });

  it("tokens and passwordless sessions: e-mail OTP, magic URL, phone, anonymous, OAuth2 (both modes)", async () => {
    const b = latestBrowser(env.s.endpoint);
    const email = uniqueEmail("m28-otp");
    const token = await b.use((a) => a.createEmailToken({ userId: ID.unique(), email, phrase: true }));
    expectModel(token, "web28", "Token");
    expectModel(await b.use((a) => a.createSession(token.userId, mailTo(email).secret!)), "web28", "Session");
    await b.use((a) => a.deleteSession("current"));

    await b.use((a) => a.createEmailToken(token.userId, email));
    await b.use((a) => a.createSession({ userId: token.userId, secret: mailTo(email).secret! }));
    await b.use((a) => a.deleteSession({ sessionId: "current" }));

    const magic = await b.use((a) => a.createMagicURLToken(ID.unique(), uniqueEmail("m28-magic"), "http://localhost/magic"));
    const magicEmail = env.box.entries.at(-1)!.channel === "mail" ? (env.box.entries.at(-1) as { message: { to: string } }).message.to : "";
    await b.use((a) => a.updateMagicURLSession({ userId: magic.userId, secret: linkSecret(magicEmail) }));
    await b.use((a) => a.deleteSessions());
    await b.use((a) => a.createMagicURLToken({ userId: magic.userId, email: magicEmail, url: "http://localhost/magic" }));
    await b.use((a) => a.updateMagicURLSession(magic.userId, linkSecret(magicEmail)));
    await b.use((a) => a.deleteSessions());

    const phone = uniquePhone();
    const phoneToken = await b.use((a) => a.createPhoneToken({ userId: ID.unique(), phone }));
    await b.use((a) => a.updatePhoneSession(phoneToken.userId, env.box.lastSms(phone)!.secret));
    await b.use((a) => a.deleteSessions());
    await b.use((a) => a.createPhoneToken(phoneToken.userId, phone));
    await b.use((a) => a.updatePhoneSession({ userId: phoneToken.userId, secret: env.box.lastSms(phone)!.secret }));
    await b.use((a) => a.deleteSessions());

    expectModel(await b.use((a) => a.createAnonymousSession()), "web28", "Session");
    await b.use((a) => a.deleteSessions());

    // OAuth2: without window.location the SDK returns the URL; a browser would go there.
    const tokenUrl = await b.use(async (a) =>
      a.createOAuth2Token({ provider: "mock" as OAuthProvider, success: `${APP}/ok`, failure: `${APP}/failed` }),
    );
    const { final } = await followRedirects(tokenUrl as string, APP);
    expect(final?.pathname).toBe("/app/ok");
    await b.use((a) => a.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
    expect((await b.use((a) => a.get())).email).toBe("useroauth@localhost.test");
    const identities = await b.use((a) => a.listIdentities({ queries: [Query.limit(5)], total: true }));
    expectModel(identities, "web28", "IdentityList");
    expectModel(identities.identities[0], "web28", "Identity");
    expect(identities.identities[0]!.providerIdToken).toBe("");
    expect((await b.use((a) => a.listIdentities([Query.limit(5)]))).total).toBe(1);
    await b.use((a) => a.deleteIdentity({ identityId: identities.identities[0]!.$id }));
    await expectAppwriteError(
      b.use((a) => a.deleteIdentity(identities.identities[0]!.$id)),
      "user_identity_not_found",
      404,
    );
    await b.use((a) => a.deleteSessions());

    const sessionUrl = await b.use(async (a) => a.createOAuth2Session("mock" as OAuthProvider, `${APP}/ok`, `${APP}/failed`));
    const jar = new Map<string, Map<string, string>>();
    const landed = await followRedirects(sessionUrl as string, APP, jar);
    expect(landed.final?.pathname).toBe("/app/ok");
    expect(jar.get(new URL(env.s.endpoint).host)?.get(`a_session_${PROJECT}`)).toBeTruthy();
    const objectStyle = await b.use(async (a) => a.createOAuth2Session({ provider: "mock" as OAuthProvider, success: `${APP}/ok` }));
    expect(new URL(objectStyle as string).pathname).toBe("/v1/account/sessions/oauth2/mock");
  });

  it("recovery by link, positional and object-style (the code routes: recovery-verification-codes.test.ts)", async () => {
    const email = uniqueEmail("m28-recover");
    const { $id: userId } = await latestKey(env.s.endpoint).create({ userId: ID.unique(), email, password: PASSWORD });
    const b = latestBrowser(env.s.endpoint);
    expectModel(await b.use((a) => a.createRecovery({ email, url: "http://localhost/reset" })), "web28", "Token");
    await b.use((a) => a.updateRecovery(userId, linkSecret(email), NEW_PASSWORD));
    await b.use((a) => a.createRecovery(email, "http://localhost/reset"));
    await b.use((a) => a.updateRecovery({ userId, secret: linkSecret(email), password: PASSWORD }));
    expect((await b.use((a) => a.createEmailPasswordSession(email, PASSWORD))).userId).toBe(userId);
    await b.use((a) => a.updateStatus());
    await expectAppwriteError(
      b.use((a) => a.get()),
      "general_unauthorized_scope",
      401,
    );
  });

  it("MFA under both spellings, with Models.MfaType, MfaRecoveryCodes, MfaFactors, MfaChallenge", async () => {
    const b = latestBrowser(env.s.endpoint);
    const email = uniqueEmail("m28-mfa");
    await b.use((a) => a.create({ userId: ID.unique(), email, password: PASSWORD }));
    await b.use((a) => a.createEmailPasswordSession({ email, password: PASSWORD }));
    const type = await b.use((a) => a.createMFAAuthenticator({ type: AuthenticatorType.Totp }));
    expectModel(type, "web28", "MfaType");
    const code = totp(type.secret);
    expectModel(await b.use((a) => a.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: code() })), "web28", "User");
    const codes = await b.use((a) => a.createMFARecoveryCodes());
    expectModel(codes, "web28", "MfaRecoveryCodes");
    const factors = await b.use((a) => a.listMFAFactors());
    expectModel(factors, "web28", "MfaFactors");
    expect(factors).toEqual({ totp: true, phone: false, email: false, recoveryCode: true, custom: false });
    expect(await b.use((a) => a.listMfaFactors())).toEqual(factors);
    expectModel(await b.use((a) => a.updateMFA({ mfa: true })), "web28", "User");

    const challenge = await b.use((a) => a.createMFAChallenge({ factor: AuthenticationFactor.Totp }));
    expectModel(challenge, "web28", "MfaChallenge");
    expectModel(await b.use((a) => a.updateMFAChallenge({ challengeId: challenge.$id, otp: code() })), "web28", "Session");
    const again = await b.use((a) => a.createMfaChallenge(AuthenticationFactor.Totp));
    await b.use((a) => a.updateMfaChallenge(again.$id, code()));
    const third = await b.use((a) => a.createMfaChallenge({ factor: AuthenticationFactor.Totp }));
    await b.use((a) => a.updateMfaChallenge({ challengeId: third.$id, otp: code() }));
    const fourth = await b.use((a) => a.createMFAChallenge(AuthenticationFactor.Totp));
    await b.use((a) => a.updateMFAChallenge(fourth.$id, code()));
    // Reading the codes takes a recent challenge.
    expect((await b.use((a) => a.getMFARecoveryCodes())).recoveryCodes).toEqual(codes.recoveryCodes);
    expect((await b.use((a) => a.getMfaRecoveryCodes())).recoveryCodes).toEqual(codes.recoveryCodes);
    const fresh = await b.use((a) => a.updateMFARecoveryCodes());
    expect(fresh.recoveryCodes).not.toEqual(codes.recoveryCodes);
    expect((await b.use((a) => a.updateMfaRecoveryCodes())).recoveryCodes).toHaveLength(fresh.recoveryCodes.length);
    await b.use((a) => a.deleteMFAAuthenticator({ type: AuthenticatorType.Totp }));

    const second = await b.use((a) => a.createMfaAuthenticator(AuthenticatorType.Totp));
    const code2 = totp(second.secret);
    await b.use((a) => a.updateMfaAuthenticator(AuthenticatorType.Totp, code2()));
    await b.use((a) => a.deleteMfaAuthenticator(AuthenticatorType.Totp));
    const third2 = await b.use((a) => a.createMfaAuthenticator({ type: AuthenticatorType.Totp }));
    await b.use((a) => a.updateMfaAuthenticator({ type: AuthenticatorType.Totp, otp: totp(third2.secret)() }));
    await b.use((a) => a.deleteMfaAuthenticator({ type: AuthenticatorType.Totp }));
    await b.use((a) => a.createMFAAuthenticator(AuthenticatorType.Totp));
    await b.use((a) => a.deleteMFAAuthenticator(AuthenticatorType.Totp));
    expect((await b.use((a) => a.listMFAFactors())).totp).toBe(false);
    await expect(b.use((a) => a.createMfaRecoveryCodes())).rejects.toMatchObject({ type: "user_recovery_codes_already_exists" });
  });
});

describe("node-appwrite 27: every Account method", () => {
  it("with the API key and with setSession: account, sessions, logs with Models.Log and LogList, JWT, tokens, recovery, verification", async () => {
    const keyed = latestKey(env.s.endpoint);
    const email = uniqueEmail("n27");
    const user = await keyed.create(ID.unique(), email, PASSWORD, "Node");
    expectModel(user, "node27", "User");
    const session = await keyed.createEmailPasswordSession({ email, password: PASSWORD });
    expectModel(session, "node27", "Session");
    expect(session.secret).not.toBe("");
    const me = latestSession(env.s.endpoint, session.secret);
    expectModel(await me.get(), "node27", "User");
    expectModel((await me.get()).targets[0], "node27", "Target");
    await me.updateName({ name: "Renamed" });
    await me.updatePrefs({ prefs: { a: 1 } });
    expect(await me.getPrefs()).toEqual({ a: 1 });
    await me.updatePassword({ password: NEW_PASSWORD, oldPassword: PASSWORD });
    await me.updatePassword(PASSWORD, NEW_PASSWORD);
    await me.updateEmail(uniqueEmail("n27-moved"), PASSWORD);
    await me.updatePhone({ phone: uniquePhone(), password: PASSWORD });
    const sessions = await me.listSessions();
    expectModel(sessions, "node27", "SessionList");
    expect((await me.getSession("current")).$id).toBe(session.$id);
    await me.updateSession({ sessionId: "current" });
    expectModel(await me.createJWT({ duration: 600 }), "node27", "Jwt");

    const logs = await me.listLogs({ queries: [node.Query.limit(3)], total: true });
    expectModel(logs, "node27", "LogList");
    for (const log of logs.logs) expectModel(log, "node27", "Log");
    expect(logs.logs[0]!.userType).toBe("user");
    expect((await me.listLogs([node.Query.limit(1)])).logs).toHaveLength(1);
    const identities = await me.listIdentities({ total: false });
    expectModel(identities, "node27", "IdentityList");
    expect((await me.listIdentities([node.Query.limit(1)])).identities).toEqual([]);
    await expectAppwriteError(me.deleteIdentity({ identityId: "missing" }), "user_identity_not_found", 404);
    await expectAppwriteError(me.deleteIdentity("missing"), "user_identity_not_found", 404);

    // Verification and recovery, with the key the secrets come back in the answers.
    const withEmail = (await me.get()).email;
    await me.createEmailVerification({ url: "http://localhost/verify" });
    await me.updateEmailVerification(user.$id, linkSecret(withEmail));
    await expect(me.createVerification("http://localhost/verify")).rejects.toMatchObject({ type: "user_email_already_verified" });
    await expectAppwriteError(me.updateVerification({ userId: user.$id, secret: "not-it" }), "user_invalid_token", 401);
    await me.createPhoneVerification();
    const phone = (await me.get()).phone;
    await me.updatePhoneVerification({ userId: user.$id, secret: env.box.lastSms(phone)!.secret });
    const recovery = await keyed.createRecovery(withEmail, "http://localhost/reset");
    expectModel(recovery, "node27", "Token");
    await keyed.updateRecovery({ userId: user.$id, secret: recovery.secret, password: NEW_PASSWORD });
    const again = await keyed.createRecovery({ email: withEmail, url: "http://localhost/reset" });
    await keyed.updateRecovery(user.$id, again.secret, PASSWORD);

    const otpEmail = uniqueEmail("n27-otp");
    const token = await keyed.createEmailToken({ userId: ID.unique(), email: otpEmail });
    expect(token.secret).toMatch(/^\d{6}$/);
    expectModel(await keyed.createSession(token.userId, token.secret), "node27", "Session");
    const magic = await keyed.createMagicURLToken(ID.unique(), uniqueEmail("n27-magic"), "http://localhost/magic");
    expect((await keyed.updateMagicURLSession({ userId: magic.userId, secret: magic.secret })).userId).toBe(magic.userId);
    const magic2 = await keyed.createMagicURLToken({ userId: magic.userId, email: (await storeOf(env.s).users.get(magic.userId))!.email! });
    await keyed.updateMagicURLSession(magic.userId, magic2.secret);
    const phoneNumber = uniquePhone();
    const phoneToken = await keyed.createPhoneToken(ID.unique(), phoneNumber);
    await keyed.updatePhoneSession({ userId: phoneToken.userId, secret: env.box.lastSms(phoneNumber)!.secret });
    await keyed.createPhoneToken({ userId: phoneToken.userId, phone: phoneNumber });
    await keyed.updatePhoneSession(phoneToken.userId, env.box.lastSms(phoneNumber)!.secret);
    const token2 = await keyed.createEmailToken(token.userId, otpEmail);
    expect((await keyed.createSession({ userId: token.userId, secret: token2.secret })).userId).toBe(token.userId);
    const anonymous = await keyed.createAnonymousSession();
    expectModel(anonymous, "node27", "Session");

    // The server SDK hands back the provider's URL for the app to send the browser to; a login a
    // server started with its key is not bound to a browser, so a fresh one (no cookies) finishes it.
    const oauth = await keyed.createOAuth2Token({ provider: "mock" as node.OAuthProvider, success: `${APP}/ok`, failure: `${APP}/failed` });
    expect(new URL(oauth).pathname).toBe("/v1/mock/tests/general/oauth2");
    const landed = (await followRedirects(oauth, APP)).final!;
    expect(landed.href.startsWith(`${APP}/ok`)).toBe(true);
    const oauthSession = await keyed.createSession({
      userId: landed.searchParams.get("userId")!,
      secret: landed.searchParams.get("secret")!,
    });
    // Appwrite 1.9's OAuth2-token session: the provider's name and the oauth2 factor (1.6: "oauth2", ["email"]).
    expect(oauthSession).toMatchObject({ provider: "mock", factors: ["email", "oauth2"] });
    const positional = await keyed.createOAuth2Token("mock" as node.OAuthProvider, `${APP}/ok`, `${APP}/failed`);
    expect(new URL(positional).searchParams.get("client_id")).toBe(MOCK.clientId);

    const s2 = await keyed.createEmailPasswordSession(withEmail, PASSWORD);
    const me2 = latestSession(env.s.endpoint, s2.secret);
    await me2.deleteSession("current");
    const s3 = await keyed.createEmailPasswordSession({ email: withEmail, password: PASSWORD });
    const me3 = latestSession(env.s.endpoint, s3.secret);
    await me3.deleteSessions();
    await expectAppwriteError(me3.get(), "general_unauthorized_scope", 401);
    const s4 = await keyed.createEmailPasswordSession({ email: withEmail, password: PASSWORD });
    await latestSession(env.s.endpoint, s4.secret).updateStatus();
    // The session value is still sent: the answer says why it no longer works.
    await expect(latestSession(env.s.endpoint, s4.secret).get()).rejects.toMatchObject({ type: "user_blocked" });
  });

  it("MFA under both spellings with setSession", async () => {
    const keyed = latestKey(env.s.endpoint);
    const email = uniqueEmail("n27-mfa");
    await keyed.create({ userId: ID.unique(), email, password: PASSWORD });
    const me = latestSession(env.s.endpoint, (await keyed.createEmailPasswordSession(email, PASSWORD)).secret);
    const type = await me.createMFAAuthenticator({ type: node.AuthenticatorType.Totp });
    expectModel(type, "node27", "MfaType");
    const code = totp(type.secret);
    expectModel(await me.updateMFAAuthenticator(node.AuthenticatorType.Totp, code()), "node27", "User");
    expectModel(await me.createMFARecoveryCodes(), "node27", "MfaRecoveryCodes");
    expectModel(await me.listMFAFactors(), "node27", "MfaFactors");
    await me.listMfaFactors();
    await me.updateMFA({ mfa: true });
    const challenge = await me.createMFAChallenge({ factor: node.AuthenticationFactor.Totp });
    expectModel(challenge, "node27", "MfaChallenge");
    await me.updateMFAChallenge({ challengeId: challenge.$id, otp: code() });
    await me.getMFARecoveryCodes();
    await me.getMfaRecoveryCodes();
    const again = await me.createMfaChallenge(node.AuthenticationFactor.Totp);
    await me.updateMfaChallenge(again.$id, code());
    const third = await me.createMFAChallenge(node.AuthenticationFactor.Totp);
    await me.updateMFAChallenge(third.$id, code());
    const fourth = await me.createMfaChallenge({ factor: node.AuthenticationFactor.Totp });
    await me.updateMfaChallenge({ challengeId: fourth.$id, otp: code() });
    await me.updateMFARecoveryCodes();
    await me.updateMfaRecoveryCodes();
    await me.deleteMFAAuthenticator(node.AuthenticatorType.Totp);
    const second = await me.createMfaAuthenticator(node.AuthenticatorType.Totp);
    const code2 = totp(second.secret);
    await me.updateMfaAuthenticator({ type: node.AuthenticatorType.Totp, otp: code2() });
    await me.deleteMfaAuthenticator({ type: node.AuthenticatorType.Totp });
    await expect(me.createMfaRecoveryCodes()).rejects.toMatchObject({ type: "user_recovery_codes_already_exists" });
    await me.updateMFA(false);
  });

  it("consents stay 404 general_route_not_found, in both SDKs", async () => {
    const keyed = latestKey(env.s.endpoint);
    const email = uniqueEmail("n27-consent");
    await keyed.create({ userId: ID.unique(), email, password: PASSWORD });
    const me = latestSession(env.s.endpoint, (await keyed.createEmailPasswordSession(email, PASSWORD)).secret);
    await expectAppwriteError(me.listConsents(), "general_route_not_found", 404);
    await expectAppwriteError(me.getConsent({ consentId: "c" }), "general_route_not_found", 404);
    await expectAppwriteError(me.deleteConsentToken("c", "t"), "general_route_not_found", 404);
    const b = latestBrowser(env.s.endpoint);
    await b.use((a) => a.createEmailPasswordSession({ email, password: PASSWORD }));
    await expectAppwriteError(
      b.use((a) => a.listConsentTokens({ consentId: "c" })),
      "general_route_not_found",
      404,
    );
  });
});

describe("the default configuration", () => {
  it("today's SDKs print no warning", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const email = uniqueEmail("no-warning");
      await latestKey(env.s.endpoint).create({ userId: ID.unique(), email, password: PASSWORD });
      await latestBrowser(env.s.endpoint).use((a) => a.createEmailPasswordSession({ email, password: PASSWORD }));
      await latestKey(env.s.endpoint).createEmailPasswordSession({ email, password: PASSWORD });
      expect(warn.mock.calls.flat().join(" ")).not.toContain("downgrade");
    } finally {
      warn.mockRestore();
    }
  });
});

describe("coverage of today's SDKs", () => {
  /** Methods the suites need not call: consents beyond the three above have no route, ID tokens their own suite. */
  const EXEMPT = new Set([
    "createIdTokenSession",
    "listConsents",
    "getConsent",
    "deleteConsent",
    "listConsentTokens",
    "getConsentToken",
    "deleteConsentToken",
  ]);

  function methods(file: string): string[] {
    const source = readFileSync(file, "utf8");
    return [...new Set([...source.matchAll(/^ {4}(\w+)[(<]/gm)].map((m) => m[1]!))].filter((m) => m !== "constructor" && !EXEMPT.has(m));
  }

  /** The suites that drive today's SDKs. */
  const suites = readdirSync(join(import.meta.dirname))
    .filter((f) => f.endsWith(".test.ts"))
    .map((f) => readFileSync(join(import.meta.dirname, f), "utf8"))
    .filter((source) => /appwrite-latest|sdk-latest/.test(source))
    .join("\n");

  it.each([
    ["appwrite 28", "node_modules/appwrite-latest/types/services/account.d.ts"],
    ["node-appwrite 27", "node_modules/node-appwrite-latest/dist/services/account.d.ts"],
  ])("%s: every Account method is called, object-style and (where it takes arguments) positionally", (_, file) => {
    const all = methods(file);
    expect(all.length).toBeGreaterThan(40);
    const missing = all.filter((m) => !new RegExp(`\\.${m}\\(`).test(suites));
    expect(missing).toEqual([]);
    // Object style: `.m({`; positional: `.m(` followed by anything else but `)` (a call with arguments).
    const declarations = readFileSync(file, "utf8");
    const takesArguments = all.filter((m) => new RegExp(`^ {4}${m}\\(params\\??: \\{`, "m").test(declarations));
    expect(takesArguments.filter((m) => !new RegExp(`\\.${m}\\(\\{`).test(suites))).toEqual([]);
    expect(takesArguments.filter((m) => !new RegExp(`\\.${m}\\((?![{)])`).test(suites))).toEqual([]);
  });

  it("reads the SDKs' model declarations (a guard on the parser)", () => {
    expect(declaredFields("web28", "Token")).toEqual(["$id", "$createdAt", "userId", "secret", "expire", "phrase"]);
    expect(declaredFields("node27", "Log")).toContain("userType");
  });
});
