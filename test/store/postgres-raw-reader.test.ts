/**
 * On PostgreSQL, `sessions.findAuth` reads straight on a pooled pg connection, rows as arrays and
 * every column as text (adapters/kysely/raw-reader.ts, adapters/kysely/connect/postgres.ts). These
 * check that it decodes the same records as the Kysely path, stays out of transactions, recovers
 * from a stale plan and honours `preparedStatements: false`. Against the real PostgreSQL server.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { sql, type Kysely } from "kysely";
import { AUTH_SESSION_FIELDS, type Store } from "gatehouse-auth";
import { kyselyStore, migrateDown, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { attachRawReader, rawReaderOf } from "../../adapters/kysely/raw-reader";
import { DATABASE_URLS, serviceAvailable } from "../helpers/databases";
import { makeSession, makeTarget, makeUser } from "./contract";

const available = await serviceAvailable("postgres");
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
});

/** What the reader answered on each call: rows, or undefined (sent through Kysely). */
type Reads = Array<"rows" | "kysely">;

/** One connection (so pg_prepared_statements sees the reader's statements), migrated tables under a fresh prefix. */
async function open(
  options: { preparedStatements?: boolean } = {},
): Promise<{ db: Kysely<any>; prefix: string; store: Store; reads: Reads }> {
  const db = await openDatabase(DATABASE_URLS.postgres, { poolSize: 1, ...options });
  const prefix = `rr${randomBytes(4).toString("hex")}_`;
  cleanups.push(async () => {
    await migrateDown(db, { prefix });
    await db.schema.dropTable(`${prefix}gatehouse_migration`).ifExists().execute();
    await db.schema.dropTable(`${prefix}gatehouse_migration_lock`).ifExists().execute();
    await db.destroy();
  });
  await migrateToLatest(db, { prefix });
  const reader = rawReaderOf(db);
  expect(reader).not.toBeNull();
  const reads: Reads = [];
  attachRawReader(db, {
    async rows(text, parameters) {
      const rows = await reader!.rows(text, parameters);
      reads.push(rows === undefined ? "kysely" : "rows");
      return rows;
    },
  });
  return { db, prefix, store: kyselyStore(db, { prefix }), reads };
}

const authFields = (session: ReturnType<typeof makeSession>) => Object.fromEntries(AUTH_SESSION_FIELDS.map((key) => [key, session[key]]));

async function readerStatements(db: Kysely<any>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select name from pg_prepared_statements where name like 'gh\\_%\\_r%'`.execute(db);
  return rows.map((row) => row.name);
}

describe.skipIf(!available)("PostgreSQL: findAuth on the driver directly", () => {
  it("decodes the same session, user and targets as the records written, from text columns", async () => {
    const { store, reads } = await open();
    // Every kind of column: JSON (prefs, labels, factors), flags, nullable dates, text with quotes.
    const user = makeUser({
      name: `O'Brien "Ünïcode" ✓`,
      prefs: { theme: "dark", nested: { n: 1.5, list: [1, "two", null] } },
      labels: ["admin", "beta"],
      emailVerification: true,
      phone: "+14155550100",
      mfa: true,
    });
    await store.users.create(user);
    const later = makeTarget(user.id, { createdAt: new Date(user.createdAt.getTime() + 2) });
    const earlier = makeTarget(user.id, { createdAt: new Date(user.createdAt.getTime() + 1) });
    await store.targets.create(later);
    await store.targets.create(earlier);
    const session = makeSession(user.id, { factors: ["password", "totp"], mfaUpdatedAt: new Date(user.createdAt.getTime() + 5) });
    await store.sessions.create(session);

    expect(await store.sessions.findAuth(user.id, session.secretHash)).toEqual({
      session: authFields(session),
      user,
      targets: [earlier, later],
    });
    expect(await store.sessions.findAuth(user.id, "0".repeat(64))).toBeNull();

    const bare = makeUser();
    await store.users.create(bare);
    const bareSession = makeSession(bare.id);
    await store.sessions.create(bareSession);
    expect(await store.sessions.findAuth(bare.id, bareSession.secretHash)).toEqual({
      session: authFields(bareSession),
      user: bare,
      targets: [],
    });
    expect(reads).toEqual(["rows", "rows", "rows"]);
  });

  it("is not used inside a transaction: the transaction's own uncommitted session is found", async () => {
    const { store, reads } = await open();
    const user = makeUser();
    await store.users.create(user);
    const session = makeSession(user.id);
    const found = await store.transaction(async (tx) => {
      await tx.sessions.create(session);
      return tx.sessions.findAuth(user.id, session.secretHash);
    });
    expect(found?.session.id).toBe(session.id);
    expect(reads).toEqual([]);
  });

  it("prepares the read once per connection, and not at all with preparedStatements: false", async () => {
    const prepared = await open();
    const unprepared = await open({ preparedStatements: false });
    for (const { store, db, reads } of [prepared, unprepared]) {
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id);
      await store.sessions.create(session);
      for (let i = 0; i < 3; i++) expect((await store.sessions.findAuth(user.id, session.secretHash))?.user).toEqual(user);
      expect(reads).toEqual(["rows", "rows", "rows"]);
      expect(await readerStatements(db)).toHaveLength(db === prepared.db ? 1 : 0);
    }
  });

  it("a selected column that changes type under the prepared read: that read goes through Kysely, the next is prepared anew", async () => {
    const { db, prefix, store, reads } = await open();
    const user = makeUser();
    await store.users.create(user);
    const session = makeSession(user.id);
    await store.sessions.create(session);
    expect((await store.sessions.findAuth(user.id, session.secretHash))?.user).toEqual(user);
    // A migration while the app runs: the prepared plan's result type no longer matches (0A000).
    await sql`alter table ${sql.table(`${prefix}users`)} alter column name type varchar(4096)`.execute(db);
    expect((await store.sessions.findAuth(user.id, session.secretHash))?.user).toEqual(user);
    expect((await store.sessions.findAuth(user.id, session.secretHash))?.user).toEqual(user);
    expect(reads).toEqual(["rows", "kysely", "rows"]);
    expect((await readerStatements(db)).sort()).toHaveLength(2);
  });
});
