import {
  CompiledQuery,
  SqliteDialect,
  SqliteDriver,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type QueryResult,
  type SqliteDatabase,
  type TransactionSettings,
} from "kysely";
import { isLockError } from "./sqlite-locks";

/**
 * SQLite with another process holding the write lock (a backup, a CLI, a second instance): a
 * statement fails with SQLITE_BUSY once SQLite's own busy handler gives up. That handler sleeps
 * on the calling thread, which in Node is the event loop, so it is kept short (`busy_timeout` of
 * a few milliseconds, set by adapters/kysely/connect/sqlite.ts), and the waiting happens here instead:
 * retried with backoff between `setTimeout`s, so the server keeps serving other requests, until
 * `lockTimeout` has passed; then the SQLITE_BUSY error goes up, and the store
 * (adapters/kysely/store.ts) makes it a StoreUnavailableError, a 503.
 *
 * Only what can be retried whole is retried:
 * - a statement outside a transaction (it either applied entirely or not at all), with the
 *   connection given back between attempts, so reads of other requests run meanwhile (in WAL
 *   mode a writer never blocks readers);
 * - `BEGIN IMMEDIATE`, which every transaction starts with: it takes the write lock before any
 *   statement of the transaction runs, so waiting for the lock restarts the whole transaction,
 *   and no statement inside it can meet SQLITE_BUSY afterwards;
 * - `COMMIT`, which SQLite leaves pending on SQLITE_BUSY and allows to retry as is.
 * Any other statement inside a transaction that fails with SQLITE_BUSY fails the transaction,
 * which Kysely rolls back: nothing is ever partially applied.
 */
export interface LockRetryOptions {
  /** Total time a statement keeps retrying while the database is locked, in ms. */
  lockTimeout: number;
  /** Whether a transaction is open on the connection (better-sqlite3's `db.inTransaction`). */
  inTransaction(): boolean;
}

export class LockRetrySqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;
  readonly #options: LockRetryOptions;

  constructor(database: SqliteDatabase, options: LockRetryOptions) {
    super({ database });
    this.#database = database;
    this.#options = options;
  }

  override createDriver(): Driver {
    return new LockRetryDriver(new SqliteDriver({ database: this.#database }), this.#options);
  }
}

/** Backoff between attempts: 2, 4, 8 … ms, at most 50, with jitter so waiting writers spread out. */
function backoff(attempt: number): number {
  const base = Math.min(50, 2 ** (attempt + 1));
  return base / 2 + Math.random() * base;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

class LockRetryDriver implements Driver {
  readonly #inner: SqliteDriver;
  readonly #options: LockRetryOptions;
  #connection: RetryingConnection | undefined;

  constructor(inner: SqliteDriver, options: LockRetryOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  async init(): Promise<void> {
    await this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const connection = await this.#inner.acquireConnection();
    this.#connection ??= new RetryingConnection(connection, this.#inner, this.#options);
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    // IMMEDIATE: the write lock is taken here, before the transaction's first statement (a
    // deferred BEGIN would take it at the first write, where SQLITE_BUSY cannot be retried).
    await connection.executeQuery(CompiledQuery.raw("begin immediate"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.savepoint(connection, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.rollbackToSavepoint(connection, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler["compileQuery"]): Promise<void> {
    return this.#inner.releaseSavepoint(connection, name, compile);
  }

  async releaseConnection(): Promise<void> {
    await this.#inner.releaseConnection();
  }

  async destroy(): Promise<void> {
    await this.#inner.destroy();
  }
}

class RetryingConnection implements DatabaseConnection {
  constructor(
    private readonly inner: DatabaseConnection,
    private readonly driver: SqliteDriver,
    private readonly options: LockRetryOptions,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const deadline = performance.now() + this.options.lockTimeout;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.inner.executeQuery<R>(query);
      } catch (error) {
        if (!isLockError(error) || performance.now() >= deadline) throw error;
        const inTransaction = this.options.inTransaction();
        if (inTransaction && !/^\s*(commit|end)\b/i.test(query.sql)) throw error;
        const delay = Math.min(backoff(attempt), Math.max(0, deadline - performance.now()));
        if (inTransaction) {
          // A pending COMMIT keeps the connection: the transaction is still open on it.
          await sleep(delay);
        } else {
          // Nothing is open on the connection: let other requests use it while this one waits.
          await this.driver.releaseConnection();
          await sleep(delay);
          await this.driver.acquireConnection();
        }
      }
    }
  }

  streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}
