import type { Kysely } from "kysely";

/**
 * Runs one compiled SELECT straight on the driver, rows as arrays, for the query every
 * authenticated request makes (`sessions.findAuth`, adapters/kysely/store/sessions.ts). Skipping
 * Kysely's executor (connection handling, plugins, a few promises) and building no object per row
 * was the larger part of a database store's cost over the memory store's in `npm run bench`.
 *
 * `openDatabase` attaches one to the Kysely instances it opens: for SQLite in
 * adapters/kysely/connect/sqlite.ts, for PostgreSQL in adapters/kysely/connect/postgres.ts.
 * Kysely instances made any other way have none, and every query goes through Kysely. The store
 * uses it only outside transactions: a transaction's reads must run on its own connection.
 */
export interface RawReader {
  /**
   * The rows of `sql`, each an array of the selected columns in order, as the driver gives them
   * without type parsing (SQLite's own values; PostgreSQL's text); or undefined when this read
   * must go through Kysely instead (the driver's reasons: a lock Kysely's path waits for, a plan
   * to prepare anew).
   */
  rows(sql: string, parameters: readonly unknown[]): unknown[][] | undefined | Promise<unknown[][] | undefined>;
}

// A registered symbol rather than a WeakMap: `gatehouse-auth/kysely/sqlite` (or `/postgres`) and
// `gatehouse-auth/kysely` are separate entry points, and a bundle may hold a copy of this module
// in each; Symbol.for gives every copy the same key.
const READER = Symbol.for("gatehouse-auth.kysely.raw-reader");

export function attachRawReader(db: Kysely<any>, reader: RawReader): void {
  Object.defineProperty(db, READER, { value: reader, enumerable: false, configurable: true });
}

export function rawReaderOf(db: Kysely<any>): RawReader | null {
  return ((db as unknown as Record<symbol, RawReader | undefined>)[READER] as RawReader | undefined) ?? null;
}
