import { Kysely } from "kysely";
import { LockRetrySqliteDialect } from "../sqlite-lock-retry";
import { attachRawReader, type RawReader } from "../raw-reader";
import { isLockError } from "../sqlite-locks";
import { loadDriver, timeouts, type OpenDatabaseOptions } from "./options";

export type { OpenDatabaseOptions } from "./options";

/**
 * `gatehouse-auth/kysely/sqlite`: a Kysely instance on a better-sqlite3 file (or `:memory:`),
 * WAL journal and foreign keys on; a write that finds the file locked by another process waits
 * asynchronously (`lockTimeout`). Imports better-sqlite3 and no other driver.
 */
export async function sqliteDatabase(
  filename: string,
  options: Pick<OpenDatabaseOptions, "lockTimeout" | "busyTimeout"> = {},
): Promise<Kysely<any>> {
  const { default: Database } = await loadDriver(() => import("better-sqlite3"));
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
  const db = new Kysely<any>({
    dialect: new LockRetrySqliteDialect(withStatementCache(database), { lockTimeout, inTransaction: () => database.inTransaction }),
  });
  attachRawReader(db, sqliteRawReader(database as unknown as SqliteDriverHandle));
  return db;
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

/** The part of a better-sqlite3 database the raw reader uses. */
export interface SqliteDriverHandle {
  /** Whether a transaction is open on the connection. */
  readonly inTransaction: boolean;
  prepare(sql: string): { raw(toggle: boolean): { all(...parameters: unknown[]): unknown[] } };
}

/**
 * Reads on the better-sqlite3 connection itself (adapters/kysely/raw-reader.ts), with statements
 * of its own (in raw mode, so not shared with Kysely's cache above). Through Kysely instead while
 * a transaction is open on the connection (a read beside it would see its uncommitted rows) and
 * when the file is locked: Kysely's path waits for the lock between timers
 * (adapters/kysely/sqlite-lock-retry.ts).
 */
export function sqliteRawReader(database: SqliteDriverHandle, size = 20): RawReader {
  const statements = new Map<string, { all(...parameters: unknown[]): unknown[] }>();
  return {
    rows(sql, parameters) {
      if (database.inTransaction) return undefined;
      try {
        let statement = statements.get(sql);
        if (statement === undefined) {
          statement = database.prepare(sql).raw(true);
          if (statements.size >= size) statements.delete(statements.keys().next().value as string);
          statements.set(sql, statement);
        }
        return statement.all(...parameters) as unknown[][];
      } catch (error) {
        if (isLockError(error)) return undefined;
        throw error;
      }
    },
  };
}
