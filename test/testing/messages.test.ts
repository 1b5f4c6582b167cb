import { afterEach, describe, expect, expectTypeOf, it } from "vitest";
import { createTestAccountService, type TestAccountService } from "gatehouse-auth/testing";

/** lastEmail / lastSms: every message the core sends, parsed, and typed by kind. */
describe("lastEmail and lastSms", () => {
  let t: TestAccountService;
  afterEach(() => t.close());

  it("verification: the link, its userId and secret, which updateVerification takes", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ email: "ver@example.com" });
    const session = await t.signIn(user);
    await t.service.createVerification({ url: "http://localhost/verify" }, session);
    const mail = t.lastEmail("ver@example.com", "verification");
    expect(mail.link).toMatch(/^http:\/\/localhost\/verify\?userId=/);
    expect(mail.userId).toBe(user.id);
    expect(mail.subject).toBe("Account Verification");
    await t.service.updateVerification({ userId: mail.userId, secret: mail.secret });
    expect((await t.service.get(session)).emailVerification).toBe(true);
  });

  it("magic URL with a security phrase: link, userId, secret and phrase", async () => {
    t = createTestAccountService();
    const token = await t.service.createMagicURLToken({
      userId: "unique()",
      email: "magic@example.com",
      url: "http://localhost/login",
      phrase: true,
    });
    const mail = t.lastEmail("magic@example.com", "magic-url");
    expect(mail.userId).toBe(token.userId);
    expect(mail.phrase).toBe(token.phrase);
    expect(mail.phrase).toMatch(/\w+ \w+/);
    expect(mail.text).toContain(mail.phrase);
    const outcome = await t.service.execute("createSession", {}, { userId: mail.userId, secret: mail.secret });
    expect(outcome.body.userId).toBe(token.userId);
  });

  it("e-mail OTP: the code, and whose address it went to", async () => {
    t = createTestAccountService();
    const token = await t.service.createEmailToken({ userId: "unique()", email: "otp@example.com" });
    const mail = t.lastEmail("OTP@example.com");
    expect(mail.kind).toBe("email-otp");
    expect(mail.code).toMatch(/^\d{6}$/);
    expect(mail.userId).toBe(token.userId);
    expect(mail.link).toBeUndefined();
    const session = await t.service.createSession({ userId: token.userId, secret: mail.code! });
    expect(session.userId).toBe(token.userId);
  });

  it("phone login SMS: the code and the user", async () => {
    t = createTestAccountService();
    const token = await t.service.createPhoneToken({ userId: "unique()", phone: "+14155550100" });
    const sms = t.lastSms("+14155550100", "phone-login");
    expect(sms.code).toMatch(/^\d{6}$/);
    expect(sms.userId).toBe(token.userId);
    const session = await t.service.createSession({ userId: token.userId, secret: sms.code });
    expect(session.userId).toBe(token.userId);
  });

  it("phone verification SMS: the code updatePhoneVerification takes", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    const session = await t.signIn(user);
    await t.service.updatePhone({ phone: "+14155550101", password: user.password }, session);
    await t.service.createPhoneVerification(session);
    const sms = t.lastSms("+14155550101");
    expect(sms.kind).toBe("phone-verification");
    expect(sms.userId).toBe(user.id);
    // Only the signed-in owner may confirm a phone (src/core/operations/verification.ts).
    await t.service.updatePhoneVerification({ userId: user.id, secret: sms.code }, session);
    expect((await t.service.get(session)).phoneVerification).toBe(true);
    expect(t.smsMessages().map((m) => m.kind)).toEqual(["phone-verification"]);
  });

  it("recovery and e-mail verification by code: the code updateRecoveryOtp and updateEmailVerificationOtp take", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ email: "codes@example.com", password: "first-password-1" });
    const session = await t.signIn(user);
    await t.service.createEmailVerificationOtp({}, session);
    const verify = t.lastEmail("codes@example.com", "verification-otp");
    expect(verify.code).toMatch(/^\d{6}$/);
    await t.service.updateEmailVerificationOtp({ userId: user.id, secret: verify.code });
    expect((await t.service.get(session)).emailVerification).toBe(true);

    await t.service.createRecoveryOtp({ email: "codes@example.com" });
    const recovery = t.lastEmail("codes@example.com", "recovery-otp");
    expect(recovery.code).toMatch(/^\d{6}$/);
    expect(recovery.userId).toBe(user.id);
    await t.service.updateRecoveryOtp({ userId: user.id, secret: recovery.code, password: "second-password-2" });
    await expect(t.signIn({ email: "codes@example.com", password: "second-password-2" })).resolves.toBeTruthy();
  });

  it("throws, naming what was sent, when no such message exists", async () => {
    t = createTestAccountService();
    expect(() => t.lastEmail("nobody@example.com")).toThrow("No  e-mail to nobody@example.com was sent; sent so far: nothing");
    await t.service.createEmailToken({ userId: "unique()", email: "a@example.com" });
    expect(() => t.lastEmail("a@example.com", "recovery")).toThrow(
      "No recovery e-mail to a@example.com was sent; sent so far: email-otp to a@example.com",
    );
    expect(() => t.lastSms()).toThrow(/No\s+SMS was sent/);
  });

  it("is typed by kind: code is string | undefined until the kind is known", () => {
    t = createTestAccountService();
    // Checked by tsc (npm run typecheck), never run: there are no messages to read.
    const types = () => {
      expectTypeOf(t.lastEmail("x@example.com").code).toEqualTypeOf<string | undefined>();
      expectTypeOf(t.lastEmail("x@example.com").link).toEqualTypeOf<string | undefined>();
      expectTypeOf(t.lastEmail("x@example.com", "email-otp").code).toEqualTypeOf<string>();
      expectTypeOf(t.lastEmail("x@example.com", "recovery").link).toEqualTypeOf<string>();
      expectTypeOf(t.lastEmail("x@example.com", "recovery").userId).toEqualTypeOf<string>();
      expectTypeOf(t.lastEmail("x@example.com", "recovery").code).toEqualTypeOf<undefined>();
      expectTypeOf(t.lastSms("+1", "mfa-otp").code).toEqualTypeOf<string>();
      const mail = t.lastEmail("x@example.com");
      if (mail.kind === "magic-url") expectTypeOf(mail.link).toEqualTypeOf<string>();
    };
    expect(types).toBeTypeOf("function");
  });
});
