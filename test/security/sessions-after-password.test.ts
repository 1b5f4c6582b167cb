/**
 * `auth.invalidateSessions` (src/core/session-invalidation.ts endSessionsAfterPasswordChange): a password
 * change ends the user's other sessions, a recovery ends all of them; `false` keeps Appwrite
 * 1.6's behaviour, which revokes nothing. Driven through the SDKs on the store that
 * GATEHOUSE_TEST_STORE names (memory, sqlite, postgres, mysql).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import * as node from "node-appwrite";
import { PROJECT, type TestServer } from "../helpers/server";
import { expectAppwriteError, sessionClient } from "../helpers/sdk";
import { freshWindow, key, startWithOutbox, storeOf, uniqueEmail, web, type OutboxServer } from "../helpers/flows";

const PASSWORD = "password123";
const NEW_PASSWORD = "brand-new-password-1";

/** A user with two browser sessions and one server-side (node-appwrite) session. */
async function member(s: TestServer) {
  const email = uniqueEmail("inv");
  const user = await key(s).create(ID.unique(), email, PASSWORD);
  const b1 = web(s);
  const b2 = web(s);
  await b1.use((account) => account.createEmailPasswordSession(email, PASSWORD));
  await b2.use((account) => account.createEmailPasswordSession(email, PASSWORD));
  const keyed = await key(s).createEmailPasswordSession(email, PASSWORD);
  const server = sessionClient(s.endpoint, keyed.secret).account;
  return { email, userId: user.$id, b1, b2, server };
}

/** The account as seen through a client, or the error type it gets. */
async function who(call: Promise<{ $id: string }>): Promise<string> {
  try {
    return (await call).$id;
  } catch (error) {
    return `error: ${(error as { type?: string }).type}`;
  }
}

async function recover(env: OutboxServer, email: string) {
  await web(env.s).use((account) => account.createRecovery(email, "http://localhost/reset"));
  const link = new URL(env.box.lastMail(email)!.url!);
  return { userId: link.searchParams.get("userId")!, secret: link.searchParams.get("secret")! };
}

const GUEST = "error: general_unauthorized_scope";

describe("auth.invalidateSessions on (the default)", () => {
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox();
  });
  afterAll(() => env.s.close());
  beforeEach(() => freshWindow(env.s));

  it("is on by default", () => {
    expect(env.s.service.config.auth.invalidateSessions).toBe(true);
  });

  it("PATCH /account/password ends every other session and keeps the one that changed it", async () => {
    const { s } = env;
    const m = await member(s);
    const mine = await m.b1.use((account) => account.getSession("current"));
    await m.b1.use((account) => account.updatePassword(NEW_PASSWORD, PASSWORD));

    expect(await who(m.b1.use((account) => account.get()))).toBe(m.userId);
    expect(await who(m.b2.use((account) => account.get()))).toBe(GUEST);
    expect(await who(m.server.get())).toBe(GUEST);
    expect((await storeOf(s).sessions.list(m.userId)).map((x) => x.id)).toEqual([mine.$id]);
    // A new login with the new password works as usual.
    expect((await key(s).createEmailPasswordSession(m.email, NEW_PASSWORD)).userId).toBe(m.userId);
  });

  it("under a JWT, the session the JWT was minted from is kept (and the JWT keeps working)", async () => {
    const { s } = env;
    const m = await member(s);
    const origin = await m.b2.use((account) => account.getSession("current"));
    const { jwt } = await m.b2.use((account) => account.createJWT());
    const viaJwt = new node.Account(new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setJWT(jwt));

    await viaJwt.updatePassword(NEW_PASSWORD, PASSWORD);

    expect((await storeOf(s).sessions.list(m.userId)).map((x) => x.id)).toEqual([origin.$id]);
    expect(await who(viaJwt.get())).toBe(m.userId);
    expect(await who(m.b2.use((account) => account.get()))).toBe(m.userId);
    expect(await who(m.b1.use((account) => account.get()))).toBe(GUEST);
    expect(await who(m.server.get())).toBe(GUEST);
  });

  it("a refused password change (wrong old password) ends nothing", async () => {
    const { s } = env;
    const m = await member(s);
    await expectAppwriteError(
      m.b1.use((account) => account.updatePassword(NEW_PASSWORD, "wrong-password-1")),
      "user_invalid_credentials",
      401,
    );
    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(3);
    expect(await who(m.b2.use((account) => account.get()))).toBe(m.userId);
  });

  it("PUT /account/recovery by a guest ends every session of the user", async () => {
    const { s } = env;
    const m = await member(s);
    const { userId, secret } = await recover(env, m.email);
    await web(s).use((account) => account.updateRecovery(userId, secret, NEW_PASSWORD));

    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(0);
    expect(await who(m.b1.use((account) => account.get()))).toBe(GUEST);
    expect(await who(m.b2.use((account) => account.get()))).toBe(GUEST);
    expect(await who(m.server.get())).toBe(GUEST);
    expect((await key(s).createEmailPasswordSession(m.email, NEW_PASSWORD)).userId).toBe(m.userId);
  });

  it("PUT /account/recovery from one of the user's own sessions ends that one too, and clears its cookie", async () => {
    const { s } = env;
    const m = await member(s);
    const { userId, secret } = await recover(env, m.email);
    expect(m.b1.storage.get("cookieFallback")).toContain(`a_session_${PROJECT}`);
    await m.b1.use((account) => account.updateRecovery(userId, secret, NEW_PASSWORD));

    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(0);
    expect(m.b1.storage.get("cookieFallback")).toBe("[]");
    expect(await who(m.b2.use((account) => account.get()))).toBe(GUEST);
  });

  it("another user's sessions are untouched by a password change or a recovery", async () => {
    const { s } = env;
    const a = await member(s);
    const b = await member(s);
    await a.b1.use((account) => account.updatePassword(NEW_PASSWORD, PASSWORD));
    const { userId, secret } = await recover(env, a.email);
    await web(s).use((account) => account.updateRecovery(userId, secret, "another-new-password-2"));
    expect(await storeOf(s).sessions.list(b.userId)).toHaveLength(3);
    expect(await who(b.server.get())).toBe(b.userId);
  });
});

describe("auth.invalidateSessions: false (Appwrite 1.6's behaviour)", () => {
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox({ auth: { invalidateSessions: false } });
  });
  afterAll(() => env.s.close());
  beforeEach(() => freshWindow(env.s));

  it("a password change and a recovery leave every session working", async () => {
    const { s } = env;
    const m = await member(s);
    await m.b1.use((account) => account.updatePassword(NEW_PASSWORD, PASSWORD));
    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(3);

    const { userId, secret } = await recover(env, m.email);
    await m.b1.use((account) => account.updateRecovery(userId, secret, "another-new-password-2"));
    expect(await storeOf(s).sessions.list(m.userId)).toHaveLength(3);
    for (const call of [m.b1.use((account) => account.get()), m.b2.use((account) => account.get()), m.server.get()]) {
      expect(await who(call)).toBe(m.userId);
    }
  });
});
