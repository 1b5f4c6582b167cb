/**
 * Who may call the Users API: API keys by their scopes (Appwrite 1.6 and 1.9 names), never a
 * session or JWT user, never a guest; through node-appwrite 16 and 27. Then the typed core,
 * `service.users.*`, with the same validation and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AppwriteError } from "gatehouse-auth";
import * as node16 from "node-appwrite";
import * as node27 from "node-appwrite-latest";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { expectAppwriteError } from "../helpers/sdk";
import { uniqueEmail, uniqueId } from "../helpers/flows";
import { SDKS, usersSdk } from "../helpers/users-sdk";

const ADMIN_KEY = "scopes-admin-key-0123456789abcdef";
const READ_KEY = "scopes-read-key-0123456789abcdef";
const TARGETS_KEY = "scopes-targets-key-0123456789abcd";
const SESSIONS_READ_KEY = "scopes-sessions-read-0123456789ab";
const EXPIRED_KEY = "scopes-expired-key-0123456789abcd";
const PASSWORD = "correct horse battery";

let s: TestServer;

beforeAll(async () => {
  s = await startServer({
    rateLimits: false,
    apiKeys: [
      API_KEY,
      { secret: ADMIN_KEY, scopes: ["users.read", "users.write"] },
      { secret: READ_KEY, scopes: ["users.read"] },
      { secret: TARGETS_KEY, scopes: ["targets.read", "targets.write"] },
      { secret: SESSIONS_READ_KEY, scopes: ["sessions.read"] },
      { secret: EXPIRED_KEY, scopes: ["users.read"], expire: new Date(Date.now() - 1000) },
    ],
  });
});
afterAll(() => s.close());

describe.each(SDKS)("Users API scopes through %s", (sdk) => {
  const as = (key: string, extra: { session?: string } = {}) => usersSdk(sdk, s.endpoint, key, extra);
  const scopeError = (key: string | null, scope: string) =>
    `User (role: ${key === null ? "guests" : "applications"}) missing scope (${scope})`;

  async function newUser() {
    return as(ADMIN_KEY).call("create", { userId: uniqueId("u"), email: uniqueEmail("u"), password: PASSWORD });
  }

  it("a read key reads but does not write, and is refused before its parameters are checked", async () => {
    const user = await newUser();
    const read = as(READ_KEY);
    expect((await read.call("get", { userId: user.$id })).$id).toBe(user.$id);
    expect((await read.call("listLogs", { userId: user.$id })).total).toBe(1);
    const refused = await expectAppwriteError(read.call("updateName", { userId: user.$id, name: "x" }), "general_unauthorized_scope", 401);
    expect(refused.message).toBe(scopeError(READ_KEY, "users.write"));
    await expectAppwriteError(read.call("create", { userId: "-not-an-id" }), "general_unauthorized_scope", 401);
    await expectAppwriteError(read.call("createSession", { userId: user.$id }), "general_unauthorized_scope", 401);
  });

  it("a key without scopes keeps today's meaning: sessions.write only, no Users API", async () => {
    const user = await newUser();
    const plain = as(API_KEY);
    await expectAppwriteError(plain.call("list"), "general_unauthorized_scope", 401);
    // sessions.write alone must not mint a session for any user.
    await expectAppwriteError(plain.call("createSession", { userId: user.$id }), "general_unauthorized_scope", 401);
    await expectAppwriteError(plain.call("deleteSessions", { userId: user.$id }), "general_unauthorized_scope", 401);
  });

  it("target and session scopes of either Appwrite generation open their routes only", async () => {
    const user = await newUser();
    const targets = as(TARGETS_KEY);
    const made = await targets.call("createTarget", {
      userId: user.$id,
      targetId: "unique()",
      providerType: "push",
      identifier: uniqueId("p"),
    });
    expect((await targets.call("listTargets", { userId: user.$id })).total).toBe(2);
    expect((await targets.call("getTarget", { userId: user.$id, targetId: made.$id })).$id).toBe(made.$id);
    await targets.call("deleteTarget", { userId: user.$id, targetId: made.$id });
    await expectAppwriteError(targets.call("get", { userId: user.$id }), "general_unauthorized_scope", 401);
    // 1.9's users.* scopes open the target routes too.
    expect((await as(ADMIN_KEY).call("listTargets", { userId: user.$id })).total).toBe(1);

    const sessionsRead = as(SESSIONS_READ_KEY);
    expect((await sessionsRead.call("listSessions", { userId: user.$id })).total).toBe(0);
    await expectAppwriteError(sessionsRead.call("get", { userId: user.$id }), "general_unauthorized_scope", 401);
  });

  it("a guest, a session user and a JWT user never reach /users; a key with a session is refused (1.6) or runs as the key (1.9)", async () => {
    const user = await newUser();
    const admin = as(ADMIN_KEY);
    const { secret } = await admin.call("createSession", { userId: user.$id });
    const { jwt } = await admin.call("createJWT", { userId: user.$id });

    const guest = usersSdkWithout(sdk);
    const refused = await expectAppwriteError(guest.call("list"), "general_unauthorized_scope", 401);
    expect(refused.message).toBe(scopeError(null, "users.read"));

    const viaSession = await expectAppwriteError(
      sessionUsers(sdk, { session: secret }).call("get", { userId: user.$id }),
      "general_unauthorized_scope",
      401,
    );
    expect(viaSession.message).toBe(`${user.email} (role: users) missing scope (users.read)`);
    await expectAppwriteError(sessionUsers(sdk, { jwt }).call("list"), "general_unauthorized_scope", 401);
    // Targets too (Appwrite 1.6 let any user reach other users' targets).
    await expectAppwriteError(
      sessionUsers(sdk, { session: secret }).call("listTargets", { userId: user.$id }),
      "general_unauthorized_scope",
      401,
    );
    // A key beside a session: 1.6 refused the pair; since 1.9 the key wins (src/core/behaviour.ts).
    if (sdk === "node-appwrite 16") {
      await expectAppwriteError(as(ADMIN_KEY, { session: secret }).call("list"), "user_key_and_session_set", 403);
    } else {
      expect((await as(ADMIN_KEY, { session: secret }).call("get", { userId: user.$id })).$id).toBe(user.$id);
    }
  });

  it("an unknown key is 401 user_unauthorized, an expired one 401 project_key_expired", async () => {
    await expectAppwriteError(as("no-such-key-0123456789abcdef").call("list"), "user_unauthorized", 401);
    await expectAppwriteError(as(EXPIRED_KEY).call("list"), "project_key_expired", 401);
  });
});

/** `Users` of this SDK with no credentials at all. */
function usersSdkWithout(sdk: (typeof SDKS)[number]) {
  return sessionUsers(sdk, {});
}

/** `Users` of this SDK sent with a user's session or JWT instead of a key. */
function sessionUsers(sdk: (typeof SDKS)[number], credentials: { session?: string; jwt?: string }) {
  const lib = (sdk === "node-appwrite 16" ? node16 : node27) as typeof node16;
  return {
    // Only `list`, `get` and `listTargets` are called this way: `userId` is their one positional parameter.
    call: async (method: string, params: Record<string, unknown> = {}) => {
      const client = new lib.Client().setEndpoint(s.endpoint).setProject(PROJECT);
      if (credentials.session) client.setSession(credentials.session);
      if (credentials.jwt) client.setJWT(credentials.jwt);
      const users = new lib.Users(client) as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>;
      const args = sdk === "node-appwrite 27" ? [params] : params.userId === undefined ? [] : [params.userId];
      return users[method]!.call(users, ...args);
    },
  };
}

describe("node-appwrite 27 specifics", () => {
  it("total: false skips the count on every list", async () => {
    const u = usersSdk("node-appwrite 27", s.endpoint, ADMIN_KEY);
    const user = await u.call("create", { userId: uniqueId("u"), email: uniqueEmail("u") });
    const lists = await Promise.all([
      u.call("list", { queries: [u.Query.equal("$id", [user.$id])], total: false }),
      u.call("listSessions", { userId: user.$id, total: false }),
      u.call("listTargets", { userId: user.$id, total: false }),
      u.call("listLogs", { userId: user.$id, total: false }),
      u.call("listIdentities", { total: false }),
    ]);
    expect(lists.map((l) => l.total)).toEqual([0, 0, 0, 0, 0]);
    expect(lists[0].users.map((x: any) => x.$id)).toEqual([user.$id]);
    expect((await u.call("list", { queries: [u.Query.equal("$id", [user.$id])], total: true })).total).toBe(1);
  });

  it("updateImpersonator is not served (Gatehouse has no impersonation): 404 general_route_not_found", async () => {
    const client = new node27.Client().setEndpoint(s.endpoint).setProject(PROJECT).setKey(ADMIN_KEY);
    await expectAppwriteError(
      new node27.Users(client).updateImpersonator({ userId: "x", impersonator: true }),
      "general_route_not_found",
      404,
    );
  });
});

describe("service.users: the typed core", () => {
  it("runs as the server without a key, with the same validation and errors", async () => {
    const users = s.service.users;
    const created = await users.create({ userId: uniqueId("core"), email: uniqueEmail("core"), password: PASSWORD });
    expect(created.hash).toBe("argon2");
    expect((await users.get({ userId: created.$id })).email).toBe(created.email);
    const page = await users.list({ queries: [JSON.stringify({ method: "equal", attribute: "$id", values: [created.$id] })] });
    expect(page.users.map((x) => x.$id)).toEqual([created.$id]);
    await expect(users.get({ userId: "-bad" })).rejects.toMatchObject({ type: "general_argument_invalid", code: 400 });
    await expect(users.get({ userId: "nobody" })).rejects.toBeInstanceOf(AppwriteError);
    await expect(users.create({ userId: created.$id })).rejects.toMatchObject({ type: "user_already_exists" });
    const logs = await users.listLogs({ userId: created.$id });
    expect(logs.logs[0]!.userName).toBe("server");
    await users.delete({ userId: created.$id });
    await expect(users.get({ userId: created.$id })).rejects.toMatchObject({ type: "user_not_found", code: 404 });
  });

  it("runs as the key it is given, scopes and all, and refuses a session alongside", async () => {
    const users = s.service.users;
    await expect(users.create({ userId: uniqueId("core") }, { key: READ_KEY })).rejects.toMatchObject({
      type: "general_unauthorized_scope",
    });
    const created = await users.create({ userId: uniqueId("core"), email: uniqueEmail("core") });
    expect((await users.get({ userId: created.$id }, { key: READ_KEY })).$id).toBe(created.$id);
    const session = await users.createSession({ userId: created.$id });
    await expect(users.get({ userId: created.$id }, { session: session.secret })).rejects.toMatchObject({
      type: "user_key_and_session_set",
    });
    // The Account API's own methods do not run as the server: no key, no user, no access.
    await expect(s.service.get()).rejects.toMatchObject({ type: "general_unauthorized_scope" });
  });
});
