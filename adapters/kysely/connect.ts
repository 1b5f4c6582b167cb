import { Kysely, MysqlDialect, PostgresDialect, SqliteDialect } from "kysely";

/**
 * Opens a Kysely instance from a URL, loading only the driver that URL needs:
 * - `sqlite:./data/gatehouse.sqlite`, `file:…`, a plain path, or `:memory:` → better-sqlite3
 *   (WAL journal, foreign keys on, a busy timeout so concurrent writers wait instead of failing);
 * - `postgres://…` / `postgresql://…` → pg;
 * - `mysql://…` / `mariadb://…` → mysql2.
 */
export async function openDatabase(url: string, options: { poolSize?: number } = {}): Promise<Kysely<any>> {
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

export async function postgresDatabase(connectionString: string, options: { poolSize?: number } = {}): Promise<Kysely<any>> {
  const pg = await import("pg");
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof pg }).default.Pool;
  // A dead server must fail fast rather than queue requests forever.
  const pool = new Pool({ connectionString, max: options.poolSize ?? 10, connectionTimeoutMillis: 5000 });
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  pool.on("connect", (client) => {
    // pg-pool listens for errors only on idle clients; a checked-out client whose socket dies
    // would otherwise throw an uncaught exception. Its query is rejected with the same error.
    client.on("error", () => {});
  });
  return new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
}

export async function mysqlDatabase(uri: string, options: { poolSize?: number } = {}): Promise<Kysely<any>> {
  const mysql = await import("mysql2");
  const createPool = mysql.createPool ?? (mysql as unknown as { default: typeof mysql }).default.createPool;
  const pool = createPool({ uri, connectionLimit: options.poolSize ?? 10, connectTimeout: 5000, supportBigNumbers: true, bigNumberStrings: false });
  return new Kysely<any>({ dialect: new MysqlDialect({ pool }) });
}
