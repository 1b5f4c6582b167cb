// The public API of `gatehouse-auth`, listed name by name: what is not here is internal and may
// change without notice (the operation table, the config schema, the store-shape lists).

// The service
export { createAccountService } from "./core/service";
export type { AccountService, AccountMethods, UserMethods, OperationName, InputOf, InputArgs, ResultOf } from "./core/service";
export type { RequestContext, Outcome } from "./core/context";
export { resolveConfig } from "./config";
export type { GatehouseConfig, ResolvedConfig } from "./config";
export { encodeSessionValue, decodeSessionValue } from "./core/session-value";
export { uniqueId } from "./crypto/ids";
/** Whether the service takes an id as it is (a custom id other than `unique()`). */
export { isValidId } from "./validation/validators";
/** The TOTP code of a time step, as authenticator apps compute it (for tests: gatehouse-auth/testing). */
export { totpCode, totpStep } from "./crypto/totp";

// Errors
export { AppwriteError, isAppwriteError, errorCatalogue } from "./errors";
export type { ErrorType } from "./errors";

// HTTP
export { createHandler } from "./http/handler";
export type { HandlerOptions, GatehouseHandler, RawRequest, RawResponse } from "./http/handler";
export { sessionCookieNames, sessionFromJar, firstPartySessionCookie } from "./http/session-cookie";
export type { SessionCookieNames } from "./http/session-cookie";
export { assertProductionSafe, productionRefusals } from "./http/production-check";

// Built-in adapters for tests, demos and single instances
export { memoryStore } from "./stores/memory";
export { memoryRateLimiter } from "./limiters/memory";
export type { MemoryRateLimiter, MemoryRateLimiterOptions } from "./limiters/memory";
export { argon2Hasher, OWASP_ARGON2 } from "./crypto/argon2-hasher";
export type { Argon2Options } from "./crypto/argon2-hasher";
export { outbox } from "./messages/outbox";
export type { Outbox, OutboxEntry, OutboxOptions } from "./messages/outbox";

// Rate-limit figures (SECURITY.md cites them)
export { RATE_LIMITS, PER_IP_AND_IDENTIFIER, MAGIC_URL_PER_IP, IDENTIFIER_CEILING, GUEST_PER_IP } from "./core/rate-limits";
export type { RateLimitRule, RateLimitKey } from "./core/rate-limits";

// Messages
export { renderMail, renderSms, defaultMailTemplates, defaultSmsTemplates } from "./messages/templates";
export type { MailTemplate, MailTemplates, SmsTemplates, MessageVariables } from "./messages/templates";

// Wire models
export type { AccountModel } from "./models/account";
export type { UserModel } from "./models/user";
export type { SessionModel } from "./models/session";
export type { TokenModel } from "./models/token";

// Ports: what a custom store, mailer, SMS provider, clock, limiter, hasher or geo lookup implements
export { StoreConflictError, StoreUnavailableError, TokenType, AUTH_SESSION_FIELDS } from "./ports/store";
export type {
  Store,
  StoreGroup,
  UserRepository,
  TargetRepository,
  SessionRepository,
  SecretRepository,
  TokenRepository,
  ChallengeRepository,
  MfaRepository,
  IdentityRepository,
  LogRepository,
  UserRecord,
  UserPatch,
  TargetProviderType,
  TargetRecord,
  TargetPatch,
  ClientInfo,
  SessionRecord,
  SessionPatch,
  TokenTypeValue,
  TokenRecord,
  SecretRecord,
  ChallengeRecord,
  AuthenticatorRecord,
  AuthenticatorStepPatch,
  RecoveryCodeRecord,
  IdentityRecord,
  IdentityPatch,
  LogRecord,
  Page,
  AuthSession,
  AuthSessionRecord,
  Condition,
  Filter,
  Selection,
  ListQuery,
  UserField,
  IdentityField,
} from "./ports/store";
export type { Mailer, MailMessage, MailKind } from "./ports/mailer";
export type { Sms, SmsMessage, SmsKind } from "./ports/sms";
export type { Clock } from "./ports/clock";
export type { RateLimiter, RateLimitResult } from "./ports/rate-limiter";
export type { PasswordHasher } from "./ports/password-hasher";
export type { Geo } from "./ports/geo";
