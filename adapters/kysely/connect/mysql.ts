import { Kysely, MysqlDialect } from "kysely";
import { timedMysqlPool } from "../pool-timeouts";
import { loadDriver, timeouts, type OpenDatabaseOptions } from "./options";

export type { OpenDatabaseOptions } from "./options";

/**
 * `gatehouse-auth/kysely/mysql`: a Kysely instance on a mysql2 pool for `mysql://…` (MySQL and
 * MariaDB), with the timeouts of OpenDatabaseOptions. Imports mysql2 and no other driver.
 */
export async function mysqlDatabase(uri: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  const mysql = await loadDriver(() => import("mysql2"));
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
