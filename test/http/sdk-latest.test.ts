/**
 * The newest official SDKs (appwrite 28, node-appwrite 27: what `npm install appwrite` gives a user
 * today) against Gatehouse, with their object-style calls. They were built for newer Appwrite
 * servers and send `X-Appwrite-Response-Format` 2.3.0 / 1.9.5: the Account API they use is the
 * same, and a service whose `version` is at least that format draws no "downgrade" warning.
 * The rest of the suites use the 1.6 SDKs (appwrite 17, node-appwrite 16), Gatehouse's baseline.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Account, AuthenticationFactor, AuthenticatorType, Client, ID, Query } from "appwrite-latest";
import * as OTPAuth from "otpauth";
import * as node from "node-appwrite-latest";
import "../helpers/sdk"; // installs the window.localStorage the web SDK keeps its fallback cookie in
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { startWithOutbox, uniqueEmail, uniquePhone } from "../helpers/flows";

const PASSWORD = "correct horse battery";
let server: TestServer;
let old: TestServer;

beforeAll(async () => {
  // The default configuration: its `version` covers today's SDKs' formats.
  server = await startServer();
  old = await startServer({ version: "1.6.2" });
});
afterAll(async () => {
  await server?.close();
  await old?.close();
});

const web = (s: TestServer) => new Account(new Client().setEndpoint(s.endpoint).setProject(PROJECT));

describe("appwrite 28 (web SDK)", () => {
  it("sign-up, login, account, name and prefs, sessions, logs with queries, JWT and logout", async () => {
    const account = web(server);
    const email = uniqueEmail("latest");
    const created = await account.create({ userId: ID.unique(), email, password: PASSWORD, name: "Latest" });
    expect(created).toMatchObject({ email, name: "Latest", emailVerification: false });

    const session = await account.createEmailPasswordSession({ email, password: PASSWORD });
    expect(session).toMatchObject({ userId: created.$id, provider: "email", current: true });
    expect((await account.get()).$id).toBe(created.$id);

    expect((await account.updateName({ name: "Renamed" })).name).toBe("Renamed");
    await account.updatePrefs({ prefs: { theme: "dark" } });
    expect(await account.getPrefs()).toEqual({ theme: "dark" });

    const sessions = await account.listSessions();
    expect(sessions.total).toBe(1);
    expect(sessions.sessions[0]).toMatchObject({ $id: session.$id, current: true });

    const identities = await account.listIdentities({ queries: [Query.limit(5)], total: true });
    expect(identities).toEqual({ total: 0, identities: [] });

    // The web SDK 28 has no listLogs any more; node-appwrite 27 does, here with the user's JWT.
    const { jwt } = await account.createJWT();
    const asUser = new node.Account(new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setJWT(jwt));
    expect((await asUser.get()).email).toBe(email);
    const logs = await asUser.listLogs({ queries: [node.Query.limit(2)] });
    expect(logs.logs.map((l) => l.event)).toEqual(["user.update", "user.update"]);
    expect(logs.total).toBeGreaterThanOrEqual(4);

    await account.deleteSession({ sessionId: "current" });
    await expect(account.get()).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    await expect(asUser.get()).rejects.toMatchObject({ code: 401 });
  });

  it("errors arrive as AppwriteException with Appwrite's type and code", async () => {
    await expect(web(server).createEmailPasswordSession({ email: uniqueEmail("nobody"), password: PASSWORD })).rejects.toMatchObject({
      code: 401,
      type: "user_invalid_credentials",
    });
  });
});

describe("appwrite 28: passwordless", () => {
  it("an e-mail OTP token, exchanged for a session, verifies the address", async () => {
    const { s, box } = await startWithOutbox();
    try {
      const account = web(s);
      const email = uniqueEmail("latest-otp");
      const token = await account.createEmailToken({ userId: ID.unique(), email });
      const code = box.lastMail(email)!.secret!;
      await account.createSession({ userId: token.userId, secret: code });
      expect(await account.get()).toMatchObject({ email, emailVerification: true });
      await account.deleteSessions();
    } finally {
      await s.close();
    }
  });
});

describe("appwrite 28: routes under Appwrite 1.8 names (/mfa/challenges, /verifications/…)", () => {
  it("MFA: TOTP authenticator, MFA on, a new login must pass a TOTP challenge, then recovery codes", async () => {
    const account = web(server);
    const email = uniqueEmail("latest-mfa");
    await account.create({ userId: ID.unique(), email, password: PASSWORD });
    await account.createEmailPasswordSession({ email, password: PASSWORD });
    const { secret } = await account.createMFAAuthenticator({ type: AuthenticatorType.Totp });
    const code = () =>
      new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), digits: 6, period: 30 }).generate({ timestamp: server.clock.now() });
    await account.updateMFAAuthenticator({ type: AuthenticatorType.Totp, otp: code() });
    server.clock.advance(30_000);
    expect((await account.updateMFA({ mfa: true })).mfa).toBe(true);
    await account.deleteSessions();

    await account.createEmailPasswordSession({ email, password: PASSWORD });
    await expect(account.get()).rejects.toMatchObject({ code: 401, type: "user_more_factors_required" });
    const challenge = await account.createMFAChallenge({ factor: AuthenticationFactor.Totp });
    const session = await account.updateMFAChallenge({ challengeId: challenge.$id, otp: code() });
    expect(session.factors).toEqual(["password", "totp"]);
    expect((await account.get()).email).toBe(email);
    expect((await account.createMFARecoveryCodes()).recoveryCodes).toHaveLength(6);
    await account.deleteSessions();
  });

  it("e-mail and phone verification through the SDK's createEmailVerification/createPhoneVerification", async () => {
    const { s, box } = await startWithOutbox();
    try {
      const account = web(s);
      const email = uniqueEmail("latest-verify");
      const { $id: userId } = await account.create({ userId: ID.unique(), email, password: PASSWORD });
      await account.createEmailPasswordSession({ email, password: PASSWORD });
      await account.createEmailVerification({ url: "http://localhost/verify" });
      const link = new URL(box.lastMail(email)!.url!);
      await account.updateEmailVerification({ userId, secret: link.searchParams.get("secret")! });
      expect((await account.get()).emailVerification).toBe(true);

      const phone = uniquePhone();
      await account.updatePhone({ phone, password: PASSWORD });
      await account.createPhoneVerification();
      await account.updatePhoneVerification({ userId, secret: box.lastSms(phone)!.secret });
      expect((await account.get()).phoneVerification).toBe(true);
      await account.deleteSessions();
    } finally {
      await s.close();
    }
  });
});

describe("node-appwrite 27 (server SDK)", () => {
  it("the SSR pattern: a session made with the API key, then used with setSession", async () => {
    const email = uniqueEmail("latest-ssr");
    await web(server).create({ userId: ID.unique(), email, password: PASSWORD });
    const admin = new node.Account(new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY));
    const session = await admin.createEmailPasswordSession({ email, password: PASSWORD });
    expect(session.secret).not.toBe("");
    const user = new node.Account(new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(session.secret));
    expect((await user.get()).email).toBe(email);
  });

  it("warns 'downgrade your SDK' against a service set to version 1.6.2, and not against the default configuration", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const email = uniqueEmail("latest-warn");
      await web(server).create({ userId: ID.unique(), email, password: PASSWORD });
      const admin = (s: TestServer) => new node.Account(new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setKey(API_KEY));
      await admin(server).createEmailPasswordSession({ email, password: PASSWORD });
      expect(warn.mock.calls.flat().join(" ")).not.toContain("downgrade");
      await expect(admin(old).createEmailPasswordSession({ email, password: PASSWORD })).rejects.toMatchObject({ code: 401 });
      expect(warn.mock.calls.flat().join(" ")).toContain("However, the current Appwrite server version is 1.6.2");
    } finally {
      warn.mockRestore();
    }
  });
});
