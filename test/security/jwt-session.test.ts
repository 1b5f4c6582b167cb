/**
 * A JWT never outlives its session (src/core/authenticate.ts): once the session it was minted
 * from is deleted or has expired, the JWT authenticates nobody. Appwrite makes the caller a guest
 * when the session is gone (account routes then answer 401 general_unauthorized_scope); an
 * expired session answers the same. Driven through the SDKs with the server's manual clock.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import * as node from "node-appwrite";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { expectAppwriteError } from "../helpers/sdk";
import { key, uniqueEmail, web } from "../helpers/flows";

const PASSWORD = "password123";
const SESSION_SECONDS = 60;
const GUEST_SCOPE = "User (role: guests) missing scope (account)";

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ auth: { sessionDuration: SESSION_SECONDS } });
});
afterAll(() => s.close());

/** A browser logged in, and node-appwrite acting with a JWT minted from that browser's session. */
async function jwtOfNewSession() {
  const email = uniqueEmail("jwt");
  const user = await key(s).create(ID.unique(), email, PASSWORD);
  const b = web(s);
  const session = await b.use((account) => account.createEmailPasswordSession(email, PASSWORD));
  const { jwt } = await b.use((account) => account.createJWT());
  const viaJwt = new node.Account(new node.Client().setEndpoint(s.endpoint).setProject(PROJECT).setJWT(jwt));
  return { userId: user.$id, b, session, viaJwt };
}

describe("a JWT whose session ended", () => {
  it("works while its session lives", async () => {
    const m = await jwtOfNewSession();
    s.clock.advance((SESSION_SECONDS - 1) * 1000);
    expect((await m.viaJwt.get()).$id).toBe(m.userId);
  });

  it("session expired (the JWT itself is still valid): 401 general_unauthorized_scope, as a guest", async () => {
    const m = await jwtOfNewSession();
    s.clock.advance((SESSION_SECONDS + 1) * 1000);
    // The JWT lives 900 s, the session 60 s: only the session's expiry can refuse it.
    const error = await expectAppwriteError(m.viaJwt.get(), "general_unauthorized_scope", 401);
    expect(error.message).toBe(GUEST_SCOPE);
    await expectAppwriteError(m.viaJwt.updateName("changed"), "general_unauthorized_scope", 401);
    expect((await s.service.config.store.users.get(m.userId))!.name).toBe("");
  });

  it("session expiring at exactly this instant counts as expired", async () => {
    const m = await jwtOfNewSession();
    s.clock.advance(SESSION_SECONDS * 1000);
    await expectAppwriteError(m.viaJwt.get(), "general_unauthorized_scope", 401);
  });

  it("session deleted: the same 401 general_unauthorized_scope", async () => {
    const m = await jwtOfNewSession();
    await m.b.use((account) => account.deleteSession(m.session.$id));
    const error = await expectAppwriteError(m.viaJwt.get(), "general_unauthorized_scope", 401);
    expect(error.message).toBe(GUEST_SCOPE);
  });

  it("session prolonged (PATCH /account/sessions/{id}) before it expired: the JWT follows the new expiry", async () => {
    const m = await jwtOfNewSession();
    s.clock.advance((SESSION_SECONDS - 10) * 1000);
    await m.b.use((account) => account.updateSession(m.session.$id));
    s.clock.advance(20 * 1000);
    expect((await m.viaJwt.get()).$id).toBe(m.userId);
  });
});
