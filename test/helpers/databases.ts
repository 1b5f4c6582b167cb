import { randomBytes } from "node:crypto";
import { sql, type Kysely } from "kysely";
import type { Store } from "gatehouse-auth";
import { kyselyStore, migrateDown, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";

/**
 * Real databases for the tests. URLs come from the environment, with this machine's defaults.
 * When a server cannot be reached the suite is skipped with a message — unless
 * GATEHOUSE_REQUIRE_SERVICES=1 (set by .ci/run), which turns the skip into a failure.
 */
export const DATABASE_URLS = {
  postgres: process.env.GATEHOUSE_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  mysql: process.env.GATEHOUSE_MYSQL_URL ?? "mysql://root@127.0.0.1:3306/test",
} as const;

export type ServerKind = keyof typeof DATABASE_URLS;
const LABEL: Record<ServerKind, string> = { postgres: "PostgreSQL", mysql: "MariaDB/MySQL" };

export const servicesRequired = process.env.GATEHOUSE_REQUIRE_SERVICES === "1";

const reachability = new Map<ServerKind, Promise<string | null>>();

/** null when reachable, else the reason. */
function probe(kind: ServerKind): Promise<string | null> {
  let found = reachability.get(kind);
  if (!found) {
    found = (async () => {
      let db: Kysely<any> | null = null;
      try {
        db = await openDatabase(DATABASE_URLS[kind], { poolSize: 1 });
        await sql`select 1`.execute(db);
        return null;
      } catch (error) {
        return (error as Error).message || String(error);
      } finally {
        await db?.destroy().catch(() => {});
      }
    })();
    reachability.set(kind, found);
  }
  return found;
}

/**
 * Whether to run a suite that needs `kind`. Use at the top of a test file:
 * `const hasPostgres = await serviceAvailable("postgres"); describe.skipIf(!hasPostgres)(…)`.
 */
export async function serviceAvailable(kind: ServerKind): Promise<boolean> {
  const reason = await probe(kind);
  if (reason === null) return true;
  const message = `${LABEL[kind]} is unreachable at ${DATABASE_URLS[kind]} (${reason})`;
  if (servicesRequired) throw new Error(`${message}; GATEHOUSE_REQUIRE_SERVICES=1 makes this a failure.`);
  console.warn(`[gatehouse tests] ${message}: skipping its tests. Set GATEHOUSE_POSTGRES_URL / GATEHOUSE_MYSQL_URL to point at a server.`);
  return false;
}

export interface TestDatabase {
  db: Kysely<any>;
  prefix: string;
  store: Store;
  /** Drops this test database's tables and closes the pool. */
  drop(): Promise<void>;
}

/**
 * A migrated, empty set of Gatehouse tables under a random prefix in the shared `test` database,
 * so parallel test files never see each other's rows.
 */
export async function freshDatabase(kind: ServerKind | "sqlite", options: { poolSize?: number; url?: string } = {}): Promise<TestDatabase> {
  const url = options.url ?? (kind === "sqlite" ? ":memory:" : DATABASE_URLS[kind]);
  const db = await openDatabase(url, { poolSize: options.poolSize ?? 10 });
  const prefix = `t${randomBytes(4).toString("hex")}_`;
  await migrateToLatest(db, { prefix });
  return {
    db,
    prefix,
    store: kyselyStore(db, { prefix }),
    async drop() {
      await migrateDown(db, { prefix });
      await db.schema.dropTable(`${prefix}gatehouse_migration`).ifExists().execute();
      await db.schema.dropTable(`${prefix}gatehouse_migration_lock`).ifExists().execute();
      await db.destroy();
    },
  };
}
