import { sql, type CompiledQuery, type Kysely, type Transaction } from "kysely";
import {
  StoreConflictError,
  StoreUnavailableError,
  type AuthenticatorRecord,
  type ChallengeRecord,
  type ClientInfo,
  type IdentityRecord,
  type LogRecord,
  type RecoveryCodeRecord,
  type SessionRecord,
  type Store,
  type TargetRecord,
  type TokenRecord,
  type TokenTypeValue,
  type UserPatch,
  type UserRecord,
} from "gatehouse";
import { detectDialect } from "./migrate";
import { TablePrefixPlugin } from "./prefix";
import type { GatehouseDatabase, SessionsTable, SqlDialect, UsersTable } from "./schema";

export interface KyselyStoreOptions {
  /** The prefix the tables were migrated with. Default "". */
  prefix?: string;
  /** Detected from the Kysely instance when omitted. */
  dialect?: SqlDialect;
}

type Db = Kysely<GatehouseDatabase>;

/**
 * The `Store` port on Kysely, for SQLite (better-sqlite3), PostgreSQL (pg) and MySQL/MariaDB
 * (mysql2). Run `migrateToLatest(db)` first. Uniqueness lives in the schema; single-use secrets
 * are consumed with a `DELETE` whose affected-row count says who won, which works the same on all
 * three dialects (MySQL has no `RETURNING`).
 */
export function kyselyStore(db: Kysely<any>, options: KyselyStoreOptions = {}): Store {
  const dialect = options.dialect ?? detectDialect(db);
  const prefix = options.prefix ?? "";
  const root = (prefix ? db.withPlugin(new TablePrefixPlugin(prefix)) : db) as Db;
  return build(root, dialect, prefix, false);
}

function build(db: Db, dialect: SqlDialect, prefix: string, inTransaction: boolean): Store {
  /** Increments a counter and reads it back as one atomic step. */
  async function addAttempt(table: "tokens" | "challenges", id: string): Promise<number> {
    if (dialect !== "mysql") {
      const row = await db.updateTable(table).set({ attempts: sql`attempts + 1` }).where("id", "=", id).returning("attempts").executeTakeFirst();
      return row ? Number(row.attempts) : 0;
    }
    // MySQL has no RETURNING: lock the row, then update and read it in one transaction.
    return store.transaction(async (tx) => {
      const t = (tx as StoreWithDb).db ?? db;
      const row = await t.selectFrom(table).select("attempts").where("id", "=", id).forUpdate().executeTakeFirst();
      if (!row) return 0;
      await t.updateTable(table).set({ attempts: sql`attempts + 1` }).where("id", "=", id).execute();
      return Number(row.attempts) + 1;
    });
  }

  let authQuery: CompiledQuery | undefined;

  const store: Store = {
    async createUser(user) {
      await db.insertInto("users").values(userRow(user)).execute();
    },
    async getUser(id) {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async getUserByEmail(email) {
      const row = await db.selectFrom("users").selectAll().where("email_key", "=", email.toLowerCase()).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async getUserByPhone(phone) {
      const row = await db.selectFrom("users").selectAll().where("phone", "=", phone).executeTakeFirst();
      return row ? toUser(row) : null;
    },
    async updateUser(id, patch) {
      const values = userPatchRow(patch);
      if (Object.keys(values).length > 0) await db.updateTable("users").set(values).where("id", "=", id).execute();
      // Read back rather than trust the affected-row count: MySQL counts only rows that changed.
      return store.getUser(id);
    },
    async deleteUser(id) {
      // Children are deleted explicitly as well as by the foreign keys' cascade, so a SQLite
      // connection opened without `PRAGMA foreign_keys = ON` still leaves nothing behind.
      await store.transaction(async (tx) => {
        const t = (tx as StoreWithDb).db ?? db;
        for (const table of ["targets", "sessions", "tokens", "challenges", "authenticators", "recovery_codes", "identities", "logs"] as const) {
          await t.deleteFrom(table).where("user_id", "=", id).execute();
        }
        await t.deleteFrom("users").where("id", "=", id).execute();
      });
    },
    async countUsers() {
      const row = await db.selectFrom("users").select((eb) => eb.fn.countAll().as("n")).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async createTarget(target) {
      await db
        .insertInto("targets")
        .values({
          id: target.id,
          user_id: target.userId,
          created_at: ms(target.createdAt),
          updated_at: ms(target.updatedAt),
          provider_type: target.providerType,
          identifier: target.identifier,
          name: target.name,
          provider_id: target.providerId,
          expired: flag(target.expired),
        })
        .execute();
    },
    async getTargetByIdentifier(identifier) {
      const row = await db.selectFrom("targets").selectAll().where("identifier", "=", identifier).executeTakeFirst();
      return row ? toTarget(row) : null;
    },
    async listTargets(userId) {
      const rows = await db.selectFrom("targets").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
      return rows.map(toTarget);
    },
    async updateTarget(id, patch) {
      const values: Record<string, unknown> = {};
      if (patch.identifier !== undefined) values.identifier = patch.identifier;
      if (patch.updatedAt !== undefined) values.updated_at = ms(patch.updatedAt);
      if (patch.expired !== undefined) values.expired = flag(patch.expired);
      if (Object.keys(values).length) await db.updateTable("targets").set(values).where("id", "=", id).execute();
    },

    async createSession(session) {
      await db.insertInto("sessions").values(sessionRow(session)).execute();
    },
    async findAuthSession(userId, secretHash) {
      // The hot path of every authenticated request: session, user and the user's targets in one
      // query (a LEFT JOIN gives one row per target, or one row with null target columns). The
      // SQL is compiled once per store and only the parameters change: building and prefixing
      // the query tree cost more than running it.
      authQuery ??= db
        .selectFrom("sessions")
        .innerJoin("users", "users.id", "sessions.user_id")
        .leftJoin("targets", "targets.user_id", "users.id")
        .selectAll("sessions")
        .select(USER_COLUMNS.map((c, i) => `users.${c} as ${USER_ALIASES[i]}` as const) as any)
        .select(TARGET_COLUMNS.map((c, i) => `targets.${c} as ${TARGET_ALIASES[i]}` as const) as any)
        .where("sessions.secret_hash", "=", "")
        .where("sessions.user_id", "=", "")
        .orderBy("targets.created_at")
        .orderBy("targets.id")
        .compile();
      const { rows } = await db.executeQuery<Record<string, unknown>>({ ...authQuery, parameters: [secretHash, userId] });
      const first = rows[0];
      if (!first) return null;
      const userRow = unprefix(first, USER_COLUMNS, USER_ALIASES) as unknown as UsersTable;
      const targets = rows
        .filter((row) => row.t_id !== null && row.t_id !== undefined)
        .map((row) => toTarget(unprefix(row, TARGET_COLUMNS, TARGET_ALIASES) as unknown as GatehouseDatabase["targets"]));
      return { session: toSession(first as unknown as SessionsTable), user: toUser(userRow), targets };
    },
    async getSession(id) {
      const row = await db.selectFrom("sessions").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toSession(row) : null;
    },
    async listSessions(userId) {
      const rows = await db.selectFrom("sessions").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
      return rows.map(toSession);
    },
    async updateSession(id, patch) {
      const values = sessionPatchRow(patch);
      if (Object.keys(values).length) await db.updateTable("sessions").set(values).where("id", "=", id).execute();
      return store.getSession(id);
    },
    async deleteSession(id) {
      const result = await db.deleteFrom("sessions").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async deleteSessions(userId) {
      const sessions = await store.listSessions(userId);
      const deleted: SessionRecord[] = [];
      for (const session of sessions) if (await store.deleteSession(session.id)) deleted.push(session);
      return deleted;
    },
    async trimSessions(userId, keep) {
      // A user has few sessions (the limit is at most 100), so reading their ids is cheap and
      // avoids LIMIT/OFFSET forms the three dialects disagree on.
      const ids = await db.selectFrom("sessions").select("id").where("user_id", "=", userId).orderBy("created_at", "desc").orderBy("id", "desc").execute();
      const surplus = ids.slice(keep);
      const deleted: string[] = [];
      // One DELETE per id: the affected-row count tells which call removed it, so concurrent
      // trims never report the same session twice.
      for (const { id } of surplus) if (await store.deleteSession(id)) deleted.push(id);
      return deleted;
    },

    async createToken(token) {
      await db
        .insertInto("tokens")
        .values({
          id: token.id,
          user_id: token.userId,
          created_at: ms(token.createdAt),
          type: token.type,
          secret_hash: token.secretHash,
          expire: ms(token.expire),
          phrase: token.phrase,
          ip: token.ip,
          user_agent: token.userAgent,
          attempts: token.attempts,
        })
        .execute();
    },
    async listTokens(userId, now, type) {
      let query = db.selectFrom("tokens").selectAll().where("user_id", "=", userId).where("expire", ">", ms(now));
      if (type !== undefined) query = query.where("type", "=", type);
      const rows = await query.orderBy("created_at").orderBy("id").execute();
      return rows.map(
        (r): TokenRecord => ({
          id: r.id,
          userId: r.user_id,
          createdAt: date(r.created_at),
          type: Number(r.type) as TokenTypeValue,
          secretHash: r.secret_hash,
          expire: date(r.expire),
          phrase: r.phrase,
          ip: r.ip,
          userAgent: r.user_agent,
          attempts: Number(r.attempts),
        }),
      );
    },
    async consumeToken(id) {
      const result = await db.deleteFrom("tokens").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async addTokenAttempt(id) {
      return addAttempt("tokens", id);
    },

    async createChallenge(challenge) {
      await db
        .insertInto("challenges")
        .values({
          id: challenge.id,
          user_id: challenge.userId,
          created_at: ms(challenge.createdAt),
          type: challenge.type,
          code_hash: challenge.codeHash,
          expire: ms(challenge.expire),
          attempts: challenge.attempts,
        })
        .execute();
    },
    async getChallenge(id) {
      const r = await db.selectFrom("challenges").selectAll().where("id", "=", id).executeTakeFirst();
      if (!r) return null;
      const challenge: ChallengeRecord = {
        id: r.id,
        userId: r.user_id,
        createdAt: date(r.created_at),
        type: r.type,
        codeHash: r.code_hash,
        expire: date(r.expire),
        attempts: Number(r.attempts),
      };
      return challenge;
    },
    async consumeChallenge(id) {
      const result = await db.deleteFrom("challenges").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    async addChallengeAttempt(id) {
      return addAttempt("challenges", id);
    },

    async getAuthenticator(userId, type) {
      const r = await db.selectFrom("authenticators").selectAll().where("user_id", "=", userId).where("type", "=", type).executeTakeFirst();
      if (!r) return null;
      const authenticator: AuthenticatorRecord = {
        id: r.id,
        userId: r.user_id,
        createdAt: date(r.created_at),
        updatedAt: date(r.updated_at),
        type: "totp",
        verified: Boolean(Number(r.verified)),
        secret: r.secret,
        lastUsedStep: r.last_used_step === null ? null : Number(r.last_used_step),
      };
      return authenticator;
    },
    async putAuthenticator(a) {
      await store.transaction(async (tx) => {
        const t = (tx as StoreWithDb).db ?? db;
        await t.deleteFrom("authenticators").where("user_id", "=", a.userId).where("type", "=", a.type).execute();
        await t
          .insertInto("authenticators")
          .values({
            id: a.id,
            user_id: a.userId,
            created_at: ms(a.createdAt),
            updated_at: ms(a.updatedAt),
            type: a.type,
            verified: flag(a.verified),
            secret: a.secret,
            last_used_step: a.lastUsedStep,
          })
          .execute();
      });
    },
    async useAuthenticatorStep(id, step, patch = {}) {
      // The condition in the UPDATE makes the check and the write one atomic step.
      const values: Record<string, unknown> = { last_used_step: step };
      if (patch.verified !== undefined) values.verified = flag(patch.verified);
      if (patch.updatedAt !== undefined) values.updated_at = ms(patch.updatedAt);
      const result = await db
        .updateTable("authenticators")
        .set(values)
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async deleteAuthenticator(id) {
      const result = await db.deleteFrom("authenticators").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async replaceRecoveryCodes(userId, codes) {
      await store.transaction(async (tx) => {
        const t = (tx as StoreWithDb).db ?? db;
        await t.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
        if (codes.length) {
          await t
            .insertInto("recovery_codes")
            .values(codes.map((c, position) => ({ user_id: userId, code_hash: c.codeHash, sealed_code: c.sealedCode, created_at: ms(c.createdAt), position })))
            .execute();
        }
      });
    },
    async countRecoveryCodes(userId) {
      const row = await db.selectFrom("recovery_codes").select((eb) => eb.fn.countAll().as("n")).where("user_id", "=", userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async listRecoveryCodes(userId) {
      const rows = await db.selectFrom("recovery_codes").selectAll().where("user_id", "=", userId).orderBy("position").execute();
      return rows.map((r): RecoveryCodeRecord => ({ userId: r.user_id, codeHash: r.code_hash, sealedCode: r.sealed_code, createdAt: date(r.created_at) }));
    },
    async consumeRecoveryCode(userId, codeHash) {
      const result = await db.deleteFrom("recovery_codes").where("user_id", "=", userId).where("code_hash", "=", codeHash).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async createIdentity(i) {
      await db
        .insertInto("identities")
        .values({
          id: i.id,
          user_id: i.userId,
          created_at: ms(i.createdAt),
          updated_at: ms(i.updatedAt),
          provider: i.provider,
          provider_uid: i.providerUid,
          provider_email: i.providerEmail,
          provider_access_token: i.providerAccessToken,
          provider_access_token_expiry: msOrNull(i.providerAccessTokenExpiry),
          provider_refresh_token: i.providerRefreshToken,
        })
        .execute();
    },
    async getIdentity(id) {
      const row = await db.selectFrom("identities").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? toIdentity(row) : null;
    },
    async getIdentityByProviderUid(provider, providerUid) {
      const row = await db.selectFrom("identities").selectAll().where("provider", "=", provider).where("provider_uid", "=", providerUid).executeTakeFirst();
      return row ? toIdentity(row) : null;
    },
    async findIdentitiesByEmail(email, exceptUserId) {
      let query = db.selectFrom("identities").selectAll().where("provider_email", "=", email);
      if (exceptUserId !== undefined) query = query.where("user_id", "!=", exceptUserId);
      return (await query.orderBy("created_at").orderBy("id").execute()).map(toIdentity);
    },
    async listIdentities(userId) {
      return (await db.selectFrom("identities").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute()).map(toIdentity);
    },
    async updateIdentity(id, patch) {
      const values: Record<string, unknown> = {};
      if (patch.updatedAt !== undefined) values.updated_at = ms(patch.updatedAt);
      if (patch.providerEmail !== undefined) values.provider_email = patch.providerEmail;
      if (patch.providerAccessToken !== undefined) values.provider_access_token = patch.providerAccessToken;
      if (patch.providerAccessTokenExpiry !== undefined) values.provider_access_token_expiry = msOrNull(patch.providerAccessTokenExpiry);
      if (patch.providerRefreshToken !== undefined) values.provider_refresh_token = patch.providerRefreshToken;
      if (Object.keys(values).length) await db.updateTable("identities").set(values).where("id", "=", id).execute();
    },
    async deleteIdentity(id) {
      const result = await db.deleteFrom("identities").where("id", "=", id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async appendLog(log) {
      await db
        .insertInto("logs")
        .values({
          ...clientInfoRow(log),
          id: log.id,
          user_id: log.userId,
          event: log.event,
          resource: log.resource,
          user_email: log.userEmail,
          user_name: log.userName,
          mode: log.mode,
          ip: log.ip,
          time: ms(log.time),
          user_agent: log.userAgent,
        })
        .execute();
    },
    async listLogs(userId, page) {
      // Insertion order breaks ties between entries of the same millisecond: SQLite's rowid,
      // elsewhere the `seq` column.
      const rows = await db
        .selectFrom("logs")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("time", "desc")
        .orderBy(dialect === "sqlite" ? sql`rowid` : sql.ref("seq"), "desc")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map((r): LogRecord => {
        const rest: Omit<LogRecord, keyof ClientInfo> = {
          id: r.id,
          userId: r.user_id,
          event: r.event,
          resource: r.resource,
          userEmail: r.user_email,
          userName: r.user_name,
          mode: r.mode,
          ip: r.ip,
          time: date(r.time),
          userAgent: r.user_agent,
        };
        // Object.assign, not a spread: see toSession.
        return Object.assign(toClientInfo(r), rest);
      });
    },
    async countLogs(userId) {
      const row = await db.selectFrom("logs").select((eb) => eb.fn.countAll().as("n")).where("user_id", "=", userId).executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async purgeExpired(now) {
      let removed = 0;
      for (const table of ["sessions", "tokens", "challenges"] as const) {
        const result = await db.deleteFrom(table).where("expire", "<=", ms(now)).executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    },

    async transaction(fn) {
      if (inTransaction) return fn(store);
      return (db as Kysely<GatehouseDatabase>).transaction().execute((trx: Transaction<GatehouseDatabase>) => fn(build(trx, dialect, prefix, true)));
    },
  };
  const withDb = Object.assign(translateErrors(store, dialect), { db });
  return withDb;
}

/** Internal: the transactional view exposes its Kysely handle to the store's own multi-step writes. */
type StoreWithDb = Store & { db?: Db };

// ---------------------------------------------------------------------------------------------
// Row <-> record mapping

const TARGET_COLUMNS = ["id", "user_id", "created_at", "updated_at", "provider_type", "identifier", "name", "provider_id", "expired"] as const satisfies ReadonlyArray<
  keyof GatehouseDatabase["targets"]
>;

const USER_COLUMNS = [
  "id",
  "created_at",
  "updated_at",
  "name",
  "email",
  "email_key",
  "phone",
  "password_hash",
  "password_updated_at",
  "password_history",
  "registration",
  "status",
  "labels",
  "email_verification",
  "phone_verification",
  "mfa",
  "prefs",
  "accessed_at",
] as const satisfies ReadonlyArray<keyof UsersTable>;

/** The joined hot query's column aliases, built once (template strings per row cost more than the query). */
const USER_ALIASES = USER_COLUMNS.map((c) => `u_${c}`);
const TARGET_ALIASES = TARGET_COLUMNS.map((c) => `t_${c}`);

/** One table's columns out of a joined row, under their own names. */
function unprefix(row: Record<string, unknown>, columns: readonly string[], aliases: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i < columns.length; i++) out[columns[i]!] = row[aliases[i]!];
  return out;
}

const ms = (d: Date) => d.getTime();
const msOrNull = (d: Date | null) => (d ? d.getTime() : null);
const date = (v: number | string | bigint) => new Date(Number(v));
const dateOrNull = (v: number | string | bigint | null) => (v === null || v === undefined ? null : new Date(Number(v)));
const flag = (b: boolean) => (b ? 1 : 0);
const bool = (v: unknown) => Boolean(Number(v));

/** JSON columns come back parsed from PostgreSQL and MySQL and as text from SQLite. */
function decodeJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "string") {
    try {
      return JSON.parse(value) as T;
    } catch {
      return fallback;
    }
  }
  return value as T;
}

function userRow(u: UserRecord): UsersTable {
  return {
    id: u.id,
    created_at: ms(u.createdAt),
    updated_at: ms(u.updatedAt),
    name: u.name,
    email: u.email,
    email_key: u.email?.toLowerCase() ?? null,
    phone: u.phone,
    password_hash: u.passwordHash,
    password_updated_at: msOrNull(u.passwordUpdatedAt),
    password_history: JSON.stringify(u.passwordHistory),
    registration: ms(u.registration),
    status: flag(u.status),
    labels: JSON.stringify(u.labels),
    email_verification: flag(u.emailVerification),
    phone_verification: flag(u.phoneVerification),
    mfa: flag(u.mfa),
    prefs: JSON.stringify(u.prefs),
    accessed_at: msOrNull(u.accessedAt),
  };
}

function userPatchRow(p: UserPatch): Partial<UsersTable> {
  const v: Partial<UsersTable> = {};
  if (p.updatedAt !== undefined) v.updated_at = ms(p.updatedAt);
  if (p.name !== undefined) v.name = p.name;
  if (p.email !== undefined) {
    v.email = p.email;
    v.email_key = p.email?.toLowerCase() ?? null;
  }
  if (p.phone !== undefined) v.phone = p.phone;
  if (p.passwordHash !== undefined) v.password_hash = p.passwordHash;
  if (p.passwordUpdatedAt !== undefined) v.password_updated_at = msOrNull(p.passwordUpdatedAt);
  if (p.passwordHistory !== undefined) v.password_history = JSON.stringify(p.passwordHistory);
  if (p.registration !== undefined) v.registration = ms(p.registration);
  if (p.status !== undefined) v.status = flag(p.status);
  if (p.labels !== undefined) v.labels = JSON.stringify(p.labels);
  if (p.emailVerification !== undefined) v.email_verification = flag(p.emailVerification);
  if (p.phoneVerification !== undefined) v.phone_verification = flag(p.phoneVerification);
  if (p.mfa !== undefined) v.mfa = flag(p.mfa);
  if (p.prefs !== undefined) v.prefs = JSON.stringify(p.prefs);
  if (p.accessedAt !== undefined) v.accessed_at = msOrNull(p.accessedAt);
  return v;
}

function toUser(r: UsersTable): UserRecord {
  return {
    id: r.id,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    name: r.name,
    email: r.email,
    phone: r.phone,
    passwordHash: r.password_hash,
    passwordUpdatedAt: dateOrNull(r.password_updated_at),
    passwordHistory: decodeJson(r.password_history, []),
    registration: date(r.registration),
    status: bool(r.status),
    labels: decodeJson(r.labels, []),
    emailVerification: bool(r.email_verification),
    phoneVerification: bool(r.phone_verification),
    mfa: bool(r.mfa),
    prefs: decodeJson(r.prefs, {}),
    accessedAt: dateOrNull(r.accessed_at),
  };
}

function toTarget(r: GatehouseDatabase["targets"]): TargetRecord {
  return {
    id: r.id,
    userId: r.user_id,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    providerType: r.provider_type as TargetRecord["providerType"],
    identifier: r.identifier,
    name: r.name,
    providerId: r.provider_id,
    expired: bool(r.expired),
  };
}

function clientInfoRow(c: ClientInfo) {
  return {
    os_code: c.osCode,
    os_name: c.osName,
    os_version: c.osVersion,
    client_type: c.clientType,
    client_code: c.clientCode,
    client_name: c.clientName,
    client_version: c.clientVersion,
    client_engine: c.clientEngine,
    client_engine_version: c.clientEngineVersion,
    device_name: c.deviceName,
    device_brand: c.deviceBrand,
    device_model: c.deviceModel,
    country_code: c.countryCode,
  };
}

function toClientInfo(r: ReturnType<typeof clientInfoRow>): ClientInfo {
  return {
    osCode: r.os_code,
    osName: r.os_name,
    osVersion: r.os_version,
    clientType: r.client_type,
    clientCode: r.client_code,
    clientName: r.client_name,
    clientVersion: r.client_version,
    clientEngine: r.client_engine,
    clientEngineVersion: r.client_engine_version,
    deviceName: r.device_name,
    deviceBrand: r.device_brand,
    deviceModel: r.device_model,
    countryCode: r.country_code,
  };
}

function sessionRow(s: SessionRecord): SessionsTable {
  return {
    ...clientInfoRow(s),
    id: s.id,
    user_id: s.userId,
    created_at: ms(s.createdAt),
    updated_at: ms(s.updatedAt),
    expire: ms(s.expire),
    provider: s.provider,
    provider_uid: s.providerUid,
    provider_access_token: s.providerAccessToken,
    provider_access_token_expiry: msOrNull(s.providerAccessTokenExpiry),
    provider_refresh_token: s.providerRefreshToken,
    secret_hash: s.secretHash,
    ip: s.ip,
    user_agent: s.userAgent,
    factors: JSON.stringify(s.factors),
    mfa_updated_at: msOrNull(s.mfaUpdatedAt),
  };
}

/** Only the columns of the fields a patch sets (an explicit null is kept: it clears the column). */
function sessionPatchRow(p: Partial<SessionRecord>): Partial<SessionsTable> {
  const set = <T, R>(value: T | undefined, convert: (value: T) => R) => (value === undefined ? undefined : convert(value));
  const row: Record<string, unknown> = {
    ...clientInfoRow(p as ClientInfo),
    updated_at: set(p.updatedAt, ms),
    expire: set(p.expire, ms),
    provider: p.provider,
    provider_uid: p.providerUid,
    provider_access_token: p.providerAccessToken,
    provider_access_token_expiry: set(p.providerAccessTokenExpiry, msOrNull),
    provider_refresh_token: p.providerRefreshToken,
    ip: p.ip,
    user_agent: p.userAgent,
    factors: set(p.factors, (factors) => JSON.stringify(factors)),
    mfa_updated_at: set(p.mfaUpdatedAt, msOrNull),
  };
  for (const column of Object.keys(row)) if (row[column] === undefined) delete row[column];
  return row as Partial<SessionsTable>;
}

function toSession(r: SessionsTable): SessionRecord {
  // Object.assign rather than `{ ...toClientInfo(r), … }`: on the hot auth path V8 made the spread
  // some 50× slower (≈50 µs against ≈1 µs per session).
  const rest: Omit<SessionRecord, keyof ClientInfo> = {
    id: r.id,
    userId: r.user_id,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    expire: date(r.expire),
    provider: r.provider,
    providerUid: r.provider_uid,
    providerAccessToken: r.provider_access_token,
    providerAccessTokenExpiry: dateOrNull(r.provider_access_token_expiry),
    providerRefreshToken: r.provider_refresh_token,
    secretHash: r.secret_hash,
    ip: r.ip,
    userAgent: r.user_agent,
    factors: decodeJson(r.factors, []),
    mfaUpdatedAt: dateOrNull(r.mfa_updated_at),
  };
  return Object.assign(toClientInfo(r), rest);
}

function toIdentity(r: GatehouseDatabase["identities"]): IdentityRecord {
  return {
    id: r.id,
    userId: r.user_id,
    createdAt: date(r.created_at),
    updatedAt: date(r.updated_at),
    provider: r.provider,
    providerUid: r.provider_uid,
    providerEmail: r.provider_email,
    providerAccessToken: r.provider_access_token,
    providerAccessTokenExpiry: dateOrNull(r.provider_access_token_expiry),
    providerRefreshToken: r.provider_refresh_token,
  };
}

// ---------------------------------------------------------------------------------------------
// Driver errors -> port errors

/**
 * Wraps every method so that a unique violation becomes `StoreConflictError` (named by what
 * collided) and a lost, refused or timed-out connection, a statement the server cancelled for
 * its time limit and a database locked past the wait (SQLite) become `StoreUnavailableError`
 * (503, retry later); other errors pass.
 */
function translateErrors(store: Store, dialect: SqlDialect): Store {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, method] of Object.entries(store)) {
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (method as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (error) {
        throw translate(error, dialect);
      }
    };
  }
  return wrapped as unknown as Store;
}

const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "PROTOCOL_CONNECTION_LOST",
  "57P01", // admin_shutdown
  "57P02",
  "57P03", // cannot_connect_now
  "08000",
  "08003",
  "08006",
  "08001",
  "08004",
  "57014", // query_canceled: statement_timeout (adapters/kysely/connect.ts)
  "55P03", // lock_not_available
  "PROTOCOL_SEQUENCE_TIMEOUT", // mysql2: a query outlived its timeout (adapters/kysely/pool-timeouts.ts)
  "ER_LOCK_WAIT_TIMEOUT",
  "ER_STATEMENT_TIMEOUT", // MariaDB max_statement_time
  "ER_QUERY_TIMEOUT", // MySQL max_execution_time
]);

/** The same, for drivers that report a number: MySQL lock wait, MariaDB and MySQL statement time. */
const UNAVAILABLE_ERRNOS = new Set([1205, 1969, 3024]);

function translate(error: unknown, dialect: SqlDialect): unknown {
  if (error instanceof StoreConflictError || error instanceof StoreUnavailableError) return error;
  const e = error as { code?: string; errno?: number; message?: string; constraint?: string };
  const message = String(e?.message ?? "");
  const unique =
    (dialect === "postgres" && e?.code === "23505") ||
    (dialect === "mysql" && (e?.code === "ER_DUP_ENTRY" || e?.errno === 1062)) ||
    (dialect === "sqlite" && (e?.code === "SQLITE_CONSTRAINT_UNIQUE" || e?.code === "SQLITE_CONSTRAINT_PRIMARYKEY"));
  if (unique) return new StoreConflictError(conflictTarget(`${e.constraint ?? ""} ${message}`));
  if (
    (e?.code && CONNECTION_CODES.has(e.code)) ||
    (dialect === "mysql" && e?.errno !== undefined && UNAVAILABLE_ERRNOS.has(e.errno)) ||
    // SQLite: the file stayed locked by another connection past the retries of
    // adapters/kysely/sqlite-lock-retry.ts (SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED…).
    (dialect === "sqlite" && /^SQLITE_(BUSY|LOCKED)/.test(String(e?.code ?? ""))) ||
    /Connection terminated|Cannot use a pool after calling end|connection is closed|Pool is closed|driver has already been destroyed|closed state|not queryable|The database connection is not open|Query read timeout|timeout exceeded when trying to connect|Postgres connection has been discarded/i.test(message)
  ) {
    return new StoreUnavailableError(message || "database unavailable", { cause: error });
  }
  return error;
}

/** Names the collision from the index or column the driver reports. */
function conflictTarget(detail: string): StoreConflictError["target"] {
  if (/email_key/.test(detail)) return "email";
  if (/phone/.test(detail)) return "phone";
  if (/identifier/.test(detail) || /targets/.test(detail) && !/PRIMARY|pkey|\.id\b/.test(detail)) return "target";
  if (/provider_uid|identities_provider/.test(detail)) return "identity";
  return "id";
}
