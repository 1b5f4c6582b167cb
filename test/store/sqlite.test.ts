import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { sqliteDatabase } from "gatehouse-auth/kysely/sqlite";
import { CompiledQuery } from "kysely";
import { describe, expect, it } from "vitest";
import { AUTH_SESSION_FIELDS } from "gatehouse-auth";
import { makeSession, makeTarget, makeUser, storeContract } from "./contract";
import { attachRawReader, rawReaderOf } from "../../adapters/kysely/raw-reader";
import { sqliteRawReader } from "../../adapters/kysely/connect/sqlite";

storeContract("kysely: SQLite in memory", async () => {
  const db = await sqliteDatabase(":memory:");
  await migrateToLatest(db);
  return { store: kyselyStore(db), close: () => db.destroy() };
});

storeContract("kysely: SQLite file (WAL), with a table prefix", async () => {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-sqlite-"));
  const db = await sqliteDatabase(join(dir, "gatehouse.sqlite"));
  await migrateToLatest(db, { prefix: "gh_" });
  return {
    store: kyselyStore(db, { prefix: "gh_" }),
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe("kysely: the hot lookup", () => {
  it("sessions.findAuth reads only the session fields authentication needs (AUTH_SESSION_FIELDS)", async () => {
    // Every column costs the driver per request (adapters/kysely/store/sessions.ts): the session's
    // other 22 columns stay in the table.
    const db = await sqliteDatabase(":memory:");
    try {
      await migrateToLatest(db);
      const store = kyselyStore(db);
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id);
      await store.sessions.create(session);
      const found = await store.sessions.findAuth(user.id, session.secretHash);
      expect(Object.keys(found!.session).sort()).toEqual([...AUTH_SESSION_FIELDS].sort());
      expect(found!.session).toEqual(Object.fromEntries(AUTH_SESSION_FIELDS.map((key) => [key, session[key]])));
      expect(found!.user).toEqual(user);
    } finally {
      await db.destroy();
    }
  });
});

describe("kysely: findAuth on the driver directly (adapters/kysely/raw-reader.ts, connect/sqlite.ts)", () => {
  /**
   * A migrated in-memory database with one user, two targets and a session; `spy` (when given)
   * sees every raw read before the store is made, as the store takes the reader when created.
   */
  async function seeded(spy?: (sql: string) => void) {
    const db = await sqliteDatabase(":memory:");
    await migrateToLatest(db);
    if (spy) {
      const reader = rawReaderOf(db)!;
      attachRawReader(db, {
        rows(sql, parameters) {
          spy(sql);
          return reader.rows(sql, parameters);
        },
      });
    }
    const store = kyselyStore(db);
    const user = makeUser();
    await store.users.create(user);
    const later = makeTarget(user.id, { createdAt: new Date(user.createdAt.getTime() + 2) });
    const earlier = makeTarget(user.id, { createdAt: new Date(user.createdAt.getTime() + 1) });
    await store.targets.create(later);
    await store.targets.create(earlier);
    const session = makeSession(user.id);
    await store.sessions.create(session);
    return { db, store, user, session, targets: [earlier, later] };
  }

  it("reads the session, user and targets (in order) without going through Kysely", async () => {
    const { db, store, user, session, targets } = await seeded();
    try {
      expect(rawReaderOf(db)).not.toBeNull();
      // No prefix: the store's root is `db` itself, so a query through Kysely would call this.
      const executeQuery = db.executeQuery.bind(db);
      let throughKysely = 0;
      db.executeQuery = ((...args: Parameters<typeof executeQuery>) => {
        throughKysely += 1;
        return executeQuery(...args);
      }) as typeof db.executeQuery;
      const found = await store.sessions.findAuth(user.id, session.secretHash);
      expect(throughKysely).toBe(0);
      expect(found).toEqual({
        session: Object.fromEntries(AUTH_SESSION_FIELDS.map((key) => [key, session[key]])),
        user,
        targets,
      });
      expect(await store.sessions.findAuth(user.id, "0".repeat(64))).toBeNull();
      expect(throughKysely).toBe(0);
    } finally {
      await db.destroy();
    }
  });

  it("walks the targets index in order: no per-request sort (migration 0004_targets_in_order)", async () => {
    let findAuthSql = "";
    const { db, store, user, session } = await seeded((sql) => {
      if (sql.includes("secret_hash")) findAuthSql = sql;
    });
    try {
      await store.sessions.findAuth(user.id, session.secretHash);
      expect(findAuthSql).toContain("order by");
      const { rows } = await db.executeQuery<{ detail: string }>(
        CompiledQuery.raw(`explain query plan ${findAuthSql}`, [session.secretHash, user.id]),
      );
      const plan = rows.map((row) => row.detail).join("\n");
      expect(plan).toContain("targets_user_order");
      expect(plan).not.toContain("TEMP B-TREE");
    } finally {
      await db.destroy();
    }
  });

  it("waits for a transaction open on the connection instead of reading its uncommitted rows", async () => {
    const { db, store, user, session } = await seeded();
    try {
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      let deleted!: () => void;
      const inside = new Promise<void>((resolve) => (deleted = resolve));
      const rolledBack = store
        .transaction(async (tx) => {
          await tx.sessions.delete(session.id);
          deleted();
          await held;
          throw new Error("roll back");
        })
        .catch((error: Error) => error.message);
      await inside;
      // The delete is visible on this connection until the rollback: a read beside the open
      // transaction would answer null for a session that, once the transaction ends, still exists.
      const lookup = store.sessions.findAuth(user.id, session.secretHash);
      release();
      expect(await rolledBack).toBe("roll back");
      expect((await lookup)?.session.id).toBe(session.id);
    } finally {
      await db.destroy();
    }
  });

  it("sends the read through Kysely's lock retries when the driver reports the file locked", async () => {
    // A double of the driver: a real SQLITE_BUSY needs a second process holding a lock at the
    // instant of the read, which WAL makes rare; adapters/kysely/sqlite-lock-retry.ts has the
    // real-lock tests (test/store/faults.test.ts).
    let busy = 0;
    const locked = sqliteRawReader({
      inTransaction: false,
      prepare: () => {
        const statement = {
          raw: () => statement,
          all(): unknown[] {
            busy += 1;
            throw Object.assign(new Error("database is locked"), { code: "SQLITE_BUSY_SNAPSHOT" });
          },
        };
        return statement;
      },
    });
    expect(locked.rows("select 1", [])).toBeUndefined();
    expect(busy).toBe(1);
    const failing = sqliteRawReader({
      inTransaction: false,
      prepare: () => {
        throw Object.assign(new Error("no such table: sessions"), { code: "SQLITE_ERROR" });
      },
    });
    // Any other error is the read's answer: retrying it through Kysely would fail the same way.
    expect(() => failing.rows("select 1", [])).toThrow("no such table");

    const db = await sqliteDatabase(":memory:");
    try {
      await migrateToLatest(db);
      attachRawReader(db, locked);
      const store = kyselyStore(db);
      const user = makeUser();
      await store.users.create(user);
      const session = makeSession(user.id);
      await store.sessions.create(session);
      expect((await store.sessions.findAuth(user.id, session.secretHash))?.user).toEqual(user);
      expect(busy).toBe(2);
    } finally {
      await db.destroy();
    }
  });
});
