// `gatehouse-auth/kysely`: the dialect-free parts. No database driver is named from here, so a
// bundler resolves only the driver of the opener the app imports: `gatehouse-auth/kysely/sqlite`,
// `/postgres` or `/mysql` (adapters/kysely/connect/), or `/open` (by URL, for Node servers).
export { kyselyStore } from "./store";
export type { KyselyStoreOptions } from "./store";
export { migrateToLatest, migrateDown, migrationSql, detectDialect } from "./migrate";
export type { MigrateOptions } from "./migrate";
export type { OpenDatabaseOptions } from "./connect/options";
export type { GatehouseDatabase, SqlDialect } from "./schema";
