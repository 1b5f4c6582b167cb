import { assemble, type OwnedStore, type TestAccountService, type TestServiceOptions } from "./service";

/** A fresh `:memory:` SQLite database, migrated, with the Kysely store on it. */
async function sqliteStore(): Promise<OwnedStore> {
  // Loaded on first use, so projects that test on the memory store need neither Kysely nor
  // better-sqlite3 (both optional peer dependencies of the package).
  const { sqliteDatabase, migrateToLatest, kyselyStore } = await import("gatehouse-auth/kysely");
  const db = await sqliteDatabase(":memory:");
  await migrateToLatest(db);
  return { store: kyselyStore(db), close: () => db.destroy() };
}

/**
 * `createTestAccountService` on real SQL: the Kysely store on a private `:memory:` SQLite
 * database (needs `kysely` and `better-sqlite3` installed). `reset()` starts a new database;
 * `close()` closes it.
 */
export async function createSqliteTestAccountService(options: Omit<TestServiceOptions, "store"> = {}): Promise<TestAccountService> {
  return assemble(options, await sqliteStore(), sqliteStore);
}
