import { createHash } from "node:crypto";
import { Kysely, PostgresDialect } from "kysely";
import { discardingPgPool, watchPgTimeouts } from "../pool-timeouts";
import { attachRawReader, type RawReader } from "../raw-reader";
import { loadDriver, timeouts, type OpenDatabaseOptions } from "./options";

export type { OpenDatabaseOptions } from "./options";

/**
 * `gatehouse-auth/kysely/postgres`: a Kysely instance on a pg pool for `postgres://…`, with the
 * timeouts of OpenDatabaseOptions and named prepared statements. Imports pg and no other driver.
 */
export async function postgresDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<Kysely<any>> {
  const pg = await loadDriver(() => import("pg"));
  const Pool = pg.Pool ?? (pg as unknown as { default: typeof pg }).default.Pool;
  // The URL is handed to pg untouched unless it carries our own `pgbouncer` flag.
  let connectionString = url;
  let pgbouncer = false;
  if (/[?&]pgbouncer=/.test(url)) {
    const parsed = new URL(url);
    pgbouncer = parsed.searchParams.get("pgbouncer") === "true";
    parsed.searchParams.delete("pgbouncer");
    connectionString = parsed.toString();
  }
  const prepared = (options.preparedStatements ?? true) && !pgbouncer;
  const t = timeouts(options);
  // A dead server must fail fast rather than queue requests forever. pg reads 0 (or undefined)
  // as "no timeout". The server-side timeouts travel in the start-up message: no round trip.
  // PgBouncer refuses start-up parameters it does not know, so behind it (`?pgbouncer=true`) they
  // are left to the role's settings (ALTER ROLE … SET statement_timeout), as the README says.
  const serverSide = pgbouncer ? 0 : t.statementTimeout;
  const pool = new Pool({
    connectionString,
    max: options.poolSize ?? 10,
    connectionTimeoutMillis: t.connectTimeout,
    query_timeout: t.queryTimeout || undefined,
    statement_timeout: serverSide || undefined,
    idle_in_transaction_session_timeout: serverSide || undefined,
    keepAlive: t.keepAliveDelay > 0,
    keepAliveInitialDelayMillis: t.keepAliveDelay,
  });
  const timedOut = new WeakSet<object>();
  pool.on("error", () => {
    // An idle client lost its connection; the pool replaces it. Queries report their own errors.
  });
  pool.on("connect", (client) => {
    // pg-pool listens for errors only on idle clients; a checked-out client whose socket dies
    // would otherwise throw an uncaught exception. Its query is rejected with the same error.
    client.on("error", () => {});
    if (prepared) usePreparedStatements(client as unknown as PgClient);
    watchPgTimeouts(client as unknown as Parameters<typeof watchPgTimeouts>[0], timedOut);
  });
  const discarding = discardingPgPool(pool as unknown as Parameters<typeof discardingPgPool>[0], timedOut);
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: discarding }) });
  attachRawReader(db, pgRawReader(discarding as unknown as PgRawPool, prepared));
  return db;
}

interface PgClient {
  query(text: unknown, values?: unknown): Promise<unknown>;
}

/** Statement names from SQL text: one fact for Kysely's statements and the raw reader's. */
const statementName = (text: string) => `gh_${createHash("sha1").update(text).digest("hex")}`;

interface PgRawPool {
  connect(): Promise<{ query(config: object): Promise<{ rows: unknown[][] }>; release(): void }>;
}

/** Every column as the server's text: the store's codecs decode text (adapters/kysely/store/codec.ts). */
const asText = (value: string) => value;
const AS_TEXT = { getTypeParser: () => asText };

/**
 * Reads on a pooled connection without Kysely (adapters/kysely/raw-reader.ts): rows as arrays
 * and no type parsing, which spares node-postgres an object and a parser lookup per column (the
 * session lookup selects some 40). Named, so each connection parses and plans it once, unless
 * prepared statements are off. A plan that went stale (a migration changed a selected column)
 * sends that read through Kysely, whose statements recover from it (usePreparedStatements below),
 * and the reader's next read prepares the text under a new name.
 */
function pgRawReader(pool: PgRawPool, prepared: boolean): RawReader {
  const names = new Map<string, string>();
  let renamed = 0;
  return {
    async rows(text, values) {
      let name: string | undefined;
      if (prepared) {
        name = names.get(text);
        // Bounded like Kysely's statements below: past the cap, further texts run unnamed.
        if (name === undefined && names.size < MAX_PREPARED) names.set(text, (name = `${statementName(text)}_r`));
      }
      const client = await pool.connect();
      try {
        return (await client.query({ name, text, values, rowMode: "array", types: AS_TEXT })).rows;
      } catch (error) {
        if ((error as { code?: string }).code !== "0A000") throw error;
        renamed += 1;
        names.set(text, `${statementName(text)}_r${renamed}`);
        return undefined;
      } finally {
        client.release();
      }
    },
  };
}

/** At most this many named statements per connection; further SQL texts run unnamed. */
const MAX_PREPARED = 500;
const DML = /^\s*(select|insert|update|delete|with)\b/i;

/**
 * Sends Gatehouse's data statements as named prepared statements, named after their SQL text, so
 * each connection parses and plans them once. Kysely passes `client.query(sql, params)`; this only
 * adds a name. A statement whose table changed shape since it was prepared (a migration while the
 * app runs) fails with "cached plan must not change result type": that text gets a fresh name
 * (prepared anew next time) and, outside a transaction, runs again at once.
 */
function usePreparedStatements(client: PgClient): void {
  const query = client.query.bind(client);
  /** Statement name by SQL text; a stale plan moves its text to a new name. */
  const names = new Map<string, string>();
  let renamed = 0;
  let inTransaction = false;
  client.query = async (text: unknown, values?: unknown) => {
    if (typeof text !== "string") return query(text, values);
    if (/^\s*(begin|start transaction)\b/i.test(text)) inTransaction = true;
    else if (/^\s*(commit|rollback)\b/i.test(text)) inTransaction = false;
    if (!DML.test(text)) return query(text, values);
    let name = names.get(text);
    if (name === undefined) {
      if (names.size >= MAX_PREPARED) return query(text, values);
      names.set(text, (name = statementName(text)));
    }
    try {
      return await query({ name, text, values });
    } catch (error) {
      if ((error as { code?: string }).code !== "0A000") throw error;
      renamed += 1;
      names.set(text, `${statementName(text)}_${renamed}`);
      // In a transaction the failed statement has aborted it: the caller's retry gets the new name.
      if (inTransaction) throw error;
      return query({ name: names.get(text), text, values });
    }
  };
}
