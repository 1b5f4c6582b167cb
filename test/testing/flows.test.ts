import { afterEach, describe, expect, it } from "vitest";
import { createTestAccountService, durationMs, totp, type TestAccountService } from "gatehouse-auth/testing";

/** Whole stories told with the kit: MFA sign-in, password recovery, codes running out. */
describe("flows", () => {
  let t: TestAccountService;
  afterEach(() => t.close());

  it("MFA: enrol a TOTP authenticator, then sign in with password and a TOTP challenge", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    const first = await t.signIn(user);
    const authenticator = await t.service.createMfaAuthenticator({ type: "totp" }, first);
    await t.service.updateMfaAuthenticator({ type: "totp", otp: t.totp.code(authenticator.uri) }, first);
    await t.service.updateMFA({ mfa: true }, first);

    t.clock.advance("1m"); // a new TOTP step: a code is accepted once per step
    const second = await t.signIn(user);
    await expect(t.service.get(second)).rejects.toMatchObject({ type: "user_more_factors_required" });
    const challenge = await t.service.createMfaChallenge({ factor: "totp" }, second);
    await expect(t.service.updateMfaChallenge({ challengeId: challenge.$id, otp: "000000" }, second)).rejects.toMatchObject({
      type: "user_invalid_token",
    });
    await t.service.updateMfaChallenge({ challengeId: challenge.$id, otp: t.totp.code(authenticator.secret) }, second);
    expect((await t.service.get(second)).mfa).toBe(true);
  });

  it("MFA by e-mail code: the challenge's code arrives through lastEmail", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ emailVerified: true });
    await t.service.updateMFA({ mfa: true }, await t.signIn(user));
    const session = await t.signIn(user);
    const challenge = await t.service.createMfaChallenge({ factor: "email" }, session);
    const mail = t.lastEmail(user.email, "mfa-otp");
    expect(mail.userId).toBe(user.id);
    await t.service.updateMfaChallenge({ challengeId: challenge.$id, otp: mail.code }, session);
    expect((await t.service.get(session)).$id).toBe(user.id);
  });

  it("password recovery: the link's secret resets the password; the old one stops working", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ email: "forgetful@example.com" });
    await t.service.createRecovery({ email: user.email, url: "http://localhost/reset" });
    const { userId, secret, link } = t.lastEmail(user.email, "recovery");
    expect(link.startsWith("http://localhost/reset?")).toBe(true);
    await t.service.updateRecovery({ userId, secret, password: "a brand new passphrase" });
    await expect(t.signIn(user)).rejects.toMatchObject({ type: "user_invalid_credentials" });
    const session = await t.signIn({ email: user.email, password: "a brand new passphrase" });
    expect(session.userId).toBe(user.id);
  });

  it("expiry: an e-mail OTP works until its 15 minutes are up, and not after", async () => {
    t = createTestAccountService();
    const token = await t.service.createEmailToken({ userId: "unique()", email: "late@example.com" });
    const { code } = t.lastEmail("late@example.com", "email-otp");
    t.clock.advance("15m");
    t.clock.advance(1);
    await expect(t.service.createSession({ userId: token.userId, secret: code })).rejects.toMatchObject({ type: "user_invalid_token" });

    // The same code a moment before it runs out is accepted.
    await t.reset();
    const again = await t.service.createEmailToken({ userId: "unique()", email: "late@example.com" });
    const fresh = t.lastEmail("late@example.com", "email-otp").code;
    t.clock.advance("14m59s");
    expect((await t.service.createSession({ userId: again.userId, secret: fresh })).userId).toBe(again.userId);
  });
});

describe("clock and totp", () => {
  it("reads durations and refuses what it cannot read", () => {
    expect(durationMs("15m")).toBe(900_000);
    expect(durationMs("1h30m")).toBe(5_400_000);
    expect(durationMs("2d")).toBe(172_800_000);
    expect(durationMs("1w")).toBe(604_800_000);
    expect(durationMs("500ms")).toBe(500);
    expect(durationMs("1.5s")).toBe(1500);
    expect(durationMs(42)).toBe(42);
    for (const bad of ["", "15", "15 minutes", "m", "1h foo", "-5m"]) expect(() => durationMs(bad), bad).toThrow(/not a duration/);
  });

  it("set() jumps to a Date, epoch milliseconds or an ISO string", () => {
    const t = createTestAccountService();
    t.clock.set(new Date("2027-03-04T05:06:07Z"));
    expect(t.clock.date().toISOString()).toBe("2027-03-04T05:06:07.000Z");
    t.clock.set("2028-01-01T00:00:00Z");
    expect(t.clock.now()).toBe(Date.parse("2028-01-01T00:00:00Z"));
    expect(() => t.clock.set("not a date")).toThrow(/not an instant/);
  });

  it("computes RFC 6238 codes (SHA-1 test vector) from a secret or an otpauth URI", () => {
    // RFC 6238 appendix B, SHA-1, seed "12345678901234567890" (base32 below), last 6 digits.
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    expect(totp.code(secret, 59_000)).toBe("287082");
    expect(totp.code(secret, new Date(1_111_111_109_000))).toBe("081804");
    expect(totp.code(`otpauth://totp/Test:jane?issuer=Test&secret=${secret}`, 1_234_567_890_000)).toBe("005924");
  });

  it("a test service's totp follows its clock", () => {
    const t = createTestAccountService();
    const secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
    t.clock.set(59_000);
    expect(t.totp.code(secret)).toBe("287082");
  });
});
