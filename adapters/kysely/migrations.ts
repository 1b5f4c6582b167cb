import { sql, type ColumnDataType, type ColumnDefinitionBuilder, type Kysely, type Migration, type CreateTableBuilder } from "kysely";
import type { SqlDialect } from "./schema";
import { TablePrefixPlugin } from "./prefix";

/**
 * The schema as Kysely migrations. Column types differ by dialect only where they must: JSON is
 * `json` on PostgreSQL/MySQL and text on SQLite; MySQL tables use a binary collation so ids and
 * hashes compare exactly (its default collation ignores case).
 */
export function gatehouseMigrations(dialect: SqlDialect, prefix: string): Record<string, Migration> {
  const json: ColumnDataType = dialect === "sqlite" ? "text" : "json";
  const longText: ColumnDataType = dialect === "mysql" ? (sql`mediumtext` as unknown as ColumnDataType) : "text";
  const millis: ColumnDataType = "bigint";
  const flag: ColumnDataType = "integer";
  const index = (name: string) => `${prefix}${name}`;

  const withPrefix = (db: Kysely<unknown>) => (prefix ? db.withPlugin(new TablePrefixPlugin(prefix)) : db);
  const finish = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    dialect === "mysql" ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin`) : table;

  const clientInfo = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) =>
    table
      .addColumn("os_code", "varchar(64)", (c) => c.notNull())
      .addColumn("os_name", "varchar(128)", (c) => c.notNull())
      .addColumn("os_version", "varchar(64)", (c) => c.notNull())
      .addColumn("client_type", "varchar(64)", (c) => c.notNull())
      .addColumn("client_code", "varchar(64)", (c) => c.notNull())
      .addColumn("client_name", "varchar(128)", (c) => c.notNull())
      .addColumn("client_version", "varchar(64)", (c) => c.notNull())
      .addColumn("client_engine", "varchar(128)", (c) => c.notNull())
      .addColumn("client_engine_version", "varchar(64)", (c) => c.notNull())
      .addColumn("device_name", "varchar(128)", (c) => c.notNull())
      .addColumn("device_brand", "varchar(128)", (c) => c.notNull())
      .addColumn("device_model", "varchar(128)", (c) => c.notNull())
      .addColumn("country_code", "varchar(8)", (c) => c.notNull());

  const initial: Migration = {
    async up(raw) {
      const db = withPrefix(raw);
      const userRef = (c: ColumnDefinitionBuilder) => c.notNull();
      // Table-level constraints: MySQL parses a column-level REFERENCES and then ignores it.
      const ownedBy = <T extends string, C extends string>(name: string, table: CreateTableBuilder<T, C>) =>
        table.addForeignKeyConstraint(index(`${name}_user_fk`), ["user_id"] as C[], "users", ["id"], (fk) => fk.onDelete("cascade"));

      await finish(
        db.schema
          .createTable("users")
          .addColumn("id", "varchar(36)", (c) => c.primaryKey())
          .addColumn("created_at", millis, (c) => c.notNull())
          .addColumn("updated_at", millis, (c) => c.notNull())
          .addColumn("name", "varchar(512)", (c) => c.notNull())
          .addColumn("email", "varchar(320)")
          .addColumn("email_key", "varchar(320)", (c) => c.unique())
          .addColumn("phone", "varchar(16)", (c) => c.unique())
          .addColumn("password_hash", "text")
          .addColumn("password_updated_at", millis)
          .addColumn("password_history", json, (c) => c.notNull())
          .addColumn("registration", millis, (c) => c.notNull())
          .addColumn("status", flag, (c) => c.notNull())
          .addColumn("labels", json, (c) => c.notNull())
          .addColumn("email_verification", flag, (c) => c.notNull())
          .addColumn("phone_verification", flag, (c) => c.notNull())
          .addColumn("mfa", flag, (c) => c.notNull())
          .addColumn("prefs", json, (c) => c.notNull())
          .addColumn("accessed_at", millis),
      ).execute();

      await finish(
        ownedBy(
          "sessions",
          clientInfo(
            db.schema
              .createTable("sessions")
              .addColumn("id", "varchar(36)", (c) => c.primaryKey())
              .addColumn("user_id", "varchar(36)", userRef)
              .addColumn("created_at", millis, (c) => c.notNull())
              .addColumn("updated_at", millis, (c) => c.notNull())
              .addColumn("expire", millis, (c) => c.notNull())
              .addColumn("provider", "varchar(128)", (c) => c.notNull())
              .addColumn("provider_uid", "varchar(320)", (c) => c.notNull())
              .addColumn("provider_access_token", longText, (c) => c.notNull())
              .addColumn("provider_access_token_expiry", millis)
              .addColumn("provider_refresh_token", longText, (c) => c.notNull())
              .addColumn("secret_hash", "varchar(64)", (c) => c.notNull().unique())
              .addColumn("ip", "varchar(64)", (c) => c.notNull())
              .addColumn("user_agent", "text", (c) => c.notNull())
              .addColumn("factors", json, (c) => c.notNull())
              .addColumn("mfa_updated_at", millis),
          ),
        ),
      ).execute();
      await db.schema.createIndex(index("sessions_user_created")).on("sessions").columns(["user_id", "created_at"]).execute();
      await db.schema.createIndex(index("sessions_expire")).on("sessions").column("expire").execute();

      // After sessions: a push target belongs to the session it was registered from and goes
      // with it (ON DELETE CASCADE, the store port's rule in src/ports/store.ts).
      await finish(
        ownedBy(
          "targets",
          db.schema
            .createTable("targets")
            .addColumn("id", "varchar(36)", (c) => c.primaryKey())
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("updated_at", millis, (c) => c.notNull())
            .addColumn("provider_type", "varchar(16)", (c) => c.notNull())
            .addColumn("identifier", "varchar(320)", (c) => c.notNull().unique())
            .addColumn("name", "varchar(255)", (c) => c.notNull())
            .addColumn("provider_id", "varchar(36)")
            .addColumn("expired", flag, (c) => c.notNull())
            .addColumn("session_id", "varchar(36)")
            .addForeignKeyConstraint(index("targets_session_fk"), ["session_id"], "sessions", ["id"], (fk) => fk.onDelete("cascade")),
        ),
      ).execute();
      await db.schema.createIndex(index("targets_user")).on("targets").column("user_id").execute();
      await db.schema.createIndex(index("targets_session")).on("targets").column("session_id").execute();

      await finish(
        ownedBy(
          "tokens",
          db.schema
            .createTable("tokens")
            .addColumn("id", "varchar(36)", (c) => c.primaryKey())
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("type", "integer", (c) => c.notNull())
            .addColumn("secret_hash", "varchar(64)", (c) => c.notNull())
            .addColumn("expire", millis, (c) => c.notNull())
            .addColumn("phrase", "varchar(255)", (c) => c.notNull())
            .addColumn("ip", "varchar(64)", (c) => c.notNull())
            .addColumn("user_agent", "text", (c) => c.notNull())
            .addColumn("attempts", "integer", (c) => c.notNull()),
        ),
      ).execute();
      await db.schema.createIndex(index("tokens_user_type")).on("tokens").columns(["user_id", "type"]).execute();
      await db.schema.createIndex(index("tokens_expire")).on("tokens").column("expire").execute();

      await finish(
        ownedBy(
          "challenges",
          db.schema
            .createTable("challenges")
            .addColumn("id", "varchar(36)", (c) => c.primaryKey())
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("type", "varchar(32)", (c) => c.notNull())
            .addColumn("code_hash", "varchar(64)", (c) => c.notNull())
            .addColumn("expire", millis, (c) => c.notNull())
            .addColumn("attempts", "integer", (c) => c.notNull()),
        ),
      ).execute();
      await db.schema.createIndex(index("challenges_user")).on("challenges").column("user_id").execute();
      await db.schema.createIndex(index("challenges_expire")).on("challenges").column("expire").execute();

      await finish(
        ownedBy(
          "authenticators",
          db.schema
            .createTable("authenticators")
            .addColumn("id", "varchar(36)", (c) => c.primaryKey())
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("updated_at", millis, (c) => c.notNull())
            .addColumn("type", "varchar(16)", (c) => c.notNull())
            .addColumn("verified", flag, (c) => c.notNull())
            .addColumn("secret", "varchar(255)", (c) => c.notNull())
            .addColumn("last_used_step", millis)
            .addUniqueConstraint(index("authenticators_user_type"), ["user_id", "type"]),
        ),
      ).execute();

      await finish(
        ownedBy(
          "recovery_codes",
          db.schema
            .createTable("recovery_codes")
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("code_hash", "varchar(64)", (c) => c.notNull())
            .addColumn("sealed_code", "text", (c) => c.notNull())
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("position", "integer", (c) => c.notNull())
            .addPrimaryKeyConstraint(index("recovery_codes_pk"), ["user_id", "code_hash"]),
        ),
      ).execute();

      await finish(
        ownedBy(
          "identities",
          db.schema
            .createTable("identities")
            .addColumn("id", "varchar(36)", (c) => c.primaryKey())
            .addColumn("user_id", "varchar(36)", userRef)
            .addColumn("created_at", millis, (c) => c.notNull())
            .addColumn("updated_at", millis, (c) => c.notNull())
            .addColumn("provider", "varchar(128)", (c) => c.notNull())
            .addColumn("provider_uid", "varchar(255)", (c) => c.notNull())
            .addColumn("provider_email", "varchar(320)", (c) => c.notNull())
            .addColumn("provider_access_token", longText, (c) => c.notNull())
            .addColumn("provider_access_token_expiry", millis)
            .addColumn("provider_refresh_token", longText, (c) => c.notNull())
            .addUniqueConstraint(index("identities_provider_uid"), ["provider", "provider_uid"]),
        ),
      ).execute();
      await db.schema.createIndex(index("identities_user")).on("identities").column("user_id").execute();
      await db.schema.createIndex(index("identities_email")).on("identities").column("provider_email").execute();

      const seq =
        dialect === "postgres"
          ? (t: CreateTableBuilder<"logs", never>) => t.addColumn("seq", "bigserial", (c) => c.notNull().unique())
          : dialect === "mysql"
            ? (t: CreateTableBuilder<"logs", never>) => t.addColumn("seq", "bigint", (c) => c.notNull().autoIncrement().unique())
            : // SQLite: the rowid orders inserts already; a plain column keeps the row shape alike.
              (t: CreateTableBuilder<"logs", never>) => t.addColumn("seq", "integer");
      await finish(
        ownedBy(
          "logs",
          clientInfo(
            seq(db.schema.createTable("logs") as unknown as CreateTableBuilder<"logs", never>)
              .addColumn("id", "varchar(36)", (c) => c.primaryKey())
              .addColumn("user_id", "varchar(36)", userRef)
              .addColumn("event", "varchar(64)", (c) => c.notNull())
              .addColumn("resource", "varchar(255)", (c) => c.notNull())
              .addColumn("user_email", "varchar(320)", (c) => c.notNull())
              .addColumn("user_name", "varchar(512)", (c) => c.notNull())
              .addColumn("mode", "varchar(16)", (c) => c.notNull())
              .addColumn("ip", "varchar(64)", (c) => c.notNull())
              .addColumn("time", millis, (c) => c.notNull())
              .addColumn("user_agent", "text", (c) => c.notNull()),
          ),
        ),
      ).execute();
      await db.schema.createIndex(index("logs_user_time")).on("logs").columns(["user_id", "time"]).execute();
    },

    async down(raw) {
      const db = withPrefix(raw);
      for (const table of [
        "logs",
        "identities",
        "recovery_codes",
        "authenticators",
        "challenges",
        "tokens",
        "targets",
        "sessions",
        "users",
      ]) {
        await db.schema.dropTable(table).ifExists().execute();
      }
    },
  };

  // Migrations are only ever added: a database that ran one never runs it again, so an edited
  // migration would leave databases that differ by when they were created.
  const identityIdToken: Migration = {
    async up(raw) {
      // Nullable, with no default: MySQL allows no literal default on a TEXT column, and the
      // store reads null as "" (adapters/kysely/store/codec.ts `textOrEmpty`).
      await withPrefix(raw).schema.alterTable("identities").addColumn("provider_id_token", longText).execute();
    },
    async down(raw) {
      await withPrefix(raw).schema.alterTable("identities").dropColumn("provider_id_token").execute();
    },
  };

  const tokenIdentity: Migration = {
    async up(raw) {
      // No foreign key: a token whose identity was deleted still signs in, with 1.6's session.
      await withPrefix(raw).schema.alterTable("tokens").addColumn("identity_id", "varchar(36)").execute();
    },
    async down(raw) {
      await withPrefix(raw).schema.alterTable("tokens").dropColumn("identity_id").execute();
    },
  };

  // The hot query (sessions.findAuth, adapters/kysely/store/sessions.ts) reads a user's targets
  // ordered by creation: with the order in the index, the database walks the index instead of
  // sorting the rows of every authenticated request (SQLite built a temporary B-tree per call).
  // It also serves every lookup by user_id, so the user_id-only index goes.
  const targetsInOrder: Migration = {
    async up(raw) {
      const db = withPrefix(raw);
      await db.schema.createIndex(index("targets_user_order")).on("targets").columns(["user_id", "created_at", "id"]).execute();
      await dropIndex(db, "targets_user");
    },
    async down(raw) {
      const db = withPrefix(raw);
      await db.schema.createIndex(index("targets_user")).on("targets").column("user_id").execute();
      await dropIndex(db, "targets_user_order");
    },
  };

  /** MySQL names the table an index belongs to; the others refuse it. */
  const dropIndex = (db: Kysely<any>, name: string) =>
    (dialect === "mysql" ? db.schema.dropIndex(index(name)).on("targets") : db.schema.dropIndex(index(name))).execute();

  return {
    "0001_initial": initial,
    "0002_identity_id_token": identityIdToken,
    "0003_token_identity": tokenIdentity,
    "0004_targets_in_order": targetsInOrder,
  };
}
