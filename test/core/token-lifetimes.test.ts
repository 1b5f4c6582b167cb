import { describe, expect, it } from "vitest";
import { resolveConfig } from "../../src/config";
import { memoryStore } from "../../src/stores/memory";
import { outbox } from "../../src/messages/outbox";
import { login, makeService, signup } from "./support";

/** Seconds between a model's `$createdAt` and its `expire`. */
const lifetime = (model: { $createdAt: string; expire: string }) => (Date.parse(model.expire) - Date.parse(model.$createdAt)) / 1000;

/** Appwrite's lifetimes: OTP, recovery and verification codes 15 minutes, links and MFA challenges 1 hour, JWTs 15 minutes. */
const APPWRITE = {
  emailOtp: 900,
  phoneOtp: 900,
  magicUrl: 3600,
  verification: 3600,
  recovery: 3600,
  recoveryCode: 900,
  verificationCode: 900,
  mfaChallenge: 3600,
  jwt: 900,
};

function service(lifetimes?: Partial<typeof APPWRITE>) {
  const box = outbox();
  return makeService({ auth: lifetimes ? { lifetimes } : {}, mailer: box.mailer, sms: box.sms, platforms: ["localhost"] });
}

describe("auth.lifetimes", () => {
  it("defaults to Appwrite's values", () => {
    expect(resolveConfig({ projectId: "p", store: memoryStore() }).auth.lifetimes).toEqual(APPWRITE);
  });

  it("the defaults are what tokens get", async () => {
    const { service: s } = service();
    expect(lifetime(await s.createEmailToken({ userId: "unique()", email: "otp@example.com" }))).toBe(APPWRITE.emailOtp);
    expect(lifetime(await s.createPhoneToken({ userId: "unique()", phone: "+14155550100" }))).toBe(APPWRITE.phoneOtp);
    expect(lifetime(await s.createMagicURLToken({ userId: "unique()", email: "m@example.com" }))).toBe(APPWRITE.magicUrl);
  });

  it("a configured lifetime sets the expiry of every kind of secret", async () => {
    const custom = {
      emailOtp: 101,
      phoneOtp: 102,
      magicUrl: 103,
      verification: 104,
      recovery: 105,
      mfaChallenge: 106,
      jwt: 107,
      recoveryCode: 108,
      verificationCode: 109,
    };
    const { service: s, clock } = service(custom);
    expect(lifetime(await s.createEmailToken({ userId: "unique()", email: "otp@example.com" }))).toBe(101);
    expect(lifetime(await s.createPhoneToken({ userId: "unique()", phone: "+14155550100" }))).toBe(102);
    expect(lifetime(await s.createMagicURLToken({ userId: "unique()", email: "m@example.com", url: "http://localhost/magic" }))).toBe(103);

    await signup(s);
    const session = await login(s);
    expect(lifetime(await s.createVerification({ url: "http://localhost/verify" }, { session }))).toBe(104);
    await s.updatePhone({ phone: "+14155550111", password: "correct horse battery staple" }, { session });
    expect(lifetime(await s.createPhoneVerification({ session }))).toBe(104);
    expect(lifetime(await s.createRecovery({ email: "jane@example.com", url: "http://localhost/recover" }))).toBe(105);
    expect(lifetime(await s.createMfaChallenge({ factor: "totp" }, { session }))).toBe(106);
    expect(lifetime(await s.createRecoveryOtp({ email: "jane@example.com" }))).toBe(108);
    expect(lifetime(await s.createEmailVerificationOtp({}, { session }))).toBe(109);

    const { jwt } = await s.createJWT({}, { session });
    const payload = JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString()) as { exp: number };
    expect(payload.exp).toBe(Math.floor(clock.now() / 1000) + 107);
  });

  it("refuses a lifetime that is not a positive whole number of seconds, naming it", () => {
    expect(() => resolveConfig({ projectId: "p", store: memoryStore(), auth: { lifetimes: { recovery: 0 } } })).toThrow(
      /auth\.lifetimes\.recovery/,
    );
    expect(() => resolveConfig({ projectId: "p", store: memoryStore(), auth: { lifetimes: { typo: 5 } as object } })).toThrow(
      /auth\.lifetimes\.typo: unknown option/,
    );
  });
});
