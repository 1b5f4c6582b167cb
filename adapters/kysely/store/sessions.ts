import { AUTH_SESSION_FIELDS, type AuthSession, type SessionRepository, type TargetRecord } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { affected, deleteById, getById, insertRow, updateById } from "./rows";

/**
 * The joined hot query's aliases, built once (template strings per row cost more than the query).
 * Of the session only what authentication reads: every column costs the driver per row
 * (node-postgres describes and parses each, better-sqlite3 builds a property per column).
 */
const SESSION = codecs.sessions.aliased("sessions", "s_", AUTH_SESSION_FIELDS);
const USER = codecs.users.aliased("users", "u_");
const TARGET = codecs.targets.aliased("targets", "t_");

/** How one row of the joined query reads; a user without targets gives one row whose target columns are null. */
interface JoinedRow<Row> {
  session(row: Row): AuthSession["session"];
  user(row: Row): AuthSession["user"];
  target(row: Row): TargetRecord;
  hasTarget(row: Row): boolean;
}

const BY_NAME: JoinedRow<Record<string, unknown>> = {
  session: SESSION.read,
  user: USER.read,
  target: TARGET.read,
  hasTarget: (row) => row.t_id !== null && row.t_id !== undefined,
};

// The same columns by position, for rows fetched as arrays straight on the driver (below).
const TARGET_OFFSET = SESSION.selections.length + USER.selections.length;
const TARGET_ID = TARGET_OFFSET + TARGET.selections.findIndex((selection) => selection.endsWith(" as t_id"));
const BY_POSITION: JoinedRow<readonly unknown[]> = {
  session: SESSION.readAt(0),
  user: USER.readAt(SESSION.selections.length),
  target: TARGET.readAt(TARGET_OFFSET),
  hasTarget: (row) => row[TARGET_ID] !== null,
};

function joined<Row>(rows: readonly Row[], read: JoinedRow<Row>): AuthSession | null {
  const first = rows[0];
  if (first === undefined) return null;
  const targets: TargetRecord[] = [];
  for (const row of rows) if (read.hasTarget(row)) targets.push(read.target(row));
  return { session: read.session(first), user: read.user(first), targets };
}

export function sessions(ctx: StoreContext): SessionRepository {
  const { db } = ctx;
  const list = async (userId: string) =>
    (await db.selectFrom("sessions").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute()).map(
      codecs.sessions.fromRow,
    );

  return {
    create: (session) => insertRow(ctx, "sessions", codecs.sessions, session),

    async findAuth(userId, secretHash) {
      // The hot path of every authenticated request: session, user and the user's targets in one
      // query (a LEFT JOIN gives one row per target, or one row with null target columns). The
      // SQL is compiled once per store and only the parameters change: building and prefixing
      // the query tree cost more than running it.
      let query = ctx.compiled.get("findAuth");
      if (query === undefined) {
        query = db
          .selectFrom("sessions")
          .innerJoin("users", "users.id", "sessions.user_id")
          .leftJoin("targets", "targets.user_id", "users.id")
          .select(SESSION.selections as any)
          .select(USER.selections as any)
          .select(TARGET.selections as any)
          .where("sessions.secret_hash", "=", "")
          .where("sessions.user_id", "=", "")
          .orderBy("targets.created_at")
          .orderBy("targets.id")
          .compile();
        ctx.compiled.set("findAuth", query);
      }
      // On a database Gatehouse opened, the same SQL straight on the driver, rows as arrays
      // (adapters/kysely/raw-reader.ts); the driver may send it through Kysely after all.
      const parameters = [secretHash, userId];
      const raw = ctx.reader === null ? undefined : await ctx.reader.rows(query.sql, parameters);
      if (raw !== undefined) return joined(raw, BY_POSITION);
      const { rows } = await db.executeQuery<Record<string, unknown>>({
        sql: query.sql,
        query: query.query,
        queryId: query.queryId,
        parameters,
      });
      return joined(rows, BY_NAME);
    },

    get: (id) => getById(ctx, "sessions", codecs.sessions, id),
    list,
    update: (id, patch) => updateById(ctx, "sessions", codecs.sessions, id, patch),
    delete: (id) => deleteById(ctx, "sessions", id),

    async deleteAll(userId) {
      if (ctx.caps.returning) {
        return (await db.deleteFrom("sessions").where("user_id", "=", userId).returning("id").execute()).map((row) => row.id);
      }
      // Without RETURNING, one DELETE per id: the affected-row count says which this call removed.
      const ids = await db.selectFrom("sessions").select("id").where("user_id", "=", userId).execute();
      const deleted: string[] = [];
      for (const { id } of ids) if (affected(await db.deleteFrom("sessions").where("id", "=", id).executeTakeFirst())) deleted.push(id);
      return deleted;
    },

    async trim(userId, keep) {
      // A user has few sessions (the limit is at most 100), so reading their ids is cheap and
      // avoids LIMIT/OFFSET forms the three dialects disagree on. A concurrent trim reads the same
      // surplus and deletes the same rows: the limit holds either way.
      const ids = await db
        .selectFrom("sessions")
        .select("id")
        .where("user_id", "=", userId)
        .orderBy("created_at", "desc")
        .orderBy("id", "desc")
        .execute();
      const surplus = ids.slice(Math.max(0, keep)).map((row) => row.id);
      if (surplus.length > 0) await db.deleteFrom("sessions").where("id", "in", surplus).execute();
    },
  };
}
