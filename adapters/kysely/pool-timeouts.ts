import type { MysqlPool, MysqlPoolConnection, PostgresPool, PostgresPoolClient } from "kysely";

/*
 * A query whose answer never comes (the network drops packets; the connection stays open) must
 * not hold a request, nor the connection, for ever. The drivers can give up on a query after a
 * time (pg `query_timeout`, mysql2's per-query `timeout`), but both leave the connection as it
 * was: still waiting for that answer, and handed back to the pool by Kysely, where the next query
 * queues behind the lost one. These wrappers, between the pools of adapters/kysely/connect/{postgres,mysql}.ts and
 * Kysely's dialects, throw such a connection away instead, so the pool opens a fresh one.
 */

/** The error pg gives a query that outlived `query_timeout`. */
const PG_READ_TIMEOUT = "Query read timeout";

interface PgClient {
  query(...args: unknown[]): unknown;
  release(err?: Error | boolean): void;
  connection?: { stream?: { destroy(): void } };
}

interface PgPool {
  connect(): Promise<PgClient>;
  end(): Promise<void>;
}

/**
 * Watches a new pg client (call it from the pool's `connect` event): when one of its queries
 * times out, its socket is destroyed at once (so queries queued on it fail now rather than after
 * their own timeouts), and `discardingPgPool` releases it to the pool as broken.
 */
export function watchPgTimeouts(client: PgClient, timedOut: WeakSet<object>): void {
  const query = client.query.bind(client);
  client.query = (...args: unknown[]) => {
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    return result.catch((error: unknown) => {
      if ((error as Error)?.message === PG_READ_TIMEOUT) {
        timedOut.add(client);
        client.connection?.stream?.destroy();
      }
      throw error;
    });
  };
}

/**
 * The pool Kysely's PostgresDialect sees: a client that timed out goes back with an error, which
 * makes pg-pool remove and close it (a plain `release()` would keep it).
 */
export function discardingPgPool(pool: PgPool, timedOut: WeakSet<object>): PostgresPool {
  return {
    async connect() {
      const client = await pool.connect();
      const release = client.release;
      client.release = (err?: Error | boolean) => release(err || (timedOut.has(client) ? new Error(PG_READ_TIMEOUT) : undefined));
      return client as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}

// ---------------------------------------------------------------------------------------------
// mysql2

interface Mysql2Connection {
  query(options: { sql: string; timeout?: number }, values: unknown, callback?: (error: unknown, result: unknown) => void): unknown;
  release(): void;
  destroy(): void;
  stream?: { destroy(): void };
}

interface Mysql2Pool {
  getConnection(callback: (error: unknown, connection: Mysql2Connection) => void): void;
  end(callback: (error: unknown) => void): void;
}

export interface MysqlTimeouts {
  /** Waiting for a pooled connection (mysql2 has no bound of its own for it), in ms; 0: none. */
  acquireTimeout: number;
  /** One query, in ms; 0: none. */
  queryTimeout: number;
}

/** mysql2's error for a query that outlived its `timeout`. */
const MYSQL_QUERY_TIMEOUT = "PROTOCOL_SEQUENCE_TIMEOUT";

/**
 * The pool Kysely's MysqlDialect sees: every query carries `queryTimeout`; a connection whose
 * query timed out is destroyed (mysql2 then drops it from the pool) instead of released; and
 * waiting for a connection is bounded by `acquireTimeout`.
 */
export function timedMysqlPool(pool: Mysql2Pool, timeouts: MysqlTimeouts): MysqlPool {
  const wrapped = new WeakMap<Mysql2Connection, MysqlPoolConnection>();
  const wrap = (connection: Mysql2Connection): MysqlPoolConnection => {
    let found = wrapped.get(connection);
    if (found) return found;
    found = {
      query(sql: string, parameters: ReadonlyArray<unknown>, callback?: (error: unknown, result: unknown) => void) {
        const options = timeouts.queryTimeout > 0 ? { sql, timeout: timeouts.queryTimeout } : { sql };
        if (!callback) return connection.query(options, parameters) as { stream: never };
        connection.query(options, parameters, (error, result) => {
          if ((error as { code?: string } | null)?.code === MYSQL_QUERY_TIMEOUT) {
            connection.destroy();
            // destroy() only half-closes; the peer may never answer that either.
            connection.stream?.destroy();
          }
          callback(error, result);
        });
      },
      release: () => connection.release(),
    } as MysqlPoolConnection;
    wrapped.set(connection, found);
    return found;
  };
  return {
    getConnection(callback) {
      let settled = false;
      const timer =
        timeouts.acquireTimeout > 0
          ? setTimeout(() => {
              settled = true;
              callback(Object.assign(new Error("timeout exceeded when trying to connect"), { code: "ETIMEDOUT" }), undefined as never);
            }, timeouts.acquireTimeout)
          : undefined;
      pool.getConnection((error, connection) => {
        if (settled) {
          // Came after the caller gave up: straight back to the pool.
          connection?.release();
          return;
        }
        settled = true;
        clearTimeout(timer);
        callback(error, error ? (undefined as never) : wrap(connection));
      });
    },
    end: (callback) => pool.end(callback),
  };
}
