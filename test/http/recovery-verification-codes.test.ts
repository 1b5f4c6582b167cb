/**
 * Password recovery and e-mail verification by a six-digit code (`/account/recovery/otp`,
 * `/account/verifications/email/otp`), the routes of today's SDKs for apps that cannot host a
 * page for a link. Driven through appwrite 28 (positional and object-style calls) and
 * node-appwrite 27 with the API key; the 1.6 SDKs have no such methods. Raw HTTP only for
 * malformed input and rate-limit headers.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite-latest";
import type { Outbox } from "gatehouse-auth";
import { expectAppwriteError, expectRawError, raw } from "../helpers/sdk";
import { latestBrowser, latestKey, latestSession } from "../helpers/sdk-latest";
import {
  freshWindow,
  iso,
  nextIp,
  startWithOutbox as start,
  storeOf,
  uniqueEmail,
  wrongCode,
  type OutboxServer as Env,
} from "../helpers/flows";
import type { TestServer } from "../helpers/server";

const PASSWORD = "password123";
const NEW_PASSWORD = "brand-new-password-1";
const MINUTES_15 = 900_000;
const TOKEN_FIELDS = ["$id", "$createdAt", "userId", "secret", "expire", "phrase"];

/** A user signed up with the key and signed in in a browser with appwrite 28. */
async function member(s: TestServer, tag: string) {
  const email = uniqueEmail(tag);
  const user = await latestKey(s.endpoint).create({ userId: ID.unique(), email, password: PASSWORD });
  const b = latestBrowser(s.endpoint);
  await b.use((account) => account.createEmailPasswordSession({ email, password: PASSWORD }));
  const keyed = await latestKey(s.endpoint).createEmailPasswordSession({ email, password: PASSWORD });
  return { email, userId: user.$id, b, secret: keyed.secret };
}

/** The code in the newest mail to `email`, of `kind`. */
function codeIn(box: Outbox, email: string, kind: "recovery-otp" | "verification-otp"): string {
  const mail = box.lastMail(email);
  expect(mail?.kind, `no ${kind} mail to ${email}`).toBe(kind);
  expect(mail!.secret).toMatch(/^\d{6}$/);
  expect(mail!.text).toContain(mail!.secret!);
  expect(mail!.url).toBeUndefined();
  return mail!.secret!;
}

const put = (s: TestServer, path: string, body: object, ip = nextIp()) =>
  raw(s.endpoint, "PUT", path, { body, headers: { "x-forwarded-for": ip } });

let env: Env;
beforeAll(async () => {
  env = await start();
});
afterAll(() => env.s.close());
beforeEach(() => freshWindow(env.s));

describe("POST /account/recovery/otp (createRecoveryOTP)", () => {
  it("mails a six-digit code valid 15 minutes; a client's Token hides it, with the user's id", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset");
    const now = s.clock.now();
    const token = await latestBrowser(s.endpoint).use((account) => account.createRecoveryOTP({ email: m.email }));
    expect(Object.keys(token)).toEqual(TOKEN_FIELDS);
    expect(token).toMatchObject({ userId: m.userId, secret: "", phrase: "", $createdAt: iso(now), expire: iso(now + MINUTES_15) });
    const mail = box.lastMail(m.email)!;
    expect(mail).toMatchObject({ kind: "recovery-otp", subject: "Password Reset Code for Test Project" });
    codeIn(box, m.email, "recovery-otp");
  });

  it("positional, with a security phrase that is in the mail and the answer; an API key gets the code", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset-phrase");
    const token = await latestBrowser(s.endpoint).use((account) => account.createRecoveryOTP(m.email, true));
    expect(token.phrase).toMatch(/^\S+ \S+$/);
    expect(box.lastMail(m.email)!.phrase).toBe(token.phrase);
    expect(box.lastMail(m.email)!.text).toContain(token.phrase);

    const keyed = await latestKey(s.endpoint).createRecovery({ email: m.email, url: "http://localhost/reset" });
    expect(keyed.secret).toMatch(/^[0-9a-f]{256}$/);
    const raw28 = await raw(s.endpoint, "POST", "/account/recovery/otp", {
      body: { email: m.email },
      headers: { "x-appwrite-key": "test-server-key-0123456789abcdef" },
    });
    expect(raw28.status).toBe(201);
    expect(raw28.json!.secret).toBe(codeIn(box, m.email, "recovery-otp"));
  });

  it("an unknown address gives 404 user_not_found, a blocked user user_blocked, a bad address 400; nothing is sent", async () => {
    const { s, box } = env;
    const before = box.entries.length;
    await expectAppwriteError(
      latestBrowser(s.endpoint).use((a) => a.createRecoveryOTP({ email: uniqueEmail("nobody") })),
      "user_not_found",
      404,
    );
    const m = await member(s, "code-reset-blocked");
    await m.b.use((a) => a.updateStatus());
    const blocked = latestBrowser(s.endpoint).use((a) => a.createRecoveryOTP({ email: m.email }));
    await expect(blocked).rejects.toMatchObject({ type: "user_blocked" });
    const bad = await raw(s.endpoint, "POST", "/account/recovery/otp", { body: { email: "not-an-address" } });
    expectRawError(bad, 400, "general_argument_invalid", "Invalid `email` param: Value must be a valid email address");
    const badPhrase = await raw(s.endpoint, "POST", "/account/recovery/otp", { body: { email: m.email, phrase: "yes" } });
    expectRawError(badPhrase, 400, "general_argument_invalid");
    expect(box.entries.length).toBe(before);
  });

  it("counts as link recovery does: 10 per hour per (IP, e-mail), apart from the link route's counter", async () => {
    const { s } = env;
    const m = await member(s, "code-reset-limit");
    const ip = nextIp();
    const send = () => raw(s.endpoint, "POST", "/account/recovery/otp", { body: { email: m.email }, headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 10; i++) expect((await send()).status).toBe(201);
    const refused = await send();
    expectRawError(refused, 429, "general_rate_limit_exceeded");
    expect(refused.headers.get("x-ratelimit-limit")).toBe("10");
    const link = await raw(s.endpoint, "POST", "/account/recovery", {
      body: { email: m.email, url: "http://localhost/reset" },
      headers: { "x-forwarded-for": ip },
    });
    expect(link.status).toBe(201);
  });
});

describe("PUT /account/recovery/otp (updateRecoveryOTP)", () => {
  it("the code sets the password, verifies the address and ends the sessions (auth.invalidateSessions)", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset-full");
    const guest = latestBrowser(s.endpoint);
    const token = await guest.use((a) => a.createRecoveryOTP({ email: m.email }));
    const code = codeIn(box, m.email, "recovery-otp");
    const done = await guest.use((a) => a.updateRecoveryOTP({ userId: token.userId, secret: code, password: NEW_PASSWORD }));
    expect(done).toEqual({ ...token, secret: "" });
    expect(await storeOf(s).users.get(m.userId)).toMatchObject({ emailVerification: true });
    await expectAppwriteError(latestSession(s.endpoint, m.secret).get(), "general_unauthorized_scope", 401);
    await expectAppwriteError(
      latestKey(s.endpoint).createEmailPasswordSession({ email: m.email, password: PASSWORD }),
      "user_invalid_credentials",
      401,
    );
    expect((await latestKey(s.endpoint).createEmailPasswordSession({ email: m.email, password: NEW_PASSWORD })).userId).toBe(m.userId);
    const events = (await storeOf(s).logs.list(m.userId, { limit: 3, offset: 0 })).map((l) => l.event);
    expect(events).toContain("recovery.update");
    // Spent: the same code again is 401.
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP(m.userId, code, "another-password-2")),
      "user_invalid_token",
      401,
    );
  });

  it("a code is not a link secret and a link secret is not a code; an unknown user is 404; a weak password 400", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset-kinds");
    const guest = latestBrowser(s.endpoint);
    await guest.use((a) => a.createRecoveryOTP(m.email));
    const code = codeIn(box, m.email, "recovery-otp");
    const link = await latestKey(s.endpoint).createRecovery({ email: m.email, url: "http://localhost/reset" });
    await expectAppwriteError(
      guest.use((a) => a.updateRecovery(m.userId, code, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP(m.userId, link.secret, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP("nobody-here", code, NEW_PASSWORD)),
      "user_not_found",
      404,
    );
    expectRawError(
      await put(s, "/account/recovery/otp", { userId: m.userId, secret: code, password: "short" }),
      400,
      "general_argument_invalid",
    );
    expectRawError(await put(s, "/account/recovery/otp", { userId: m.userId, secret: code }), 400, "general_argument_invalid");
    // None of that spent the code or the link.
    await guest.use((a) => a.updateRecoveryOTP(m.userId, code, NEW_PASSWORD));
    await guest.use((a) => a.updateRecovery(m.userId, link.secret, "yet-another-password-3"));
  });

  it("a code dies after 5 wrong attempts, and after 15 minutes", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset-attempts");
    const guest = latestBrowser(s.endpoint);
    await guest.use((a) => a.createRecoveryOTP(m.email));
    const code = codeIn(box, m.email, "recovery-otp");
    for (let i = 1; i <= 5; i++) {
      await expectAppwriteError(
        guest.use((a) => a.updateRecoveryOTP(m.userId, wrongCode(code, i), NEW_PASSWORD)),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP(m.userId, code, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );

    await guest.use((a) => a.createRecoveryOTP(m.email));
    const late = codeIn(box, m.email, "recovery-otp");
    s.clock.advance(MINUTES_15 + 1000);
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP(m.userId, late, NEW_PASSWORD)),
      "user_invalid_token",
      401,
    );
  });

  it("is limited to 10 per hour per (IP, userId): the 11th from that IP is 429 even with the right code; another IP completes it", async () => {
    const { s, box } = env;
    const m = await member(s, "code-reset-put-limit");
    const ip = nextIp();
    for (let i = 0; i < 10; i++)
      expect((await put(s, "/account/recovery/otp", { userId: m.userId, secret: "x", password: NEW_PASSWORD }, ip)).status).toBe(401);
    await latestBrowser(s.endpoint).use((a) => a.createRecoveryOTP(m.email));
    const code = codeIn(box, m.email, "recovery-otp");
    expectRawError(
      await put(s, "/account/recovery/otp", { userId: m.userId, secret: code, password: NEW_PASSWORD }, ip),
      429,
      "general_rate_limit_exceeded",
    );
    expect((await put(s, "/account/recovery/otp", { userId: m.userId, secret: code, password: NEW_PASSWORD })).status).toBe(200);
  });
});

describe("POST /account/verifications/email/otp (createEmailVerificationOTP)", () => {
  it("mails a code valid 15 minutes; the owner or a guest confirms it; asking again is 409", async () => {
    const { s, box } = env;
    const m = await member(s, "code-verify");
    const now = s.clock.now();
    const token = await m.b.use((a) => a.createEmailVerificationOTP());
    expect(token).toMatchObject({ userId: m.userId, secret: "", phrase: "", expire: iso(now + MINUTES_15) });
    expect(box.lastMail(m.email)!.subject).toBe("Verification Code for Test Project");
    const code = codeIn(box, m.email, "verification-otp");
    const guest = latestBrowser(s.endpoint);
    const done = await guest.use((a) => a.updateEmailVerificationOTP({ userId: m.userId, secret: code }));
    expect(done).toEqual(token);
    expect((await m.b.use((a) => a.get())).emailVerification).toBe(true);
    await expectAppwriteError(
      m.b.use((a) => a.createEmailVerificationOTP({ phrase: true })),
      "user_email_already_verified",
      409,
    );
  });

  it("object-style with a phrase; positional confirm by the owner", async () => {
    const { s, box } = env;
    const m = await member(s, "code-verify-phrase");
    const first = await m.b.use((a) => a.createEmailVerificationOTP(false));
    expect(first.phrase).toBe("");
    const token = await m.b.use((a) => a.createEmailVerificationOTP({ phrase: true }));
    expect(token.phrase).toMatch(/^\S+ \S+$/);
    expect(box.lastMail(m.email)!.phrase).toBe(token.phrase);
    const code = codeIn(box, m.email, "verification-otp");
    await m.b.use((a) => a.updateEmailVerificationOTP(m.userId, code));
    expect((await latestSession(s.endpoint, m.secret).get()).emailVerification).toBe(true);
  });

  it("guests get 401 general_unauthorized_scope; an account without e-mail 400 user_email_not_found; no mail", async () => {
    const { s, box } = env;
    const before = box.entries.length;
    await expectAppwriteError(
      latestBrowser(s.endpoint).use((a) => a.createEmailVerificationOTP()),
      "general_unauthorized_scope",
      401,
    );
    const anonymous = latestBrowser(s.endpoint);
    await anonymous.use((a) => a.createAnonymousSession());
    await expectAppwriteError(
      anonymous.use((a) => a.createEmailVerificationOTP()),
      "user_email_not_found",
      400,
    );
    expect(box.entries.length).toBe(before);
  });

  it("is limited to 10 per hour per user", async () => {
    const { s } = env;
    const m = await member(s, "code-verify-limit");
    const send = () =>
      raw(s.endpoint, "POST", "/account/verifications/email/otp", { body: {}, headers: { "x-appwrite-session": m.secret } });
    for (let i = 0; i < 10; i++) expect((await send()).status).toBe(201);
    expectRawError(await send(), 429, "general_rate_limit_exceeded");
  });
});

describe("PUT /account/verifications/email/otp (updateEmailVerificationOTP)", () => {
  it("a link secret is not a code, nor a code a link secret; wrong and foreign codes are 401; an unknown user 404", async () => {
    const { s, box } = env;
    const m = await member(s, "code-verify-kinds");
    const other = await member(s, "code-verify-other");
    await m.b.use((a) => a.createEmailVerificationOTP());
    const code = codeIn(box, m.email, "verification-otp");
    await other.b.use((a) => a.createEmailVerificationOTP());
    const otherCode = codeIn(box, other.email, "verification-otp");
    await m.b.use((a) => a.createEmailVerification({ url: "http://localhost/verify" }));
    const link = new URL(box.lastMail(m.email)!.url!).searchParams.get("secret")!;
    const guest = latestBrowser(s.endpoint);
    await expectAppwriteError(
      guest.use((a) => a.updateEmailVerificationOTP(m.userId, link)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((a) => a.updateEmailVerification(m.userId, code)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((a) => a.updateEmailVerificationOTP(m.userId, otherCode)),
      "user_invalid_token",
      401,
    );
    await expectAppwriteError(
      guest.use((a) => a.updateEmailVerificationOTP("nobody-here", code)),
      "user_not_found",
      404,
    );
    expectRawError(await put(s, "/account/verifications/email/otp", { userId: m.userId }), 400, "general_argument_invalid");
    expect((await storeOf(s).users.get(m.userId))!.emailVerification).toBe(false);
    await guest.use((a) => a.updateEmailVerificationOTP(m.userId, code));
    expect((await storeOf(s).users.get(m.userId))!.emailVerification).toBe(true);
  });

  it("a code dies after 5 wrong attempts", async () => {
    const { s, box } = env;
    const m = await member(s, "code-verify-attempts");
    await m.b.use((a) => a.createEmailVerificationOTP());
    const code = codeIn(box, m.email, "verification-otp");
    for (let i = 1; i <= 5; i++) {
      await expectAppwriteError(
        m.b.use((a) => a.updateEmailVerificationOTP(m.userId, wrongCode(code, i))),
        "user_invalid_token",
        401,
      );
    }
    await expectAppwriteError(
      m.b.use((a) => a.updateEmailVerificationOTP(m.userId, code)),
      "user_invalid_token",
      401,
    );
  });
});

describe("with auth.enumerationProtection", () => {
  let hidden: Env;
  beforeAll(async () => {
    hidden = await start({ auth: { enumerationProtection: true } });
  });
  afterAll(() => hidden.s.close());

  it("a known and an unknown address get alike 201 Tokens (an id of the same shape, the same each time); only the known one gets mail, and its id works", async () => {
    const { s, box } = hidden;
    const m = await member(s, "code-hidden");
    const guest = latestBrowser(s.endpoint);
    const known = await guest.use((a) => a.createRecoveryOTP({ email: m.email }));
    const nobody = uniqueEmail("code-hidden-nobody");
    const unknown = await guest.use((a) => a.createRecoveryOTP({ email: nobody }));
    const again = await guest.use((a) => a.createRecoveryOTP({ email: nobody }));
    expect(Object.keys(unknown)).toEqual(Object.keys(known));
    expect(unknown.userId).toMatch(/^[0-9a-f]{20}$/);
    expect(again.userId).toBe(unknown.userId);
    expect(unknown.expire).toBe(known.expire);
    expect(box.lastMail(nobody)).toBeUndefined();
    await expectAppwriteError(
      guest.use((a) => a.updateRecoveryOTP(unknown.userId, "123456", NEW_PASSWORD)),
      "user_not_found",
      404,
    );
    await waitForMail(box, m.email);
    const code = codeIn(box, m.email, "recovery-otp");
    await guest.use((a) => a.updateRecoveryOTP(known.userId, code, NEW_PASSWORD));
  });
});

/** With enumeration protection the mail goes out after the answer. */
async function waitForMail(box: Outbox, email: string) {
  for (let i = 0; i < 100 && box.lastMail(email)?.kind !== "recovery-otp"; i++) await new Promise((r) => setTimeout(r, 10));
}

describe("no mailer configured", () => {
  let bare: Env;
  beforeAll(async () => {
    bare = await start({}, { mail: false, sms: false });
  });
  afterAll(() => bare.s.close());

  it('both code routes give 503 general_smtp_disabled "SMTP Disabled", before the address is looked up', async () => {
    const { s } = bare;
    const m = await member(s, "code-bare");
    const recovery = await expectAppwriteError(
      latestBrowser(s.endpoint).use((a) => a.createRecoveryOTP({ email: uniqueEmail("code-bare-nobody") })),
      "general_smtp_disabled",
      503,
    );
    expect(recovery.message).toBe("SMTP Disabled");
    const verify = await expectAppwriteError(
      m.b.use((a) => a.createEmailVerificationOTP()),
      "general_smtp_disabled",
      503,
    );
    expect(verify.message).toBe("SMTP Disabled");
  });
});
