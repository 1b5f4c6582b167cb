import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { sqliteDatabase } from "gatehouse-auth/kysely/sqlite";
import { storeContract } from "./contract";

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
