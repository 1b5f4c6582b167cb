import { withInstallHint } from "./install-hint";
import { createHash } from "node:crypto";
import { Kysely, MysqlDialect, PostgresDialect } from "kysely";
import { discardingPgPool, timedMysqlPool, watchPgTimeouts } from "./pool-timeouts";
import { LockRetrySqliteDialect } from "./sqlite-lock-retry";

/**
 * Opens a Kysely instance from a URL, loading only the driver that URL needs:
 * - `sqlite:./data/gatehouse.sqlite`, `file:…`, a plain path, or `:memory:` → better-sqlite3
 *   (WAL journal, foreign keys on; a write that finds the file locked by another process waits
 *   asynchronously, see `lockTimeout`);
 * - `postgres://…` / `postgresql://…` → pg;
 * - `mysql://…` / `mariadb://…` → mysql2.
 *
 * Every wait on a server database is bounded, so that a database that stops answering (down, or
 * a network that drops packets while connections stay open) costs a request at most
 * `connectTimeout` + `queryTimeout` and then a 503, never a hang; a connection that timed out is
 * thrown away, not reused. Times are in milliseconds; 0 turns a timeout off.
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
  /**
   * PostgreSQL, MySQL: opening a connection, and waiting for a free one when the pool is busy.
   * Default 5000.
   */
  connectTimeout?: number;
  /**
   * PostgreSQL, MySQL: how long the client waits for the answer to one query; then the query
   * fails (503) and its connection is closed and replaced. Default 10000.
   */
  queryTimeout?: number;
  /**
   * PostgreSQL, MySQL: the server's own limit on one statement, set once per connection
   * (PostgreSQL `statement_timeout` and `idle_in_transaction_session_timeout`, sent with the
   * connection's start-up, no extra round trip; MariaDB `max_statement_time` and
   * `idle_transaction_timeout`; MySQL `max_execution_time`, which covers SELECTs only), so that a
   * statement, or a transaction whose client vanished, does not keep running and holding locks
   * after the client gave up. Default: `queryTimeout`. Not sent with `?pgbouncer=true`: PgBouncer
   * refuses unknown start-up parameters (set it on the database role instead); pass 0 for any
   * other pooler that does.
   */
  statementTimeout?: number;
  /** PostgreSQL, MySQL: TCP keepalive probes start after this much idle time. Default 10000. */
  keepAliveDelay?: number;
  /**
   * SQLite: how long a statement keeps retrying while another process holds the database's write
   * lock, then fails (503). The retries wait between timers, not on the event loop. Default 5000.
   */
  lockTimeout?: number;
  /**
   * SQLite: how long one attempt may wait inside SQLite for the lock (`busy_timeout`); this wait
   * blocks the event loop, so keep it to a few milliseconds. Default 5.
   */
  busyTimeout?: number;
}

const DEFAULTS = {
  connectTimeout: 5000,
  queryTimeout: 10_000,
  keepAliveDelay: 10_000,
  lockTimeout: 5000,
  busyTimeout: 5,
} as const;

/** The options with defaults filled in; negative or missing values become the defaults. */
function timeouts(options: OpenDatabaseOptions) {
  const pick = (value: number | undefined, fallback: number) =>
    value !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : fallback;
  const queryTimeout = pick(options.queryTimeout, DEFAULTS.queryTimeout);
  return {
    connectTimeout: pick(options.connectTimeout, DEFAULTS.connectTimeout),
    queryTimeout,
    statementTimeout: pick(options.statementTimeout, queryTimeout),
    keepAliveDelay: pick(options.keepAliveDelay, DEFAULTS.keepAliveDelay),
    lockTimeout: pick(options.lockTimeout, DEFAULTS.lockTimeout),
    busyTimeout: pick(options.busyTimeout, DEFAULTS.busyTimeout),
  };
}

export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  if (typeof url !== "string" || url.trim() === "") {
    throw new TypeError(
      "openDatabase: no database URL (is the environment variable holding it set?); e.g. sqlite://./app.sqlite, postgres://user:pass@host:5432/db or mysql://user:pass@host:3306/db",
    );
  }
  if (/^postgres(ql)?:\/\//.test(url))
    return postgresDatabase(checkedServerUrl(url, "PostgreSQL", "postgres://user:pass@host:5432/db"), options);
  if (/^(mysql|mariadb):\/\//.test(url)) {
    return mysqlDatabase(checkedServerUrl(url, "MySQL/MariaDB", "mysql://user:pass@host:3306/db").replace(/^mariadb:/, "mysql:"), options);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme && !/^(sqlite|file)$/i.test(scheme)) {
    throw new TypeError(`openDatabase: unsupported database URL scheme "${scheme}:" (use sqlite://, postgres:// or mysql://)`);
  }
  return sqliteDatabase(url.replace(/^(sqlite|file):(\/\/)?/, ""), options);
}

/** The URL if it parses, else an error that names the database and shows the URL without its password. */
function checkedServerUrl(url: string, database: string, example: string): string {
  try {
    if (new URL(url).hostname) return url;
  } catch {
    // reported below
  }
  throw new TypeError(`openDatabase: "${redactPassword(url)}" is not a valid ${database} URL (expected ${example})`);
}

function redactPassword(url: string): string {
  return url.replace(/^([a-z]+:\/\/[^:/@]*:)[^@]*@/i, "$1***@");
}

/** Loads a database driver, or says which one to install. */
async function driver<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw withInstallHint(error);
  }
}

export async function sqliteDatabase(
  filename: string,
  options: Pick<OpenDatabaseOptions, "lockTimeout" | "busyTimeout"> = {},
): Promise<Kysely<any>> {
  const { default: Database } = await driver(() => import("better-sqlite3"));
  const { lockTimeout, busyTimeout } = timeouts(options);
  // SQLite's busy handler sleeps on the event loop: a few ms here, the rest of the wait in
  // LockRetrySqliteDialect (adapters/kysely/sqlite-lock-retry.ts), between timers.
  const database = new Database(filename, { timeout: busyTimeout });
  if (filename !== ":memory:" && filename !== "") database.pragma("journal_mode = WAL");
  database.pragma("foreign_keys = ON");
  // A larger page cache and memory-mapped reads keep index lookups flat as the tables grow
  // (SQLite's default cache is 2 MB).
  database.pragma("cache_size = -32768");
  database.pragma("mmap_size = 268435456");
  return new Kysely<any>({
    dialect: new LockRetrySqliteDialect(withStatementCache(database), { lockTimeout, inTransaction: () => database.inTransaction }),
  });
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
  const pg = await driver(() => import("pg"));
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
  const t = timeouts(options);
  // A dead server must fail fast rather than queue requests forever. pg reads 0 (or undefined)
  // as "no timeout". The server-side timeouts travel in the start-up message: no round trip.
  // PgBouncer refuses start-up parameters it does not know, so behind it (`?pgbouncer=true`) they
  // are left to the role's settings (ALTER ROLE … SET statement_timeout), as the README says.
  const serverSide = pgbouncer ? 0 : t.statementTimeout;
  const pool = new Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: t.connectTimeout,
    query_timeout: t.queryTimeout || undefined,
    statement_timeout: serverSide || undefined,
    idle_in_transaction_session_timeout: serverSide || undefined,
    keepAlive: t.keepAliveDelay > 0,
    keepAliveInitialDelayMillis: t.keepAliveDelay,
  });
  const timedOut = new WeakSet<object>();
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  pool.on("connect", (client) => {
    // pg-pool listens for errors only on idle clients; a checked-out client whose socket dies
    // would otherwise throw an uncaught exception. Its query is rejected with the same error.
    client.on("error", () => {});
    if (prepared) usePreparedStatements(client as unknown as PgClient);
    watchPgTimeouts(client as unknown as Parameters<typeof watchPgTimeouts>[0], timedOut);
  });
  return new Kysely<any>({
    dialect: new PostgresDialect({ pool: discardingPgPool(pool as unknown as Parameters<typeof discardingPgPool>[0], timedOut) }),
  });
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
  const mysql = await driver(() => import("mysql2"));
  const createPool = mysql.createPool ?? (mysql as unknown as { default: typeof mysql }).default.createPool;
  const t = timeouts(options);
  const pool = createPool({
    uri,
    connectionLimit: options.poolSize ?? 10,
    connectTimeout: t.connectTimeout || undefined,
    enableKeepAlive: t.keepAliveDelay > 0,
    keepAliveInitialDelay: t.keepAliveDelay,
    supportBigNumbers: true,
    bigNumberStrings: false,
  });
  pool.on("connection", (connection) => {
    // As with pg: an error on a connection nobody is querying must not become uncaught.
    connection.on("error", () => {});
    // The server-side limits, once per connection. Queued before the first query of whoever
    // asked for the connection; its failure (an older server without the variable) only means
    // the client-side timeout acts alone. Bounded like any query: the caller's query only starts
    // its own timer after this one.
    const statement = serverTimeoutsSql(Boolean((connection as unknown as { _isMariaDB?: boolean })._isMariaDB), t.statementTimeout);
    if (statement) {
      connection.query({ sql: statement, timeout: t.queryTimeout || undefined }, (error: { code?: string } | null) => {
        if (error?.code === "PROTOCOL_SEQUENCE_TIMEOUT") {
          connection.destroy();
          (connection as unknown as { stream?: { destroy(): void } }).stream?.destroy();
        }
      });
    }
  });
  return new Kysely<any>({
    dialect: new MysqlDialect({
      pool: timedMysqlPool(pool as unknown as Parameters<typeof timedMysqlPool>[0], {
        acquireTimeout: t.connectTimeout,
        queryTimeout: t.queryTimeout,
      }),
    }),
  });
}

/**
 * MariaDB counts `max_statement_time` in seconds (fractions allowed) and ends a transaction left
 * idle for `idle_transaction_timeout` seconds; MySQL has `max_execution_time` in ms, for SELECTs.
 */
function serverTimeoutsSql(mariadb: boolean, ms: number): string | null {
  if (ms <= 0) return null;
  if (mariadb)
    return `SET SESSION max_statement_time = ${(ms / 1000).toFixed(3)}, idle_transaction_timeout = ${Math.max(1, Math.ceil(ms / 1000))}`;
  return `SET SESSION max_execution_time = ${ms}`;
}
