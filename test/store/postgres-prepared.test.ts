/**
 * `openDatabase` on PostgreSQL sends data statements as named prepared statements (one parse and
 * plan per connection), can be told not to (`preparedStatements: false`, `?pgbouncer=true`), and
 * survives a table changing shape under a prepared statement. Against the real PostgreSQL server.
 */
import { randomBytes } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { sql, type Kysely } from "kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { DATABASE_URLS, serviceAvailable } from "../helpers/databases";

const available = await serviceAvailable("postgres");
const opened: Array<Kysely<any>> = [];
const tables: string[] = [];

async function open(url = DATABASE_URLS.postgres, options: { preparedStatements?: boolean } = {}) {
  // One connection, so that the session-local pg_prepared_statements view sees our statements.
  const db = await openDatabase(url, { poolSize: 1, ...options });
  opened.push(db);
  return db;
}

async function ourStatements(db: Kysely<any>): Promise<string[]> {
  // (This SELECT is itself prepared; callers look for their own statement texts.)
  const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like 'gh\\_%'`.execute(db);
  return rows.map((r) => r.statement);
}

afterAll(async () => {
  const [first] = opened;
  for (const table of tables) await sql`drop table if exists ${sql.table(table)}`.execute(first!).catch(() => {});
  await Promise.all(opened.map((db) => db.destroy()));
});

describe.skipIf(!available)("PostgreSQL prepared statements (openDatabase)", () => {
  it("are used by default: a query's text is prepared once on the connection", async () => {
    const db = await open();
    const marker = `marker_${randomBytes(4).toString("hex")}`;
    for (let i = 0; i < 3; i++) await sql`select ${i}::int as n, ${sql.lit(marker)} as m`.execute(db);
    const statements = await ourStatements(db);
    expect(statements.filter((s) => s.includes(marker))).toHaveLength(1);
  });

  it("are not used with preparedStatements: false, nor with ?pgbouncer=true in the URL", async () => {
    for (const db of [
      await open(DATABASE_URLS.postgres, { preparedStatements: false }),
      await open(`${DATABASE_URLS.postgres}?pgbouncer=true`),
    ]) {
      const marker = `marker_${randomBytes(4).toString("hex")}`;
      await sql`select 1 as n, ${sql.lit(marker)} as m`.execute(db);
      expect(await ourStatements(db)).toEqual([]);
    }
  });

  it("a table that changes shape under a prepared SELECT * keeps working (renamed and prepared anew)", async () => {
    const db = await open();
    const table = `gh_prep_${randomBytes(4).toString("hex")}`;
    tables.push(table);
    await sql`create table ${sql.table(table)} (a int)`.execute(db);
    await sql`insert into ${sql.table(table)} (a) values (1)`.execute(db);
    const read = () => sql<Record<string, unknown>>`select * from ${sql.table(table)} where a = ${1}`.execute(db);
    expect((await read()).rows).toEqual([{ a: 1 }]);
    await sql`alter table ${sql.table(table)} add column b int default 7`.execute(db);
    // PostgreSQL refuses the old plan ("cached plan must not change result type"); the query is retried.
    expect((await read()).rows).toEqual([{ a: 1, b: 7 }]);
    expect((await read()).rows).toEqual([{ a: 1, b: 7 }]);
  });

  it("inside a transaction the stale plan aborts that transaction once; running it again works", async () => {
    const db = await open();
    const table = `gh_prep_${randomBytes(4).toString("hex")}`;
    tables.push(table);
    await sql`create table ${sql.table(table)} (a int)`.execute(db);
    await sql`insert into ${sql.table(table)} (a) values (1)`.execute(db);
    const read = (tx: Kysely<any>) => sql<Record<string, unknown>>`select * from ${sql.table(table)} where a = ${1}`.execute(tx);
    await read(db);
    await sql`alter table ${sql.table(table)} add column c text default 'x'`.execute(db);
    await expect(db.transaction().execute((tx) => read(tx))).rejects.toMatchObject({ code: "0A000" });
    const again = await db.transaction().execute((tx) => read(tx));
    expect(again.rows).toEqual([{ a: 1, c: "x" }]);
  });
});

describe.skipIf(!available)("PostgreSQL prepared statements after a lost connection", () => {
  it("a new connection prepares its statements anew (no statement is assumed to exist there)", async () => {
    const db = await open();
    const read = () => sql<{ n: number }>`select ${41}::int + 1 as n`.execute(db);
    expect((await read()).rows).toEqual([{ n: 42 }]);
    const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(db);
    // Kill the pool's only connection from another one, as a server restart or a proxy would.
    const other = await open(DATABASE_URLS.postgres, { preparedStatements: false });
    await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(other);
    // The dead connection's errors, until the pool has replaced it.
    let result: { rows: Array<{ n: number }> } | null = null;
    for (let attempt = 0; attempt < 5 && !result; attempt++) result = await read().catch(() => null);
    expect(result?.rows).toEqual([{ n: 42 }]);
    expect((await ourStatements(db)).some((s) => s.includes("+ 1 as n"))).toBe(true);
  });
});
