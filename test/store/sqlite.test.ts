import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { sqliteDatabase } from "gatehouse-auth/kysely/sqlite";
import { describe, expect, it } from "vitest";
import { AUTH_SESSION_FIELDS } from "gatehouse-auth";
import { makeSession, makeUser, storeContract } from "./contract";

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
