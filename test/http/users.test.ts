/**
 * The Users API (`/users…`) through node-appwrite 16 and 27 `Users` with an API key, on the store
 * GATEHOUSE_TEST_STORE names: every route's success and its documented errors. Scopes, keys and
 * the typed core are in test/http/users-scopes.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type TestServer } from "../helpers/server";
import { expectAppwriteError } from "../helpers/sdk";
import { storeOf, uniqueEmail, uniqueId, uniquePhone } from "../helpers/flows";
import { SDKS, usersSdk, type UsersSdk } from "../helpers/users-sdk";
import { userRecord } from "../core/support";

const ADMIN_KEY = "users-admin-key-0123456789abcdef";
const PASSWORD = "correct horse battery";

/** The admin User model's fields, in Appwrite's order, without the stored hash (src/models/user.ts). */
const USER_FIELDS = [
  "$id",
  "$createdAt",
  "$updatedAt",
  "name",
  "hash",
  "hashOptions",
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

/**
 * What node-appwrite 27 (format 1.9.5) gets: the fields models gained after 1.6, in the Account
 * model's order (src/http/response-format.ts, MODEL_FIELDS_AFTER_1_6); node-appwrite 16 gets none.
 */
const USER_FIELDS_CURRENT = [
  ...USER_FIELDS.slice(0, USER_FIELDS.indexOf("emailVerification") + 1),
  "emailCanonical",
  "emailIsFree",
  "emailIsDisposable",
  "emailIsCorporate",
  "emailIsCanonical",
  "passwordPwned",
  ...USER_FIELDS.slice(USER_FIELDS.indexOf("phoneVerification")),
  "impersonator",
  "impersonatorUserId",
];

let s: TestServer;

beforeAll(async () => {
  s = await startServer({
    apiKeys: [{ secret: ADMIN_KEY, scopes: ["users.read", "users.write"], name: "backend" }],
    rateLimits: false,
  });
});
afterAll(() => s.close());

describe.each(SDKS)("Users API through %s", (sdk) => {
  let u: UsersSdk;
  const userFields = sdk === "node-appwrite 27" ? USER_FIELDS_CURRENT : USER_FIELDS;
  beforeAll(() => {
    u = usersSdk(sdk, s.endpoint, ADMIN_KEY);
  });

  /** A new user with an e-mail, a phone and a password. */
  async function newUser(extra: Record<string, unknown> = {}) {
    return u.call("create", {
      userId: uniqueId("u"),
      email: uniqueEmail("u"),
      phone: uniquePhone(),
      password: PASSWORD,
      name: "Ada",
      ...extra,
    });
  }

  describe("users", () => {
    it("creates a user with targets for the e-mail and phone, never showing the hash", async () => {
      const email = uniqueEmail("Mixed");
      const user = await u.call("create", {
        userId: "unique()",
        email: email.toUpperCase(),
        phone: uniquePhone(),
        password: PASSWORD,
        name: "Ada",
      });
      expect(Object.keys(user)).toEqual(userFields);
      expect(user.$id).toMatch(/^[0-9a-f]{20}$/);
      expect(user.email).toBe(email.toLowerCase());
      expect(user.hash).toBe("argon2");
      expect(user.hashOptions).toEqual({ type: "argon2", memoryCost: 256, timeCost: 1, threads: 1 });
      expect(JSON.stringify(user)).not.toContain("$argon2");
      expect(user.targets.map((t: any) => [t.providerType, t.identifier])).toEqual([
        ["email", user.email],
        ["sms", user.phone],
      ]);
      expect(user.passwordUpdate).not.toBe("");
      expect(await u.call("get", { userId: user.$id })).toEqual(user);
      // The password works for the Account API.
      const session = await u.guest().createEmailPasswordSession(user.email, PASSWORD);
      expect(session.userId).toBe(user.$id);
    });

    it("creates a user with nothing but an id, and refuses a taken id, e-mail or phone", async () => {
      const bare = await u.call("create", { userId: uniqueId("bare") });
      expect({ email: bare.email, phone: bare.phone, passwordUpdate: bare.passwordUpdate, targets: bare.targets }).toEqual({
        email: "",
        phone: "",
        passwordUpdate: "",
        targets: [],
      });
      const user = await newUser();
      await expectAppwriteError(u.call("create", { userId: user.$id }), "user_already_exists", 409);
      await expectAppwriteError(u.call("create", { userId: uniqueId("u"), email: user.email }), "user_already_exists", 409);
      await expectAppwriteError(u.call("create", { userId: uniqueId("u"), phone: user.phone }), "user_already_exists", 409);
      await expectAppwriteError(u.call("create", { userId: "-bad" }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("create", { userId: uniqueId("u"), password: "short" }), "general_argument_invalid", 400);
    });

    it("refuses an address an OAuth identity holds", async () => {
      const owner = await newUser();
      const email = uniqueEmail("oauth");
      await storeOf(s).identities.create(identity(owner.$id, email));
      await expectAppwriteError(u.call("create", { userId: uniqueId("u"), email }), "user_email_already_exists", 409);
    });

    it("gets and deletes a user with everything of theirs; unknown users are 404", async () => {
      const user = await newUser();
      const { secret } = await u.call("createSession", { userId: user.$id });
      await u.call("delete", { userId: user.$id });
      await expectAppwriteError(u.call("get", { userId: user.$id }), "user_not_found", 404);
      await expectAppwriteError(u.call("delete", { userId: user.$id }), "user_not_found", 404);
      await expectAppwriteError(u.account({ session: secret }).get(), "general_unauthorized_scope", 401);
      // The address and id are free again.
      await u.call("create", { userId: user.$id, email: user.email });
    });

    it("lists each user with its own targets", async () => {
      const made = [await newUser(), await newUser(), await newUser({ phone: undefined })];
      const listed = await u.call("list", {
        queries: [
          u.Query.equal(
            "$id",
            made.map((x) => x.$id),
          ),
        ],
      });
      const contacts = (user: any) => user.targets.map((t: any) => [t.providerType, t.identifier]);
      const byId = (users: any[]) => Object.fromEntries(users.map((x) => [x.$id, contacts(x)]));
      expect(byId(listed.users)).toEqual(byId(made));
      expect(byId(listed.users)[made[2].$id]).toEqual([["email", made[2].email]]);
    });

    it("lists with queries, search, cursor paging and the total", async () => {
      const tag = `t${Date.now().toString(36)}${sdk.endsWith("27") ? "b" : "a"}`;
      const made = [];
      for (const name of ["carol", "alice", "bob"]) {
        // One millisecond apart: at one instant the store orders by id, and `u-101` sorts before `u-97`.
        s.clock.advance(1);
        const user = await newUser({ name: `${name} ${tag}` });
        made.push(await u.call("updateLabels", { userId: user.$id, labels: [tag, name] }));
      }
      const mine = [u.Query.contains("labels", [tag])];
      const all = await u.call("list", { queries: mine });
      expect(all.total).toBe(3);
      expect(all.users.map((x: any) => x.$id)).toEqual(made.map((x) => x.$id));
      expect(Object.keys(all.users[0])).toEqual(userFields);

      const byName = await u.call("list", { queries: [...mine, u.Query.orderAsc("name")] });
      expect(byName.users.map((x: any) => x.name.split(" ")[0])).toEqual(["alice", "bob", "carol"]);
      const page = await u.call("list", {
        queries: [...mine, u.Query.orderAsc("name"), u.Query.cursorAfter(byName.users[0].$id), u.Query.limit(1)],
      });
      expect(page.users.map((x: any) => x.name.split(" ")[0])).toEqual(["bob"]);
      expect(page.total).toBe(3);
      const back = await u.call("list", { queries: [...mine, u.Query.orderAsc("name"), u.Query.cursorBefore(byName.users[2].$id)] });
      expect(back.users.map((x: any) => x.name.split(" ")[0])).toEqual(["alice", "bob"]);

      const equal = await u.call("list", { queries: [u.Query.equal("email", [made[1].email])] });
      expect(equal.users.map((x: any) => x.$id)).toEqual([made[1].$id]);
      const found = await u.call("list", { queries: mine, search: "ALICE" });
      expect(found.users.map((x: any) => x.$id)).toEqual([made[1].$id]);
      const either = await u.call("list", { queries: mine, search: "alice bob" });
      expect(either.total).toBe(2);
      const blocked = await u.call("list", { queries: [...mine, u.Query.equal("status", [true])] });
      expect(blocked.total).toBe(3);

      await expectAppwriteError(u.call("list", { queries: [u.Query.cursorAfter("nobody")] }), "general_cursor_not_found", 400);
      await expectAppwriteError(u.call("list", { queries: [u.Query.equal("password", ["x"])] }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("list", { queries: [u.Query.lessThan("labels", "x")] }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("list", { queries: [u.Query.equal("status", ["yes"])] }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("list", { queries: [u.Query.search("name", "x")] }), "general_query_invalid", 400);
      await expectAppwriteError(u.call("list", { queries: ["not json"] }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("list", { search: "x".repeat(257) }), "general_argument_invalid", 400);
      // A page is at most 5000 users (Appwrite sets no bound): one request cannot load the whole table.
      await expectAppwriteError(u.call("list", { queries: [u.Query.limit(5001)] }), "general_argument_invalid", 400);
      expect((await u.call("list", { queries: [...mine, u.Query.limit(5000)] })).users).toHaveLength(3);
      // Ordering by an attribute that is null on the cursor's user.
      const noPhone = await u.call("create", { userId: uniqueId("np") });
      await expectAppwriteError(
        u.call("list", { queries: [u.Query.orderAsc("passwordUpdate"), u.Query.cursorAfter(noPhone.$id)] }),
        "database_query_order_null",
        400,
      );
    });
  });

  describe("profile", () => {
    it("updates the name, status, labels, prefs, verification flags and MFA flag", async () => {
      const user = await newUser();
      expect((await u.call("updateName", { userId: user.$id, name: "" })).name).toBe("");
      expect((await u.call("updateStatus", { userId: user.$id, status: false })).status).toBe(false);
      // 403 for today's SDK, 401 for 1.6's (src/core/behaviour.ts).
      const blockedCode = u.sdk === "node-appwrite 27" ? 403 : 401;
      await expectAppwriteError(u.guest().createEmailPasswordSession(user.email, PASSWORD), "user_blocked", blockedCode);
      expect((await u.call("updateStatus", { userId: user.$id, status: true })).status).toBe(true);
      expect((await u.call("updateLabels", { userId: user.$id, labels: ["vip", "beta", "vip"] })).labels).toEqual(["vip", "beta"]);
      await expectAppwriteError(u.call("updateLabels", { userId: user.$id, labels: ["no-dash"] }), "general_argument_invalid", 400);
      expect(await u.call("updatePrefs", { userId: user.$id, prefs: { theme: "dark" } })).toEqual({ theme: "dark" });
      expect(await u.call("getPrefs", { userId: user.$id })).toEqual({ theme: "dark" });
      expect((await u.call("updateEmailVerification", { userId: user.$id, emailVerification: true })).emailVerification).toBe(true);
      expect((await u.call("updatePhoneVerification", { userId: user.$id, phoneVerification: true })).phoneVerification).toBe(true);
      expect((await u.call("updateMfa", { userId: user.$id, mfa: true })).mfa).toBe(true);
      await expectAppwriteError(u.call("updateName", { userId: "nobody", name: "x" }), "user_not_found", 404);
      await expectAppwriteError(u.call("getPrefs", { userId: "nobody" }), "user_not_found", 404);
    });

    it("changes the e-mail and phone unverified, moving their targets, and removes them with an empty value", async () => {
      const user = await newUser();
      await u.call("updateEmailVerification", { userId: user.$id, emailVerification: true });
      const email = uniqueEmail("new");
      const moved = await u.call("updateEmail", { userId: user.$id, email });
      expect({ email: moved.email, emailVerification: moved.emailVerification }).toEqual({ email, emailVerification: false });
      expect(moved.targets.find((t: any) => t.providerType === "email").identifier).toBe(email);
      const phone = uniquePhone();
      const newPhone = await u.call("updatePhone", { userId: user.$id, number: phone });
      expect(newPhone.targets.find((t: any) => t.providerType === "sms").identifier).toBe(phone);
      const cleared = await u.call("updateEmail", { userId: user.$id, email: "" });
      expect(cleared.email).toBe("");
      expect(cleared.targets.map((t: any) => t.providerType)).toEqual(["sms"]);
      const other = await newUser();
      await expectAppwriteError(u.call("updateEmail", { userId: user.$id, email: other.email }), "user_target_already_exists", 409);
      await expectAppwriteError(u.call("updatePhone", { userId: user.$id, number: other.phone }), "user_target_already_exists", 409);
      await expectAppwriteError(u.call("updateEmail", { userId: user.$id, email: "not-an-address" }), "general_argument_invalid", 400);
      const held = uniqueEmail("held");
      await storeOf(s).identities.create(identity(other.$id, held));
      await expectAppwriteError(u.call("updateEmail", { userId: user.$id, email: held }), "user_email_already_exists", 409);
    });

    it("unlike the Account API, creates a missing target, revives an expired one, and names a contact another user holds", async () => {
      const bare = await u.call("create", { userId: uniqueId("bare") });
      const phone = uniquePhone();
      const withPhone = await u.call("updatePhone", { userId: bare.$id, number: phone });
      expect(withPhone.targets.map((t: any) => [t.providerType, t.identifier])).toEqual([["sms", phone]]);

      const user = await newUser();
      const emailTarget = user.targets.find((t: any) => t.providerType === "email");
      await storeOf(s).targets.update(emailTarget.$id, { expired: true });
      const moved = await u.call("updateEmail", { userId: user.$id, email: uniqueEmail("revived") });
      expect(moved.targets.find((t: any) => t.$id === emailTarget.$id).expired).toBe(false);

      // A user who holds the contact without a target (made in the store) is found by the write.
      const holder = userRecord({ id: uniqueId("holder"), email: uniqueEmail("holder"), phone: uniquePhone() });
      await storeOf(s).users.create(holder);
      await expectAppwriteError(u.call("updateEmail", { userId: user.$id, email: holder.email! }), "user_email_already_exists", 409);
      await expectAppwriteError(u.call("updatePhone", { userId: user.$id, number: holder.phone! }), "user_phone_already_exists", 409);
    });

    it("sets a new password, ending the user's sessions, and removes it with an empty one", async () => {
      const user = await newUser();
      const { secret } = await u.call("createSession", { userId: user.$id });
      await u.call("updatePassword", { userId: user.$id, password: "another good passphrase" });
      await expectAppwriteError(u.account({ session: secret }).get(), "general_unauthorized_scope", 401);
      await expectAppwriteError(u.guest().createEmailPasswordSession(user.email, PASSWORD), "user_invalid_credentials", 401);
      expect((await u.guest().createEmailPasswordSession(user.email, "another good passphrase")).userId).toBe(user.$id);
      await u.call("updatePassword", { userId: user.$id, password: "" });
      await expectAppwriteError(
        u.guest().createEmailPasswordSession(user.email, "another good passphrase"),
        "user_invalid_credentials",
        401,
      );
      await expectAppwriteError(u.call("updatePassword", { userId: user.$id, password: "short" }), "general_argument_invalid", 400);
    });
  });

  describe("sessions, tokens, JWTs and logs", () => {
    it("creates a server session whose secret signs the user in, lists and deletes sessions", async () => {
      const user = await newUser();
      const session = await u.call("createSession", { userId: user.$id });
      expect({ provider: session.provider, factors: session.factors, current: session.current }).toEqual({
        provider: "server",
        factors: ["server"],
        current: false,
      });
      expect((await u.account({ session: session.secret }).get()).$id).toBe(user.$id);
      const second = await u.call("createSession", { userId: user.$id });
      const list = await u.call("listSessions", { userId: user.$id });
      expect(list.total).toBe(2);
      expect(list.sessions.map((x: any) => [x.$id, x.secret])).toEqual([
        [session.$id, ""],
        [second.$id, ""],
      ]);
      await u.call("deleteSession", { userId: user.$id, sessionId: session.$id });
      await expectAppwriteError(u.call("deleteSession", { userId: user.$id, sessionId: session.$id }), "user_session_not_found", 404);
      // Another user's session is not found through this user.
      const other = await newUser();
      const theirs = await u.call("createSession", { userId: other.$id });
      await expectAppwriteError(u.call("deleteSession", { userId: user.$id, sessionId: theirs.$id }), "user_session_not_found", 404);
      await u.call("deleteSessions", { userId: user.$id });
      expect((await u.call("listSessions", { userId: user.$id })).total).toBe(0);
      await expectAppwriteError(u.account({ session: second.secret }).get(), "general_unauthorized_scope", 401);
      expect((await u.account({ session: theirs.secret }).get()).$id).toBe(other.$id);
      await expectAppwriteError(u.call("createSession", { userId: "unique()" }), "user_not_found", 404);
    });

    it("creates a token the client exchanges for a session (custom auth)", async () => {
      const user = await newUser();
      const token = await u.call("createToken", { userId: user.$id, length: 12, expire: 60 });
      expect(token.secret).toMatch(/^[0-9a-f]{12}$/);
      expect(Date.parse(token.expire) - Date.parse(token.$createdAt)).toBe(60_000);
      const session = await u.guest().createSession(user.$id, token.secret);
      expect(session.provider).toBe("token");
      expect((await u.call("createToken", { userId: user.$id })).secret).toMatch(/^[0-9a-f]{6}$/);
      await expectAppwriteError(u.call("createToken", { userId: user.$id, length: 3 }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("createToken", { userId: user.$id, expire: 59 }), "general_argument_invalid", 400);
      await expectAppwriteError(u.call("createToken", { userId: "nobody" }), "user_not_found", 404);
    });

    it("words range and name refusals as Appwrite's Range and Text validators do", async () => {
      const user = await newUser();
      const short = await expectAppwriteError(u.call("createToken", { userId: user.$id, length: 3 }), "general_argument_invalid", 400);
      expect(short.message).toBe("Invalid `length` param: Value must be a valid range between 4 and 128");
      const long = await expectAppwriteError(
        u.call("createToken", { userId: user.$id, expire: 31_536_001 }),
        "general_argument_invalid",
        400,
      );
      expect(long.message).toBe("Invalid `expire` param: Value must be a valid range between 60 and 31,536,000");
      const name = await expectAppwriteError(
        u.call("updateName", { userId: user.$id, name: "x".repeat(129) }),
        "general_argument_invalid",
        400,
      );
      expect(name.message).toBe("Invalid `name` param: Value must be a valid string and no longer than 128 chars");
    });

    it("creates a JWT bound to the user's newest session, or the one named", async () => {
      const user = await newUser();
      await expectAppwriteError(u.call("createJWT", { userId: user.$id }), "user_session_not_found", 404);
      const first = await u.call("createSession", { userId: user.$id });
      await u.call("createSession", { userId: user.$id });
      const { jwt } = await u.call("createJWT", { userId: user.$id });
      expect((await u.account({ jwt }).get()).$id).toBe(user.$id);
      const named = await u.call("createJWT", { userId: user.$id, sessionId: first.$id, duration: 60 });
      await u.call("deleteSession", { userId: user.$id, sessionId: first.$id });
      await expectAppwriteError(u.account({ jwt: named.jwt }).get(), "general_unauthorized_scope", 401);
      const other = await newUser();
      const theirs = await u.call("createSession", { userId: other.$id });
      await expectAppwriteError(u.call("createJWT", { userId: user.$id, sessionId: theirs.$id }), "user_session_not_found", 404);
      await expectAppwriteError(u.call("createJWT", { userId: user.$id, duration: 3601 }), "general_argument_invalid", 400);
    });

    it("lists the user's log, admin writes included with the key as actor", async () => {
      const user = await newUser();
      await u.call("updateName", { userId: user.$id, name: "Renamed" });
      const logs = await u.call("listLogs", { userId: user.$id });
      expect(logs.total).toBe(2);
      expect(logs.logs.map((l: any) => [l.event, l.userName, l.userEmail, l.mode])).toEqual([
        ["user.update", "backend", "app.test-project@service.localhost", "admin"],
        ["user.create", "backend", "app.test-project@service.localhost", "admin"],
      ]);
      const paged = await u.call("listLogs", { userId: user.$id, queries: [u.Query.limit(1), u.Query.offset(1)] });
      expect(paged.logs.map((l: any) => l.event)).toEqual(["user.create"]);
      await expectAppwriteError(
        u.call("listLogs", { userId: user.$id, queries: [u.Query.equal("event", ["x"])] }),
        "general_argument_invalid",
        400,
      );
    });
  });

  describe("identities", () => {
    it("lists all users' identities by query, refuses search, deletes one", async () => {
      const user = await newUser();
      const made = identity(user.$id, uniqueEmail("id"));
      await storeOf(s).identities.create(made);
      const list = await u.call("listIdentities", { queries: [u.Query.equal("userId", [user.$id])] });
      expect(list.total).toBe(1);
      expect(list.identities.map((i: any) => [i.$id, i.provider, i.providerEmail])).toEqual([[made.id, "github", made.providerEmail]]);
      await expectAppwriteError(u.call("listIdentities", { search: "github" }), "general_query_invalid", 400);
      await expectAppwriteError(u.call("listIdentities", { queries: [u.Query.cursorAfter("nothing")] }), "general_cursor_not_found", 400);
      await u.call("deleteIdentity", { identityId: made.id });
      await expectAppwriteError(u.call("deleteIdentity", { identityId: made.id }), "user_identity_not_found", 404);
      expect((await u.call("listIdentities", { queries: [u.Query.equal("userId", [user.$id])] })).total).toBe(0);
      // The owner's log records it once, with the key as actor.
      const deletions = (await u.call("listLogs", { userId: user.$id })).logs.filter((l: any) => l.event === "identity.delete");
      expect(deletions.map((l: any) => [l.userName, l.mode])).toEqual([["backend", "admin"]]);
    });
  });

  describe("MFA", () => {
    it("lists factors, creates, reads and regenerates recovery codes, deletes the authenticator", async () => {
      const user = await newUser();
      expect(await u.call("listMfaFactors", { userId: user.$id })).toEqual({
        totp: false,
        phone: false,
        email: false,
        recoveryCode: false,
        // Appwrite 1.9's field (node-appwrite 27); a 1.6 SDK does not get it.
        ...(sdk === "node-appwrite 27" ? { custom: false } : {}),
      });
      await expectAppwriteError(u.call("getMfaRecoveryCodes", { userId: user.$id }), "user_recovery_codes_not_found", 404);
      await expectAppwriteError(u.call("updateMfaRecoveryCodes", { userId: user.$id }), "user_recovery_codes_not_found", 404);
      const { recoveryCodes } = await u.call("createMfaRecoveryCodes", { userId: user.$id });
      expect(recoveryCodes).toHaveLength(6);
      for (const code of recoveryCodes) expect(code).toMatch(/^[0-9a-f]{10}$/);
      await expectAppwriteError(u.call("createMfaRecoveryCodes", { userId: user.$id }), "user_recovery_codes_already_exists", 409);
      expect((await u.call("getMfaRecoveryCodes", { userId: user.$id })).recoveryCodes).toEqual(recoveryCodes);
      const fresh = (await u.call("updateMfaRecoveryCodes", { userId: user.$id })).recoveryCodes;
      expect(fresh).not.toEqual(recoveryCodes);
      expect((await u.call("listMfaFactors", { userId: user.$id })).recoveryCode).toBe(true);
      // A code sealed under another service secret still counts but can no longer be shown.
      await storeOf(s).mfa.replaceRecoveryCodes(user.$id, [
        { userId: user.$id, codeHash: "0".repeat(64), sealedCode: "v1.other.secret.seal", createdAt: new Date() },
      ]);
      const unshown = await expectAppwriteError(u.call("getMfaRecoveryCodes", { userId: user.$id }), "user_recovery_codes_not_found", 404);
      expect(unshown.message).toBe("Recovery codes can no longer be shown because the service secret changed. Regenerate them.");
      await expectAppwriteError(u.call("createMfaRecoveryCodes", { userId: user.$id }), "user_recovery_codes_already_exists", 409);

      await expectAppwriteError(u.call("deleteMfaAuthenticator", { userId: user.$id, type: "totp" }), "user_authenticator_not_found", 404);
      const now = new Date();
      await storeOf(s).mfa.putAuthenticator({
        id: uniqueId("a"),
        userId: user.$id,
        createdAt: now,
        updatedAt: now,
        type: "totp",
        verified: true,
        secret: "JBSWY3DPEHPK3PXP",
        lastUsedStep: null,
      });
      expect((await u.call("listMfaFactors", { userId: user.$id })).totp).toBe(true);
      await u.call("deleteMfaAuthenticator", { userId: user.$id, type: "totp" });
      expect((await u.call("listMfaFactors", { userId: user.$id })).totp).toBe(false);
      await expectAppwriteError(u.call("deleteMfaAuthenticator", { userId: user.$id, type: "sms" }), "general_argument_invalid", 400);
    });
  });

  describe("targets", () => {
    it("creates, lists, gets, updates and deletes a user's targets", async () => {
      const user = await newUser();
      const token = uniqueId("push");
      const target = await u.call("createTarget", {
        userId: user.$id,
        targetId: "unique()",
        providerType: "push",
        identifier: token,
        name: "phone",
      });
      expect(target).toMatchObject({
        userId: user.$id,
        providerType: "push",
        identifier: token,
        name: "phone",
        providerId: null,
        expired: false,
      });
      const list = await u.call("listTargets", { userId: user.$id });
      expect(list.total).toBe(3);
      const pushes = await u.call("listTargets", { userId: user.$id, queries: [u.Query.equal("providerType", ["push"])] });
      expect(pushes.targets.map((t: any) => t.$id)).toEqual([target.$id]);
      expect(await u.call("getTarget", { userId: user.$id, targetId: target.$id })).toEqual(target);
      const renamed = await u.call("updateTarget", { userId: user.$id, targetId: target.$id, name: "tablet", identifier: `${token}x` });
      expect({ name: renamed.name, identifier: renamed.identifier }).toEqual({ name: "tablet", identifier: `${token}x` });
      expect((await u.call("get", { userId: user.$id })).targets.map((t: any) => t.$id)).toContain(target.$id);

      await expectAppwriteError(
        u.call("updateTarget", { userId: user.$id, targetId: target.$id, providerId: "p1" }),
        "provider_not_found",
        404,
      );
      await expectAppwriteError(
        u.call("createTarget", { userId: user.$id, targetId: target.$id, providerType: "push", identifier: uniqueId("push") }),
        "user_target_already_exists",
        409,
      );
      await expectAppwriteError(
        u.call("createTarget", { userId: user.$id, targetId: "unique()", providerType: "email", identifier: user.email }),
        "user_target_already_exists",
        409,
      );
      await expectAppwriteError(
        u.call("createTarget", { userId: user.$id, targetId: "unique()", providerType: "email", identifier: "nope" }),
        "general_invalid_email",
        400,
      );
      await expectAppwriteError(
        u.call("createTarget", { userId: user.$id, targetId: "unique()", providerType: "sms", identifier: "12" }),
        "general_invalid_phone",
        400,
      );
      await expectAppwriteError(
        u.call("createTarget", { userId: user.$id, targetId: "unique()", providerType: "EMAIL", identifier: uniqueEmail("t") }),
        "provider_incorrect_type",
        400,
      );
      const emailTarget = list.targets.find((t: any) => t.providerType === "email");
      await expectAppwriteError(
        u.call("updateTarget", { userId: user.$id, targetId: target.$id, identifier: emailTarget.identifier }),
        "document_already_exists",
        409,
      );
      const other = await newUser();
      await expectAppwriteError(u.call("getTarget", { userId: other.$id, targetId: target.$id }), "user_target_not_found", 404);
      await expectAppwriteError(u.call("deleteTarget", { userId: other.$id, targetId: target.$id }), "user_target_not_found", 404);
      await u.call("deleteTarget", { userId: user.$id, targetId: target.$id });
      await expectAppwriteError(u.call("getTarget", { userId: user.$id, targetId: target.$id }), "user_target_not_found", 404);
      await expectAppwriteError(u.call("listTargets", { userId: "nobody" }), "user_not_found", 404);
    });
  });
});

/** An OAuth2 identity record for `userId` with this e-mail (identities come from OAuth2 logins). */
function identity(userId: string, providerEmail: string) {
  const now = new Date();
  return {
    id: uniqueId("i"),
    userId,
    createdAt: now,
    updatedAt: now,
    provider: "github",
    providerUid: uniqueId("gh"),
    providerEmail,
    providerAccessToken: "",
    providerAccessTokenExpiry: null,
    providerRefreshToken: "",
    providerIdToken: "",
  };
}
