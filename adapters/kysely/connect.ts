import { createHash } from "node:crypto";
import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from "kysely";

/**
 * Opens a Kysely instance from a URL, loading only the driver that URL needs:
 * - `sqlite:./data/gatehouse.sqlite`, `file:…`, a plain path, or `:memory:` → better-sqlite3
 *   (WAL journal, foreign keys on, a busy timeout so concurrent writers wait instead of failing);
 * - `postgres://…` / `postgresql://…` → pg;
 * - `mysql://…` / `mariadb://…` → mysql2.
 */
export interface OpenDatabaseOptions {
  /** Connections in the pool (PostgreSQL, MySQL). Default 10. */
  poolSize?: number;
  /**
   * PostgreSQL: reuse named prepared statements per connection (parsed and planned once), which
   * makes the per-request session lookup about 2–3× faster. Default true; set false behind a
   * pooler in transaction mode that cannot keep them (PgBouncer before 1.21, or without
   * `max_prepared_statements`). `?pgbouncer=true` in the URL does the same.
   */
  preparedStatements?: boolean;
}

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  if (/^postgres(ql)?:\/\//.test(url)) return postgresDatabase(url, options);
  if (/^(mysql|mariadb):\/\//.test(url)) return mysqlDatabase(url.replace(/^mariadb:/, "mysql:"), options);
  return sqliteDatabase(url.replace(/^(sqlite|file):(\/\/)?/, ""));
}

export async function sqliteDatabase(filename: string): Promise<Kysely<any>> {
  const { default: Database } = await import("better-sqlite3");
  const database = new Database(filename);
  if (filename !== ":memory:" && filename !== "") database.pragma("journal_mode = WAL");
  database.pragma("foreign_keys = ON");
  database.pragma("busy_timeout = 5000");
  // A larger page cache and memory-mapped reads keep index lookups flat as the tables grow
  // (SQLite's default cache is 2 MB).
  database.pragma("cache_size = -32768");
  database.pragma("mmap_size = 268435456");
  return new Kysely<any>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running the
 * small indexed queries Gatehouse makes. Prepared statements are reusable, and Kysely runs one
 * query at a time on the connection, so a bounded cache by SQL text is safe.
 */
function withStatementCache<D extends { prepare(sql: string): unknown }>(database: D, size = 200): D {
  const cache = new Map<string, unknown>();
  const prepare = database.prepare.bind(database);
  return new Proxy(database, {
    get(target, property, receiver) {
      if (property !== "prepare") {
        const value = Reflect.get(target, property, receiver);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (text: string) => {
        let statement = cache.get(text);
        if (statement === undefined) {
          statement = prepare(text);
          if (cache.size >= size) cache.delete(cache.keys().next().value as string);
          cache.set(text, statement);
        }
        return statement;
      };
    },
  });
}

export async function postgresDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  const pg = await import("pg");
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof pg }).default.Pool;
  // The URL is handed to pg untouched unless it carries our own `pgbouncer` flag.
  let connectionString = url;
  let pgbouncer = false;
  if (/[?&]pgbouncer=/.test(url)) {
    const parsed = new URL(url);
    pgbouncer = parsed.searchParams.get("pgbouncer") === "true";
    parsed.searchParams.delete("pgbouncer");
    connectionString = parsed.toString();
  }
  const prepared = (options.preparedStatements ?? true) && !pgbouncer;
  // A dead server must fail fast rather than queue requests forever.
  const pool = new Pool({ connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  pool.on("connect", (client) => {
    // pg-pool listens for errors only on idle clients; a checked-out client whose socket dies
    // would otherwise throw an uncaught exception. Its query is rejected with the same error.
    client.on("error", () => {});
    if (prepared) usePreparedStatements(client as unknown as PgClient);
  });
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

interface PgClient {
  query(text: unknown, values?: unknown): Promise<unknown>;
}

/** At most this many named statements per connection; further SQL texts run unnamed. */
const MAX_PREPARED = 500;
const DML = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Sends Gatehouse's data statements as named prepared statements, named after their SQL text, so
 * each connection parses and plans them once. Kysely passes `client.query(sql, params)`; this only
 * adds a name. A statement whose table changed shape since it was prepared (a migration while the
 * app runs) fails with "cached plan must not change result type": that text gets a fresh name
 * (prepared anew next time) and, outside a transaction, runs again at once.
 */
function usePreparedStatements(client: PgClient): void {
  const query = client.query.bind(client);
  /** Statement name by SQL text; a stale plan moves its text to a new name. */
  const names = new Map<string, string>();
  let renamed = 0;
  let inTransaction = false;
  const nameFor = (text: string) => `gh_${createHash("sha1").update(text).digest("hex")}`;
  client.query = async (text: unknown, values?: unknown) => {
    if (typeof text !== "string") return query(text, values);
    if (/^\s*(begin|start transaction)\b/i.test(text)) inTransaction = true;
    else if (/^\s*(commit|rollback)\b/i.test(text)) inTransaction = false;
    if (!DML.test(text)) return query(text, values);
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_PREPARED) return query(text, values);
      names.set(text, (name = nameFor(text)));
    }
    try {
      return await query({ name, text, values });
    } catch (error) {
      if ((error as { code?: string }).code !== "0A000") throw error;
      renamed += 1;
      names.set(text, `${nameFor(text)}_${renamed}`);
      // In a transaction the failed statement has aborted it: the caller's retry gets the new name.
      if (inTransaction) throw error;
      return query({ name: names.get(text), text, values });
    }
  };
}

export async function mysqlDatabase(uri: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  const mysql = await import("mysql2");
  const createPool = mysql.createPool ?? (mysql as unknown as { default: typeof mysql }).default.createPool;
  const pool = createPool({ uri, connectionLimit: options.poolSize ?? 10, connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: false });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
}
