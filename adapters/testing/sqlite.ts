import { assemble, type OwnedStore, type TestAccountService, type TestServiceOptions } from "./service";

type KyselyEntry = typeof import("gatehouse-auth/kysely");
type SqliteEntry = typeof import("gatehouse-auth/kysely/sqlite");

// Defined by tsup.config.ts for each output format; absent when the source runs as is (vitest).
declare const __GATEHOUSE_FORMAT__: "cjs" | "esm" | undefined;

/**
 * `gatehouse-auth/kysely` and its SQLite opener `gatehouse-auth/kysely/sqlite`, loaded on first use so projects testing on the memory store need
 * neither Kysely nor better-sqlite3 (optional peer dependencies). The CommonJS build requires the
 * CommonJS entry: `import()` would load the ESM one, whose errors are another copy of the core's
 * classes than this build's core checks with `instanceof` (StoreConflictError, AppwriteError).
 */
async function loadKysely(): Promise<KyselyEntry & SqliteEntry> {
  if (typeof __GATEHOUSE_FORMAT__ !== "undefined" && __GATEHOUSE_FORMAT__ === "cjs") {
    /* eslint-disable @typescript-eslint/no-require-imports */
    return { ...(require("gatehouse-auth/kysely") as KyselyEntry), ...(require("gatehouse-auth/kysely/sqlite") as SqliteEntry) };
    /* eslint-enable @typescript-eslint/no-require-imports */
  }
  const [kysely, sqlite] = await Promise.all([import("gatehouse-auth/kysely"), import("gatehouse-auth/kysely/sqlite")]);
  return { ...kysely, ...sqlite };
}

/** A fresh `:memory:` SQLite database, migrated, with the Kysely store on it. */
async function sqliteStore(): Promise<OwnedStore> {
  const { sqliteDatabase, migrateToLatest, kyselyStore } = await loadKysely();
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
