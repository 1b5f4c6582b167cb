import type {
  AuthenticatorRecord,
  ChallengeRecord,
  ClientInfo,
  IdentityRecord,
  LogRecord,
  RecoveryCodeRecord,
  SessionRecord,
  TargetProviderType,
  TargetRecord,
  TokenRecord,
  TokenTypeValue,
  UserRecord,
} from "gatehouse-auth";
import type {
  AuthenticatorsTable,
  ChallengesTable,
  IdentitiesTable,
  LogsTable,
  RecoveryCodesTable,
  SessionsTable,
  TargetsTable,
  TokensTable,
  UsersTable,
} from "../schema";
import {
  codec,
  flag,
  integer,
  integerOf,
  json,
  millis,
  nullableInteger,
  nullableMillis,
  nullableText,
  text,
  textOf,
  textOrEmpty,
  type Field,
} from "./codec";

/** One codec per table: the only place that knows which column holds which field, and how. */

export const users = codec<UserRecord, UsersTable>({
  fields: {
    id: ["id", text],
    createdAt: ["created_at", millis],
    updatedAt: ["updated_at", millis],
    name: ["name", text],
    email: ["email", nullableText],
    phone: ["phone", nullableText],
    passwordHash: ["password_hash", nullableText],
    passwordUpdatedAt: ["password_updated_at", nullableMillis],
    passwordHistory: ["password_history", json<string[]>(() => [])],
    registration: ["registration", millis],
    status: ["status", flag],
    labels: ["labels", json<string[]>(() => [])],
    emailVerification: ["email_verification", flag],
    phoneVerification: ["phone_verification", flag],
    mfa: ["mfa", flag],
    prefs: ["prefs", json<Record<string, unknown>>(() => ({}))],
    accessedAt: ["accessed_at", nullableMillis],
  },
  // The unique, case-insensitive key on every dialect (collations differ).
  derived: { email: { column: "email_key", encode: (email) => email?.toLowerCase() ?? null } },
  frozen: ["id", "createdAt"],
});

export const targets = codec<TargetRecord, TargetsTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    updatedAt: ["updated_at", millis],
    providerType: ["provider_type", textOf<TargetProviderType>()],
    identifier: ["identifier", text],
    name: ["name", text],
    providerId: ["provider_id", nullableText],
    expired: ["expired", flag],
    sessionId: ["session_id", nullableText],
  },
  frozen: ["id", "userId", "createdAt", "providerType", "providerId"],
});

/** The parsed user-agent and geo columns that sessions and logs share. */
function clientInfo<Row extends { [C in keyof ClientInfoColumns]: string }>(): { [K in keyof ClientInfo]-?: Field<ClientInfo[K], Row> } {
  return {
    osCode: ["os_code", text],
    osName: ["os_name", text],
    osVersion: ["os_version", text],
    clientType: ["client_type", text],
    clientCode: ["client_code", text],
    clientName: ["client_name", text],
    clientVersion: ["client_version", text],
    clientEngine: ["client_engine", text],
    clientEngineVersion: ["client_engine_version", text],
    deviceName: ["device_name", text],
    deviceBrand: ["device_brand", text],
    deviceModel: ["device_model", text],
    countryCode: ["country_code", text],
  } as { [K in keyof ClientInfo]-?: Field<ClientInfo[K], Row> };
}
type ClientInfoColumns = Pick<
  SessionsTable,
  | "os_code"
  | "os_name"
  | "os_version"
  | "client_type"
  | "client_code"
  | "client_name"
  | "client_version"
  | "client_engine"
  | "client_engine_version"
  | "device_name"
  | "device_brand"
  | "device_model"
  | "country_code"
>;

export const sessions = codec<SessionRecord, SessionsTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    updatedAt: ["updated_at", millis],
    expire: ["expire", millis],
    provider: ["provider", text],
    providerUid: ["provider_uid", text],
    providerAccessToken: ["provider_access_token", text],
    providerAccessTokenExpiry: ["provider_access_token_expiry", nullableMillis],
    providerRefreshToken: ["provider_refresh_token", text],
    secretHash: ["secret_hash", text],
    ip: ["ip", text],
    userAgent: ["user_agent", text],
    factors: ["factors", json<string[]>(() => [])],
    mfaUpdatedAt: ["mfa_updated_at", nullableMillis],
    ...clientInfo<SessionsTable>(),
  },
  frozen: ["id", "userId", "createdAt", "secretHash"],
});

export const tokens = codec<TokenRecord, TokensTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    type: ["type", integerOf<TokenTypeValue>()],
    secretHash: ["secret_hash", text],
    expire: ["expire", millis],
    phrase: ["phrase", text],
    ip: ["ip", text],
    userAgent: ["user_agent", text],
    attempts: ["attempts", integer],
    identityId: ["identity_id", nullableText],
  },
});

export const challenges = codec<ChallengeRecord, ChallengesTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    type: ["type", text],
    codeHash: ["code_hash", text],
    expire: ["expire", millis],
    attempts: ["attempts", integer],
  },
});

export const authenticators = codec<AuthenticatorRecord, AuthenticatorsTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    updatedAt: ["updated_at", millis],
    type: ["type", textOf<"totp">()],
    verified: ["verified", flag],
    secret: ["secret", text],
    lastUsedStep: ["last_used_step", nullableInteger],
  },
  frozen: ["id", "userId", "createdAt", "type"],
});

/** The row also holds `position`, the order the codes were issued in, which the record does not carry. */
export const recoveryCodes = codec<RecoveryCodeRecord, Omit<RecoveryCodesTable, "position">>({
  fields: {
    userId: ["user_id", text],
    codeHash: ["code_hash", text],
    sealedCode: ["sealed_code", text],
    createdAt: ["created_at", millis],
  },
});

export const identities = codec<IdentityRecord, IdentitiesTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    createdAt: ["created_at", millis],
    updatedAt: ["updated_at", millis],
    provider: ["provider", text],
    providerUid: ["provider_uid", text],
    providerEmail: ["provider_email", text],
    providerAccessToken: ["provider_access_token", text],
    providerAccessTokenExpiry: ["provider_access_token_expiry", nullableMillis],
    providerRefreshToken: ["provider_refresh_token", text],
    providerIdToken: ["provider_id_token", textOrEmpty],
  },
  frozen: ["id", "userId", "createdAt", "provider", "providerUid"],
});

/** `seq` is generated by the database and not part of the record. */
export const logs = codec<LogRecord, LogsTable>({
  fields: {
    id: ["id", text],
    userId: ["user_id", text],
    event: ["event", text],
    resource: ["resource", text],
    userEmail: ["user_email", text],
    userName: ["user_name", text],
    mode: ["mode", text],
    ip: ["ip", text],
    time: ["time", millis],
    userAgent: ["user_agent", text],
    ...clientInfo<LogsTable>(),
  },
});
