import { sql, type CompiledQuery, type Expression, type Kysely, type RawBuilder, type Transaction } from "kysely";
import type { GatehouseDatabase, SqlDialect } from "../schema";
import type { RawReader } from "../raw-reader";
import { isLockError } from "../sqlite-locks";

export type Db = Kysely<GatehouseDatabase>;

/** What the three dialects do differently, in one place. */
export interface Capabilities {
  /** `UPDATE`/`DELETE … RETURNING` (PostgreSQL, SQLite); MySQL has none, so those steps read back instead. */
  returning: boolean;
  /** Orders rows written in the same millisecond by insertion: SQLite's rowid, elsewhere the `seq` column. */
  insertionOrder: Expression<unknown>;
  /** Whether a driver error is a unique-constraint violation. */
  isUniqueViolation(error: { code?: string; errno?: number }): boolean;
  /**
   * Whether a driver error means "try again later" in this dialect's own words (beyond the lost
   * connections every driver reports alike, adapters/kysely/store/errors.ts): a statement the
   * server cancelled for its time limit, a lock waited for too long.
   */
  isUnavailable(error: { code?: string; errno?: number }): boolean;
  /** Whether the JSON array in `column` holds the string `value` (exactly, case included). */
  jsonArrayHas(column: string, value: string): RawBuilder<unknown>;
  /** The JSON column as text, for a free-text search over it. */
  jsonText(column: string): RawBuilder<unknown>;
  /** A text column compared byte by byte, so ORDER BY agrees on every dialect (PostgreSQL sorts by locale). */
  bytewise(column: string): RawBuilder<unknown>;
}

export const CAPABILITIES: Record<SqlDialect, Capabilities> = {
  sqlite: {
    returning: true,
    insertionOrder: sql`rowid`,
    isUniqueViolation: (e) => e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY",
    // The file stayed locked by another connection past the retries of
    // adapters/kysely/sqlite-lock-retry.ts (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…).
    isUnavailable: isLockError,
    jsonArrayHas: (column, value) => sql`exists (select 1 from json_each(${sql.ref(column)}) where value = ${value})`,
    jsonText: (column) => sql`${sql.ref(column)}`,
    bytewise: (column) => sql`${sql.ref(column)}`,
  },
  postgres: {
    returning: true,
    insertionOrder: sql.ref("seq"),
    isUniqueViolation: (e) => e.code === "23505",
    // query_canceled (statement_timeout, adapters/kysely/connect/postgres.ts) and lock_not_available.
    isUnavailable: (e) => e.code === "57014" || e.code === "55P03",
    jsonArrayHas: (column, value) => sql`jsonb_exists(${sql.ref(column)}::jsonb, ${value})`,
    jsonText: (column) => sql`${sql.ref(column)}::text`,
    bytewise: (column) => sql`${sql.ref(column)} collate "C"`,
  },
  mysql: {
    returning: false,
    insertionOrder: sql.ref("seq"),
    isUniqueViolation: (e) => e.code === "ER_DUP_ENTRY" || e.errno === 1062,
    // A query that outlived its timeout (adapters/kysely/pool-timeouts.ts), a lock wait, MariaDB's
    // max_statement_time and MySQL's max_execution_time.
    isUnavailable: (e) =>
      ["PROTOCOL_SEQUENCE_TIMEOUT", "ER_LOCK_WAIT_TIMEOUT", "ER_STATEMENT_TIMEOUT", "ER_QUERY_TIMEOUT"].includes(String(e.code ?? "")) ||
      (e.errno !== undefined && [1205, 1969, 3024].includes(e.errno)),
    jsonArrayHas: (column, value) => sql`json_contains(${sql.ref(column)}, json_quote(${value}))`,
    jsonText: (column) => sql`cast(${sql.ref(column)} as char)`,
    // The tables' collation is binary already (adapters/kysely/migrations.ts).
    bytewise: (column) => sql`${sql.ref(column)}`,
  },
};

/** What every repository of one store (or of one of its transactions) works with. */
export interface StoreContext {
  /** The root connection pool, or the open transaction. */
  readonly db: Db;
  readonly caps: Capabilities;
  /** Queries compiled once per store and shared with its transactions (the SQL does not change). */
  readonly compiled: Map<string, CompiledQuery>;
  /**
   * Runs a multi-step write atomically: inside the open transaction when there is one, else in a
   * new one. `fn` gets the handle to use, typed, so no step can run outside the transaction.
   */
  atomic<T>(fn: (db: Db) => Promise<T>): Promise<T>;
  /** The same store's context inside transaction `trx`. */
  within(trx: Transaction<GatehouseDatabase>): StoreContext;
  readonly inTransaction: boolean;
  /** Reads straight on the driver, outside transactions, when Gatehouse opened the database (adapters/kysely/raw-reader.ts). */
  readonly reader: RawReader | null;
}

export function rootContext(db: Db, caps: Capabilities, reader: RawReader | null = null): StoreContext {
  const compiled = new Map<string, CompiledQuery>();
  const within = (trx: Transaction<GatehouseDatabase>): StoreContext => ({
    db: trx,
    caps,
    compiled,
    inTransaction: true,
    reader: null,
    atomic: (fn) => fn(trx),
    within,
  });
  return {
    db,
    caps,
    compiled,
    inTransaction: false,
    reader,
    atomic: (fn) => db.transaction().execute((trx) => fn(trx)),
    within,
  };
}
