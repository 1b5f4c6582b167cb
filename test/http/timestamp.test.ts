import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { browser, raw, serverClient } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";

/** `X-Appwrite-Timestamp`: optimistic concurrency on the account update routes. */
let server: TestServer;
let session = "";
beforeAll(async () => {
  server = await startServer();
  await browser(server.endpoint).use((a) => a.create(ID.unique(), "stamp@example.com", "password123", "Stamp"));
  session = (await serverClient(server.endpoint).account.createEmailPasswordSession("stamp@example.com", "password123")).secret;
});
afterAll(() => server.close());

const patchName = (name: string, timestamp: string) =>
  raw(server.endpoint, "PATCH", "/account/name", {
    body: { name },
    headers: { "x-appwrite-session": session, "x-appwrite-timestamp": timestamp },
  });

describe("X-Appwrite-Timestamp", () => {
  it("lets an update through when the account has not changed since that instant", async () => {
    server.clock.advance(1000);
    const response = await patchName("Fresh", new Date(server.clock.now()).toISOString());
    expect(response.status).toBe(200);
    expect(response.json?.name).toBe("Fresh");
  });

  it("refuses an update based on an older view with 409 document_update_conflict, writing nothing", async () => {
    const before = new Date(server.clock.now() - 60_000).toISOString();
    server.clock.advance(1000);
    await patchName("Changed meanwhile", new Date(server.clock.now()).toISOString());
    const response = await patchName("Stale", before);
    expect(response.status).toBe(409);
    expect(response.json?.type).toBe("document_update_conflict");
    const me = await raw(server.endpoint, "GET", "/account", { headers: { "x-appwrite-session": session } });
    expect(me.json?.name).toBe("Changed meanwhile");
  });

  it("answers 400 for a value that is not a date", async () => {
    const response = await patchName("Whatever", "yesterday-ish");
    expect(response.status).toBe(400);
    expect(response.json?.message).toBe("Invalid X-Appwrite-Timestamp header value");
  });
});

describe("X-Appwrite-Timestamp on DELETE /account/sessions/{sessionId}", () => {
  const remove = (secret: string, id: string, timestamp: string) =>
    raw(server.endpoint, "DELETE", `/account/sessions/${id}`, {
      headers: { "x-appwrite-session": secret, "x-appwrite-timestamp": timestamp },
    });
  const newSession = async () => {
    const created = await serverClient(server.endpoint).account.createEmailPasswordSession("stamp@example.com", "password123");
    return { id: created.$id, secret: created.secret };
  };
  const stillThere = async (secret: string) =>
    (await raw(server.endpoint, "GET", "/account/sessions/current", { headers: { "x-appwrite-session": secret } })).status;

  it("refuses with 409 document_update_conflict when the session changed after that instant (it was made later), keeping it", async () => {
    const before = new Date(server.clock.now() - 60_000).toISOString();
    const s = await newSession();
    const response = await remove(s.secret, s.id, before);
    expect(response.status).toBe(409);
    expect(response.json?.type).toBe("document_update_conflict");
    expect(await stillThere(s.secret)).toBe(200);
  });

  it("deletes when the session is unchanged since that instant; 400 for a value that is not a date", async () => {
    const s = await newSession();
    const bad = await remove(s.secret, s.id, "not a date");
    expect(bad.status).toBe(400);
    expect(bad.json?.message).toBe("Invalid X-Appwrite-Timestamp header value");
    expect(await stillThere(s.secret)).toBe(200);
    server.clock.advance(1000);
    const response = await remove(s.secret, s.id, new Date(server.clock.now()).toISOString());
    expect(response.status).toBe(204);
    expect(await stillThere(s.secret)).toBe(401);
  });
});
