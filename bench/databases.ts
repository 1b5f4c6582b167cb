/**
 * The real databases behind the bench's Kysely scenarios: a SQLite file (WAL) in a fresh temp
 * directory, and PostgreSQL under a fresh random table prefix in the shared database. The bench
 * parent owns them: it migrates, seeds rows straight into the tables (no API, no Argon2 per row),
 * and drops everything afterwards; the server child only opens them with `kyselyStore`.
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import { hash as argon2Hash } from "@node-rs/argon2";
import { uniqueId } from "../src/index";
import { migrateDown, migrateToLatest } from "../adapters/kysely/index";
import { openDatabase } from "../adapters/kysely/connect/open";

export type DbKind = "sqlite" | "postgres";
export const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const LABELS: Record<DbKind, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/** Rows per INSERT of filler sessions: 1,000 × 28 columns stays under SQLite's 32,766 bound parameters. */
const BATCH = 1000;
const DAY_MS = 24 * 3600 * 1000;

export interface BenchDatabase {
  kind: DbKind;
  label: string;
  /** What the server child passes to `openDatabase` (for PostgreSQL, tagged with an application_name). */
  url: string;
  prefix: string;
  /** Where the data lives, for the log. */
  where: string;
  countUsers(): Promise<number>;
  /**
   * Inserts seed users until the table holds `total`: each with an e-mail target and one live
   * session, all sharing one cheap Argon2 hash (nobody logs in as them). One transaction; then
   * the planner statistics are refreshed (and PostgreSQL vacuumed), as on a settled live table.
   */
  seedUsers(total: number): Promise<{ inserted: number; insertMs: number; settleMs: number }>;
  /** Gives each user `count` old sessions, so every login from the first one trims one (steady state). */
  fillSessions(userIds: string[], count: number): Promise<void>;
  /**
   * CPU µs so far of each database server process serving the bench child (PostgreSQL backends
   * found by application_name; /proc), or null where that cannot be read. SQLite runs inside the
   * child, so its cost is already in the child's own CPU time.
   */
  backendCpu: (() => Promise<Map<number, number> | null>) | null;
  /** Drops every table and closes the connection; returns how many relations with the prefix remain. */
  drop(): Promise<number>;
}

/** One hash with minimal Argon2id parameters, for the rows nobody logs in as. */
let cheapHash: Promise<string> | null = null;
const seedHash = () => (cheapHash ??= argon2Hash("seed-password-not-used", { algorithm: 2, memoryCost: 64, timeCost: 1, parallelism: 1 }));

/**
 * Opens, migrates and returns a fresh database of `kind`, or the reason it cannot (PostgreSQL
 * unreachable). Nothing is left behind when this fails.
 */
export async function openBenchDatabase(kind: DbKind): Promise<BenchDatabase | { unavailable: string }> {
  const tag = randomBytes(4).toString("hex");
  const prefix = `bench${tag}_`;
  let dir: string | null = null;
  let url: string;
  let serverUrl: string;
  if (kind === "sqlite") {
    dir = await mkdtemp(join(tmpdir(), "gatehouse-bench-"));
    url = join(dir, "bench.sqlite");
    serverUrl = url;
  } else {
    url = POSTGRES_URL;
    const application = `gatehouse_bench_${tag}`;
    serverUrl = `${url}${url.includes("?") ? "&" : "?"}application_name=${application}`;
  }

  let db: Kysely<any>;
  try {
    db = await openDatabase(url, { poolSize: 2 });
  } catch (error) {
    if (dir) await rm(dir, { recursive: true, force: true });
    return { unavailable: (error as Error).message || String(error) };
  }
  if (kind === "postgres") {
    try {
      await withTimeout(sql`select 1`.execute(db), 6000, "no answer within 6 s");
    } catch (error) {
      await db.destroy().catch(() => {});
      return { unavailable: (error as Error).message || String(error) };
    }
  }

  const table = (name: string) => `${prefix}${name}`;
  let dropped = false;
  const drop = async (): Promise<number> => {
    if (dropped) return 0;
    dropped = true;
    try {
      if (kind === "sqlite") {
        // The whole database is this one file (plus its -wal and -shm): removing it drops everything.
        await db.destroy();
        await rm(dir!, { recursive: true, force: true });
        return 0;
      }
      try {
        await migrateDown(db, { prefix });
      } finally {
        await db.schema.dropTable(table("gatehouse_migration")).ifExists().execute();
        await db.schema.dropTable(table("gatehouse_migration_lock")).ifExists().execute();
      }
      // Anything a half-applied migration may have left (none expected), then count what remains.
      const left = () =>
        sql<{ relname: string; relkind: string }>`
          select c.relname, c.relkind from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and starts_with(c.relname, ${prefix})`.execute(db);
      for (const row of (await left()).rows) {
        if (row.relkind === "r") await sql`drop table if exists ${sql.table(row.relname)} cascade`.execute(db);
      }
      return (await left()).rows.length;
    } finally {
      await db.destroy().catch(() => {});
    }
  };

  try {
    await migrateToLatest(db, { prefix });
  } catch (error) {
    await drop().catch(() => {});
    throw error;
  }

  let seq = 0;
  const sessionRow = (id: string, userId: string, email: string, created: number, expire: number) => ({
    id,
    user_id: userId,
    created_at: created,
    updated_at: created,
    expire,
    provider: "email",
    provider_uid: email,
    provider_access_token: "",
    provider_access_token_expiry: null,
    provider_refresh_token: "",
    secret_hash: createHash("sha256").update(randomBytes(32)).digest("hex"),
    ip: "127.0.0.1",
    user_agent: "bench",
    factors: JSON.stringify(["password"]),
    mfa_updated_at: null,
    os_code: "",
    os_name: "",
    os_version: "",
    client_type: "",
    client_code: "",
    client_name: "",
    client_version: "",
    client_engine: "",
    client_engine_version: "",
    device_name: "",
    device_brand: "",
    device_model: "",
    country_code: "--",
  });

  const countUsers = async () => {
    const row = await db
      .selectFrom(table("users"))
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };

  /** Fresh statistics (and, on PostgreSQL, a vacuum) so the planner and autovacuum see a settled table. */
  const settle = async () => {
    if (kind === "postgres") {
      await sql`vacuum (analyze) ${sql.join(["users", "targets", "sessions", "logs"].map((t) => sql.table(table(t))))}`.execute(db);
    } else {
      await sql`analyze`.execute(db);
      await sql`pragma wal_checkpoint(truncate)`.execute(db);
    }
  };

  const backendCpu =
    kind === "postgres"
      ? async () => {
          const application = new URL(serverUrl).searchParams.get("application_name");
          const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where application_name = ${application}`.execute(db);
          const cpu = new Map<number, number>();
          for (const { pid } of rows) {
            try {
              const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
              // Fields after "(comm)": state is [0], utime [11], stime [12], in clock ticks (USER_HZ, 100/s).
              const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
              cpu.set(pid, (Number(fields[11]) + Number(fields[12])) * 10_000);
            } catch {
              return null; // The server is elsewhere (or /proc is closed to us).
            }
          }
          return cpu;
        }
      : null;

  return {
    kind,
    label: LABELS[kind],
    url: serverUrl,
    prefix,
    where: kind === "sqlite" ? `${url} (WAL), table prefix ${prefix}` : `${url}, table prefix ${prefix}`,
    countUsers,
    async seedUsers(total) {
      const started = performance.now();
      const have = await countUsers();
      const [from, to] = [seq + 1, seq + Math.max(0, total - have)];
      const passwordHash = await seedHash();
      const now = sql.lit(Date.now());
      const far = sql.lit(Date.now() + 365 * DAY_MS);
      // The rows are generated by the database itself (n = from…to from a recursive CTE, which
      // both dialects run), one INSERT … SELECT per table: batches of bound rows sent from here
      // took ~30 s for 99k users on this machine, mostly in parsing and binding parameters.
      const n = sql.ref("g.n");
      const email = sql`'seed' || ${n} || '@bench.test'`;
      const random64 = kind === "postgres" ? sql`md5(random()::text) || md5(random()::text)` : sql`lower(hex(randomblob(32)))`;
      const rows = sql`with recursive g(n) as (select ${sql.lit(from)} union all select n + 1 from g where n < ${sql.lit(to)})`;
      if (to >= from) {
        await db.transaction().execute(async (trx) => {
          await sql`${rows} insert into ${sql.table(table("users"))}
            (id, created_at, updated_at, name, email, email_key, phone, password_hash, password_updated_at, password_history,
             registration, status, labels, email_verification, phone_verification, mfa, prefs, accessed_at)
            select 'seed' || ${n}, ${now}, ${now}, 'Seed User ' || ${n}, ${email}, ${email}, null, ${passwordHash}, ${now}, '[]',
             ${now}, 1, '[]', 0, 0, 0, '{}', ${now} from g`.execute(trx);
          // accessed_at is recent, as for an active user: reading one never takes the once-a-day write path.
          await sql`${rows} insert into ${sql.table(table("targets"))}
            (id, user_id, created_at, updated_at, provider_type, identifier, name, provider_id, expired)
            select 'targ' || ${n}, 'seed' || ${n}, ${now}, ${now}, 'email', ${email}, '', null, 0 from g`.execute(trx);
          await sql`${rows} insert into ${sql.table(table("sessions"))}
            (id, user_id, created_at, updated_at, expire, provider, provider_uid, provider_access_token, provider_access_token_expiry,
             provider_refresh_token, secret_hash, ip, user_agent, factors, mfa_updated_at, os_code, os_name, os_version, client_type,
             client_code, client_name, client_version, client_engine, client_engine_version, device_name, device_brand, device_model, country_code)
            select 'sess' || ${n}, 'seed' || ${n}, ${now}, ${now}, ${far}, 'email', ${email}, '', null,
             '', ${random64}, '127.0.0.1', 'bench', '["password"]', null, '', '', '', '',
             '', '', '', '', '', '', '', '', '--' from g`.execute(trx);
        });
        seq = to;
      }
      const insertMs = performance.now() - started;
      await settle();
      return { inserted: to - from + 1, insertMs, settleMs: performance.now() - started - insertMs };
    },
    async fillSessions(userIds, count) {
      const now = Date.now();
      const rows = userIds.flatMap((userId) =>
        // Older than anything the API creates, so trimming removes these first.
        Array.from({ length: count }, (_, i) => sessionRow(uniqueId(now), userId, "", now - DAY_MS + i, now + 365 * DAY_MS)),
      );
      for (let i = 0; i < rows.length; i += BATCH)
        await db
          .insertInto(table("sessions"))
          .values(rows.slice(i, i + BATCH))
          .execute();
    },
    backendCpu,
    drop,
  };
}

function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
