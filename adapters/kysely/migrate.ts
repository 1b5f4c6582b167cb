import {
  DummyDriver,
  Kysely,
  sql,
  Migrator,
  MysqlAdapter,
  MysqlIntrospector,
  MysqlQueryCompiler,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type MigrationResultSet,
} from "kysely";
import { gatehouseMigrations } from "./migrations";
import type { SqlDialect } from "./schema";

export interface MigrateOptions {
  /** Prepended to every table and index name, e.g. `"gh_"`. Default "". */
  prefix?: string;
  /** Detected from the Kysely instance when omitted. */
  dialect?: SqlDialect;
}

/** Which SQL dialect a Kysely instance speaks, read from its adapter. */
export function detectDialect(db: Kysely<any>): SqlDialect {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter) return "postgres";
  if (adapter instanceof MysqlAdapter) return "mysql";
  if (adapter instanceof SqliteAdapter) return "sqlite";
  throw new TypeError("gatehouse: unsupported Kysely dialect; pass { dialect: 'sqlite' | 'postgres' | 'mysql' }");
}

function migrator(db: Kysely<any>, options: MigrateOptions): Migrator {
  const prefix = options.prefix ?? "";
  const dialect = options.dialect ?? detectDialect(db);
  return new Migrator({
    db,
    provider: { getMigrations: async () => gatehouseMigrations(dialect, prefix) },
    // Own bookkeeping tables, so Gatehouse's migrations never mix with the app's own Kysely ones.
    migrationTableName: `${prefix}gatehouse_migration`,
    migrationLockTableName: `${prefix}gatehouse_migration_lock`,
  });
}

/**
 * Brings the schema to the latest version. Idempotent, and safe when several instances start at
 * once: Kysely's Migrator takes a server-wide lock on PostgreSQL (advisory lock) and MySQL
 * (`GET_LOCK`); on SQLite, which Kysely does not lock, the whole run holds SQLite's write lock
 * (`BEGIN IMMEDIATE`), so a second process waits and then finds nothing to do, and a migration
 * that fails halfway leaves nothing behind.
 */
export async function migrateToLatest(db: Kysely<any>, options: MigrateOptions = {}): Promise<MigrationResultSet> {
  const dialect = options.dialect ?? detectDialect(db);
  const result =
    dialect === "sqlite"
      ? await db.connection().execute(async (conn) => {
          await sql`begin immediate`.execute(conn);
          const outcome = await migrator(conn, { ...options, dialect })
            .migrateToLatest()
            .catch((error: unknown) => ({ error }) as MigrationResultSet);
          await sql.raw(outcome.error ? "rollback" : "commit").execute(conn);
          return outcome;
        })
      : await retryRacedIntrospection(() => migrator(db, { ...options, dialect }).migrateToLatest());
  if (result.error) throw result.error;
  return result;
}

/**
 * Kysely's Migrator looks for its own tables by listing every column of every table in the
 * database; on PostgreSQL that catalogue query fails with `undefined_table` (42P01) when another
 * session drops an unrelated table at the same moment, and with `undefined_column` (42703) when it
 * drops a column (as migration 0002's and 0003's `down` do, under another prefix). Nothing was
 * changed when it fails, so it is run again.
 */
const RACED_INTROSPECTION = new Set(["42P01", "42703"]);

async function retryRacedIntrospection(run: () => Promise<MigrationResultSet>, attempts = 6): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt++) {
    const result = await run();
    const code = (result.error as { code?: string } | undefined)?.code;
    if (!RACED_INTROSPECTION.has(code ?? "") || attempt >= attempts || result.results?.some((r) => r.status === "Success")) return result;
    await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
  }
}

/** Undoes every Gatehouse migration (drops the tables). For tests and uninstalls. */
export async function migrateDown(db: Kysely<any>, options: MigrateOptions = {}): Promise<void> {
  const m = migrator(db, options);
  for (;;) {
    const result = await retryRacedIntrospection(() => m.migrateDown());
    if (result.error) throw result.error;
    if (!result.results?.length) return;
  }
}

/**
 * The SQL of every migration, for users who run their own migration tool. Compiled against a
 * driver that executes nothing.
 */
export async function migrationSql(dialect: SqlDialect, options: { prefix?: string } = {}): Promise<string> {
  const statements: string[] = [];
  const compilers = {
    postgres: [PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler],
    mysql: [MysqlAdapter, MysqlIntrospector, MysqlQueryCompiler],
    sqlite: [SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler],
  } as const;
  const [Adapter, Introspector, Compiler] = compilers[dialect];
  const db = new Kysely<any>({
    dialect: {
      createAdapter: () => new Adapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new Introspector(k),
      createQueryCompiler: () => new Compiler(),
    },
    log: (event) => {
      if (event.level === "query") statements.push(`${event.query.sql};`);
    },
  });
  for (const migration of Object.values(gatehouseMigrations(dialect, options.prefix ?? ""))) await migration.up(db);
  await db.destroy();
  return statements.join("\n") + "\n";
}
