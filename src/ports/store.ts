/**
 * The persistence port. Every store (memory, Kysely on SQLite/PostgreSQL/MySQL) implements this
 * interface and passes the same contract suite in `test/store/`.
 *
 * Design rules:
 * - The store is grouped per entity (`store.users`, `store.sessions`, ...), one method per use case,
 *   with one verb set and one return convention (see the repositories below).
 * - Records are plain objects with `Date` times; stores own their encoding.
 * - Uniqueness (user id, email, phone, target identifier, identity provider+uid) is enforced by the
 *   store and reported as `StoreConflictError`, so races are settled by the database, not by a
 *   read-then-write in the core.
 * - Every "consume" and "delete" method deletes and reports whether *this* call deleted the row, so a
 *   single-use secret is redeemed exactly once even under concurrency.
 * - `transaction` runs a callback against a transactional view of the store; a thrown error rolls
 *   back every write made through that view.
 */

export interface UserRecord {
  id: string;
  createdAt: Date;
  updatedAt: Date;
  name: string;
  /** Normalised (NFKC, trimmed, lowercased) e-mail, or null. Unique when set. */
  email: string | null;
  /** E.164 phone, or null. Unique when set. */
  phone: string | null;
  /** PHC string of the password hash, or null for passwordless users. */
  passwordHash: string | null;
  passwordUpdatedAt: Date | null;
  /** Most recent password hashes, newest last, for the password-history rule. */
  passwordHistory: string[];
  registration: Date;
  /** true = enabled, false = blocked. */
  status: boolean;
  labels: string[];
  emailVerification: boolean;
  phoneVerification: boolean;
  mfa: boolean;
  prefs: Record<string, unknown>;
  accessedAt: Date | null;
}

export type UserPatch = Partial<Omit<UserRecord, "id" | "createdAt">>;

export type TargetProviderType = "email" | "sms" | "push";

export interface TargetRecord {
  id: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  providerType: TargetProviderType;
  /** The address, phone number or push token. Unique across all targets. */
  identifier: string;
  name: string;
  providerId: string | null;
  expired: boolean;
  /**
   * The session a push target was registered from (never on the wire), or null (e-mail and SMS
   * targets). Deleting that session, by any store method, deletes the target with it.
   */
  sessionId: string | null;
}

/** Parsed user-agent and geo fields shared by sessions and logs. */
export interface ClientInfo {
  osCode: string;
  osName: string;
  osVersion: string;
  clientType: string;
  clientCode: string;
  clientName: string;
  clientVersion: string;
  clientEngine: string;
  clientEngineVersion: string;
  deviceName: string;
  deviceBrand: string;
  deviceModel: string;
  /** Lowercase ISO alpha-2, or "--" when unknown. */
  countryCode: string;
}

export interface SessionRecord extends ClientInfo {
  id: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  expire: Date;
  provider: string;
  providerUid: string;
  providerAccessToken: string;
  providerAccessTokenExpiry: Date | null;
  providerRefreshToken: string;
  /** sha256 (lowercase hex) of the session secret; the secret itself is never stored. */
  secretHash: string;
  ip: string;
  userAgent: string;
  factors: string[];
  mfaUpdatedAt: Date | null;
}

export type SessionPatch = Partial<Omit<SessionRecord, "id" | "userId" | "createdAt" | "secretHash">>;

/**
 * Appwrite's token types, by Appwrite's numeric codes (stored as these numbers). The two code
 * types have no published number: 10 is the recovery code's in Appwrite's draft of that route,
 * 11 is Gatehouse's own. Each is distinct from its link twin, so a link secret is never taken
 * as a code or the other way round.
 */
export const TokenType = {
  verification: 2,
  recovery: 3,
  invite: 4,
  magicUrl: 5,
  phone: 6,
  oauth2: 7,
  generic: 8,
  email: 9,
  recoveryCode: 10,
  verificationCode: 11,
} as const;
export type TokenTypeValue = (typeof TokenType)[keyof typeof TokenType];

export interface TokenRecord {
  id: string;
  userId: string;
  createdAt: Date;
  type: TokenTypeValue;
  /** sha256 (lowercase hex) of the secret. */
  secretHash: string;
  expire: Date;
  phrase: string;
  ip: string;
  userAgent: string;
  /**
   * Wrong guesses so far; short numeric codes die after a few, where Appwrite sets no limit
   * (test/http/tokens.test.ts, "a code dies after 5 wrong attempts").
   */
  attempts: number;
  /**
   * The identity an OAuth2 login in token mode came through: its session takes the provider's
   * details from it (src/core/operations/tokens.ts). Null for every other token.
   */
  identityId: string | null;
}

export interface ChallengeRecord {
  id: string;
  userId: string;
  createdAt: Date;
  /** The factor as sent: totp, email, phone or recoverycode. */
  type: string;
  /** sha256 of the 6-digit code (unused for totp and recovery-code challenges). */
  codeHash: string;
  expire: Date;
  attempts: number;
}

export interface AuthenticatorRecord {
  id: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  type: "totp";
  verified: boolean;
  /** The TOTP secret (base32). A TOTP key must be readable to compute codes. */
  secret: string;
  /** Highest time step accepted so far, for replay protection; null before the first use. */
  lastUsedStep: number | null;
}

export interface RecoveryCodeRecord {
  userId: string;
  /** sha256 of the code: what redemption compares against. */
  codeHash: string;
  /**
   * The code encrypted (AES-GCM) under the service's secret, so that
   * `GET /account/mfa/recovery-codes` can show the remaining codes; never compared against.
   */
  sealedCode: string;
  createdAt: Date;
}

export interface IdentityRecord {
  id: string;
  userId: string;
  createdAt: Date;
  updatedAt: Date;
  provider: string;
  providerUid: string;
  providerEmail: string;
  providerAccessToken: string;
  providerAccessTokenExpiry: Date | null;
  providerRefreshToken: string;
  /**
   * The provider's ID token from the latest login that brought one (native sign-in, or an OpenID
   * provider's token answer), sealed (AES-GCM under the service secret, src/crypto/seal.ts); ""
   * when there was none. Sealed, unlike the access token: Gatehouse itself accepts an ID token as
   * a credential (`POST /account/sessions/id-token`) until it expires, so a copy of the table must
   * not be enough to sign in.
   */
  providerIdToken: string;
}

export type IdentityPatch = Partial<Omit<IdentityRecord, "id" | "userId" | "createdAt" | "provider" | "providerUid">>;

export interface LogRecord extends ClientInfo {
  id: string;
  userId: string;
  event: string;
  resource: string;
  userEmail: string;
  userName: string;
  mode: string;
  ip: string;
  time: Date;
  userAgent: string;
}

export interface Page {
  limit: number;
  offset: number;
}

/**
 * The session fields that authenticating a request reads (src/core/authenticate.ts) and that the
 * pipeline's checks read afterwards (src/core/pipeline.ts: MFA gate, recent challenge). Only these
 * travel on the hot path: a route that needs the whole session reads it by id.
 */
export const AUTH_SESSION_FIELDS = ["id", "userId", "secretHash", "expire", "factors", "mfaUpdatedAt"] as const;
export type AuthSessionRecord = Pick<SessionRecord, (typeof AUTH_SESSION_FIELDS)[number]>;

/**
 * What `sessions.findAuth` returns: the user of a session and the session's `AUTH_SESSION_FIELDS`
 * (a store may return the whole record), in one round trip.
 */
export interface AuthSession {
  user: UserRecord;
  session: AuthSessionRecord;
  targets: TargetRecord[];
}

/*
 * One verb set and one return convention for every group:
 * - `create(record)` resolves to nothing and rejects with `StoreConflictError` on a taken unique value;
 * - `get…` resolves to the record or null, `list…`/`find…` to an array (possibly empty);
 * - `update(id, patch)` applies the defined fields of the patch and resolves to the updated record,
 *   or null when there is no such record;
 * - `delete(id)` and `consume(id)` resolve to true only for the one call that removed the row
 *   (the affected-row count, never a read-then-write), so a single-use secret is redeemed once;
 * - `count…` resolves to a number.
 */

/*
 * Listing with filters (the Users API: `GET /users`, `GET /users/identities`). The core turns
 * Appwrite's queries into this shape (src/core/list-query.ts); every store answers it the same way.
 */

/** One condition on a record field; values are already of the field's type (Date, boolean, string). */
export interface Condition<F extends string> {
  field: F;
  op:
    | "equal"
    | "notEqual"
    | "lessThan"
    | "lessThanEqual"
    | "greaterThan"
    | "greaterThanEqual"
    | "between"
    | "startsWith"
    | "endsWith"
    | "contains"
    | "isNull"
    | "isNotNull";
  values: ReadonlyArray<string | boolean | Date>;
}

/** Conditions combined: a list is AND, `{ or }` is any of, `{ and }` all of. */
export type Filter<F extends string> = Condition<F> | { and: Filter<F>[] } | { or: Filter<F>[] };

export interface Selection<F extends string> {
  filters: Filter<F>[];
  /**
   * Words of a free-text search: a record matches when any word occurs, case-insensitively, in
   * one of its searchable fields (users: id, e-mail, name, phone, labels). Empty = no search.
   */
  search: string[];
}

export interface ListQuery<F extends string, R> extends Selection<F> {
  /** Then creation order (createdAt, id) as the tie-breaker. Nulls sort first ascending, last descending. */
  order: Array<{ field: F; desc: boolean }>;
  /** Rows after (or, with `before`, before) this record in the order above. */
  cursor?: { record: R; before: boolean };
  limit: number;
  offset: number;
}

/** The user fields a list may filter and order on. */
export type UserField =
  | "id"
  | "createdAt"
  | "updatedAt"
  | "name"
  | "email"
  | "phone"
  | "status"
  | "passwordUpdatedAt"
  | "registration"
  | "emailVerification"
  | "phoneVerification"
  | "labels";

/** The identity fields a list may filter and order on. */
export type IdentityField =
  "id" | "createdAt" | "updatedAt" | "userId" | "provider" | "providerUid" | "providerEmail" | "providerAccessTokenExpiry";

export interface UserRepository {
  create(user: UserRecord): Promise<void>;
  get(id: string): Promise<UserRecord | null>;
  /** Case-insensitive: e-mails are unique regardless of letter case. */
  getByEmail(email: string): Promise<UserRecord | null>;
  getByPhone(phone: string): Promise<UserRecord | null>;
  update(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /**
   * Sets a new password hash (and history) only while the stored hash is still `expected`, in one
   * step: a login's re-hash must not overwrite a password set meanwhile by a reset. The updated
   * user, or null when the hash changed (or the user is gone).
   */
  updatePasswordIf(id: string, expected: string, patch: Pick<UserPatch, "passwordHash" | "passwordHistory">): Promise<UserRecord | null>;
  count(): Promise<number>;
  /** A page of users (`labels` takes `contains` only). */
  find(query: ListQuery<UserField, UserRecord>): Promise<UserRecord[]>;
  /** How many users match, counting no further than `cap`. */
  countMatching(selection: Selection<UserField>, cap: number): Promise<number>;
  /**
   * Deletes the user and everything of theirs (targets, sessions, tokens, challenges,
   * authenticators, recovery codes, identities, logs) in one step; true only for the one call that
   * deleted the user.
   */
  delete(id: string): Promise<boolean>;
}

export type TargetPatch = Partial<Pick<TargetRecord, "identifier" | "name" | "updatedAt" | "expired" | "sessionId">>;

export interface TargetRepository {
  create(target: TargetRecord): Promise<void>;
  get(id: string): Promise<TargetRecord | null>;
  getByIdentifier(identifier: string): Promise<TargetRecord | null>;
  /** The user's targets, oldest first. */
  list(userId: string): Promise<TargetRecord[]>;
  /** The targets of all these users (a page of a user list), oldest first. */
  listFor(userIds: readonly string[]): Promise<TargetRecord[]>;
  update(id: string, patch: TargetPatch): Promise<TargetRecord | null>;
  delete(id: string): Promise<boolean>;
}

export interface SessionRepository {
  create(session: SessionRecord): Promise<void>;
  /**
   * The session whose secret hash is `secretHash` and belongs to `userId`, with its user and the
   * user's targets. This is the hot path of every authenticated request: one round trip.
   */
  findAuth(userId: string, secretHash: string): Promise<AuthSession | null>;
  get(id: string): Promise<SessionRecord | null>;
  /** All of a user's sessions, expired ones included, oldest first. */
  list(userId: string): Promise<SessionRecord[]>;
  update(id: string, patch: SessionPatch): Promise<SessionRecord | null>;
  delete(id: string): Promise<boolean>;
  /** Deletes all of a user's sessions; resolves to the ids this call deleted. */
  deleteAll(userId: string): Promise<string[]>;
  /**
   * Deletes the user's oldest sessions (by creation time, then id) until at most `keep` remain.
   * Atomic with respect to concurrent calls: the limit holds under concurrent logins.
   */
  trim(userId: string, keep: number): Promise<void>;
}

/** The fields every single-use secret (token, MFA challenge) has. */
export interface SecretRecord {
  id: string;
  userId: string;
  expire: Date;
  /** Wrong guesses so far. */
  attempts: number;
}

/** Single-use secrets: tokens and MFA challenges share this shape. */
export interface SecretRepository<T extends SecretRecord> {
  create(secret: T): Promise<void>;
  get(id: string): Promise<T | null>;
  /** Deletes the secret; true only for the one call that deleted it, however many race. */
  consume(id: string): Promise<boolean>;
  /** Adds one failed attempt as one atomic step and returns the new count (0 when the secret is gone). */
  addAttempt(id: string): Promise<number>;
}

/** Tokens (magic URL, OTP, verification, recovery, OAuth2). */
export interface TokenRepository extends SecretRepository<TokenRecord> {
  /** The user's unexpired tokens at `now`, oldest first. */
  list(userId: string, now: Date): Promise<TokenRecord[]>;
}

export type ChallengeRepository = SecretRepository<ChallengeRecord>;

export type AuthenticatorStepPatch = Partial<Pick<AuthenticatorRecord, "verified" | "updatedAt">>;

/** Second factors: the TOTP authenticator and the recovery codes. */
export interface MfaRepository {
  getAuthenticator(userId: string, type: "totp"): Promise<AuthenticatorRecord | null>;
  /** Creates or replaces the user's authenticator of that type. */
  putAuthenticator(authenticator: AuthenticatorRecord): Promise<void>;
  /**
   * Marks `step` as used if it is above the last used step (one conditional update); false when it
   * was already used. This is what makes a TOTP code single-use.
   */
  useAuthenticatorStep(id: string, step: number, patch?: AuthenticatorStepPatch): Promise<boolean>;
  deleteAuthenticator(id: string): Promise<boolean>;
  /** Replaces all of the user's recovery codes. */
  replaceRecoveryCodes(userId: string, codes: RecoveryCodeRecord[]): Promise<void>;
  countRecoveryCodes(userId: string): Promise<number>;
  /** The user's unused codes (hash and sealed form), oldest first. */
  listRecoveryCodes(userId: string): Promise<RecoveryCodeRecord[]>;
  /** Deletes the code; true only for the one call that deleted it. */
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
}

/** OAuth2 identities. */
export interface IdentityRepository {
  create(identity: IdentityRecord): Promise<void>;
  get(id: string): Promise<IdentityRecord | null>;
  getByProviderUid(provider: string, providerUid: string): Promise<IdentityRecord | null>;
  /** Identities with this providerEmail, optionally excluding one user's, oldest first. */
  findByEmail(email: string, exceptUserId?: string): Promise<IdentityRecord[]>;
  /** The user's identities, oldest first. */
  list(userId: string): Promise<IdentityRecord[]>;
  update(id: string, patch: IdentityPatch): Promise<IdentityRecord | null>;
  delete(id: string): Promise<boolean>;
  /** A page of all users' identities (`search` is not offered: identities have no search text). */
  find(query: ListQuery<IdentityField, IdentityRecord>): Promise<IdentityRecord[]>;
  countMatching(selection: Selection<IdentityField>, cap: number): Promise<number>;
}

/** Security logs. */
export interface LogRepository {
  append(log: LogRecord): Promise<void>;
  /** Newest first. */
  list(userId: string, page: Page): Promise<LogRecord[]>;
  count(userId: string): Promise<number>;
}

export interface Store {
  readonly users: UserRepository;
  readonly targets: TargetRepository;
  readonly sessions: SessionRepository;
  readonly tokens: TokenRepository;
  readonly challenges: ChallengeRepository;
  readonly mfa: MfaRepository;
  readonly identities: IdentityRepository;
  readonly logs: LogRepository;

  /** Removes expired sessions, tokens and challenges; returns how many rows went. */
  purgeExpired(now: Date): Promise<number>;

  /** Runs `fn` atomically; writes made through `tx` are rolled back if it throws. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
}

/** A uniqueness violation, named by what collided. The core maps it to the route's Appwrite error. */
export class StoreConflictError extends Error {
  override readonly name = "StoreConflictError";
  constructor(
    readonly target: "id" | "email" | "phone" | "target" | "identity",
    message?: string,
  ) {
    super(message ?? `unique constraint violated: ${target}`);
  }
}

/** The store cannot be reached (database down, pool closed). The HTTP layer answers 503. */
export class StoreUnavailableError extends Error {
  override readonly name = "StoreUnavailableError";
}

/** The groups of `Store`, each an object of methods. */
export type StoreGroup = { [K in keyof Store]: Store[K] extends (...args: never[]) => unknown ? never : K }[keyof Store];
type StoreRootMethod = Exclude<keyof Store, StoreGroup>;

/** Every method of `Store`, per group, so a config check can name what a custom store lacks. */
export const STORE_SHAPE = {
  users: ["create", "get", "getByEmail", "getByPhone", "update", "updatePasswordIf", "count", "find", "countMatching", "delete"],
  targets: ["create", "get", "getByIdentifier", "list", "listFor", "update", "delete"],
  sessions: ["create", "findAuth", "get", "list", "update", "delete", "deleteAll", "trim"],
  tokens: ["create", "get", "consume", "addAttempt", "list"],
  challenges: ["create", "get", "consume", "addAttempt"],
  mfa: [
    "getAuthenticator",
    "putAuthenticator",
    "useAuthenticatorStep",
    "deleteAuthenticator",
    "replaceRecoveryCodes",
    "countRecoveryCodes",
    "listRecoveryCodes",
    "consumeRecoveryCode",
  ],
  identities: ["create", "get", "getByProviderUid", "findByEmail", "list", "update", "delete", "find", "countMatching"],
  logs: ["append", "list", "count"],
} as const satisfies { [G in StoreGroup]: ReadonlyArray<keyof Store[G]> };

export const STORE_ROOT_METHODS = ["purgeExpired", "transaction"] as const satisfies ReadonlyArray<StoreRootMethod>;

/** Every method as a path (`"sessions.findAuth"`, `"transaction"`), for messages that name one. */
export const STORE_METHOD_PATHS: readonly string[] = [
  ...Object.entries(STORE_SHAPE).flatMap(([group, methods]) => methods.map((m) => `${group}.${m}`)),
  ...STORE_ROOT_METHODS,
];

// Fails to compile when a method or group is added to Store but not to the lists above.
type Missing =
  | {
      [G in StoreGroup]: Exclude<keyof Store[G], (typeof STORE_SHAPE)[G][number]>;
    }[StoreGroup]
  | Exclude<StoreRootMethod, (typeof STORE_ROOT_METHODS)[number]>;
const storeShapeComplete: [Missing] extends [never] ? true : never = true;
void storeShapeComplete;
