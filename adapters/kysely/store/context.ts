import { sql, type CompiledQuery, type Expression, type Kysely, type Transaction } from "kysely";
import type { GatehouseDatabase, SqlDialect } from "../schema";

export type Db = Kysely<GatehouseDatabase>;

/** What the three dialects do differently, in one place. */
export interface Capabilities {
  /** `UPDATE`/`DELETE … RETURNING` (PostgreSQL, SQLite); MySQL has none, so those steps read back instead. */
  returning: boolean;
  /** Orders rows written in the same millisecond by insertion: SQLite's rowid, elsewhere the `seq` column. */
  insertionOrder: Expression<unknown>;
  /** Whether a driver error is a unique-constraint violation. */
  isUniqueViolation(error: { code?: string; errno?: number }): boolean;
}

export const CAPABILITIES: Record<SqlDialect, Capabilities> = {
  sqlite: {
    returning: true,
    insertionOrder: sql`rowid`,
    isUniqueViolation: (e) => e.code === "SQLITE_CONSTRAINT_UNIQUE" || e.code === "SQLITE_CONSTRAINT_PRIMARYKEY",
  },
  postgres: {
    returning: true,
    insertionOrder: sql.ref("seq"),
    isUniqueViolation: (e) => e.code === "23505",
  },
  mysql: {
    returning: false,
    insertionOrder: sql.ref("seq"),
    isUniqueViolation: (e) => e.code === "ER_DUP_ENTRY" || e.errno === 1062,
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
}

export function rootContext(db: Db, caps: Capabilities): StoreContext {
  const compiled = new Map<string, CompiledQuery>();
  const within = (trx: Transaction<GatehouseDatabase>): StoreContext => ({
    db: trx,
    caps,
    compiled,
    inTransaction: true,
    atomic: (fn) => fn(trx),
    within,
  });
  return {
    db,
    caps,
    compiled,
    inTransaction: false,
    atomic: (fn) => db.transaction().execute((trx) => fn(trx)),
    within,
  };
}
