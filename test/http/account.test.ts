/**
 * The account routes (get, create, e-mail, name, password, phone, prefs, status) driven through
 * the official SDKs against a real Express server on loopback: `appwrite` (web, via `browser()`)
 * and `node-appwrite` (API key and `setSession`). Raw HTTP is used only for what an SDK cannot
 * send (malformed bodies, wrong types, missing fields, forged credentials) or cannot show (status
 * codes, headers).
 *
 * Every failed write is followed by a look at the store to prove that nothing was written.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import type * as node from "node-appwrite";
import { encodeSessionValue, uniqueId, type UserRecord } from "gatehouse-auth";
import { browser, expectAppwriteError, raw, serverClient, sessionClient, type Browser } from "../helpers/sdk";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { userRecord } from "../core/support";

// ---------------------------------------------------------------------------------------------
// Constants: the wire contract's exact strings
// ---------------------------------------------------------------------------------------------

const PW = "Str0ng-pass-phrase!";
const NEW_PW = "An0ther-pass-phrase?";
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00$/;
const HEX20 = /^[0-9a-f]{20}$/;
const ACCOUNT_FIELDS = [
  "$id",
  "$createdAt",
  "$updatedAt",
  "name",
  "registration",
  "status",
  "labels",
  "passwordUpdate",
  "email",
  "phone",
  "emailVerification",
  "phoneVerification",
  "mfa",
  "prefs",
  "targets",
  "accessedAt",
];
const TARGET_FIELDS = ["$id", "$createdAt", "$updatedAt", "name", "userId", "providerId", "providerType", "identifier", "expired"];
const GUEST_SCOPE = "User (role: guests) missing scope (account)";
const COOKIE = `a_session_${PROJECT}`;

const MSG = {
  customId:
    "Invalid `userId` param: Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char",
  email: "Invalid `email` param: Value must be a valid email address",
  /** PasswordDictionary (signup, password update): Appwrite prints "265" (sic), dictionary on or off. */
  passwordDictionary:
    "Invalid `password` param: Password must be between 8 and 265 characters long, and should not be one of the commonly used password.",
  /** Password (e-mail/phone update, oldPassword): the plain 8–256 validator. */
  password: (param = "password") => `Invalid \`${param}\` param: Password must be between 8 and 256 characters long.`,
  name: "Invalid `name` param: Value must be a valid string and at least 1 chars and no longer than 128 chars",
  phone: "Invalid `phone` param: Phone number must start with a '+' can have a maximum of fifteen digits.",
  prefs: "Invalid `prefs` param: Value must be a valid object.",
  missing: (param: string) => `Param "${param}" is not optional.`,
  methodDisabled: "Email / Password authentication is disabled for this project",
};

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

let counter = 0;
const runTag = `${process.pid.toString(36)}${Date.now().toString(36)}`;

/** A fresh address for every call, so tests never collide. */
function uniqueEmail(tag = "user"): string {
  return `${tag}-${runTag}-${++counter}@example.com`;
}

/** A fresh E.164 number: +1 415 and seven digits. */
function uniquePhone(): string {
  return `+1415${String(++counter).padStart(7, "0")}`;
}

/** Appwrite's wire datetime for an instant on the server clock. */
function iso(ms: number): string {
  return new Date(ms).toISOString().replace("Z", "+00:00");
}

/** An SDK call fails with exactly this type and HTTP code (and message, when given). */
async function expectError(promise: Promise<unknown>, type: string, code: number, message?: string) {
  const error = await expectAppwriteError(promise, type, code);
  if (message !== undefined) expect(error.message).toBe(message);
  return error;
}

type RawResult = Awaited<ReturnType<typeof raw>>;

/** A raw response is an Appwrite error of this type, code (and message): JSON, never a 500. */
function expectRawError(res: RawResult, type: string, code: number, message?: string): void {
  expect(res.status, res.text).toBe(code);
  expect(res.json).toMatchObject({ type, code });
  if (message !== undefined) expect(res.json?.message).toBe(message);
}

/** The store's view of a user (minus `accessedAt`, which reads may refresh), targets, sessions and log count. */
async function snapshot(server: TestServer, userId: string) {
  const store = server.service.config.store;
  const user = await store.users.get(userId);
  if (!user) throw new Error(`user ${userId} does not exist`);
  const { accessedAt: _accessedAt, ...rest } = user;
  return {
    user: rest,
    targets: await store.targets.list(userId),
    sessions: (await store.sessions.list(userId)).map((s) => [s.id, s.expire.getTime()]),
    logs: await store.logs.count(userId),
  };
}

interface Member {
  id: string;
  email: string;
  password: string;
  /** The session value, as node-appwrite's `setSession` and `X-Appwrite-Session` take it. */
  secret: string;
  /** node-appwrite Account acting as this user (the SSR pattern). */
  sdk: node.Account;
}

/** A signed-up user with one session, arranged through node-appwrite with the API key (no rate limits). */
async function member(
  server: TestServer,
  options: { name?: string; password?: string; email?: string; id?: string } = {},
): Promise<Member> {
  const email = options.email ?? uniqueEmail();
  const password = options.password ?? PW;
  const { account } = serverClient(server.endpoint);
  const user = await account.create(options.id ?? ID.unique(), email, password, options.name);
  const session = await account.createEmailPasswordSession(email, password);
  return { id: user.$id, email, password, secret: session.secret, sdk: sessionClient(server.endpoint, session.secret).account };
}

/** A web-SDK browser logged in with e-mail and password. */
async function webLogin(server: TestServer, email: string, password: string): Promise<Browser> {
  const b = browser(server.endpoint);
  await b.use((account) => account.createEmailPasswordSession(email, password));
  return b;
}

/** An anonymous user through node-appwrite (key creates the session, `setSession` uses it). */
async function anonymous(server: TestServer): Promise<{ id: string; secret: string; sdk: node.Account }> {
  const session = await serverClient(server.endpoint).account.createAnonymousSession();
  return { id: session.userId, secret: session.secret, sdk: sessionClient(server.endpoint, session.secret).account };
}

/** Can this e-mail and password open a session? */
async function canLogIn(server: TestServer, email: string, password: string): Promise<boolean> {
  try {
    await browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, password));
    return true;
  } catch (error) {
    expect((error as { type?: string }).type).toBe("user_invalid_credentials");
    return false;
  }
}

/** The methods of both SDKs' `Account` that these routes use. */
interface AccountCalls {
  get(): Promise<unknown>;
  updateName(name: string): Promise<unknown>;
  updateEmail(email: string, password: string): Promise<unknown>;
  updatePassword(password: string, oldPassword?: string): Promise<unknown>;
  updatePhone(phone: string, password: string): Promise<unknown>;
  getPrefs(): Promise<unknown>;
  updatePrefs(prefs: Record<string, unknown>): Promise<unknown>;
  updateStatus(): Promise<unknown>;
}

/** Every route under test, called through an SDK with valid arguments. */
const SDK_CALLS: Array<[string, (account: AccountCalls) => Promise<unknown>]> = [
  ["GET /account", (a) => a.get()],
  ["PATCH /account/name", (a) => a.updateName("Changed Name")],
  ["PATCH /account/email", (a) => a.updateEmail(uniqueEmail("changed"), PW)],
  ["PATCH /account/password", (a) => a.updatePassword(NEW_PW, PW)],
  ["PATCH /account/phone", (a) => a.updatePhone(uniquePhone(), PW)],
  ["GET /account/prefs", (a) => a.getPrefs()],
  ["PATCH /account/prefs", (a) => a.updatePrefs({ changed: true })],
  ["PATCH /account/status", (a) => a.updateStatus()],
];

/** Every route under test as a raw request with a valid body. */
const RAW_ROUTES: Array<{ method: string; path: string; body?: object }> = [
  { method: "GET", path: "/account" },
  { method: "PATCH", path: "/account/name", body: { name: "Changed Name" } },
  { method: "PATCH", path: "/account/email", body: { email: "changed-raw@example.com", password: PW } },
  { method: "PATCH", path: "/account/password", body: { password: NEW_PW, oldPassword: PW } },
  { method: "PATCH", path: "/account/phone", body: { phone: "+14155559999", password: PW } },
  { method: "GET", path: "/account/prefs" },
  { method: "PATCH", path: "/account/prefs", body: { prefs: { changed: true } } },
  { method: "PATCH", path: "/account/status", body: {} },
];

/**
 * An address of 321 characters (64 + 1 + 256). Decided here: one might expect 400
 * document_invalid_structure for an e-mail longer than 320 characters, but
 * Appwrite's Email validator is PHP's FILTER_VALIDATE_EMAIL, which itself refuses anything over
 * 320 octets (and local parts over 64), so the real server answers 400 general_argument_invalid
 * "Value must be a valid email address" — and so does Gatehouse.
 */
function emailOf321Chars(): string {
  const domain = ["b".repeat(63), "c".repeat(63), "d".repeat(63), "e".repeat(60), "com"].join(".");
  const address = `${"a".repeat(64)}@${domain}`;
  expect(address.length).toBe(321);
  return address;
}

/** A user record made directly in the store, for states the API cannot produce. */
function storedUser(server: TestServer, patch: Partial<UserRecord>): UserRecord {
  const now = new Date(server.clock.now());
  return userRecord({ id: uniqueId(now.getTime()), createdAt: now, updatedAt: now, registration: now, accessedAt: now, ...patch });
}

/** An OAuth identity made directly in the store (no OAuth provider runs in these tests). */
async function storeIdentity(server: TestServer, userId: string, providerEmail: string): Promise<void> {
  const now = new Date(server.clock.now());
  await server.service.config.store.identities.create({
    id: uniqueId(now.getTime()),
    userId,
    createdAt: now,
    updatedAt: now,
    provider: "github",
    providerUid: `gh-${++counter}`,
    providerEmail,
    providerAccessToken: "",
    providerAccessTokenExpiry: null,
    providerRefreshToken: "",
    providerIdToken: "",
  });
}

// =============================================================================================
// Default configuration
// =============================================================================================

describe("account routes, default configuration", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(() => server.close());
  // Signup and password change allow 10 per hour per IP, and every request here comes from
  // 127.0.0.1: start each test in a fresh rate-limit window.
  beforeEach(() => server.clock.advance(3_600_000));

  // -------------------------------------------------------------------------------------------
  // POST /account
  // -------------------------------------------------------------------------------------------
  describe("POST /account (create)", () => {
    it("unique() makes a 20-hex id; the Account model has every field, in Appwrite's order, with its type", async () => {
      const b = browser(server.endpoint);
      const email = uniqueEmail("model");
      const user = await b.use((account) => account.create("unique()", email, PW));
      const now = iso(server.clock.now());

      expect(user.$id).toMatch(HEX20);
      expect(Object.keys(user)).toEqual(ACCOUNT_FIELDS);
      expect(user).toEqual({
        $id: user.$id,
        $createdAt: now,
        $updatedAt: now,
        name: "",
        registration: now,
        status: true,
        labels: [],
        passwordUpdate: now,
        email,
        phone: "",
        emailVerification: false,
        phoneVerification: false,
        mfa: false,
        prefs: {},
        targets: [expect.any(Object)],
        accessedAt: now,
      });
      for (const field of ["$createdAt", "$updatedAt", "registration", "passwordUpdate", "accessedAt"] as const) {
        expect(user[field]).toMatch(ISO);
      }
      // The e-mail target, Target model fields in order; providerId is the one nullable field.
      const target = user.targets[0]!;
      expect(Object.keys(target)).toEqual(TARGET_FIELDS);
      expect(target).toEqual({
        $id: expect.stringMatching(HEX20),
        $createdAt: now,
        $updatedAt: now,
        name: "",
        userId: user.$id,
        providerId: null,
        providerType: "email",
        identifier: email,
        expired: false,
      });
      // No session was created: the browser got no fallback cookie, the store holds no session.
      expect(b.storage.has("cookieFallback")).toBe(false);
      expect(await server.service.config.store.sessions.list(user.$id)).toEqual([]);
      // Secrets never leave.
      expect(JSON.stringify(user)).not.toMatch(/argon2|"password"|"hash"/);
    });

    it("answers 201 with no cookie and no X-Fallback-Cookies", async () => {
      const email = uniqueEmail("raw201");
      const res = await raw(server.endpoint, "POST", "/account", { body: { userId: "unique()", email, password: PW } });
      expect(res.status).toBe(201);
      expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
      expect(res.headers.getSetCookie()).toEqual([]);
      expect(res.headers.get("x-fallback-cookies")).toBeNull();
      expect(res.json?.email).toBe(email);
    });

    it("keeps a custom id, including one of exactly 36 characters and one with every allowed special char", async () => {
      const b = browser(server.endpoint);
      const short = `Custom.ID-x_${++counter}`;
      const long = `L${runTag}${++counter}`.padEnd(36, "z");
      expect(long).toHaveLength(36);
      const first = await b.use((account) => account.create(short, uniqueEmail("custom"), PW));
      const second = await b.use((account) => account.create(long, uniqueEmail("custom36"), PW));
      expect(first.$id).toBe(short);
      expect(second.$id).toBe(long);
      expect((await server.service.config.store.users.get(long))?.id).toBe(long);
    });

    it("normalises the e-mail: NFKC, trimmed, lowercased; login then works with the normal form", async () => {
      const n = ++counter;
      // Fullwidth letters fold to ASCII under NFKC; surrounding spaces go; case goes.
      const typed = `  Ｍixed-${runTag}-${n}@ＥXAMPLE.Com  `;
      const expected = `mixed-${runTag}-${n}@example.com`;
      const user = await browser(server.endpoint).use((account) => account.create(ID.unique(), typed, PW, "Mixed"));
      expect(user.email).toBe(expected);
      expect(user.targets[0]?.identifier).toBe(expected);
      expect(user.name).toBe("Mixed");
      expect(await canLogIn(server, expected, PW)).toBe(true);
    });

    it("defaults name to the empty string and keeps a given name as sent", async () => {
      const b = browser(server.endpoint);
      const unnamed = await b.use((account) => account.create(ID.unique(), uniqueEmail("noname"), PW));
      const named = await b.use((account) => account.create(ID.unique(), uniqueEmail("named"), PW, "  Zoë 😀 "));
      expect(unnamed.name).toBe("");
      expect(named.name).toBe("  Zoë 😀 ");
      // 128 characters (multibyte-aware: 128 emoji are 256 UTF-16 units, 512 bytes) is accepted.
      const longest = await b.use((account) => account.create(ID.unique(), uniqueEmail("name128"), PW, "😀".repeat(128)));
      expect([...longest.name]).toHaveLength(128);
    });

    it("refuses a duplicate id with 409 user_already_exists and does not register the second address", async () => {
      const b = browser(server.endpoint);
      const id = `dup-${runTag}-${++counter}`;
      const second = uniqueEmail("dup-second");
      await b.use((account) => account.create(id, uniqueEmail("dup-first"), PW));
      await expectError(
        b.use((account) => account.create(id, second, PW)),
        "user_already_exists",
        409,
        "A user with the same id, email, or phone already exists in this project.",
      );
      expect(await server.service.config.store.users.getByEmail(second)).toBeNull();
      expect(await server.service.config.store.targets.getByIdentifier(second)).toBeNull();
    });

    it("refuses a duplicate e-mail, differently cased, with 409 user_already_exists", async () => {
      const b = browser(server.endpoint);
      const email = uniqueEmail("casedup");
      const original = await b.use((account) => account.create(ID.unique(), email, PW));
      const count = await server.service.config.store.users.count();
      const id = `casedup-${++counter}`;
      await expectError(
        b.use((account) => account.create(id, email.toUpperCase(), NEW_PW)),
        "user_already_exists",
        409,
      );
      expect(await server.service.config.store.users.get(id)).toBeNull();
      expect(await server.service.config.store.users.count()).toBe(count);
      // The original account is untouched: its password still works, the new one does not.
      expect((await server.service.config.store.users.getByEmail(email))?.id).toBe(original.$id);
      expect(await canLogIn(server, email, NEW_PW)).toBe(false);
    });

    it("refuses invalid user ids with the exact CustomId message", async () => {
      const b = browser(server.endpoint);
      const bad = ["_leading", ".leading", "-leading", "a".repeat(37), "has space", "ünïcode", "semi;colon", ""];
      for (const userId of bad) {
        const email = uniqueEmail("badid");
        await expectError(
          b.use((account) => account.create(userId, email, PW)),
          "general_argument_invalid",
          400,
          MSG.customId,
        );
        expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
      }
    });

    it("refuses invalid e-mail addresses", async () => {
      const b = browser(server.endpoint);
      for (const email of ["not-an-email", "two@@example.com", "@example.com", "user@", "user@localhost", "spa ce@example.com"]) {
        await expectError(
          b.use((account) => account.create(ID.unique(), email, PW)),
          "general_argument_invalid",
          400,
          MSG.email,
        );
      }
    });

    it("refuses an e-mail longer than 320 characters as an invalid e-mail (PHP's validator limit)", async () => {
      const email = emailOf321Chars();
      const count = await server.service.config.store.users.count();
      await expectError(
        browser(server.endpoint).use((account) => account.create(ID.unique(), email, PW)),
        "general_argument_invalid",
        400,
        MSG.email,
      );
      expect(await server.service.config.store.users.count()).toBe(count);
    });

    it("counts password length in bytes: 8–256 bytes pass, 7 and 257 bytes fail with the PasswordDictionary message", async () => {
      const b = browser(server.endpoint);
      const tooShort = ["1234567", "é".repeat(3) + "a"]; // 7 bytes each
      const tooLong = ["a".repeat(257), "€".repeat(86)]; // 257 bytes; 86 characters but 258 bytes
      for (const password of [...tooShort, ...tooLong]) {
        const email = uniqueEmail("pwlen");
        await expectError(
          b.use((account) => account.create(ID.unique(), email, password)),
          "general_argument_invalid",
          400,
          MSG.passwordDictionary,
        );
        expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
      }
      // 5 characters but 15 bytes; 4 characters but 8 bytes; exactly 256 bytes of 3-byte characters and ASCII.
      for (const password of ["日本語パス", "éééé", "a".repeat(256), "€".repeat(85) + "a"]) {
        const email = uniqueEmail("pwok");
        const user = await b.use((account) => account.create(ID.unique(), email, password));
        expect(user.email).toBe(email);
        expect(await canLogIn(server, email, password)).toBe(true);
      }
    });

    it("refuses an empty name and a name of 129 characters", async () => {
      const b = browser(server.endpoint);
      for (const name of ["", "n".repeat(129), "😀".repeat(129)]) {
        const email = uniqueEmail("badname");
        await expectError(
          b.use((account) => account.create(ID.unique(), email, PW, name)),
          "general_argument_invalid",
          400,
          MSG.name,
        );
        expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
      }
    });

    it('reports missing fields, in declaration order, as `Param "x" is not optional.`', async () => {
      const email = uniqueEmail("missing");
      const cases: Array<[object, string]> = [
        [{}, "userId"],
        [{ email, password: PW }, "userId"],
        [{ userId: "unique()" }, "email"],
        [{ userId: "unique()", password: PW }, "email"],
        [{ userId: "unique()", email }, "password"],
      ];
      for (const [body, param] of cases) {
        expectRawError(await raw(server.endpoint, "POST", "/account", { body }), "general_argument_invalid", 400, MSG.missing(param));
      }
      expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
    });

    it("treats a malformed JSON body as empty: userId is not optional", async () => {
      for (const body of ["{not json", `{"userId":"unique()","email":`, "[1,2,3]", "null", ""]) {
        const res = await raw(server.endpoint, "POST", "/account", { body, headers: { "content-type": "application/json" } });
        expectRawError(res, "general_argument_invalid", 400, MSG.missing("userId"));
      }
    });

    it("refuses parameters of the wrong JSON type with each validator's message", async () => {
      const email = uniqueEmail("types");
      const cases: Array<[object, string]> = [
        [{ userId: 12345, email, password: PW }, MSG.customId],
        // JSON null is a present value: utopia validates it (and fails), it is not "missing".
        [{ userId: null, email, password: PW }, MSG.customId],
        [{ userId: "unique()", email: null, password: PW }, MSG.email],
        [{ userId: "unique()", email, password: null }, MSG.passwordDictionary],
        [{ userId: ["unique()"], email, password: PW }, MSG.customId],
        [{ userId: "unique()", email: true, password: PW }, MSG.email],
        [{ userId: "unique()", email: { at: "x" }, password: PW }, MSG.email],
        [{ userId: "unique()", email, password: 123456789 }, MSG.passwordDictionary],
        [{ userId: "unique()", email, password: PW, name: 42 }, MSG.name],
      ];
      for (const [body, message] of cases) {
        expectRawError(await raw(server.endpoint, "POST", "/account", { body }), "general_argument_invalid", 400, message);
      }
      expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
    });

    it("accepts a form-encoded body (Appwrite form-decodes anything that is not JSON)", async () => {
      const email = uniqueEmail("form");
      const body = new URLSearchParams({ userId: "unique()", email, password: PW, name: "Form" }).toString();
      const res = await raw(server.endpoint, "POST", "/account", {
        body,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      });
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ email, name: "Form" });
    });

    it("refuses an address an OAuth identity already uses with 400 general_bad_request", async () => {
      const owner = await member(server);
      const email = uniqueEmail("oauth");
      await storeIdentity(server, owner.id, email);
      await expectError(
        browser(server.endpoint).use((account) => account.create(ID.unique(), email.toUpperCase(), PW)),
        "general_bad_request",
        400,
        "There was an error processing your request. Please check the inputs and try again.",
      );
      expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
    });

    it("lets a logged-in user create another account without logging them in or out", async () => {
      const first = await member(server);
      const b = await webLogin(server, first.email, PW);
      const fallback = b.storage.get("cookieFallback");
      const otherEmail = uniqueEmail("second");
      const other = await b.use((account) => account.create(ID.unique(), otherEmail, PW));
      expect(other.$id).not.toBe(first.id);
      expect(other.email).toBe(otherEmail);
      // Still the first user, with the same session.
      expect(b.storage.get("cookieFallback")).toBe(fallback);
      expect((await b.use((account) => account.get())).$id).toBe(first.id);
      expect(await server.service.config.store.sessions.list(other.$id)).toEqual([]);
    });

    it("lets a guest with a garbage session value sign up (garbage is just a guest)", async () => {
      const email = uniqueEmail("garbage-signup");
      const res = await raw(server.endpoint, "POST", "/account", {
        body: { userId: "unique()", email, password: PW },
        headers: { "x-appwrite-session": "garbage" },
      });
      expect(res.status).toBe(201);
      expect(res.json?.email).toBe(email);
    });

    it("lets an API key create an account (node-appwrite)", async () => {
      const email = uniqueEmail("key");
      const user = await serverClient(server.endpoint).account.create("unique()", email, PW, "Key");
      expect(user.$id).toMatch(HEX20);
      expect(Object.keys(user)).toEqual(ACCOUNT_FIELDS);
      expect(user.targets.map((t) => t.identifier)).toEqual([email]);
    });
  });

  // -------------------------------------------------------------------------------------------
  // GET /account
  // -------------------------------------------------------------------------------------------
  describe("GET /account", () => {
    it("returns the signed-in user's Account, the same as at signup", async () => {
      const email = uniqueEmail("get");
      const created = await browser(server.endpoint).use((account) => account.create(ID.unique(), email, PW, "Getter"));
      const b = await webLogin(server, email, PW);
      const me = await b.use((account) => account.get());
      expect(Object.keys(me)).toEqual(ACCOUNT_FIELDS);
      const { accessedAt: _a, ...createdRest } = created;
      const { accessedAt: _b, ...meRest } = me;
      expect(meRest).toEqual(createdRest);
      expect(me.accessedAt).toMatch(ISO);
    });

    it("answers a guest with 401 general_unauthorized_scope and the exact message", async () => {
      await expectError(
        browser(server.endpoint).use((account) => account.get()),
        "general_unauthorized_scope",
        401,
        GUEST_SCOPE,
      );
      expectRawError(await raw(server.endpoint, "GET", "/account"), "general_unauthorized_scope", 401, GUEST_SCOPE);
    });

    it("answers an API key (role applications, never the account scope) with 401 general_unauthorized_scope", async () => {
      await expectError(
        serverClient(server.endpoint).account.get(),
        "general_unauthorized_scope",
        401,
        "User (role: applications) missing scope (account)",
      );
    });

    it("sends the error body as {message, code, type, version}, in that order", async () => {
      const res = await raw(server.endpoint, "GET", "/account");
      expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
      expect(Object.keys(res.json ?? {})).toEqual(["message", "code", "type", "version"]);
      expect(res.json).toEqual({ message: GUEST_SCOPE, code: 401, type: "general_unauthorized_scope", version: "2.3.0" });
    });
  });

  // -------------------------------------------------------------------------------------------
  // PATCH /account/name
  // -------------------------------------------------------------------------------------------
  describe("PATCH /account/name", () => {
    it("renames the user, as sent, and moves $updatedAt", async () => {
      const m = await member(server);
      const b = await webLogin(server, m.email, PW);
      server.clock.advance(1500);
      const updated = await b.use((account) => account.updateName("  Ada Lovelace 😀 "));
      expect(Object.keys(updated)).toEqual(ACCOUNT_FIELDS);
      expect(updated.name).toBe("  Ada Lovelace 😀 ");
      expect(updated.$updatedAt).toBe(iso(server.clock.now()));
      expect(updated.$createdAt).not.toBe(updated.$updatedAt);
      expect(updated.targets.map((t) => t.identifier)).toEqual([m.email]);
      expect((await b.use((account) => account.get())).name).toBe("  Ada Lovelace 😀 ");
      // 128 characters is the maximum.
      expect((await m.sdk.updateName("é".repeat(128))).name).toBe("é".repeat(128));
    });

    it("refuses an empty name and 129 characters; nothing is written", async () => {
      const m = await member(server, { name: "Before" });
      const before = await snapshot(server, m.id);
      for (const name of ["", "x".repeat(129), "😀".repeat(129)]) {
        await expectError(m.sdk.updateName(name), "general_argument_invalid", 400, MSG.name);
      }
      expect(await snapshot(server, m.id)).toEqual(before);
      expect(((await m.sdk.get()) as { name: string }).name).toBe("Before");
    });

    it("refuses wrong types, missing and malformed bodies; nothing is written", async () => {
      const m = await member(server, { name: "Before" });
      const before = await snapshot(server, m.id);
      const headers = { "x-appwrite-session": m.secret };
      // JSON null is a present value: validated (and refused), not "missing".
      for (const body of [{ name: 42 }, { name: true }, { name: ["a"] }, { name: { first: "a" } }, { name: null }]) {
        expectRawError(await raw(server.endpoint, "PATCH", "/account/name", { body, headers }), "general_argument_invalid", 400, MSG.name);
      }
      for (const body of [{}, { nom: "x" }, "{not json", "[]"]) {
        const res = await raw(server.endpoint, "PATCH", "/account/name", {
          body,
          headers: { ...headers, "content-type": "application/json" },
        });
        expectRawError(res, "general_argument_invalid", 400, MSG.missing("name"));
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("answers a guest with 401 scope even when the name is invalid (scope is checked before parameters)", async () => {
      await expectError(
        browser(server.endpoint).use((account) => account.updateName("")),
        "general_unauthorized_scope",
        401,
        GUEST_SCOPE,
      );
    });
  });

  // -------------------------------------------------------------------------------------------
  // PATCH /account/email
  // -------------------------------------------------------------------------------------------
  describe("PATCH /account/email", () => {
    it("changes the e-mail (normalised), resets emailVerification, renames the target, frees the old address", async () => {
      const m = await member(server);
      // Verification routes are out of scope here: arrange a verified address in the store.
      await server.service.config.store.users.update(m.id, { emailVerification: true });
      const targetBefore = (await server.service.config.store.targets.list(m.id))[0]!;
      const b = await webLogin(server, m.email, PW);
      expect((await b.use((account) => account.get())).emailVerification).toBe(true);

      const fresh = uniqueEmail("moved");
      server.clock.advance(2000);
      const updated = await b.use((account) => account.updateEmail(`  ${fresh.toUpperCase()} `, PW));
      expect(Object.keys(updated)).toEqual(ACCOUNT_FIELDS);
      expect(updated.email).toBe(fresh);
      expect(updated.emailVerification).toBe(false);
      expect(updated.$updatedAt).toBe(iso(server.clock.now()));
      // The password is not touched for a user who already had one.
      expect(updated.passwordUpdate).toBe(updated.registration);
      expect(updated.targets).toHaveLength(1);
      expect(updated.targets[0]).toMatchObject({ $id: targetBefore.id, identifier: fresh, providerType: "email", userId: m.id });

      const reread = await b.use((account) => account.get());
      expect(reread).toMatchObject({ email: fresh, emailVerification: false });
      // The stored target was renamed, not only the response.
      expect(reread.targets.map((t) => [t.$id, t.identifier])).toEqual([[targetBefore.id, fresh]]);
      expect(await canLogIn(server, m.email, PW)).toBe(false);
      expect(await canLogIn(server, fresh, PW)).toBe(true);
      // The old address is free again for a new account.
      const reuse = await browser(server.endpoint).use((account) => account.create(ID.unique(), m.email, PW));
      expect(reuse.email).toBe(m.email);
      expect(reuse.targets.map((t) => [t.userId, t.identifier])).toEqual([[reuse.$id, m.email]]);
    });

    it("refuses a wrong password with 401 user_invalid_credentials; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(
        m.sdk.updateEmail(uniqueEmail("nope"), "wrong-password-1"),
        "user_invalid_credentials",
        401,
        "Invalid credentials. Please check the email and password.",
      );
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("Appwrite's quirk kept: re-submitting the user's own e-mail (any case) gives 409 user_target_already_exists", async () => {
      const m = await member(server);
      await server.service.config.store.users.update(m.id, { emailVerification: true });
      const before = await snapshot(server, m.id);
      for (const email of [m.email, m.email.toUpperCase()]) {
        await expectError(m.sdk.updateEmail(email, PW), "user_target_already_exists", 409, "A target with the same ID already exists.");
      }
      // emailVerification was not reset by the refused call.
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses another user's e-mail with 409 user_target_already_exists (the target check comes first)", async () => {
      const a = await member(server);
      const b = await member(server);
      const beforeA = await snapshot(server, a.id);
      const beforeB = await snapshot(server, b.id);
      await expectError(b.sdk.updateEmail(a.email.toUpperCase(), PW), "user_target_already_exists", 409);
      expect(await snapshot(server, a.id)).toEqual(beforeA);
      expect(await snapshot(server, b.id)).toEqual(beforeB);
    });

    it("refuses another user's e-mail that has no target with 400 general_bad_request (users-table duplicate)", async () => {
      // A user holding an address without a messaging target cannot be made through the API.
      const holder = uniqueEmail("notarget");
      await server.service.config.store.users.create(storedUser(server, { email: holder, name: "Holder" }));
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(
        m.sdk.updateEmail(holder, PW),
        "general_bad_request",
        400,
        "There was an error processing your request. Please check the inputs and try again.",
      );
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses an address used by another user's OAuth identity with 400 general_bad_request; one's own identity is fine", async () => {
      const owner = await member(server);
      const m = await member(server);
      const taken = uniqueEmail("identity");
      await storeIdentity(server, owner.id, taken);
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updateEmail(taken, PW), "general_bad_request", 400);
      expect(await snapshot(server, m.id)).toEqual(before);

      const mine = uniqueEmail("own-identity");
      await storeIdentity(server, m.id, mine);
      expect(((await m.sdk.updateEmail(mine, PW)) as { email: string }).email).toBe(mine);
    });

    it("converts an anonymous account: the password becomes its password, then e-mail login works", async () => {
      const b = browser(server.endpoint);
      await b.use((account) => account.createAnonymousSession());
      const anon = await b.use((account) => account.get());
      expect(anon).toMatchObject({ email: "", phone: "", name: "", passwordUpdate: "", targets: [] });

      const email = uniqueEmail("converted");
      server.clock.advance(1000);
      const converted = await b.use((account) => account.updateEmail(email.toUpperCase(), PW));
      expect(converted.$id).toBe(anon.$id);
      expect(converted.email).toBe(email);
      expect(converted.emailVerification).toBe(false);
      expect(converted.passwordUpdate).toBe(iso(server.clock.now()));
      // As in Appwrite: an existing e-mail target is renamed; none is created if none existed.
      expect(converted.targets).toEqual([]);

      // The anonymous session keeps working, and the address now logs in to the same account.
      expect((await b.use((account) => account.get())).email).toBe(email);
      const other = browser(server.endpoint);
      const session = await other.use((account) => account.createEmailPasswordSession(email, PW));
      expect(session.userId).toBe(anon.$id);
      // From now on the password is required to change the e-mail again.
      await expectError(
        b.use((account) => account.updateEmail(uniqueEmail("again"), "wrong-password-1")),
        "user_invalid_credentials",
        401,
      );
    });

    it("refuses invalid e-mails and passwords (Password validator, 8–256 bytes); nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      for (const email of ["not-an-email", "user@localhost", "a@b@c.com"]) {
        await expectError(m.sdk.updateEmail(email, PW), "general_argument_invalid", 400, MSG.email);
      }
      for (const password of ["1234567", "a".repeat(257), "€".repeat(86)]) {
        await expectError(m.sdk.updateEmail(uniqueEmail("pw"), password), "general_argument_invalid", 400, MSG.password());
      }
      // Both invalid: e-mail is declared first.
      await expectError(m.sdk.updateEmail("nope", "short"), "general_argument_invalid", 400, MSG.email);
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses an e-mail longer than 320 characters as an invalid e-mail; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updateEmail(emailOf321Chars(), PW), "general_argument_invalid", 400, MSG.email);
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses wrong types, missing fields and malformed JSON; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      const headers = { "x-appwrite-session": m.secret, "content-type": "application/json" };
      const cases: Array<[string | object, string]> = [
        [{ email: 42, password: PW }, MSG.email],
        [{ email: null, password: PW }, MSG.email],
        [{ email: [uniqueEmail()], password: PW }, MSG.email],
        [{ email: uniqueEmail(), password: 12345678 }, MSG.password()],
        [{}, MSG.missing("email")],
        [{ password: PW }, MSG.missing("email")],
        [{ email: uniqueEmail() }, MSG.missing("password")],
        ["{not json", MSG.missing("email")],
      ];
      for (const [body, message] of cases) {
        expectRawError(await raw(server.endpoint, "PATCH", "/account/email", { body, headers }), "general_argument_invalid", 400, message);
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });
  });

  // -------------------------------------------------------------------------------------------
  // PATCH /account/password
  // -------------------------------------------------------------------------------------------
  describe("PATCH /account/password", () => {
    it("changes the password: the old one stops working, the new one works, other sessions end (auth.invalidateSessions)", async () => {
      const m = await member(server);
      const b1 = await webLogin(server, m.email, PW);
      const b2 = await webLogin(server, m.email, PW);
      server.clock.advance(1000);
      const updated = await b1.use((account) => account.updatePassword(NEW_PW, PW));
      expect(Object.keys(updated)).toEqual(ACCOUNT_FIELDS);
      expect(updated.passwordUpdate).toBe(iso(server.clock.now()));
      expect(updated.passwordUpdate).not.toBe(updated.registration);

      expect(await canLogIn(server, m.email, PW)).toBe(false);
      expect(await canLogIn(server, m.email, NEW_PW)).toBe(true);
      // 1.5/1.6 revoke nothing; Gatehouse's default auth.invalidateSessions ends the other sessions
      // (test/security/sessions-after-password.test.ts covers it and the option's off state).
      expect((await b1.use((account) => account.get())).$id).toBe(m.id);
      await expectError(
        b2.use((account) => account.get()),
        "general_unauthorized_scope",
        401,
      );
      await expectError(m.sdk.get(), "general_unauthorized_scope", 401);
      // b1's session and the new login.
      expect(await server.service.config.store.sessions.list(m.id)).toHaveLength(2);
    });

    it("needs oldPassword when the user has a password: missing or wrong gives 401; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(
        m.sdk.updatePassword(NEW_PW),
        "user_invalid_credentials",
        401,
        "Invalid credentials. Please check the email and password.",
      );
      await expectError(m.sdk.updatePassword(NEW_PW, "wrong-password-1"), "user_invalid_credentials", 401);
      expect(await snapshot(server, m.id)).toEqual(before);
      expect(await canLogIn(server, m.email, PW)).toBe(true);
      expect(await canLogIn(server, m.email, NEW_PW)).toBe(false);
    });

    it("lets an anonymous user set a password without oldPassword; afterwards oldPassword is required", async () => {
      const anon = await anonymous(server);
      expect(((await anon.sdk.get()) as { passwordUpdate: string }).passwordUpdate).toBe("");
      server.clock.advance(1000);
      const updated = (await anon.sdk.updatePassword(PW)) as { passwordUpdate: string; email: string };
      expect(updated.passwordUpdate).toBe(iso(server.clock.now()));
      expect(updated.email).toBe("");
      await expectError(anon.sdk.updatePassword(NEW_PW), "user_invalid_credentials", 401);
      expect(((await anon.sdk.updatePassword(NEW_PW, PW)) as { $id: string }).$id).toBe(anon.id);
    });

    it("refuses new passwords of 7 and 257 bytes with the PasswordDictionary message; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      for (const password of ["1234567", "a".repeat(257), "€".repeat(86)]) {
        await expectError(m.sdk.updatePassword(password, PW), "general_argument_invalid", 400, MSG.passwordDictionary);
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses an oldPassword of the wrong length with the Password message (a different validator)", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      for (const oldPassword of ["1234567", "a".repeat(257)]) {
        await expectError(m.sdk.updatePassword(NEW_PW, oldPassword), "general_argument_invalid", 400, MSG.password("oldPassword"));
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses wrong types, missing fields and malformed JSON; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      // As the 1.6 SDK sends it: from 1.9.0 `oldPassword` is text (test/http/behaviour-changes.test.ts).
      const headers = { "x-appwrite-session": m.secret, "content-type": "application/json", "x-appwrite-response-format": "1.6.0" };
      const cases: Array<[string | object, string]> = [
        [{ password: 123456789, oldPassword: PW }, MSG.passwordDictionary],
        [{ password: [NEW_PW], oldPassword: PW }, MSG.passwordDictionary],
        [{ password: NEW_PW, oldPassword: 123456789 }, MSG.password("oldPassword")],
        [{}, MSG.missing("password")],
        [{ oldPassword: PW }, MSG.missing("password")],
        ["{not json", MSG.missing("password")],
      ];
      for (const [body, message] of cases) {
        expectRawError(
          await raw(server.endpoint, "PATCH", "/account/password", { body, headers }),
          "general_argument_invalid",
          400,
          message,
        );
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });
  });

  // -------------------------------------------------------------------------------------------
  // PATCH /account/phone
  // -------------------------------------------------------------------------------------------
  describe("PATCH /account/phone", () => {
    it("sets the phone, resets phoneVerification, creates no SMS target", async () => {
      const m = await member(server);
      await server.service.config.store.users.update(m.id, { phoneVerification: true });
      const b = await webLogin(server, m.email, PW);
      const phone = uniquePhone();
      server.clock.advance(1000);
      const updated = await b.use((account) => account.updatePhone(phone, PW));
      expect(Object.keys(updated)).toEqual(ACCOUNT_FIELDS);
      expect(updated.phone).toBe(phone);
      expect(updated.phoneVerification).toBe(false);
      expect(updated.$updatedAt).toBe(iso(server.clock.now()));
      expect(updated.targets.map((t) => t.providerType)).toEqual(["email"]);
      expect(await b.use((account) => account.get())).toMatchObject({ phone, phoneVerification: false });

      // A second change replaces it; re-submitting one's own phone (no target holds it) is accepted.
      const next = uniquePhone();
      expect((await b.use((account) => account.updatePhone(next, PW))).phone).toBe(next);
      expect((await b.use((account) => account.updatePhone(next, PW))).phone).toBe(next);
    });

    it("refuses invalid phone numbers with the Phone message; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      const bad = ["14155550100", "+0123456789", "+123456", "+1234567890123456", "+1 415 555 0100", "+1-415-555-0100", "+", ""];
      for (const phone of bad) {
        await expectError(m.sdk.updatePhone(phone, PW), "general_argument_invalid", 400, MSG.phone);
      }
      expect(await snapshot(server, m.id)).toEqual(before);
      // The shortest and longest E.164 forms are accepted.
      expect(((await m.sdk.updatePhone("+1234567", PW)) as { phone: string }).phone).toBe("+1234567");
      expect(((await m.sdk.updatePhone("+123456789012345", PW)) as { phone: string }).phone).toBe("+123456789012345");
    });

    it("refuses a number libphonenumber cannot parse (unassigned country code +999)", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updatePhone("+9991234567", PW), "general_argument_invalid", 400, MSG.phone);
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses a wrong password with 401 user_invalid_credentials; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updatePhone(uniquePhone(), "wrong-password-1"), "user_invalid_credentials", 401);
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses another user's phone with 409 user_phone_already_exists (no SMS target exists to collide first)", async () => {
      const a = await member(server);
      const b = await member(server);
      const phone = uniquePhone();
      await a.sdk.updatePhone(phone, PW);
      const before = await snapshot(server, b.id);
      await expectError(
        b.sdk.updatePhone(phone, PW),
        "user_phone_already_exists",
        409,
        "A user with the same phone number already exists in the current project.",
      );
      expect(await snapshot(server, b.id)).toEqual(before);
      expect((await server.service.config.store.users.getByPhone(phone))?.id).toBe(a.id);
    });

    it("lets an anonymous user set phone and password together", async () => {
      const anon = await anonymous(server);
      const phone = uniquePhone();
      const updated = (await anon.sdk.updatePhone(phone, PW)) as { phone: string; passwordUpdate: string };
      expect(updated.phone).toBe(phone);
      expect(updated.passwordUpdate).toMatch(ISO);
      // The password is now the account's: changing it needs it.
      await expectError(anon.sdk.updatePassword(NEW_PW), "user_invalid_credentials", 401);
      await anon.sdk.updatePassword(NEW_PW, PW);
    });

    it("refuses wrong types, missing fields and malformed JSON; nothing is written", async () => {
      const m = await member(server);
      const before = await snapshot(server, m.id);
      const headers = { "x-appwrite-session": m.secret, "content-type": "application/json" };
      const cases: Array<[string | object, string]> = [
        [{ phone: 14155550100, password: PW }, MSG.phone],
        [{ phone: ["+14155550100"], password: PW }, MSG.phone],
        [{ phone: "+14155550100", password: 12345678 }, MSG.password()],
        [{ phone: "+14155550100", password: "short" }, MSG.password()],
        [{}, MSG.missing("phone")],
        [{ password: PW }, MSG.missing("phone")],
        [{ phone: "+14155550100" }, MSG.missing("password")],
        ["{not json", MSG.missing("phone")],
      ];
      for (const [body, message] of cases) {
        expectRawError(await raw(server.endpoint, "PATCH", "/account/phone", { body, headers }), "general_argument_invalid", 400, message);
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });
  });

  // -------------------------------------------------------------------------------------------
  // GET/PATCH /account/prefs
  // -------------------------------------------------------------------------------------------
  describe("GET and PATCH /account/prefs", () => {
    it("starts as {} (an object on the wire, not [])", async () => {
      const m = await member(server);
      expect(await m.sdk.getPrefs()).toEqual({});
      expect(((await m.sdk.get()) as { prefs: unknown }).prefs).toEqual({});
      const res = await raw(server.endpoint, "GET", "/account/prefs", { headers: { "x-appwrite-session": m.secret } });
      expect(res.status).toBe(200);
      expect(res.text).toBe("{}");
    });

    it("replaces the whole object (no merge) and returns the Account", async () => {
      const m = await member(server);
      const b = await webLogin(server, m.email, PW);
      const first = await b.use((account) => account.updatePrefs({ theme: "dark", lang: "en" }));
      expect(Object.keys(first)).toEqual(ACCOUNT_FIELDS);
      expect(first.prefs).toEqual({ theme: "dark", lang: "en" });
      server.clock.advance(1000);
      const second = await b.use((account) => account.updatePrefs({ lang: "fr" }));
      expect(second.prefs).toEqual({ lang: "fr" });
      expect(second.$updatedAt).toBe(iso(server.clock.now()));
      expect(await b.use((account) => account.getPrefs())).toEqual({ lang: "fr" });
      // {} clears them.
      expect((await b.use((account) => account.updatePrefs({}))).prefs).toEqual({});
      expect(await b.use((account) => account.getPrefs())).toEqual({});
    });

    it("round-trips nested values and Unicode keys and strings exactly", async () => {
      const m = await member(server);
      const prefs = {
        greeting: "héllo wörld",
        "emoji 🎉": "",
        nested: { ключ: ["日本語", "😀", { deep: [1, 2.5, -3, true, false, null] }], empty: {}, list: [] },
        slash: 'a/b\\c"d',
      };
      expect(((await m.sdk.updatePrefs(prefs)) as { prefs: unknown }).prefs).toEqual(prefs);
      expect(await m.sdk.getPrefs()).toEqual(prefs);
      const b = await webLogin(server, m.email, PW);
      expect(await b.use((account) => account.getPrefs())).toEqual(prefs);
    });

    it("accepts exactly 65 535 encoded bytes and refuses 65 536; nothing is written", async () => {
      const m = await member(server);
      const atLimit = { k: "x".repeat(65_527) }; // {"k":"…"} = 8 + 65 527 = 65 535 bytes
      expect(JSON.stringify(atLimit)).toHaveLength(65_535);
      expect(((await m.sdk.updatePrefs(atLimit)) as { prefs: { k: string } }).prefs.k).toHaveLength(65_527);
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updatePrefs({ k: "x".repeat(65_528) }), "general_argument_invalid", 400, MSG.prefs);
      expect(await snapshot(server, m.id)).toEqual(before);
    });

    it("refuses lists, strings, numbers, booleans and null; missing and malformed are not optional; nothing is written", async () => {
      const m = await member(server);
      await m.sdk.updatePrefs({ keep: "me" });
      const before = await snapshot(server, m.id);
      const headers = { "x-appwrite-session": m.secret, "content-type": "application/json" };
      // JSON null is a present value: validated (and refused), not "missing".
      for (const prefs of [[1, 2], ["a"], "string", '{"a":1}', 42, true, null]) {
        const res = await raw(server.endpoint, "PATCH", "/account/prefs", { body: { prefs }, headers });
        expectRawError(res, "general_argument_invalid", 400, MSG.prefs);
      }
      for (const body of [{}, "{not json", ""]) {
        const res = await raw(server.endpoint, "PATCH", "/account/prefs", { body, headers });
        expectRawError(res, "general_argument_invalid", 400, MSG.missing("prefs"));
      }
      expect(await snapshot(server, m.id)).toEqual(before);
      expect(await m.sdk.getPrefs()).toEqual({ keep: "me" });
    });
  });

  // -------------------------------------------------------------------------------------------
  // PATCH /account/status
  // -------------------------------------------------------------------------------------------
  describe("PATCH /account/status", () => {
    it("blocks the account: status false, and the web SDK's fallback session is cleared", async () => {
      const m = await member(server);
      const b = await webLogin(server, m.email, PW);
      expect(b.storage.get("cookieFallback")).toContain(COOKIE);
      server.clock.advance(1000);
      const blocked = await b.use((account) => account.updateStatus());
      expect(Object.keys(blocked)).toEqual(ACCOUNT_FIELDS);
      expect(blocked.status).toBe(false);
      expect(blocked.$updatedAt).toBe(iso(server.clock.now()));
      expect(b.storage.get("cookieFallback")).toBe("[]");
      // The browser forgot its session: it is a guest now.
      await expectError(
        b.use((account) => account.get()),
        "general_unauthorized_scope",
        401,
        GUEST_SCOPE,
      );
      expect((await server.service.config.store.users.get(m.id))?.status).toBe(false);
    });

    it("keeps the sessions, but every request with them answers 401 user_blocked", async () => {
      const m = await member(server);
      const other = await serverClient(server.endpoint).account.createEmailPasswordSession(m.email, PW);
      const otherSdk = sessionClient(server.endpoint, other.secret).account;
      const sessionsBefore = await server.service.config.store.sessions.list(m.id);
      expect(sessionsBefore).toHaveLength(2);

      expect(((await m.sdk.updateStatus()) as { status: boolean }).status).toBe(false);
      expect(await server.service.config.store.sessions.list(m.id)).toEqual(sessionsBefore);
      const blockedMessage =
        "The current user has been blocked. You can unblock the user by making a request to the User API's \"Update User Status\" endpoint or in the Appwrite Console's Auth section.";
      await expectError(m.sdk.get(), "user_blocked", 401, blockedMessage);
      await expectError(otherSdk.get(), "user_blocked", 401, blockedMessage);
    });

    it("refuses login to a blocked account: right password 401 user_blocked, wrong password 401 user_invalid_credentials", async () => {
      const m = await member(server);
      await m.sdk.updateStatus();
      const count = (await server.service.config.store.sessions.list(m.id)).length;
      await expectError(
        browser(server.endpoint).use((account) => account.createEmailPasswordSession(m.email, PW)),
        "user_blocked",
        401,
      );
      await expectError(
        browser(server.endpoint).use((account) => account.createEmailPasswordSession(m.email, "wrong-password-1")),
        "user_invalid_credentials",
        401,
      );
      await expectError(serverClient(server.endpoint).account.createEmailPasswordSession(m.email, PW), "user_blocked", 401);
      expect(await server.service.config.store.sessions.list(m.id)).toHaveLength(count);
    });

    it("clears both cookies and sends X-Fallback-Cookies: [] (raw, with X-Appwrite-Session)", async () => {
      const m = await member(server);
      const res = await raw(server.endpoint, "PATCH", "/account/status", { body: {}, headers: { "x-appwrite-session": m.secret } });
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ $id: m.id, status: false });
      expect(res.headers.get("x-fallback-cookies")).toBe("[]");
      const cookies = res.headers.getSetCookie();
      for (const name of [COOKIE, `${COOKIE}_legacy`]) {
        const cookie = cookies.find((c) => c.startsWith(`${name}=`));
        expect(cookie, `Set-Cookie for ${name} in ${JSON.stringify(cookies)}`).toBeDefined();
        const value = cookie!.slice(name.length + 1).split(";")[0];
        expect(["", "deleted"]).toContain(value);
        const expires = /expires=([^;]+)/i.exec(cookie!)?.[1];
        expect(expires).toBeDefined();
        expect(Date.parse(expires!)).toBeLessThan(server.clock.now());
        expect(cookie).toMatch(/path=\//i);
        expect(cookie).toMatch(/httponly/i);
      }
      expect(cookies.find((c) => c.startsWith(`${COOKIE}=`))).toMatch(/SameSite=None/i);
      expect(cookies.find((c) => c.startsWith(`${COOKIE}_legacy=`))).not.toMatch(/SameSite/i);
    });

    it("ignores a malformed body (the route takes no parameters)", async () => {
      const m = await member(server);
      const res = await raw(server.endpoint, "PATCH", "/account/status", {
        body: "{not json",
        headers: { "x-appwrite-session": m.secret, "content-type": "application/json" },
      });
      expect(res.status).toBe(200);
      expect(res.json?.status).toBe(false);
    });
  });

  // -------------------------------------------------------------------------------------------
  // Credentials that do not authenticate, and blocked users, on every route
  // -------------------------------------------------------------------------------------------
  describe("unknown sessions are guests on every account route", () => {
    for (const route of RAW_ROUTES) {
      it(`${route.method} ${route.path}: garbage or forged session values give 401 general_unauthorized_scope; nothing is written`, async () => {
        const m = await member(server);
        const before = await snapshot(server, m.id);
        const forged = encodeSessionValue(m.id, "0".repeat(256));
        const credentials: Array<Record<string, string>> = [
          { "x-appwrite-session": "garbage" },
          { "x-appwrite-session": Buffer.from("[1,2]").toString("base64") },
          { "x-appwrite-session": forged },
          { "x-fallback-cookies": JSON.stringify({ [COOKIE]: "garbage" }) },
          { "x-fallback-cookies": JSON.stringify({ [COOKIE]: forged }) },
          { "x-fallback-cookies": "{not json" },
          { "x-fallback-cookies": "[]" },
          { cookie: `${COOKIE}=garbage` },
          { cookie: `${COOKIE}=${encodeURIComponent(forged)}` },
        ];
        for (const headers of credentials) {
          const res = await raw(server.endpoint, route.method, route.path, { ...(route.body ? { body: route.body } : {}), headers });
          expectRawError(res, "general_unauthorized_scope", 401, GUEST_SCOPE);
        }
        expect(await snapshot(server, m.id)).toEqual(before);
      });
    }

    it("a web browser whose fallback holds a garbage session is a guest", async () => {
      const b = browser(server.endpoint);
      b.storage.set("cookieFallback", JSON.stringify({ [COOKIE]: "garbage" }));
      await expectError(
        b.use((account) => account.get()),
        "general_unauthorized_scope",
        401,
        GUEST_SCOPE,
      );
      await expectError(
        b.use((account) => account.updatePrefs({ a: 1 })),
        "general_unauthorized_scope",
        401,
        GUEST_SCOPE,
      );
    });

    it("a session deleted by logout no longer authenticates", async () => {
      const m = await member(server);
      await m.sdk.deleteSession("current");
      const before = await snapshot(server, m.id);
      for (const [label, call] of SDK_CALLS) {
        await expectError(call(m.sdk), "general_unauthorized_scope", 401, GUEST_SCOPE).catch((error: Error) => {
          throw new Error(`${label}: ${error.message}`);
        });
      }
      expect(await snapshot(server, m.id)).toEqual(before);
    });
  });

  describe("a blocked user is refused on every account route", () => {
    for (const [label, call] of SDK_CALLS) {
      it(`${label}: 401 user_blocked; nothing is written`, async () => {
        const m = await member(server);
        await m.sdk.updateStatus();
        const before = await snapshot(server, m.id);
        await expectError(call(m.sdk), "user_blocked", 401);
        expect(await snapshot(server, m.id)).toEqual(before);
      });
    }

    it("user_blocked comes before parameter validation (invalid input still gives 401 user_blocked)", async () => {
      const m = await member(server);
      await m.sdk.updateStatus();
      const before = await snapshot(server, m.id);
      await expectError(m.sdk.updateName(""), "user_blocked", 401);
      await expectError(m.sdk.updateEmail("nope", "x"), "user_blocked", 401);
      await expectError(m.sdk.updatePhone("nope", "x"), "user_blocked", 401);
      await expectError(m.sdk.updatePassword("x"), "user_blocked", 401);
      const res = await raw(server.endpoint, "PATCH", "/account/prefs", {
        body: "{not json",
        // As the 1.6 SDK sends it: from 1.9.0 the answer is 403 (test/http/behaviour-changes.test.ts).
        headers: { "x-appwrite-session": m.secret, "content-type": "application/json", "x-appwrite-response-format": "1.6.0" },
      });
      expectRawError(res, "user_blocked", 401);
      expect(await snapshot(server, m.id)).toEqual(before);
    });
  });
});

// =============================================================================================
// Expired sessions (a server with 60-second sessions)
// =============================================================================================

describe("expired sessions (auth.sessionDuration = 60)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { sessionDuration: 60 } });
  });
  afterAll(() => server.close());

  it("a session works at 59 s and is a guest at 61 s on every route; nothing is written", async () => {
    const email = uniqueEmail("expiring");
    const created = await serverClient(server.endpoint).account.create(ID.unique(), email, PW, "Expiring");
    const b = await webLogin(server, email, PW);
    const keySession = await serverClient(server.endpoint).account.createEmailPasswordSession(email, PW);
    const nodeAccount = sessionClient(server.endpoint, keySession.secret).account;

    server.clock.advance(59_000);
    expect((await b.use((account) => account.get())).$id).toBe(created.$id);
    server.clock.advance(2_000);

    const before = await snapshot(server, created.$id);
    for (const [label, call] of SDK_CALLS) {
      for (const [who, sdk] of [
        ["web", b.account],
        ["node", nodeAccount],
      ] as const) {
        await b
          .use(() => expectError(call(sdk), "general_unauthorized_scope", 401, GUEST_SCOPE))
          .catch((error: Error) => {
            throw new Error(`${who} ${label}: ${error.message}`);
          });
      }
    }
    expectRawError(
      await raw(server.endpoint, "PATCH", "/account/name", {
        body: { name: "Late" },
        headers: { "x-appwrite-session": keySession.secret },
      }),
      "general_unauthorized_scope",
      401,
      GUEST_SCOPE,
    );
    expect(await snapshot(server, created.$id)).toEqual(before);
    // Expired sessions are still stored (until purgeExpired) but do not authenticate.
    expect(await server.service.config.store.sessions.list(created.$id)).toHaveLength(2);

    // A guest with an expired session can still sign up, and can log in again.
    const fresh = await b.use((account) => account.create(ID.unique(), uniqueEmail("after-expiry"), PW));
    expect(fresh.$id).toMatch(/^[0-9a-f]{20}$/);
    await b.use((account) => account.createEmailPasswordSession(email, PW));
    expect((await b.use((account) => account.get())).$id).toBe(created.$id);
  });
});

// =============================================================================================
// Project settings
// =============================================================================================

describe("user limit (auth.userLimit = 2)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { userLimit: 2 } });
  });
  afterAll(() => server.close());

  it("creates up to the limit, then answers 400 user_count_exceeded (an API key too)", async () => {
    const b = browser(server.endpoint);
    await b.use((account) => account.create(ID.unique(), uniqueEmail("limit1"), PW));
    await b.use((account) => account.create(ID.unique(), uniqueEmail("limit2"), PW));
    const third = uniqueEmail("limit3");
    await expectError(
      b.use((account) => account.create(ID.unique(), third, PW)),
      "user_count_exceeded",
      400,
      "The current project has exceeded the maximum number of users. Please check `auth.userLimit` in the Gatehouse config.",
    );
    await expectError(serverClient(server.endpoint).account.create(ID.unique(), third, PW), "user_count_exceeded", 400);
    expect(await server.service.config.store.users.count()).toBe(2);
    expect(await server.service.config.store.users.getByEmail(third)).toBeNull();
  });
});

describe("e-mail/password method disabled (auth.methods.emailPassword = false)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { methods: { emailPassword: false } } });
  });
  afterAll(() => server.close());

  it("refuses signup with 501 user_auth_method_unsupported, before validating parameters", async () => {
    const b = browser(server.endpoint);
    const email = uniqueEmail("disabled");
    await expectError(
      b.use((account) => account.create(ID.unique(), email, PW)),
      "user_auth_method_unsupported",
      501,
      MSG.methodDisabled,
    );
    // The toggle comes before parameter validation.
    await expectError(
      b.use((account) => account.create("_bad", "nope", "short")),
      "user_auth_method_unsupported",
      501,
      MSG.methodDisabled,
    );
    expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
  });

  it("lets an API key bypass the toggle", async () => {
    const email = uniqueEmail("disabled-key");
    const user = await serverClient(server.endpoint).account.create(ID.unique(), email, PW);
    expect(user.email).toBe(email);
    // E-mail/password login is the same method: refused for clients, allowed for the key.
    await expectError(
      browser(server.endpoint).use((account) => account.createEmailPasswordSession(email, PW)),
      "user_auth_method_unsupported",
      501,
    );
    const session = await serverClient(server.endpoint).account.createEmailPasswordSession(email, PW);
    expect(((await sessionClient(server.endpoint, session.secret).account.get()) as { $id: string }).$id).toBe(user.$id);
  });
});

describe("password dictionary (auth.passwordDictionary = true)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { passwordDictionary: true } });
  });
  afterAll(() => server.close());

  it('refuses a common password at signup with the "265" message; an uncommon one passes', async () => {
    const b = browser(server.endpoint);
    for (const password of ["password", "12345678", "password1"]) {
      const email = uniqueEmail("dict");
      await expectError(
        b.use((account) => account.create(ID.unique(), email, password)),
        "general_argument_invalid",
        400,
        MSG.passwordDictionary,
      );
      expect(await server.service.config.store.users.getByEmail(email)).toBeNull();
    }
    const email = uniqueEmail("dict-ok");
    expect((await b.use((account) => account.create(ID.unique(), email, PW))).email).toBe(email);
  });

  it("reports the dictionary failure as the password param, before a later invalid name", async () => {
    await expectError(
      browser(server.endpoint).use((account) => account.create(ID.unique(), uniqueEmail("dict-order"), "password", "")),
      "general_argument_invalid",
      400,
      MSG.passwordDictionary,
    );
  });

  it("refuses a common new password on PATCH /account/password; nothing is written", async () => {
    const m = await member(server);
    const before = await snapshot(server, m.id);
    await expectError(m.sdk.updatePassword("password", PW), "general_argument_invalid", 400, MSG.passwordDictionary);
    // `password` is declared before `oldPassword`: its failure wins.
    await expectError(m.sdk.updatePassword("password", "short"), "general_argument_invalid", 400, MSG.passwordDictionary);
    expect(await snapshot(server, m.id)).toEqual(before);
    expect(((await m.sdk.updatePassword(NEW_PW, PW)) as { $id: string }).$id).toBe(m.id);
  });

  it("does not apply to the first password set by PATCH /account/email (anonymous conversion)", async () => {
    const anon = await anonymous(server);
    const email = uniqueEmail("dict-anon");
    expect(((await anon.sdk.updateEmail(email, "password")) as { email: string }).email).toBe(email);
    expect(await canLogIn(server, email, "password")).toBe(true);
  });
});

describe("personal-data check (auth.personalDataCheck = true)", () => {
  let server: TestServer;
  const PERSONAL =
    "The password you are trying to use contains references to your name, email, phone or userID. For your security, please choose a different password and try again.";
  beforeAll(async () => {
    server = await startServer({ auth: { personalDataCheck: true } });
  });
  afterAll(() => server.close());

  it("refuses a signup password containing the e-mail's local part, the e-mail, the name or the id (any case)", async () => {
    const b = browser(server.endpoint);
    const n = ++counter;
    const local = `marple${n}`;
    const cases: Array<{ id: string; email: string; password: string; name?: string }> = [
      { id: ID.unique(), email: `${local}@example.com`, password: `xx${local.toUpperCase()}yy` },
      { id: ID.unique(), email: `full${n}@example.com`, password: `my-full${n}@example.com!` },
      { id: ID.unique(), email: uniqueEmail("pd-name"), password: "the-Hercule-case", name: "hercule" },
      { id: `poirot${n}x`, email: uniqueEmail("pd-id"), password: `my-POIROT${n}X-pass` },
    ];
    for (const c of cases) {
      await expectError(
        b.use((account) => account.create(c.id, c.email, c.password, c.name)),
        "password_personal_data",
        400,
        PERSONAL,
      );
      expect(await server.service.config.store.users.getByEmail(c.email)).toBeNull();
    }
    const ok = await b.use((account) => account.create(ID.unique(), `${local}@example.com`, PW, "hercule"));
    expect(ok.email).toBe(`${local}@example.com`);
  });

  it("refuses a new password containing the name or the phone (with or without +); nothing is written", async () => {
    const m = await member(server, { name: "Ariadne" });
    const phone = uniquePhone();
    await m.sdk.updatePhone(phone, PW);
    const before = await snapshot(server, m.id);
    for (const password of ["ariadne-oliver-1", `call-${phone}`, `call-${phone.slice(1)}`]) {
      await expectError(m.sdk.updatePassword(password, PW), "password_personal_data", 400, PERSONAL);
    }
    expect(await snapshot(server, m.id)).toEqual(before);
    expect(((await m.sdk.updatePassword(NEW_PW, PW)) as { $id: string }).$id).toBe(m.id);
  });
});

describe("password history (auth.passwordHistory = 2)", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ auth: { passwordHistory: 2 } });
  });
  afterAll(() => server.close());

  it("refuses the last 2 passwords (signup seeds the history) with 400 password_recently_used", async () => {
    const m = await member(server);
    const RECENT =
      "The password you are trying to use is similar to your previous password. For your security, please choose a different password and try again.";
    const A = PW;
    const B = "Second-pass-phrase#";
    const C = "Third-pass-phrase$";

    let before = await snapshot(server, m.id);
    await expectError(m.sdk.updatePassword(A, A), "password_recently_used", 400, RECENT);
    expect(await snapshot(server, m.id)).toEqual(before);

    await m.sdk.updatePassword(B, A); // history: A, B
    before = await snapshot(server, m.id);
    await expectError(m.sdk.updatePassword(A, B), "password_recently_used", 400, RECENT);
    expect(await snapshot(server, m.id)).toEqual(before);
    expect(await canLogIn(server, m.email, B)).toBe(true);

    await m.sdk.updatePassword(C, B); // history: B, C — A has dropped out
    await expectError(m.sdk.updatePassword(B, C), "password_recently_used", 400, RECENT);
    expect(((await m.sdk.updatePassword(A, C)) as { $id: string }).$id).toBe(m.id);
    expect(await canLogIn(server, m.email, A)).toBe(true);
  });
});
