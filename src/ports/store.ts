/**
 * The persistence port. Every store (memory, Kysely on SQLite/PostgreSQL/MySQL) implements this
 * interface and passes the same contract suite in `test/store/`.
 *
 * Design rules:
 * - Records are plain objects with `Date` times; stores own their encoding.
 * - Uniqueness (user id, email, phone, target identifier, identity provider+uid) is enforced by the
 *   store and reported as `StoreConflictError`, so races are settled by the database, not by a
 *   read-then-write in the core.
 * - Every "consume" method deletes and reports whether *this* call deleted the row, so a
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

/** Appwrite token types (spec §2.31). */
export const TokenType = {
  verification: 2,
  recovery: 3,
  invite: 4,
  magicUrl: 5,
  phone: 6,
  oauth2: 7,
  generic: 8,
  email: 9,
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
  /** Wrong guesses so far; short numeric codes die after a few (Gatehouse decision A.2). */
  attempts: number;
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
   * The code encrypted (AES-GCM) under the service's secret, so the needsRecentChallenge
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

/** What `findAuthSession` returns: the user of a session and the session, in one round trip. */
export interface AuthSession {
  user: UserRecord;
  session: SessionRecord;
  targets: TargetRecord[];
}

export interface Store {
  // Users
  createUser(user: UserRecord): Promise<void>;
  getUser(id: string): Promise<UserRecord | null>;
  getUserByEmail(email: string): Promise<UserRecord | null>;
  getUserByPhone(phone: string): Promise<UserRecord | null>;
  /** Applies the patch and returns the updated user, or null when the user does not exist. */
  updateUser(id: string, patch: UserPatch): Promise<UserRecord | null>;
  /**
   * Deletes a user; their sessions, tokens, challenges, authenticators, codes, identities, targets
   * and logs go with them (a later user with the same custom id must not inherit any of it).
   */
  deleteUser(id: string): Promise<void>;
  countUsers(): Promise<number>;

  // Messaging targets
  createTarget(target: TargetRecord): Promise<void>;
  getTargetByIdentifier(identifier: string): Promise<TargetRecord | null>;
  listTargets(userId: string): Promise<TargetRecord[]>;
  updateTarget(id: string, patch: Partial<Pick<TargetRecord, "identifier" | "updatedAt" | "expired">>): Promise<void>;

  // Sessions
  createSession(session: SessionRecord): Promise<void>;
  /**
   * The session whose secret hash is `secretHash` and belongs to `userId`, with its user and the
   * user's targets. This is the hot path of every authenticated request: one round trip.
   */
  findAuthSession(userId: string, secretHash: string): Promise<AuthSession | null>;
  getSession(id: string): Promise<SessionRecord | null>;
  /** All of a user's sessions, expired ones included, oldest first. */
  listSessions(userId: string): Promise<SessionRecord[]>;
  updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null>;
  /** Returns whether a session was deleted. */
  deleteSession(id: string): Promise<boolean>;
  /** Deletes all of a user's sessions and returns the deleted ones. */
  deleteSessions(userId: string): Promise<SessionRecord[]>;
  /**
   * Deletes the user's oldest sessions (by creation time, then id) until at most `keep` remain.
   * Atomic with respect to concurrent calls: the limit holds under concurrent logins.
   * Returns the ids it deleted.
   */
  trimSessions(userId: string, keep: number): Promise<string[]>;

  // Tokens (magic URL, OTP, verification, recovery, OAuth2)
  createToken(token: TokenRecord): Promise<void>;
  /** The user's unexpired tokens at `now`, optionally of one type. */
  listTokens(userId: string, now: Date, type?: TokenTypeValue): Promise<TokenRecord[]>;
  /** Deletes the token; true only for the one call that deleted it. */
  consumeToken(id: string): Promise<boolean>;
  /** Adds one failed attempt and returns the new count (0 when the token is gone). */
  addTokenAttempt(id: string): Promise<number>;

  // MFA challenges
  createChallenge(challenge: ChallengeRecord): Promise<void>;
  getChallenge(id: string): Promise<ChallengeRecord | null>;
  consumeChallenge(id: string): Promise<boolean>;
  addChallengeAttempt(id: string): Promise<number>;

  // MFA authenticators
  getAuthenticator(userId: string, type: "totp"): Promise<AuthenticatorRecord | null>;
  /** Creates or replaces the user's authenticator of that type. */
  putAuthenticator(authenticator: AuthenticatorRecord): Promise<void>;
  /**
   * Marks `step` as used if it is above the last used step; false when it was already used.
   * This is what makes a TOTP code single-use.
   */
  useAuthenticatorStep(id: string, step: number, patch?: Partial<Pick<AuthenticatorRecord, "verified" | "updatedAt">>): Promise<boolean>;
  deleteAuthenticator(id: string): Promise<boolean>;

  // MFA recovery codes
  /** Replaces all of the user's recovery codes. */
  replaceRecoveryCodes(userId: string, codes: RecoveryCodeRecord[]): Promise<void>;
  countRecoveryCodes(userId: string): Promise<number>;
  /** The user's unused codes (hash and sealed form), oldest first. */
  listRecoveryCodes(userId: string): Promise<RecoveryCodeRecord[]>;
  consumeRecoveryCode(userId: string, codeHash: string): Promise<boolean>;

  // OAuth2 identities
  createIdentity(identity: IdentityRecord): Promise<void>;
  getIdentity(id: string): Promise<IdentityRecord | null>;
  getIdentityByProviderUid(provider: string, providerUid: string): Promise<IdentityRecord | null>;
  /** Identities with this providerEmail, optionally excluding one user's. */
  findIdentitiesByEmail(email: string, exceptUserId?: string): Promise<IdentityRecord[]>;
  listIdentities(userId: string): Promise<IdentityRecord[]>;
  updateIdentity(id: string, patch: IdentityPatch): Promise<void>;
  deleteIdentity(id: string): Promise<boolean>;

  // Security logs
  appendLog(log: LogRecord): Promise<void>;
  /** Newest first. */
  listLogs(userId: string, page: Page): Promise<LogRecord[]>;
  countLogs(userId: string): Promise<number>;

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

/** Every method of `Store`, so a config check can name what a custom store lacks. */
export const STORE_METHODS = [
  "createUser", "getUser", "getUserByEmail", "getUserByPhone", "updateUser", "deleteUser", "countUsers",
  "createTarget", "getTargetByIdentifier", "listTargets", "updateTarget",
  "createSession", "findAuthSession", "getSession", "listSessions", "updateSession", "deleteSession", "deleteSessions", "trimSessions",
  "createToken", "listTokens", "consumeToken", "addTokenAttempt",
  "createChallenge", "getChallenge", "consumeChallenge", "addChallengeAttempt",
  "getAuthenticator", "putAuthenticator", "useAuthenticatorStep", "deleteAuthenticator",
  "replaceRecoveryCodes", "countRecoveryCodes", "listRecoveryCodes", "consumeRecoveryCode",
  "createIdentity", "getIdentity", "getIdentityByProviderUid", "findIdentitiesByEmail", "listIdentities", "updateIdentity", "deleteIdentity",
  "appendLog", "listLogs", "countLogs",
  "purgeExpired", "transaction",
] as const satisfies ReadonlyArray<keyof Store>;

// Fails to compile when a method is added to Store but not to the list above.
type MissingStoreMethods = Exclude<keyof Store, (typeof STORE_METHODS)[number]>;
const storeMethodsComplete: [MissingStoreMethods] extends [never] ? true : never = true;
void storeMethodsComplete;
