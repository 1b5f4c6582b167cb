/**
 * Push targets (`POST /account/targets/push`, `PUT|DELETE /account/targets/{targetId}/push`)
 * through both web SDK generations (appwrite 17 and 28; the node SDKs have no such methods): in
 * the account's `targets`, bound to the session that registered them, removed with it, re-bound
 * on an OAuth2 upgrade of an anonymous session. Raw HTTP for a device's User-Agent and malformed input.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { ID as ID28 } from "appwrite-latest";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, expectAppwriteError, expectRawError, raw } from "../helpers/sdk";
import { latestBrowser, latestKey } from "../helpers/sdk-latest";
import { storeOf, uniqueEmail, uniqueId } from "../helpers/flows";
import { followRedirects } from "../helpers/navigate";

const PASSWORD = "password123";
const TARGET_FIELDS = ["$id", "$createdAt", "$updatedAt", "name", "userId", "providerId", "providerType", "identifier", "expired"];
const IPHONE =
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
const token = (tag: string) => `device-token-${uniqueId(tag)}`;

let s: TestServer;
beforeAll(async () => {
  s = await startServer({ oauth2: { mock: { clientId: "mock-client", clientSecret: "mock-secret" } } });
});
afterAll(() => s.close());

/** A user signed in through appwrite 28 in one browser and appwrite 17 in another (two sessions). */
async function member(tag: string) {
  const email = uniqueEmail(tag);
  const user = await latestKey(s.endpoint).create({ userId: ID28.unique(), email, password: PASSWORD });
  const b28 = latestBrowser(s.endpoint);
  const s28 = await b28.use((a) => a.createEmailPasswordSession({ email, password: PASSWORD }));
  const b17 = browser(s.endpoint);
  const s17 = await b17.use((a) => a.createEmailPasswordSession(email, PASSWORD));
  const keyed = await latestKey(s.endpoint).createEmailPasswordSession({ email, password: PASSWORD });
  return { email, userId: user.$id, b28, s28, b17, s17, secret: keyed.secret, keyedId: keyed.$id };
}

describe("POST /account/targets/push (createPushTarget)", () => {
  it("appwrite 28, object style: a Target model, listed in the account's targets after the e-mail target", async () => {
    const m = await member("push-create");
    const identifier = token("fcm");
    s.clock.advance(1000);
    const created = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier, providerId: "fcm" }));
    expect(Object.keys(created)).toEqual(TARGET_FIELDS);
    expect(created).toMatchObject({ userId: m.userId, providerId: "fcm", providerType: "push", identifier, expired: false, name: " " });
    expect(created.$id).toMatch(/^[0-9a-f]{20}$/);
    const account = await m.b17.use((a) => a.get());
    expect(account.targets.map((t) => t.providerType)).toEqual(["email", "push"]);
    expect(account.targets[1]).toEqual(created);
    expect((await storeOf(s).targets.get(created.$id))!.sessionId).toBe(m.s28.$id);
  });

  it("a user holds at most 100 push targets: the 101st is refused, a device's own target still updates", async () => {
    const m = await member("push-cap");
    const own = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("own"), providerId: "fcm" }));
    const store = storeOf(s);
    for (let i = 1; i < 100; i++) {
      const at = new Date(Date.parse(own.$createdAt) + i);
      await store.targets.create({
        id: uniqueId("seed"),
        userId: m.userId,
        createdAt: at,
        updatedAt: at,
        providerType: "push",
        identifier: token(`seed${i}`),
        name: "",
        providerId: `p${i}`,
        expired: false,
        sessionId: null,
      });
    }
    await expectAppwriteError(
      m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("over"), providerId: "another" })),
      "general_argument_invalid",
      400,
    );
    const renewed = await m.b28.use((a) =>
      a.createPushTarget({ targetId: ID28.unique(), identifier: token("rotated"), providerId: "fcm" }),
    );
    expect(renewed.$id).toBe(own.$id);
    expect((await store.targets.list(m.userId)).filter((t) => t.providerType === "push")).toHaveLength(100);
  });

  it("appwrite 17, positional, custom id and no provider; the device is named from the User-Agent", async () => {
    const m = await member("push-create-17");
    const targetId = uniqueId("t");
    const created = await m.b17.use((a) => a.createPushTarget(targetId, token("apns")));
    expect(created).toMatchObject({ $id: targetId, providerId: null, providerType: "push" });
    const phone = await raw(s.endpoint, "POST", "/account/targets/push", {
      body: { targetId: "unique()", identifier: token("ios") },
      headers: { "x-appwrite-session": m.secret, "user-agent": IPHONE },
    });
    expect(phone.status).toBe(201);
    expect(phone.json!.name).toBe("Apple iPhone");
  });

  it("a taken target id or device token is 409 user_target_already_exists, even another user's", async () => {
    const m = await member("push-conflict");
    const other = await member("push-conflict-other");
    const targetId = uniqueId("dup");
    const identifier = token("dup");
    await m.b28.use((a) => a.createPushTarget({ targetId, identifier }));
    await expectAppwriteError(
      other.b28.use((a) => a.createPushTarget({ targetId, identifier: token("fresh") })),
      "user_target_already_exists",
      409,
    );
    await expectAppwriteError(
      other.b17.use((a) => a.createPushTarget(ID.unique(), identifier)),
      "user_target_already_exists",
      409,
    );
    // The e-mail target's identifier is taken too.
    await expectAppwriteError(
      other.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: m.email })),
      "user_target_already_exists",
      409,
    );
  });

  it("a session keeps one target per provider: registering again replaces the token (Appwrite 2.x); another provider adds one", async () => {
    const m = await member("push-upsert");
    const first = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("a"), providerId: "fcm" }));
    s.clock.advance(1000);
    const rotated = token("b");
    const second = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: rotated, providerId: "fcm" }));
    expect(second).toMatchObject({ $id: first.$id, identifier: rotated, $createdAt: first.$createdAt });
    expect(second.$updatedAt).not.toBe(first.$updatedAt);
    const apns = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("c"), providerId: "apns" }));
    expect(apns.$id).not.toBe(first.$id);
    // Another session of the same user registers its own.
    const other = await m.b17.use((a) => a.createPushTarget(ID.unique(), token("d"), "fcm"));
    expect(other.$id).not.toBe(first.$id);
    const pushes = (await m.b28.use((a) => a.get())).targets.filter((t) => t.providerType === "push");
    expect(pushes.map((t) => t.$id).sort()).toEqual([first.$id, apns.$id, other.$id].sort());
  });

  it("guests get 401 general_unauthorized_scope; bad input 400 and nothing stored", async () => {
    await expectAppwriteError(
      latestBrowser(s.endpoint).use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("guest") })),
      "general_unauthorized_scope",
      401,
    );
    const m = await member("push-bad");
    const post = (body: object) => raw(s.endpoint, "POST", "/account/targets/push", { body, headers: { "x-appwrite-session": m.secret } });
    expectRawError(await post({ targetId: "unique()" }), 400, "general_argument_invalid");
    expectRawError(await post({ targetId: "unique()", identifier: "" }), 400, "general_argument_invalid");
    expectRawError(await post({ targetId: "unique()", identifier: "x".repeat(256) }), 400, "general_argument_invalid");
    expectRawError(await post({ targetId: "_bad", identifier: token("x") }), 400, "general_argument_invalid");
    expectRawError(await post({ targetId: "unique()", identifier: token("x"), providerId: "no spaces" }), 400, "general_argument_invalid");
    expectRawError(await post({ targetId: "unique()", identifier: { $ne: 1 } }), 400, "general_argument_invalid");
    expect((await storeOf(s).targets.list(m.userId)).map((t) => t.providerType)).toEqual(["email"]);
  });
});

describe("PUT and DELETE /account/targets/{targetId}/push", () => {
  it("both generations update the token (expired reset, name from this request) and delete it", async () => {
    const m = await member("push-update");
    const created = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("u") }));
    await storeOf(s).targets.update(created.$id, { expired: true });
    const fresh = token("u2");
    const updated = await m.b17.use((a) => a.updatePushTarget(created.$id, fresh));
    expect(updated).toMatchObject({ $id: created.$id, identifier: fresh, expired: false });
    const again = await m.b28.use((a) => a.updatePushTarget({ targetId: created.$id, identifier: token("u3") }));
    expect(again.$id).toBe(created.$id);
    const phone = await raw(s.endpoint, "PUT", `/account/targets/${created.$id}/push`, {
      body: { identifier: token("u4") },
      headers: { "x-appwrite-session": m.secret, "user-agent": IPHONE },
    });
    expect(phone.json!.name).toBe("Apple iPhone");

    await m.b28.use((a) => a.deletePushTarget({ targetId: created.$id }));
    expect(await storeOf(s).targets.get(created.$id)).toBeNull();
    await expectAppwriteError(
      m.b17.use((a) => a.deletePushTarget(created.$id)),
      "user_target_not_found",
      404,
    );
    expect((await m.b28.use((a) => a.get())).targets.map((t) => t.providerType)).toEqual(["email"]);
  });

  it("another user's target, an unknown one and the e-mail target are 404 user_target_not_found, and unchanged", async () => {
    const m = await member("push-foreign");
    const other = await member("push-foreign-other");
    const theirs = await other.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("f") }));
    await expectAppwriteError(
      m.b28.use((a) => a.updatePushTarget(theirs.$id, token("g"))),
      "user_target_not_found",
      404,
    );
    await expectAppwriteError(
      m.b17.use((a) => a.deletePushTarget(theirs.$id)),
      "user_target_not_found",
      404,
    );
    await expectAppwriteError(
      m.b17.use((a) => a.updatePushTarget("nothing-here", token("g"))),
      "user_target_not_found",
      404,
    );
    const emailTarget = (await m.b28.use((a) => a.get())).targets[0]!;
    await expectAppwriteError(
      m.b28.use((a) => a.updatePushTarget(emailTarget.$id, token("g"))),
      "user_target_not_found",
      404,
    );
    await expectAppwriteError(
      m.b28.use((a) => a.deletePushTarget(emailTarget.$id)),
      "user_target_not_found",
      404,
    );
    expect(await storeOf(s).targets.get(theirs.$id)).toMatchObject({ identifier: theirs.identifier });
    expect(await storeOf(s).targets.get(emailTarget.$id)).toMatchObject({ identifier: m.email });
    await expectAppwriteError(
      latestBrowser(s.endpoint).use((a) => a.deletePushTarget(theirs.$id)),
      "general_unauthorized_scope",
      401,
    );
  });
});

describe("bound to the session", () => {
  it("deleting a session removes its targets, not the other sessions'; deleteSessions removes the rest", async () => {
    const m = await member("push-session");
    const t28 = await m.b28.use((a) => a.createPushTarget({ targetId: ID28.unique(), identifier: token("s28") }));
    const t17 = await m.b17.use((a) => a.createPushTarget(ID.unique(), token("s17")));
    await m.b28.use((a) => a.deleteSession({ sessionId: "current" }));
    const left = async () => (await storeOf(s).targets.list(m.userId)).map((t) => t.id);
    expect(await left()).not.toContain(t28.$id);
    expect(await left()).toContain(t17.$id);
    await m.b17.use((a) => a.deleteSessions());
    expect((await storeOf(s).targets.list(m.userId)).map((t) => t.providerType)).toEqual(["email"]);
  });

  it("an OAuth2 login over an anonymous session keeps the device's target, bound to the new session", async () => {
    const anon = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: { origin: "http://localhost" } });
    const cookie = anon.headers
      .getSetCookie()
      .find((c) => c.startsWith(`a_session_${PROJECT}=`))!
      .split(";")[0]!;
    const created = await raw(s.endpoint, "POST", "/account/targets/push", {
      body: { targetId: "unique()", identifier: token("anon") },
      headers: { cookie },
    });
    expect(created.status).toBe(201);
    const host = new URL(s.endpoint).host;
    const jar = new Map([[host, new Map([[cookie.split("=")[0]!, cookie.slice(cookie.indexOf("=") + 1)]])]]);
    const start = `${s.endpoint}/account/sessions/oauth2/mock?${new URLSearchParams({ project: PROJECT, success: "http://localhost/app/ok", failure: "http://localhost/app/failed" })}`;
    const { final } = await followRedirects(start, "http://localhost/app", jar);
    expect(final?.pathname).toBe("/app/ok");
    const value = jar.get(host)!.get(`a_session_${PROJECT}`)!;
    const me = await raw(s.endpoint, "GET", "/account", { headers: { cookie: `a_session_${PROJECT}=${value}` } });
    expect(me.json!.$id).toBe(anon.json!.userId);
    expect(me.json!.targets).toContainEqual(expect.objectContaining({ $id: created.json!.$id, providerType: "push" }));
    const current = await raw(s.endpoint, "GET", "/account/sessions/current", { headers: { cookie: `a_session_${PROJECT}=${value}` } });
    expect((await storeOf(s).targets.get(created.json!.$id as string))!.sessionId).toBe(current.json!.$id);
    // And it now goes with the new session.
    await raw(s.endpoint, "DELETE", "/account/sessions/current", {
      body: {},
      headers: { cookie: `a_session_${PROJECT}=${value}`, origin: "http://localhost" },
    });
    expect(await storeOf(s).targets.get(created.json!.$id as string)).toBeNull();
  });
});
