export { kyselyStore } from "./store";
export type { KyselyStoreOptions } from "./store";
export { migrateToLatest, migrateDown, migrationSql, detectDialect } from "./migrate";
export type { MigrateOptions } from "./migrate";
export { openDatabase, sqliteDatabase, postgresDatabase, mysqlDatabase } from "./connect";
export type { GatehouseDatabase, SqlDialect } from "./schema";
