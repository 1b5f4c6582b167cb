import type { Kysely } from "kysely";

/**
 * The better-sqlite3 database behind a Kysely instance that `sqliteDatabase`
 * (adapters/kysely/connect/sqlite.ts) opened, for the one query that runs on every authenticated
 * request (`sessions.findAuth`, adapters/kysely/store/sessions.ts). Running it on the driver
 * directly skips Kysely's executor (connection mutex, plugins, a few promises) and fetches rows
 * as arrays, which `npm run bench` measured as the larger part of the SQLite store's cost over
 * the memory store's.
 *
 * Kysely instances made any other way have no handle, and every query goes through Kysely.
 */
export interface SqliteHandle {
  /** Whether a transaction is open on the connection: a read beside it would see its uncommitted rows. */
  readonly inTransaction: boolean;
  prepare(sql: string): SqliteRawStatement;
}

export interface SqliteRawStatement {
  raw(toggle: boolean): SqliteRawStatement;
  all(...parameters: unknown[]): unknown[][];
}

// A registered symbol rather than a WeakMap: `gatehouse-auth/kysely/sqlite` and
// `gatehouse-auth/kysely` are separate entry points, and a bundle may hold a copy of this module
// in each; Symbol.for gives every copy the same key.
const HANDLE = Symbol.for("gatehouse-auth.kysely.sqlite-handle");

export function attachSqliteHandle(db: Kysely<any>, handle: SqliteHandle): void {
  Object.defineProperty(db, HANDLE, { value: handle, enumerable: false });
}

export function sqliteHandleOf(db: Kysely<any>): SqliteHandle | null {
  return ((db as unknown as Record<symbol, SqliteHandle | undefined>)[HANDLE] as SqliteHandle | undefined) ?? null;
}
