import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { createServer, connect, type Server, type Socket, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import Database from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
import { ID } from "node-appwrite";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { DATABASE_URLS, freshDatabase, serviceAvailable, type ServerKind, type TestDatabase } from "../helpers/databases";
import { raw, serverClient, sessionClient } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";
import { within as withinMs } from "../helpers/within";

/*
 * A database that is down or drops a connection must give a clear 503 `general_server_error` (retry
 * later), not a hang, not a 500 and not a half-written row; and the next request after it comes
 * back must work.
 *
 * The PostgreSQL and MariaDB servers are shared with every other test file and must stay up, so
 * the outage is made between the app and the server: the app's pool connects through a small TCP
 * proxy of our own, and stopping the proxy (closing its listener and destroying every open socket,
 * both directions) stands in for the network or the pool's connections dropping. Tables are
 * created and inspected over a direct connection that the proxy never touches.
 */

const hasPostgres = await serviceAvailable("postgres");
const hasMysql = await serviceAvailable("mysql");

/** Generous: a request during an outage must answer, and this is only the hang guard. */
const HANG_GUARD_MS = 15_000;
const PASSWORD = "correct horse battery staple";

const tag = () => randomBytes(5).toString("hex");

const within = <T>(promise: Promise<T>, what: string, ms = HANG_GUARD_MS) => withinMs(promise, what, ms);

// ---------------------------------------------------------------------------------------------
// A TCP proxy we can pull the plug on

interface Proxy {
  port: number;
  /** Closes the listener and destroys every open socket, client and upstream side. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /**
   * Drops the connection (both sockets, listener stays up) that next sends a chunk containing all
   * of `needles`, without forwarding that chunk: a connection lost in the middle of a statement.
   */
  dropConnectionOn(needles: string[]): void;
  /** How many connections `dropConnectionOn` has dropped. */
  readonly dropped: number;
}

async function startProxy(targetPort: number, targetHost = "127.0.0.1"): Promise<Proxy> {
  const sockets = new Set<Socket>();
  let server: Server | null = null;
  let port = 0;
  let trigger: string[] | null = null;
  let dropped = 0;

  function handle(client: Socket) {
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    const kill = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("close", () => {
      sockets.delete(client);
      upstream.destroy();
    });
    upstream.on("close", () => {
      sockets.delete(upstream);
      client.destroy();
    });
    client.on("error", kill);
    upstream.on("error", kill);
    client.on("data", (chunk: Buffer) => {
      const text = chunk.toString("latin1");
      if (trigger && trigger.every((needle) => text.includes(needle))) {
        trigger = null;
        dropped++;
        kill();
        return;
      }
      upstream.write(chunk);
    });
    upstream.pipe(client);
  }

  function listen(onPort: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const s = createServer(handle);
      s.once("error", reject);
      s.listen(onPort, "127.0.0.1", () => {
        s.off("error", reject);
        server = s;
        port = (s.address() as AddressInfo).port;
        resolve();
      });
    });
  }

  await listen(0);
  return {
    get port() {
      return port;
    },
    get dropped() {
      return dropped;
    },
    async stop() {
      const s = server;
      server = null;
      if (!s) return;
      const closed = new Promise<void>((resolve) => s.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      await closed;
    },
    start: () => (server ? Promise.resolve() : listen(port)),
    dropConnectionOn(needles) {
      trigger = needles;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// What a 503 must look like

type RawResponse = Awaited<ReturnType<typeof raw>>;

function expectUnavailable(response: RawResponse, version: string) {
  expect(response.status, response.text).toBe(503);
  expect(response.headers.get("content-type")).toMatch(/^application\/json/);
  const body = response.json!;
  expect(Object.keys(body).sort()).toEqual(["code", "message", "type", "version"]);
  expect(body).toMatchObject({ code: 503, type: "general_server_error", version });
  expect(typeof body.message).toBe("string");
  expect(body.message.length).toBeGreaterThan(0);
  // Nothing of the driver's error leaks: no stack frames, no driver codes, no SQL, no addresses.
  expect(body.message).not.toMatch(/\n|\bat .+:\d+|ECONN|EPIPE|PROTOCOL_|terminated|127\.0\.0\.1|select|insert/i);
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL and MariaDB through the proxy

function networkFaultSuite(kind: ServerKind) {
  let database: TestDatabase;
  let proxy: Proxy;
  let appDb: Kysely<any>;
  let server: TestServer;
  let version: string;

  const email = `faults-${tag()}@example.com`;
  const outageEmail = `outage-${tag()}@example.com`;
  const prefs = { theme: "dark", count: 3, nested: { list: [1, "two"], ok: true }, note: "çà 日本 🎉" };
  let userId = "";
  let secret = "";
  // An 'error' event nobody listens to (e.g. on a pg client checked out of the pool when its
  // socket dies) is an uncaught exception: in a real app, the process exits. Vitest reports it as
  // an unhandled error as well; recording it here ties it to the scenario that caused it.
  const uncaught: string[] = [];
  const recordUncaught = (error: Error) => void uncaught.push(`${error.name}: ${error.message}`);

  const users = (address: string) =>
    database.db.selectFrom(`${database.prefix}users`).select("id").where("email_key", "=", address).execute();
  const targets = (address: string) =>
    database.db.selectFrom(`${database.prefix}targets`).select("user_id").where("identifier", "=", address).execute();
  const getAccount = () => raw(server.endpoint, "GET", "/account", { headers: { "x-appwrite-session": secret } });
  const signUp = (address: string) =>
    raw(server.endpoint, "POST", "/account", { body: { userId: "unique()", email: address, password: PASSWORD } });

  beforeAll(async () => {
    process.on("uncaughtException", recordUncaught);
    // Tables over a direct connection; the app's own pool goes through the proxy.
    database = await freshDatabase(kind);
    const direct = new URL(DATABASE_URLS[kind]);
    proxy = await startProxy(Number(direct.port || (kind === "postgres" ? 5432 : 3306)), direct.hostname);
    const viaProxy = new URL(DATABASE_URLS[kind]);
    viaProxy.hostname = "127.0.0.1";
    viaProxy.port = String(proxy.port);
    // Unnamed statements: the proxy recognises the statement to drop by its SQL text on the wire,
    // which a prepared statement sends only once per connection.
    appDb = await openDatabase(viaProxy.toString(), { poolSize: 4, preparedStatements: false });
    // Rate limits off: every request here comes from 127.0.0.1, and the outage probes would
    // otherwise count towards the sign-up limit; the limiter is not what is being tested.
    server = await startServer({ store: kyselyStore(appDb, { prefix: database.prefix }), rateLimits: false });
    version = server.service.config.version;

    const admin = serverClient(server.endpoint);
    userId = (await admin.account.create(ID.unique(), email, PASSWORD, "Fault Tolerant")).$id;
    secret = (await admin.account.createEmailPasswordSession(email, PASSWORD)).secret;
    await sessionClient(server.endpoint, secret).account.updatePrefs(prefs);
  });

  afterAll(async () => {
    await server?.close();
    await proxy?.start().catch(() => {});
    await appDb?.destroy().catch(() => {});
    await proxy?.stop();
    await database?.drop();
    process.off("uncaughtException", recordUncaught);
  });

  it("works through the proxy before the outage", async () => {
    const me = await within(getAccount(), "GET /account before the outage");
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ $id: userId, email, prefs });
  });

  it(
    "while the database is unreachable: GET /account and a sign-up answer 503 general_server_error, no hang",
    async () => {
      await proxy.stop();

      expectUnavailable(await within(getAccount(), "GET /account during the outage"), version);
      // Again: the pool must not be left in a state that hangs the second caller either.
      expectUnavailable(await within(getAccount(), "second GET /account during the outage"), version);

      expectUnavailable(await within(signUp(outageEmail), "sign-up during the outage"), version);

      // The SDK surfaces the same error to the application.
      await expect(within(sessionClient(server.endpoint, secret).account.get(), "SDK account.get during the outage")).rejects.toMatchObject(
        {
          code: 503,
          type: "general_server_error",
        },
      );

      // The process is alive and answers what needs no database (a guest has no `account` scope).
      const guest = await within(raw(server.endpoint, "GET", "/account"), "guest GET /account during the outage");
      expect(guest.status).toBe(401);
      expect(uncaught).toEqual([]);
    },
    4 * HANG_GUARD_MS,
  );

  it(
    "after the database comes back, the same session works again and the data is intact",
    async () => {
      await proxy.start();

      // What happened on both databases at the time of writing: the pool had already discarded the
      // connections the outage killed (pg-pool drops an idle client on its error event, mysql2
      // removes a pool connection on 'error'/'end'), so the very first request after the restart
      // succeeded on a fresh connection. A dead pooled connection could in principle cost one
      // request, so up to three attempts are allowed, and every failed one must still be a 503.
      const attempts: number[] = [];
      let me: RawResponse | null = null;
      for (let attempt = 0; attempt < 3 && !me; attempt++) {
        const response = await within(getAccount(), `GET /account after the restart (attempt ${attempt + 1})`);
        attempts.push(response.status);
        if (response.status === 200) me = response;
        else expectUnavailable(response, version);
      }
      expect(me, `statuses after restart: ${attempts.join(", ")}`).not.toBeNull();
      expect(me!.json).toMatchObject({ $id: userId, email, prefs });

      // And through the SDK, with the same session.
      const account = sessionClient(server.endpoint, secret).account;
      expect(await within(account.getPrefs(), "SDK getPrefs after the restart")).toEqual(prefs);
      expect((await account.listSessions()).total).toBe(1);

      // The sign-up tried during the outage left nothing, so the address is free.
      expect(await users(outageEmail)).toEqual([]);
      expect(await targets(outageEmail)).toEqual([]);
      const created = await within(signUp(outageEmail), "sign-up after the restart");
      expect(created.status, created.text).toBe(201);
      expect(await users(outageEmail)).toEqual([{ id: created.json!.$id }]);
    },
    6 * HANG_GUARD_MS,
  );

  it(
    "a connection dropped in the middle of the sign-up transaction: 503, nothing half-written, the next sign-up works",
    async () => {
      const address = `dropped-${tag()}@example.com`;
      // The sign-up writes the user, then its e-mail target, in one transaction: drop the
      // connection as the target insert goes out, after the user row was written inside it.
      proxy.dropConnectionOn([`${database.prefix}targets`, "insert into"]);
      const before = proxy.dropped;

      const response = await within(signUp(address), "sign-up whose connection drops mid-transaction");
      expect(proxy.dropped).toBe(before + 1);
      expect(uncaught, "the dropped connection must not become an uncaught exception").toEqual([]);
      expectUnavailable(response, version);

      // The server rolled the transaction back when the connection went: no user without a target.
      expect(await users(address)).toEqual([]);
      expect(await targets(address)).toEqual([]);

      const again = await within(signUp(address), "sign-up after the dropped connection");
      expect(again.status, again.text).toBe(201);
      expect(await users(address)).toEqual([{ id: again.json!.$id }]);
      expect(await targets(address)).toEqual([{ user_id: again.json!.$id }]);

      // The earlier session and its data are untouched.
      const me = await within(getAccount(), "GET /account after the dropped connection");
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ $id: userId, prefs });
    },
    4 * HANG_GUARD_MS,
  );
}

describe.skipIf(!hasPostgres)("PostgreSQL behind a proxy that goes down", () => networkFaultSuite("postgres"));
describe.skipIf(!hasMysql)("MariaDB/MySQL behind a proxy that goes down", () => networkFaultSuite("mysql"));

// ---------------------------------------------------------------------------------------------
// SQLite: the database handle is closed under the app

describe("SQLite file whose database is closed", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-faults-"));
  });
  // The databases below are closed by the tests, so drop() cannot run on them; the tables live in
  // a temporary file, and removing its directory removes them.
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function signedIn(server: TestServer) {
    const address = `sqlite-${tag()}@example.com`;
    const admin = serverClient(server.endpoint);
    await admin.account.create(ID.unique(), address, PASSWORD);
    const { secret } = await admin.account.createEmailPasswordSession(address, PASSWORD);
    const me = await raw(server.endpoint, "GET", "/account", { headers: { "x-appwrite-session": secret } });
    expect(me.status).toBe(200);
    return secret;
  }

  async function expectClosedDatabaseAnswers(server: TestServer, secret: string) {
    const version = server.service.config.version;
    expectUnavailable(
      await within(
        raw(server.endpoint, "GET", "/account", { headers: { "x-appwrite-session": secret } }),
        "GET /account on a closed database",
      ),
      version,
    );
    expectUnavailable(
      await within(
        raw(server.endpoint, "POST", "/account", {
          body: { userId: "unique()", email: `closed-${tag()}@example.com`, password: PASSWORD },
        }),
        "sign-up on a closed database",
      ),
      version,
    );
    // Not a crash: the server still answers.
    expect((await within(raw(server.endpoint, "GET", "/account"), "guest request")).status).toBe(401);
  }

  it(
    "the app's db.destroy(): the next request is a 503 general_server_error",
    async () => {
      const database = await freshDatabase("sqlite", { url: join(dir, "destroyed.sqlite") });
      const server = await startServer({ store: database.store });
      try {
        const secret = await signedIn(server);
        await database.db.destroy();
        await expectClosedDatabaseAnswers(server, secret);
      } finally {
        await server.close();
      }
    },
    4 * HANG_GUARD_MS,
  );

  it(
    "the better-sqlite3 handle closed underneath Kysely: the next request is a 503 general_server_error",
    async () => {
      const handle = new Database(join(dir, "closed.sqlite"));
      const db = new Kysely<any>({ dialect: new SqliteDialect({ database: handle }) });
      const prefix = `t${tag()}_`;
      await migrateToLatest(db, { prefix });
      const server = await startServer({ store: kyselyStore(db, { prefix }) });
      try {
        const secret = await signedIn(server);
        handle.close();
        await expectClosedDatabaseAnswers(server, secret);
      } finally {
        await server.close();
        await db.destroy().catch(() => {});
      }
    },
    4 * HANG_GUARD_MS,
  );
});
