import type { Kysely } from "kysely";
import { loadDriver, type OpenDatabaseOptions } from "./options";

export type { OpenDatabaseOptions } from "./options";

/**
 * `gatehouse-auth/kysely/open`: opens a Kysely instance from a URL, loading only the driver that
 * URL needs, when it needs it:
 * - `sqlite:./data/gatehouse.sqlite`, `file:…`, a plain path, or `:memory:` → better-sqlite3;
 * - `postgres://…` / `postgresql://…` → pg;
 * - `mysql://…` / `mariadb://…` → mysql2.
 *
 * For Node servers and the CLI (adapters/kysely/cli.ts). It names all three openers, so a bundler
 * (Next.js) resolves all three drivers: a bundled app imports the opener of its one driver
 * instead (`gatehouse-auth/kysely/postgres`, …), which takes the same options.
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  if (typeof url !== "string" || url.trim() === "") {
    throw new TypeError(
      "openDatabase: no database URL (is the environment variable holding it set?); e.g. sqlite://./app.sqlite, postgres://user:pass@host:5432/db or mysql://user:pass@host:3306/db",
    );
  }
  // Each opener is loaded when its URL comes: kysely and the driver are optional peers.
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { postgresDatabase } = await loadDriver(() => import("./postgres"));
    return postgresDatabase(checkedServerUrl(url, "PostgreSQL", "postgres://user:pass@host:5432/db"), options);
  }
  if (/^(mysql|mariadb):\/\//.test(url)) {
    const { mysqlDatabase } = await loadDriver(() => import("./mysql"));
    return mysqlDatabase(checkedServerUrl(url, "MySQL/MariaDB", "mysql://user:pass@host:3306/db").replace(/^mariadb:/, "mysql:"), options);
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(url)?.[1];
  if (scheme && !/^(sqlite|file)$/i.test(scheme)) {
    throw new TypeError(`openDatabase: unsupported database URL scheme "${scheme}:" (use sqlite://, postgres:// or mysql://)`);
  }
  const { sqliteDatabase } = await loadDriver(() => import("./sqlite"));
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
