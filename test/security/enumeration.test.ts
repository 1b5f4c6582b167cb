/**
 * Account enumeration: `auth.enumerationProtection` (src/core/enumeration.ts) makes recovery,
 * magic URL and e-mail OTP answer known and unknown addresses alike; sign-up and login cost one
 * password hash or verification whatever the address (counted through a wrapping hasher, not
 * timed). Driven through the SDKs on the store that GATEHOUSE_TEST_STORE names.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import type { PasswordHasher } from "gatehouse-auth";
import { uniqueId as newId } from "../../src/crypto/ids";
import { cheapHasher, type TestServer } from "../helpers/server";
import { expectAppwriteError, raw, sessionClient } from "../helpers/sdk";
import { freshWindow, iso, key, nextIp, startWithOutbox, storeOf, uniqueEmail, uniqueId, web, type OutboxServer } from "../helpers/flows";

const PASSWORD = "password123";
const HOUR = 3_600_000;
const TOKEN_FIELDS = ["$id", "$createdAt", "userId", "secret", "expire", "phrase"];
const PLACEHOLDER = /^[0-9a-f]{20}$/;
const RESET_URL = "http://localhost/reset";
const MAGIC_URL = "http://localhost/magic";

/** A hasher that counts its calls, around the cheap test hasher. */
function countingHasher() {
  const inner = cheapHasher();
  const calls = { hash: 0, verify: 0 };
  const hasher: PasswordHasher = {
    hash: (password) => {
      calls.hash += 1;
      return inner.hash(password);
    },
    verify: (hash, password) => {
      calls.verify += 1;
      return inner.verify(hash, password);
    },
    needsRehash: (hash) => inner.needsRehash(hash),
  };
  const reset = () => Object.assign(calls, { hash: 0, verify: 0 });
  return { hasher, calls, reset };
}

async function member(s: TestServer) {
  const email = uniqueEmail("enum");
  const user = await key(s).create(ID.unique(), email, PASSWORD);
  return { email, userId: user.$id };
}

async function blockedMember(s: TestServer) {
  const m = await member(s);
  const { secret } = await key(s).createEmailPasswordSession(m.email, PASSWORD);
  await sessionClient(s.endpoint, secret).account.updateStatus();
  return m;
}

/** An address that only another user's OAuth2 identity holds (the user's own e-mail differs). */
async function identityAddress(s: TestServer): Promise<string> {
  const owner = await member(s);
  const address = uniqueEmail("oauth-only");
  const now = new Date(s.clock.now());
  await storeOf(s).identities.create({
    id: newId(now.getTime()),
    userId: owner.userId,
    createdAt: now,
    updatedAt: now,
    provider: "github",
    providerUid: uniqueId("gh"),
    providerEmail: address,
    providerAccessToken: "",
    providerAccessTokenExpiry: null,
    providerRefreshToken: "",
    providerIdToken: "",
  });
  return address;
}

/** Lets e-mails sent after the answer (src/core/enumeration.ts sendLater) reach the outbox. */
async function settle(until: () => boolean = () => false): Promise<void> {
  for (let i = 0; i < 50 && !until(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

function link(env: OutboxServer, email: string): URL {
  const url = env.box.lastMail(email)?.url;
  if (!url) throw new Error(`no mail with a link to ${email}`);
  return new URL(url);
}

function mailsTo(env: OutboxServer, email: string): number {
  return env.box.entries.filter((e) => e.channel === "mail" && e.message.to === email).length;
}

/** A recovery from a fresh browser (and a fresh IP, so the per-IP limit does not interfere). */
const recovery = (env: OutboxServer, email: string) =>
  raw(env.s.endpoint, "POST", "/account/recovery", { body: { email, url: RESET_URL }, headers: { "x-forwarded-for": nextIp() } });

// =============================================================================================
// auth.enumerationProtection: true
// =============================================================================================

describe("auth.enumerationProtection: true", () => {
  let env: OutboxServer;
  const reported: unknown[] = [];
  beforeAll(async () => {
    env = await startWithOutbox({ auth: { enumerationProtection: true }, reportError: (error) => void reported.push(error) });
  });
  afterAll(() => env.s.close());
  beforeEach(() => freshWindow(env.s));

  describe("POST /account/recovery", () => {
    it("known, unknown and blocked addresses get the same 201 Token, whose userId is never the real one", async () => {
      const { s } = env;
      const known = await member(s);
      const blocked = await blockedMember(s);
      const unknown = uniqueEmail("nobody");
      const now = s.clock.now();

      const answers = [];
      for (const email of [known.email, unknown, blocked.email]) {
        const res = await recovery(env, email);
        expect(res.status).toBe(201);
        answers.push(res.json as Record<string, string>);
      }
      for (const token of answers) {
        expect(Object.keys(token)).toEqual(TOKEN_FIELDS);
        expect(token).toMatchObject({ $createdAt: iso(now), secret: "", expire: iso(now + HOUR), phrase: "" });
        expect(token.userId).toMatch(PLACEHOLDER);
        expect(token.$id).toMatch(/^[0-9a-f]{20}$/);
      }
      expect(answers[0]!.userId).not.toBe(known.userId);
      expect(answers[2]!.userId).not.toBe(blocked.userId);
      expect(new Set(answers.map((t) => t.userId)).size).toBe(3);

      // Only the known, enabled address gets a token and an e-mail; nobody is created.
      await settle(() => mailsTo(env, known.email) > 0);
      expect(mailsTo(env, known.email)).toBe(1);
      expect(mailsTo(env, unknown)).toBe(0);
      expect(mailsTo(env, blocked.email)).toBe(0);
      expect(await storeOf(s).tokens.list(known.userId, new Date(s.clock.now()))).toHaveLength(1);
      expect(await storeOf(s).tokens.list(blocked.userId, new Date(s.clock.now()))).toHaveLength(0);
      expect(await storeOf(s).users.getByEmail(unknown)).toBeNull();
    });

    it("repeated calls for one address answer the same userId, known or not", async () => {
      const known = await member(env.s);
      const unknown = uniqueEmail("nobody");
      for (const email of [known.email, unknown]) {
        const first = (await recovery(env, email)).json!;
        const second = (await recovery(env, email)).json!;
        expect(second.userId).toBe(first.userId);
        expect(second.$id).not.toBe(first.$id);
      }
    });

    it("the link in the e-mail carries the real userId and resets the password through the SDK", async () => {
      const { s } = env;
      const known = await member(s);
      const token = await web(s).use((account) => account.createRecovery(known.email, RESET_URL));
      expect(token.userId).not.toBe(known.userId);
      await settle(() => mailsTo(env, known.email) > 0);
      const url = link(env, known.email);
      expect(url.searchParams.get("userId")).toBe(known.userId);
      await web(s).use((account) =>
        account.updateRecovery(url.searchParams.get("userId")!, url.searchParams.get("secret")!, "brand-new-password-1"),
      );
      expect((await key(s).createEmailPasswordSession(known.email, "brand-new-password-1")).userId).toBe(known.userId);
    });

    it("API-key callers (the app's own server) get Appwrite's answers: 404 for an unknown address, the real userId and secret", async () => {
      const { s } = env;
      await expectAppwriteError(key(s).createRecovery(uniqueEmail("nobody"), RESET_URL), "user_not_found", 404);
      const known = await member(s);
      const token = await key(s).createRecovery(known.email, RESET_URL);
      expect(token.userId).toBe(known.userId);
      expect(token.secret).toMatch(/^[0-9a-f]{256}$/);
    });
  });

  describe("POST /account/tokens/magic-url", () => {
    it("known, new and OAuth-only addresses get the same 201 Token with a placeholder userId; the link carries the real one", async () => {
      const { s } = env;
      const known = await member(s);
      const fresh = uniqueEmail("magic-new");
      const oauthOnly = await identityAddress(s);
      const requested = uniqueId("probe");

      const answers = [];
      for (const email of [known.email, fresh, oauthOnly]) {
        answers.push(await web(s).use((account) => account.createMagicURLToken(requested, email, MAGIC_URL)));
      }
      const now = s.clock.now();
      for (const token of answers) {
        expect(Object.keys(token)).toEqual(TOKEN_FIELDS);
        expect(token).toMatchObject({ $createdAt: iso(now), secret: "", expire: iso(now + HOUR), phrase: "" });
        expect(token.userId).toMatch(PLACEHOLDER);
      }
      // Neither the existing id nor the requested one (which the new account got) comes back.
      expect(answers[0]!.userId).not.toBe(known.userId);
      expect(answers[1]!.userId).not.toBe(requested);
      expect((await storeOf(s).users.getByEmail(fresh))!.id).toBe(requested);

      // The links log in through the SDK with the real ids.
      for (const [email, userId] of [
        [known.email, known.userId],
        [fresh, requested],
      ] as const) {
        const url = link(env, email);
        expect(url.searchParams.get("userId")).toBe(userId);
        const session = await web(s).use((account) =>
          account.createSession(url.searchParams.get("userId")!, url.searchParams.get("secret")!),
        );
        expect(session.userId).toBe(userId);
      }
      // The OAuth-only address got nothing, and no account was made for it.
      expect(mailsTo(env, oauthOnly)).toBe(0);
      expect(await storeOf(s).users.getByEmail(oauthOnly)).toBeNull();
    });

    it("the placeholder is stable per address and the phrase is still shown when asked for", async () => {
      const { s } = env;
      const known = await member(s);
      const oauthOnly = await identityAddress(s);
      for (const email of [known.email, oauthOnly]) {
        const first = await web(s).use((account) => account.createMagicURLToken(ID.unique(), email, MAGIC_URL, true));
        const second = await web(s).use((account) => account.createMagicURLToken(ID.unique(), email, MAGIC_URL, true));
        expect(second.userId).toBe(first.userId);
        expect(first.phrase).toMatch(/^\S+ \S+$/);
      }
    });
  });

  describe("POST /account/tokens/email", () => {
    it("an OAuth-only address gets the 201 a new address gets (the requested id), with no account, token or e-mail", async () => {
      const { s } = env;
      const oauthOnly = await identityAddress(s);
      const requested = uniqueId("otp-probe");
      const now = s.clock.now();
      const token = await web(s).use((account) => account.createEmailToken(requested, oauthOnly));
      expect(Object.keys(token)).toEqual(TOKEN_FIELDS);
      expect(token).toMatchObject({ userId: requested, $createdAt: iso(now), secret: "", expire: iso(now + 15 * 60_000), phrase: "" });
      expect(mailsTo(env, oauthOnly)).toBe(0);
      expect(await storeOf(s).users.getByEmail(oauthOnly)).toBeNull();
      expect(await storeOf(s).users.get(requested)).toBeNull();
      // Trying a code answers what a wrong code answers.
      await expectAppwriteError(
        web(s).use((account) => account.createSession(requested, "123456")),
        "user_invalid_token",
        401,
      );
    });

    it("the SDK's OTP flow still works: the answer carries the real userId (createSession needs it)", async () => {
      const { s } = env;
      const known = await member(s);
      const token = await web(s).use((account) => account.createEmailToken(ID.unique(), known.email));
      expect(token.userId).toBe(known.userId);
      const code = env.box.lastMail(known.email)!.secret!;
      expect((await web(s).use((account) => account.createSession(token.userId, code))).userId).toBe(known.userId);
    });
  });

  it("a mail server failing for a known address does not change the recovery answer; the fault is reported and the token removed", async () => {
    const failing = await startWithOutbox({
      auth: { enumerationProtection: true },
      mailer: { send: async () => Promise.reject(new Error("smtp down")) },
      reportError: (error) => void reported.push(error),
    });
    try {
      const known = await member(failing.s);
      reported.length = 0;
      const res = await recovery(failing, known.email);
      expect(res.status).toBe(201);
      expect(res.json!.userId).toMatch(PLACEHOLDER);
      await settle(() => reported.length > 0);
      expect(reported).toHaveLength(1);
      expect(String((reported[0] as Error).message)).toContain("recovery");
      expect(await storeOf(failing.s).tokens.list(known.userId, new Date(failing.s.clock.now()))).toHaveLength(0);
    } finally {
      await failing.s.close();
    }
  });
});

// =============================================================================================
// Off (the default): Appwrite's answers
// =============================================================================================

describe("auth.enumerationProtection: false (the default, Appwrite-exact)", () => {
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox();
  });
  afterAll(() => env.s.close());
  beforeEach(() => freshWindow(env.s));

  it("is off by default", () => {
    expect(env.s.service.config.auth.enumerationProtection).toBe(false);
  });

  it("recovery: 404 user_not_found for an unknown address, 401 user_blocked for a blocked one, the real userId otherwise", async () => {
    const { s } = env;
    await expectAppwriteError(
      web(s).use((account) => account.createRecovery(uniqueEmail("nobody"), RESET_URL)),
      "user_not_found",
      404,
    );
    const blocked = await blockedMember(s);
    await expectAppwriteError(
      web(s).use((account) => account.createRecovery(blocked.email, RESET_URL)),
      "user_blocked",
      401,
    );
    const known = await member(s);
    expect((await web(s).use((account) => account.createRecovery(known.email, RESET_URL))).userId).toBe(known.userId);
  });

  it("magic URL: 409 user_email_already_exists for an OAuth-only address, the real userId otherwise", async () => {
    const { s } = env;
    await expectAppwriteError(
      web(s).use(async (account) => account.createMagicURLToken(ID.unique(), await identityAddress(s), MAGIC_URL)),
      "user_email_already_exists",
      409,
    );
    const known = await member(s);
    expect((await web(s).use((account) => account.createMagicURLToken(ID.unique(), known.email, MAGIC_URL))).userId).toBe(known.userId);
  });

  it("e-mail OTP: 400 general_bad_request for an OAuth-only address", async () => {
    const { s } = env;
    await expectAppwriteError(
      web(s).use(async (account) => account.createEmailToken(ID.unique(), await identityAddress(s))),
      "general_bad_request",
      400,
    );
  });
});

// =============================================================================================
// Sign-up and login cost the same whatever the address (either setting)
// =============================================================================================

describe("password work does not depend on the address", () => {
  const counting = countingHasher();
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox({ passwordHasher: counting.hasher });
  });
  afterAll(() => env.s.close());
  beforeEach(() => freshWindow(env.s));

  it("sign-up: one hash for a new address, a taken one (409) and an OAuth-only one (400)", async () => {
    const { s } = env;
    const taken = await member(s);
    const oauthOnly = await identityAddress(s);

    counting.reset();
    await key(s).create(ID.unique(), uniqueEmail("new"), PASSWORD);
    expect(counting.calls).toEqual({ hash: 1, verify: 0 });

    counting.reset();
    await expectAppwriteError(key(s).create(ID.unique(), taken.email, PASSWORD), "user_already_exists", 409);
    expect(counting.calls).toEqual({ hash: 1, verify: 0 });

    counting.reset();
    await expectAppwriteError(key(s).create(ID.unique(), oauthOnly, PASSWORD), "general_bad_request", 400);
    expect(counting.calls).toEqual({ hash: 1, verify: 0 });
  });

  it("login: one verification for an unknown address, a wrong password, a passwordless account and the right password", async () => {
    const { s } = env;
    const known = await member(s);
    const passwordless = uniqueEmail("passwordless");
    await web(s).use((account) => account.createMagicURLToken(ID.unique(), passwordless, MAGIC_URL));
    expect((await storeOf(s).users.getByEmail(passwordless))!.passwordHash).toBeNull();

    const attempts: Array<[string, string, string | null]> = [
      [uniqueEmail("nobody"), PASSWORD, "user_invalid_credentials"],
      [known.email, "wrong-password-1", "user_invalid_credentials"],
      [passwordless, PASSWORD, "user_invalid_credentials"],
      [known.email, PASSWORD, null],
    ];
    for (const [email, password, error] of attempts) {
      counting.reset();
      const login = key(s).createEmailPasswordSession(email, password);
      if (error) await expectAppwriteError(login, error, 401);
      else expect((await login).userId).toBe(known.userId);
      expect({ email, ...counting.calls }).toEqual({ email, hash: 0, verify: 1 });
    }
  });
});
