import { afterEach, describe, expect, it } from "vitest";
import * as Appwrite from "appwrite";
import * as AppwriteLatest from "appwrite-latest";
import * as NodeAppwrite from "node-appwrite";
import * as NodeAppwriteLatest from "node-appwrite-latest";
import { createTestAccountService, TEST_PASSWORD, type TestAccountService } from "gatehouse-auth/testing";

/** Through the wire: the in-process client with its cookie jar, and the official SDKs on a loopback server. */
describe("http(): the handler in-process, with a cookie jar", () => {
  let t: TestAccountService;
  afterEach(() => t.close());

  it("signs in with a POST and reads /v1/account with the cookie it was given", async () => {
    t = createTestAccountService();
    const user = await t.signUp({ email: "wire@example.com" });
    const client = t.http();
    const login = await client.post("/v1/account/sessions/email", { email: user.email, password: TEST_PASSWORD });
    expect(login.status).toBe(201);
    expect(client.jar.cookies.has("a_session_test-project")).toBe(true);
    const me = await client.get("/v1/account");
    expect(me.status).toBe(200);
    expect(me.body.email).toBe("wire@example.com");

    // Another client has its own jar: a guest.
    const other = await t.http().get("/v1/account");
    expect(other.status).toBe(401);
    expect(other.body).toMatchObject({ type: "general_unauthorized_scope", code: 401 });
  });

  it("signing out clears the cookie; the session expiring drops it from the jar", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    const client = t.http();
    await client.post("/v1/account/sessions/email", { email: user.email, password: user.password });
    expect((await client.delete("/v1/account/sessions/current")).status).toBe(204);
    expect(client.jar.header()).toBeNull();
    expect((await client.get("/v1/account")).status).toBe(401);

    await client.post("/v1/account/sessions/email", { email: user.email, password: user.password });
    t.clock.advance("366d"); // past the one-year session (Appwrite's default)
    expect(client.jar.header()).toBeNull();
  });

  it("sends an Origin when told, and the handler answers with CORS for a registered platform", async () => {
    t = createTestAccountService();
    const res = await t.http({ origin: "http://localhost:5173" }).get("/v1/account");
    expect(res.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    const foreign = await t.http({ origin: "https://evil.example" }).post("/v1/account/sessions/anonymous");
    expect(foreign.status).toBe(403);
  });

  it("reaches the service through the same facade after reset()", async () => {
    t = createTestAccountService();
    const client = t.http();
    await t.signUp({ email: "gone@example.com" });
    await t.reset();
    const res = await client.post("/v1/account/sessions/email", { email: "gone@example.com", password: TEST_PASSWORD });
    expect(res.body.type).toBe("user_invalid_credentials");
  });

  it("a session from signIn() can be put in a client's jar", async () => {
    t = createTestAccountService();
    const user = await t.signUp();
    const session = await t.signIn(user);
    const client = t.http();
    client.jar.set(`a_session_${t.projectId}`, session.session);
    expect((await client.get("/v1/account")).body.$id).toBe(user.id);
  });

  it("t.handler is the handler an adapter would mount: a web Request in, a Response out", async () => {
    t = createTestAccountService();
    const response = await t.handler.fetch(
      new Request("http://localhost/v1/account/sessions/anonymous", { method: "POST", headers: { "x-appwrite-project": t.projectId } }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("set-cookie")).toContain(`a_session_${t.projectId}=`);
    expect(t.handler.owns("/v1/account")).toBe(true);
    expect(t.handler.owns("/elsewhere")).toBe(false);
  });

  it("refuses a path that is not absolute", async () => {
    t = createTestAccountService();
    await expect(t.http().get("v1/account")).rejects.toThrow(/must start with "\/"/);
  });
});

describe("listen(): the official SDKs against the test service", () => {
  let t: TestAccountService;
  afterEach(() => t.close());

  it.each([
    ["appwrite 17", Appwrite],
    // One story for both versions (their positional signatures agree); their types differ in private fields.
    ["appwrite 28", AppwriteLatest as unknown as typeof Appwrite],
  ] as const)("%s: a browser client signs up, in, and reads its account; its cookies are its own", async (_, sdk) => {
    t = createTestAccountService();
    const server = await t.listen();
    const { account } = server.browserClient(sdk);
    await account.create(sdk.ID.unique(), "sdk@example.com", TEST_PASSWORD, "Sdk");
    await account.createEmailPasswordSession("sdk@example.com", TEST_PASSWORD);
    expect((await account.get()).email).toBe("sdk@example.com");
    // A second browser is signed out.
    await expect(server.browserClient(sdk).account.get()).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    // The links in mails point at the server the SDK talks to.
    await account.createVerification("http://localhost/verify");
    expect(t.lastEmail("sdk@example.com", "verification").link).toMatch(/^http:\/\/localhost\/verify\?/);
  });

  it.each([
    ["node-appwrite 16", NodeAppwrite],
    ["node-appwrite 27", NodeAppwriteLatest as unknown as typeof NodeAppwrite],
  ] as const)("%s: a server client with the test key creates a session, then acts for the user with it", async (_, sdk) => {
    t = createTestAccountService();
    const user = await t.signUp({ email: "ssr@example.com" });
    const server = await t.listen();
    const admin = server.serverClient(sdk);
    const session = await admin.account.createEmailPasswordSession(user.email, user.password);
    expect(session.secret).not.toBe("");
    const asUser = server.serverClient(sdk, { session: session.secret });
    expect((await asUser.account.get()).$id).toBe(user.id);
  });

  it("answers a body that is not UTF-8, or too large, with Appwrite's 400 as the Node adapters do", async () => {
    t = createTestAccountService();
    const server = await t.listen();
    const post = (body: Blob | string) =>
      fetch(`${server.endpoint}/account`, {
        method: "POST",
        headers: { "x-appwrite-project": t.projectId, "content-type": "application/json" },
        body,
      });
    for (const body of [new Blob([new Uint8Array([0x7b, 0xff, 0x7d])]), "x".repeat(1024 * 1024 + 1)]) {
      const res = await post(body);
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ type: "general_argument_invalid" });
    }
  });

  it("close() stops the server: the port refuses connections", async () => {
    t = createTestAccountService();
    const server = await t.listen();
    expect((await fetch(`${server.endpoint}/account`, { headers: { "x-appwrite-project": t.projectId } })).status).toBe(401);
    await t.close();
    await expect(fetch(`${server.endpoint}/account`)).rejects.toThrow();
  });
});
