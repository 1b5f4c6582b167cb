import type { Generated } from "kysely";

/**
 * The tables, unprefixed. Times are BIGINT milliseconds since the epoch on every dialect: exact,
 * ordered and compared the same way everywhere. Flags are integers 0/1 (SQLite has no boolean,
 * and better-sqlite3 cannot bind one). JSON columns hold encoded text; PostgreSQL and MySQL read
 * them back already parsed, SQLite as text — `decodeJson` accepts both.
 */
type Millis = number | string | bigint;
type Flag = number;

export interface UsersTable {
  id: string;
  created_at: Millis;
  updated_at: Millis;
  name: string;
  email: string | null;
  /** Lowercased e-mail: the unique, case-insensitive key on every dialect. */
  email_key: string | null;
  phone: string | null;
  password_hash: string | null;
  password_updated_at: Millis | null;
  password_history: string;
  registration: Millis;
  status: Flag;
  labels: string;
  email_verification: Flag;
  phone_verification: Flag;
  mfa: Flag;
  prefs: string;
  accessed_at: Millis | null;
}

export interface TargetsTable {
  id: string;
  user_id: string;
  created_at: Millis;
  updated_at: Millis;
  provider_type: string;
  identifier: string;
  name: string;
  provider_id: string | null;
  expired: Flag;
  session_id: string | null;
}

interface ClientInfoColumns {
  os_code: string;
  os_name: string;
  os_version: string;
  client_type: string;
  client_code: string;
  client_name: string;
  client_version: string;
  client_engine: string;
  client_engine_version: string;
  device_name: string;
  device_brand: string;
  device_model: string;
  country_code: string;
}

export interface SessionsTable extends ClientInfoColumns {
  id: string;
  user_id: string;
  created_at: Millis;
  updated_at: Millis;
  expire: Millis;
  provider: string;
  provider_uid: string;
  provider_access_token: string;
  provider_access_token_expiry: Millis | null;
  provider_refresh_token: string;
  secret_hash: string;
  ip: string;
  user_agent: string;
  factors: string;
  mfa_updated_at: Millis | null;
}

export interface TokensTable {
  id: string;
  user_id: string;
  created_at: Millis;
  type: number;
  secret_hash: string;
  expire: Millis;
  phrase: string;
  ip: string;
  user_agent: string;
  attempts: number;
  /** Added by migration 0003; null for tokens of other kinds and for rows from before it. */
  identity_id: string | null;
}

export interface ChallengesTable {
  id: string;
  user_id: string;
  created_at: Millis;
  type: string;
  code_hash: string;
  expire: Millis;
  attempts: number;
}

export interface AuthenticatorsTable {
  id: string;
  user_id: string;
  created_at: Millis;
  updated_at: Millis;
  type: string;
  verified: Flag;
  secret: string;
  last_used_step: Millis | null;
}

export interface RecoveryCodesTable {
  user_id: string;
  code_hash: string;
  sealed_code: string;
  created_at: Millis;
  /** Keeps codes in the order they were issued. */
  position: number;
}

export interface IdentitiesTable {
  id: string;
  user_id: string;
  created_at: Millis;
  updated_at: Millis;
  provider: string;
  provider_uid: string;
  provider_email: string;
  provider_access_token: string;
  provider_access_token_expiry: Millis | null;
  provider_refresh_token: string;
  /** Added by migration 0002, nullable so that rows from before it need no rewrite: null reads as "". */
  provider_id_token: string | null;
}

export interface LogsTable extends ClientInfoColumns {
  id: string;
  /** Insertion order, to list entries of the same millisecond newest first. */
  seq: Generated<number>;
  user_id: string;
  event: string;
  resource: string;
  user_email: string;
  user_name: string;
  mode: string;
  ip: string;
  time: Millis;
  user_agent: string;
}

export interface GatehouseDatabase {
  users: UsersTable;
  targets: TargetsTable;
  sessions: SessionsTable;
  tokens: TokensTable;
  challenges: ChallengesTable;
  authenticators: AuthenticatorsTable;
  recovery_codes: RecoveryCodesTable;
  identities: IdentitiesTable;
  logs: LogsTable;
}

export const TABLES = [
  "users",
  "targets",
  "sessions",
  "tokens",
  "challenges",
  "authenticators",
  "recovery_codes",
  "identities",
  "logs",
] as const satisfies ReadonlyArray<keyof GatehouseDatabase>;

export type SqlDialect = "sqlite" | "postgres" | "mysql";
