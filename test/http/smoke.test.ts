import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { browser, sessionClient, serverClient } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

describe("the official SDKs against an Express server", () => {
  it("sign up, log in with the web SDK, read the account, log out", async () => {
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const user = await account.create(ID.unique(), "Smoke@Example.com", "password123", "Smoke");
      expect(user.email).toBe("smoke@example.com");
      const session = await account.createEmailPasswordSession("smoke@example.com", "password123");
      expect(session.current).toBe(true);
      expect((await account.get()).$id).toBe(user.$id);
      await account.deleteSession("current");
      await expect(account.get()).rejects.toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    });
  });

  it("server key creates a session whose secret works with setSession", async () => {
    const b = browser(server.endpoint);
    await b.use((account) => account.create(ID.unique(), "ssr@example.com", "password123"));
    const session = await serverClient(server.endpoint).account.createEmailPasswordSession("ssr@example.com", "password123");
    expect(session.secret.length).toBeGreaterThan(300);
    const me = await sessionClient(server.endpoint, session.secret).account.get();
    expect(me.email).toBe("ssr@example.com");
  });
});
