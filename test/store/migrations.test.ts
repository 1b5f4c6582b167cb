import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Migrator, sql, type Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kyselyStore, migrateDown, migrateToLatest, migrationSql, type SqlDialect } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { sqliteDatabase } from "gatehouse-auth/kysely/sqlite";
import { main } from "../../adapters/kysely/cli";
import { gatehouseMigrations } from "../../adapters/kysely/migrations";
import { TABLES } from "../../adapters/kysely/schema";
import { DATABASE_URLS, freshDatabase, serviceAvailable, type ServerKind, type TestDatabase } from "../helpers/databases";
import { makeIdentity, makeToken, makeUser } from "./contract";
import { TokenType } from "../../src/ports/store";

/*
 * The schema as shipped: the SQL the migrations produce, the `gatehouse-auth` command, concurrent
 * start-up against real servers, and the constraints the database itself enforces.
 */

const available: Record<ServerKind, boolean> = {
  postgres: await serviceAvailable("postgres"),
  mysql: await serviceAvailable("mysql"),
};
const LABEL: Record<SqlDialect, string> = { sqlite: "SQLite", postgres: "PostgreSQL", mysql: "MariaDB" };
const DIALECTS: SqlDialect[] = ["sqlite", "postgres", "mysql"];
const CHILD_TABLES = TABLES.filter((table) => table !== "users");

/** Every migration, in the order they run; `--down` undoes them newest first. */
const MIGRATIONS = Object.keys(gatehouseMigrations("sqlite", "")).sort();
const MIGRATED = MIGRATIONS.map((name) => `migrated: ${name}\n`).join("");
const UNDONE = [...MIGRATIONS]
  .reverse()
  .map((name) => `undone: ${name}\n`)
  .join("");

const randomPrefix = (): string => `m${randomBytes(4).toString("hex")}_`;
let counter = 0;
const unique = (label: string): string => `${label}${randomBytes(3).toString("hex")}${++counter}`;

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
  });
  return { code, out, err };
}

/** The tables of one prefix, sorted; `[]` once everything is dropped. */
async function prefixedTables(db: Kysely<any>, prefix: string): Promise<string[]> {
  return (await db.introspection.getTables())
    .map((t) => t.name)
    .filter((name) => name.startsWith(prefix))
    .sort();
}

const expectedTables = (prefix: string): string[] =>
  [...TABLES.map((t) => `${prefix}${t}`), `${prefix}gatehouse_migration`, `${prefix}gatehouse_migration_lock`].sort();

async function dropAll(db: Kysely<any>, prefix: string): Promise<void> {
  await migrateDown(db, { prefix });
  await db.schema.dropTable(`${prefix}gatehouse_migration`).ifExists().execute();
  await db.schema.dropTable(`${prefix}gatehouse_migration_lock`).ifExists().execute();
}

describe("migrationSql", () => {
  describe.each(DIALECTS)("%s", (dialect) => {
    const q = dialect === "mysql" ? "`" : '"';
    const id = (name: string) => `${q}${name}${q}`;
    let text: string;
    let statements: string[];
    const createTable = (table: string): string => {
      const found = statements.filter((s) => s.startsWith(`create table ${id(`gh_${table}`)} (`));
      expect(found, `create table gh_${table}`).toHaveLength(1);
      return found[0]!;
    };

    beforeAll(async () => {
      text = await migrationSql(dialect, { prefix: "gh_" });
      statements = text
        .split(";\n")
        .map((s) => s.trim())
        .filter(Boolean);
    });

    it("creates every table once, under the prefix, and names nothing without it", () => {
      for (const table of TABLES) createTable(table);
      expect(statements.filter((s) => s.startsWith("create table"))).toHaveLength(TABLES.length);
      const names = [...text.matchAll(new RegExp(`(?:create table|create index|references|constraint| on) ${q}([^${q}]+)${q}`, "g"))].map(
        (m) => m[1]!,
      );
      expect(names.length).toBeGreaterThan(TABLES.length * 2);
      expect(names.filter((name) => !name.startsWith("gh_"))).toEqual([]);
      for (const statement of statements.filter((s) => s.startsWith("create index")))
        expect(statement).toMatch(new RegExp(`^create index ${q}gh_\\w+${q} on ${q}gh_\\w+${q} \\(`));
    });

    it("has the unique keys the store relies on", () => {
      expect(createTable("users")).toContain(`${id("email_key")} varchar(320) unique`);
      expect(createTable("users")).toContain(`${id("phone")} varchar(16) unique`);
      expect(createTable("targets")).toContain(`${id("identifier")} varchar(320) not null unique`);
      expect(createTable("sessions")).toContain(`${id("secret_hash")} varchar(64) not null unique`);
      expect(createTable("identities")).toContain(
        `constraint ${id("gh_identities_provider_uid")} unique (${id("provider")}, ${id("provider_uid")})`,
      );
      expect(createTable("authenticators")).toContain(
        `constraint ${id("gh_authenticators_user_type")} unique (${id("user_id")}, ${id("type")})`,
      );
      expect(createTable("recovery_codes")).toContain(
        `constraint ${id("gh_recovery_codes_pk")} primary key (${id("user_id")}, ${id("code_hash")})`,
      );
    });

    it("ties every table but users to a user, deleting with it", () => {
      expect(createTable("users")).not.toContain("foreign key");
      for (const table of CHILD_TABLES) {
        expect(createTable(table)).toContain(
          `constraint ${id(`gh_${table}_user_fk`)} foreign key (${id("user_id")}) references ${id("gh_users")} (${id("id")}) on delete cascade`,
        );
      }
    });

    it.runIf(dialect === "mysql")("uses InnoDB and a binary collation for every MySQL table", () => {
      for (const table of TABLES) expect(createTable(table)).toMatch(/\) engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin$/);
    });

    it("defaults to no prefix", async () => {
      const plain = await migrationSql(dialect);
      expect(plain).toContain(`create table ${id("users")} (`);
      expect(plain).toContain(`references ${id("users")} (${id("id")}) on delete cascade`);
      expect(plain).not.toContain("gh_");
    });
  });
});

describe("gatehouse CLI", () => {
  it.each(DIALECTS)("migrate --print --dialect %s prints exactly migrationSql, with or without a prefix", async (dialect) => {
    const withPrefix = await cli("migrate", "--print", "--dialect", dialect, "--prefix", "gh_");
    expect(withPrefix).toEqual({ code: 0, out: await migrationSql(dialect, { prefix: "gh_" }), err: "" });
    const plain = await cli("migrate", "--print", "--dialect", dialect);
    expect(plain).toEqual({ code: 0, out: await migrationSql(dialect), err: "" });
  });

  it("--help prints the usage to stdout and exits 0", async () => {
    for (const flag of ["--help", "-h"]) {
      const result = await cli(flag);
      expect(result.code).toBe(0);
      expect(result.err).toBe("");
      expect(result.out).toContain("gatehouse migrate --url <url>");
      expect(result.out).toContain("--print --dialect sqlite|postgres|mysql");
      expect(result.out).toContain("--down");
    }
  });

  it.each([
    [["migrate", "--bogus"], "--bogus"],
    [["migrate", "--url"], "--url"],
    [[], "missing command"],
    [["migrat", "--url", "x.sqlite"], 'unknown command "migrat"'],
    [["migrate", "extra", "--url", "x.sqlite"], 'unexpected argument "extra"'],
    [["migrate"], "--url is required"],
    [["migrate", "--print"], "--print needs --dialect"],
    [["migrate", "--print", "--dialect", "oracle"], 'unknown dialect "oracle"'],
    [["migrate", "--print", "--down", "--dialect", "sqlite"], "cannot be combined"],
    [["migrate", "--print", "--url", "x.sqlite"], "pass --dialect instead of --url"],
    [["migrate", "--dialect", "sqlite", "--url", "x.sqlite"], "--dialect is only used with --print"],
    [["migrate", "--url", "x.sqlite", "--prefix", "gh-"], "--prefix must be"],
    [["migrate", "--url", "x.sqlite", "--prefix", "--down"], "--prefix"],
  ])("%j is a usage error: message and usage on stderr, exit 2", async (argv, message) => {
    const result = await cli(...argv);
    expect(result.code).toBe(2);
    expect(result.out).toBe("");
    expect(result.err.split("\n")[0]).toMatch(/^gatehouse: /);
    expect(result.err.split("\n")[0]).toContain(message);
    expect(result.err).toContain("Usage:");
  });

  it("reports a database it cannot open on one line and exits 1", async () => {
    const missingDir = join(tmpdir(), `gatehouse-missing-${randomBytes(6).toString("hex")}`, "db.sqlite");
    const sqlite = await cli("migrate", "--url", `sqlite:${missingDir}`);
    expect(sqlite.code).toBe(1);
    expect(sqlite.out).toBe("");
    expect(sqlite.err).toMatch(/^gatehouse: migrate failed: \S.*\n$/);
    expect(sqlite.err).toContain("directory does not exist");

    // Nothing listens on port 1; "localhost" may resolve to several addresses (an AggregateError).
    const postgres = await cli("migrate", "--url", "postgres://postgres@localhost:1/test");
    expect(postgres.code).toBe(1);
    expect(postgres.out).toBe("");
    expect(postgres.err).toMatch(/^gatehouse: migrate failed: \S.*\n$/);
    expect(postgres.err).toContain("ECONNREFUSED");
  });

  describe("against a SQLite file", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "gatehouse-cli-"));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it("migrate creates usable tables, runs again as a no-op, and --down removes every table", async () => {
      const file = join(dir, "gatehouse.sqlite");
      const first = await cli("migrate", "--url", `sqlite:${file}`, "--prefix", "gh_");
      expect(first).toEqual({ code: 0, out: MIGRATED, err: "" });

      const user = makeUser();
      let db = await sqliteDatabase(file);
      try {
        expect(await prefixedTables(db, "gh_")).toEqual(expectedTables("gh_"));
        const store = kyselyStore(db, { prefix: "gh_" });
        await store.users.create(user);
        expect(await store.users.get(user.id)).toMatchObject({ id: user.id, email: user.email, name: user.name });
      } finally {
        await db.destroy();
      }

      // Idempotent, and the data survives. A plain path is a SQLite URL too.
      const second = await cli("migrate", "--url", file, "--prefix", "gh_");
      expect(second).toEqual({ code: 0, out: "already up to date\n", err: "" });
      db = await sqliteDatabase(file);
      try {
        expect(await kyselyStore(db, { prefix: "gh_" }).users.get(user.id)).toMatchObject({ id: user.id });
        expect(await db.selectFrom("gh_gatehouse_migration").select("name").orderBy("name").execute()).toEqual(
          MIGRATIONS.map((name) => ({ name })),
        );
      } finally {
        await db.destroy();
      }

      const down = await cli("migrate", "--down", "--url", `sqlite:${file}`, "--prefix", "gh_");
      expect(down).toEqual({ code: 0, out: UNDONE, err: "" });
      db = await sqliteDatabase(file);
      try {
        expect(await db.introspection.getTables()).toEqual([]);
      } finally {
        await db.destroy();
      }
      expect(await cli("migrate", "--down", "--url", file, "--prefix", "gh_")).toEqual({ code: 0, out: "nothing to undo\n", err: "" });
    });

    it("keeps prefixes apart: migrating one prefix leaves another's tables alone", async () => {
      const file = join(dir, "two-prefixes.sqlite");
      expect((await cli("migrate", "--url", file, "--prefix", "a_")).code).toBe(0);
      expect((await cli("migrate", "--url", file, "--prefix", "b_")).out).toBe(MIGRATED);
      expect((await cli("migrate", "--down", "--url", file, "--prefix", "a_")).code).toBe(0);
      const db = await sqliteDatabase(file);
      try {
        expect(await prefixedTables(db, "a_")).toEqual([]);
        expect(await prefixedTables(db, "b_")).toEqual(expectedTables("b_"));
        await dropAll(db, "b_");
        expect(await db.introspection.getTables()).toEqual([]);
      } finally {
        await db.destroy();
      }
    });
  });

  for (const kind of ["postgres", "mysql"] as const) {
    describe.skipIf(!available[kind])(`against ${LABEL[kind]}`, () => {
      it("migrate, migrate again, then --down, under a random prefix", async () => {
        const prefix = randomPrefix();
        const url = DATABASE_URLS[kind];
        const db = await openDatabase(url, { poolSize: 2 });
        try {
          expect(await cli("migrate", "--url", url, "--prefix", prefix)).toEqual({ code: 0, out: MIGRATED, err: "" });
          expect(await prefixedTables(db, prefix)).toEqual(expectedTables(prefix));
          const user = makeUser();
          const store = kyselyStore(db, { prefix });
          await store.users.create(user);
          expect(await store.users.get(user.id)).toMatchObject({ id: user.id, email: user.email });

          expect(await cli("migrate", "--url", url, "--prefix", prefix)).toEqual({ code: 0, out: "already up to date\n", err: "" });
          expect(await store.users.get(user.id)).toMatchObject({ id: user.id });

          expect(await cli("migrate", "--down", "--url", url, "--prefix", prefix)).toEqual({
            code: 0,
            out: UNDONE,
            err: "",
          });
          expect(await prefixedTables(db, prefix)).toEqual([]);
        } finally {
          await dropAll(db, prefix);
          await db.destroy();
        }
      });
    });
  }
});

for (const kind of ["postgres", "mysql"] as const) {
  describe.skipIf(!available[kind])(`${LABEL[kind]}: instances starting at once`, () => {
    it("4 instances with separate pools migrate concurrently: all resolve, one applies the migration", async () => {
      const prefix = randomPrefix();
      const dbs = await Promise.all([1, 2, 3, 4].map(() => openDatabase(DATABASE_URLS[kind], { poolSize: 2 })));
      try {
        const results = await Promise.all(dbs.map((db) => migrateToLatest(db, { prefix })));
        const applied = results.flatMap((r) => r.results ?? []);
        expect(applied).toEqual(MIGRATIONS.map((migrationName) => ({ migrationName, direction: "Up", status: "Success" })));

        expect(await prefixedTables(dbs[0]!, prefix)).toEqual(expectedTables(prefix));
        expect(await dbs[1]!.selectFrom(`${prefix}gatehouse_migration`).select("name").orderBy("name").execute()).toEqual(
          MIGRATIONS.map((name) => ({ name })),
        );
        const user = makeUser();
        await kyselyStore(dbs[2]!, { prefix }).users.create(user);
        expect(await kyselyStore(dbs[3]!, { prefix }).users.get(user.id)).toMatchObject({ id: user.id });

        await dropAll(dbs[0]!, prefix);
        expect(await prefixedTables(dbs[0]!, prefix)).toEqual([]);
      } finally {
        await dropAll(dbs[0]!, prefix).catch(() => {});
        await Promise.all(dbs.map((db) => db.destroy()));
      }
    });
  });
}

describe.skipIf(!available.postgres)("PostgreSQL: migrating while another session drops columns", () => {
  it("the migrator's catalogue scan, raced by a column dropped elsewhere (42703), is run again rather than failing", async () => {
    const db = await openDatabase(DATABASE_URLS.postgres, { poolSize: 4 });
    const churned = `churn_${randomBytes(4).toString("hex")}`;
    await sql.raw(`create table ${churned} (id int)`).execute(db);
    let stop = false;
    // Another application's migrations, adding and dropping columns as fast as they can.
    const churn = (async () => {
      for (let i = 0; !stop; i++) {
        await sql.raw(`alter table ${churned} add column c${i} int`).execute(db);
        await sql.raw(`alter table ${churned} drop column c${i}`).execute(db);
        // Paced, so that a scan run again soon finds a quiet moment; unpaced, every scan would race.
        await new Promise((resolve) => setTimeout(resolve, 30));
      }
    })();
    try {
      for (let round = 0; round < 6; round++) {
        const prefix = randomPrefix();
        await migrateToLatest(db, { prefix });
        await dropAll(db, prefix);
      }
    } finally {
      stop = true;
      await churn;
      await sql.raw(`drop table ${churned}`).execute(db);
      await db.destroy();
    }
  });
});

/*
 * A migration added later meets rows written before it: the database is brought to 0001 first,
 * filled the way the 0001 store wrote rows, then migrated on.
 */
describe("0002 and 0003 on a database with identities and tokens from before them", () => {
  const kinds = (["sqlite", "postgres", "mysql"] as const).filter((kind) => kind === "sqlite" || available[kind]);
  it.each(kinds)(
    '%s: old rows read providerIdToken as "" and identityId as null, new ones keep theirs; down drops only the columns',
    async (kind) => {
      const db = await openDatabase(kind === "sqlite" ? ":memory:" : DATABASE_URLS[kind], { poolSize: 2 });
      const prefix = randomPrefix();
      const migrator = new Migrator({
        db,
        provider: { getMigrations: async () => gatehouseMigrations(kind, prefix) },
        migrationTableName: `${prefix}gatehouse_migration`,
        migrationLockTableName: `${prefix}gatehouse_migration_lock`,
      });
      try {
        expect((await migrator.migrateTo("0001_initial")).error).toBeUndefined();
        const store = kyselyStore(db, { prefix });
        const user = makeUser();
        await store.users.create(user);
        const old = makeIdentity(user.id, { providerIdToken: "" });
        // The 0001 row: every column but the new one.
        await db
          .insertInto(`${prefix}identities`)
          .values({
            id: old.id,
            user_id: user.id,
            created_at: old.createdAt.getTime(),
            updated_at: old.updatedAt.getTime(),
            provider: old.provider,
            provider_uid: old.providerUid,
            provider_email: old.providerEmail,
            provider_access_token: old.providerAccessToken,
            provider_access_token_expiry: old.providerAccessTokenExpiry!.getTime(),
            provider_refresh_token: old.providerRefreshToken,
          })
          .execute();
        const token = makeToken(user.id, { identityId: null });
        await db
          .insertInto(`${prefix}tokens`)
          .values({
            id: token.id,
            user_id: user.id,
            created_at: token.createdAt.getTime(),
            type: token.type,
            secret_hash: token.secretHash,
            expire: token.expire.getTime(),
            phrase: token.phrase,
            ip: token.ip,
            user_agent: token.userAgent,
            attempts: token.attempts,
          })
          .execute();

        await migrateToLatest(db, { prefix });
        expect(await store.tokens.list(user.id, token.createdAt)).toEqual([token]);
        const linked = makeToken(user.id, { type: TokenType.oauth2, identityId: old.id });
        await store.tokens.create(linked);
        expect(await store.tokens.list(user.id, token.createdAt)).toContainEqual(linked);
        expect(await store.identities.get(old.id)).toEqual(old);
        const sealed = `v1.${"x".repeat(12_000)}`; // a sealed 8 KiB token is about 11 000 characters
        expect(await store.identities.update(old.id, { providerIdToken: sealed })).toEqual({ ...old, providerIdToken: sealed });
        const fresh = makeIdentity(user.id, { providerIdToken: "v1.fresh" });
        await store.identities.create(fresh);
        expect(await store.identities.get(fresh.id)).toEqual(fresh);

        expect((await migrator.migrateTo("0001_initial")).results).toEqual([
          { migrationName: "0003_token_identity", direction: "Down", status: "Success" },
          { migrationName: "0002_identity_id_token", direction: "Down", status: "Success" },
        ]);
        const tables = await db.introspection.getTables();
        const columns = (table: string) => tables.find((t) => t.name === `${prefix}${table}`)!.columns.map((c) => c.name);
        expect(columns("identities")).not.toContain("provider_id_token");
        expect(columns("identities")).toContain("provider_refresh_token");
        expect(columns("tokens")).not.toContain("identity_id");
        expect(columns("tokens")).toContain("attempts");
        expect(await db.selectFrom(`${prefix}tokens`).select("id").execute()).toHaveLength(2);
        const rows = await db.selectFrom(`${prefix}identities`).select("id").orderBy("id").execute();
        expect(rows.map((r) => r.id).sort()).toEqual([old.id, fresh.id].sort());
      } finally {
        await dropAll(db, prefix).catch(() => {});
        await db.destroy();
      }
    },
  );
});

/*
 * What the database guarantees by itself, whatever the code on top does: raw inserts and deletes,
 * no store in between.
 */
const T = Date.UTC(2024, 4, 6);
const CLIENT = {
  os_code: "MAC",
  os_name: "Mac",
  os_version: "14",
  client_type: "browser",
  client_code: "CH",
  client_name: "Chrome",
  client_version: "124",
  client_engine: "Blink",
  client_engine_version: "124",
  device_name: "desktop",
  device_brand: "Apple",
  device_model: "MacBook",
  country_code: "de",
};
const userRow = (values: { id?: string; email_key?: string | null; phone?: string | null } = {}) => {
  const emailKey = values.email_key === undefined ? `${unique("e")}@example.com` : values.email_key;
  return {
    id: values.id ?? unique("u"),
    created_at: T,
    updated_at: T,
    name: "Raw",
    email: emailKey,
    email_key: emailKey,
    phone: values.phone === undefined ? null : values.phone,
    password_hash: null,
    password_updated_at: null,
    password_history: "[]",
    registration: T,
    status: 1,
    labels: "[]",
    email_verification: 0,
    phone_verification: 0,
    mfa: 0,
    prefs: "{}",
    accessed_at: null,
  };
};
const sessionRow = (userId: string, secretHash = randomBytes(32).toString("hex")) => ({
  id: unique("s"),
  user_id: userId,
  created_at: T,
  updated_at: T,
  expire: T + 86_400_000,
  provider: "email",
  provider_uid: "raw@example.com",
  provider_access_token: "",
  provider_access_token_expiry: null,
  provider_refresh_token: "",
  secret_hash: secretHash,
  ip: "203.0.113.7",
  user_agent: "test",
  factors: '["password"]',
  mfa_updated_at: null,
  ...CLIENT,
});
const targetRow = (userId: string, identifier = `${unique("t")}@example.com`) => ({
  id: unique("t"),
  user_id: userId,
  created_at: T,
  updated_at: T,
  provider_type: "email",
  identifier,
  name: "",
  provider_id: null,
  expired: 0,
});
const identityRow = (userId: string, provider: string, providerUid: string) => ({
  id: unique("i"),
  user_id: userId,
  created_at: T,
  updated_at: T,
  provider,
  provider_uid: providerUid,
  provider_email: "raw@example.com",
  provider_access_token: "",
  provider_access_token_expiry: null,
  provider_refresh_token: "",
});
const childRows = (userId: string): Record<(typeof CHILD_TABLES)[number], Record<string, unknown>> => ({
  targets: targetRow(userId),
  sessions: sessionRow(userId),
  tokens: {
    id: unique("k"),
    user_id: userId,
    created_at: T,
    type: 1,
    secret_hash: randomBytes(32).toString("hex"),
    expire: T + 1,
    phrase: "",
    ip: "",
    user_agent: "",
    attempts: 0,
  },
  challenges: {
    id: unique("c"),
    user_id: userId,
    created_at: T,
    type: "totp",
    code_hash: randomBytes(32).toString("hex"),
    expire: T + 1,
    attempts: 0,
  },
  authenticators: {
    id: unique("a"),
    user_id: userId,
    created_at: T,
    updated_at: T,
    type: "totp",
    verified: 1,
    secret: "sealed",
    last_used_step: null,
  },
  recovery_codes: { user_id: userId, code_hash: randomBytes(32).toString("hex"), sealed_code: "sealed", created_at: T, position: 0 },
  identities: identityRow(userId, "github", unique("gh")),
  logs: {
    id: unique("l"),
    user_id: userId,
    event: "session.create",
    resource: "user/x",
    user_email: "",
    user_name: "",
    mode: "default",
    ip: "",
    time: T,
    user_agent: "",
    ...CLIENT,
  },
});

const UNIQUE_VIOLATION = ["23505", "ER_DUP_ENTRY", "SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"];
const FOREIGN_KEY_VIOLATION = ["23503", "ER_NO_REFERENCED_ROW_2", "ER_NO_REFERENCED_ROW", "SQLITE_CONSTRAINT_FOREIGNKEY"];

async function rejection(promise: Promise<unknown>): Promise<{ code?: string; errno?: number; message?: string }> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, "the database should have refused this").not.toBeNull();
  return error as { code?: string };
}

for (const dialect of DIALECTS) {
  describe.skipIf(dialect !== "sqlite" && !available[dialect as ServerKind])(`${LABEL[dialect]}: constraints held by the database`, () => {
    let database: TestDatabase;
    let db: Kysely<any>;
    const t = (table: string) => `${database.prefix}${table}`;
    const insert = (table: string, row: Record<string, unknown>) => db.insertInto(t(table)).values(row).execute();
    const count = async (table: string, userId: string): Promise<number> => {
      const row = await db
        .selectFrom(t(table))
        .select((eb) => eb.fn.countAll().as("n"))
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    };

    beforeAll(async () => {
      // SQLite: an in-memory database through sqliteDatabase, which turns foreign keys on.
      database = await freshDatabase(dialect);
      db = database.db;
    });
    afterAll(() => database?.drop());

    it("email_key is unique, and any number of users may have none", async () => {
      const key = `${unique("dup")}@example.com`;
      await insert("users", userRow({ email_key: key }));
      await insert("users", userRow());
      const error = await rejection(insert("users", userRow({ email_key: key })));
      expect(UNIQUE_VIOLATION).toContain(error.code);

      await insert("users", userRow({ email_key: null, phone: null }));
      await insert("users", userRow({ email_key: null, phone: null }));
      expect(await db.selectFrom(t("users")).select("id").where("email_key", "=", key).execute()).toHaveLength(1);
    });

    it("phone is unique", async () => {
      const phone = `+1${String(randomBytes(5).readUIntBE(0, 5)).padStart(13, "0").slice(-10)}`;
      await insert("users", userRow({ phone }));
      const error = await rejection(insert("users", userRow({ phone })));
      expect(UNIQUE_VIOLATION).toContain(error.code);
    });

    it("a target identifier belongs to one target, across users", async () => {
      const a = userRow();
      const b = userRow();
      await insert("users", a);
      await insert("users", b);
      const identifier = `${unique("target")}@example.com`;
      await insert("targets", targetRow(a.id, identifier));
      await insert("targets", targetRow(b.id));
      const error = await rejection(insert("targets", targetRow(b.id, identifier)));
      expect(UNIQUE_VIOLATION).toContain(error.code);
    });

    it("an identity (provider, provider_uid) is linked once; the same uid at another provider is fine", async () => {
      const a = userRow();
      const b = userRow();
      await insert("users", a);
      await insert("users", b);
      const uid = unique("uid");
      await insert("identities", identityRow(a.id, "google", uid));
      await insert("identities", identityRow(b.id, "github", uid));
      await insert("identities", identityRow(b.id, "google", `${uid}x`));
      const error = await rejection(insert("identities", identityRow(b.id, "google", uid)));
      expect(UNIQUE_VIOLATION).toContain(error.code);
    });

    it("a session secret hash is unique and compared exactly (hashes differing in case are different)", async () => {
      const user = userRow();
      await insert("users", user);
      const hash = randomBytes(32).toString("hex").replace(/[0-9]/g, "a");
      await insert("sessions", sessionRow(user.id, hash));
      const error = await rejection(insert("sessions", sessionRow(user.id, hash)));
      expect(UNIQUE_VIOLATION).toContain(error.code);

      // A case-insensitive collation (MySQL's default) would call these equal.
      await insert("sessions", sessionRow(user.id, hash.toUpperCase()));
      const found = await db.selectFrom(t("sessions")).select("secret_hash").where("secret_hash", "=", hash.toUpperCase()).execute();
      expect(found).toEqual([{ secret_hash: hash.toUpperCase() }]);
    });

    it("refuses rows of a user that does not exist", async () => {
      const error = await rejection(insert("sessions", sessionRow(unique("ghost"))));
      expect(FOREIGN_KEY_VIOLATION).toContain(error.code);
    });

    it("deleting a user row deletes everything it owns, and nothing else", async () => {
      const doomed = userRow();
      const kept = userRow();
      await insert("users", doomed);
      await insert("users", kept);
      for (const [table, row] of Object.entries(childRows(doomed.id))) await insert(table, row);
      for (const [table, row] of Object.entries(childRows(kept.id))) await insert(table, row);
      for (const table of CHILD_TABLES) expect(await count(table, doomed.id), table).toBe(1);

      await sql`delete from ${sql.table(t("users"))} where ${sql.ref("id")} = ${doomed.id}`.execute(db);

      for (const table of CHILD_TABLES) {
        expect(await count(table, doomed.id), `${table} of the deleted user`).toBe(0);
        expect(await count(table, kept.id), `${table} of the other user`).toBe(1);
      }
    });
  });
}
