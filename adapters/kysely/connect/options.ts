import { withInstallHint } from "../install-hint";

// What the per-driver openers share. No driver is named here: each opener imports only its own
// (adapters/kysely/connect/sqlite.ts, postgres.ts, mysql.ts), so that a bundler building an app
// that installed one driver never meets the others (docs/architecture.md, "One entry per driver").

/**
 * The options of every database opener (adapters/kysely/connect/{sqlite,postgres,mysql,open}.ts).
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
export function timeouts(options: OpenDatabaseOptions) {
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

/** Loads a database driver, or says which one to install. */
export async function loadDriver<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw withInstallHint(error);
  }
}
