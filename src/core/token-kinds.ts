import { randomDigits, randomHex } from "../crypto/random";
import type { ResolvedConfig } from "../config";
import { TokenType, type TokenTypeValue } from "../ports/store";

/** The lifetimes an operator may change (`auth.lifetimes`, in seconds; src/config.ts holds the defaults). */
export type Lifetimes = ResolvedConfig["auth"]["lifetimes"];

/** How a redeemed token becomes a session (`POST /account/sessions/token`, src/core/operations/tokens.ts). */
export interface SessionRule {
  provider: string;
  factor: string;
  /** Redeeming the token proves this contact, which is marked verified. */
  verifies?: "email" | "phone";
  /** Sends a session alert when `auth.sessionAlerts` is on; not after magic URL and e-mail OTP, whose e-mail was the login. */
  alert: boolean;
  /**
   * For clients at `oauth2TokenSession` (src/core/behaviour.ts) or later, the session is the
   * identity's instead (`identitySession`, src/core/provider-login.ts); this rule is 1.6's.
   */
  fromIdentity?: true;
}

export interface TokenKind {
  /** The stored token's type; absent for secrets that are not token records (MFA challenges, JWTs). */
  type?: TokenTypeValue;
  /** Where the lifetime comes from: a key of `auth.lifetimes`, or the session duration (a token that stands for a session). */
  lifetime: keyof Lifetimes | "sessionDuration";
  /** A fresh secret; absent where the secret is not random (a signed JWT). */
  secret?: () => string;
  /** Wrong guesses a token survives; short codes can be guessed offline from their hash, so few. */
  attempts: number;
  session?: SessionRule;
  /**
   * The contact its secret is sent to: a change of that contact retires it (src/core/contact-change.ts),
   * since it names the user, not the address or number it went to.
   */
  sentTo?: "email" | "phone";
}

/** A six-digit code can be guessed offline from its hash, so each may be tried only this often. */
const CODE_ATTEMPTS = 5;
const code = () => randomDigits(6);

/** Every kind of secret the Account API hands out, with the facts the operations need about it. */
export const TOKEN_KINDS = {
  emailOtp: {
    type: TokenType.email,
    lifetime: "emailOtp",
    secret: code,
    attempts: CODE_ATTEMPTS,
    session: { provider: "token", factor: "email", verifies: "email", alert: false },
    sentTo: "email",
  },
  phoneOtp: {
    type: TokenType.phone,
    lifetime: "phoneOtp",
    secret: code,
    attempts: CODE_ATTEMPTS,
    session: { provider: "phone", factor: "phone", verifies: "phone", alert: true },
    sentTo: "phone",
  },
  magicUrl: {
    type: TokenType.magicUrl,
    lifetime: "magicUrl",
    secret: () => randomHex(32),
    attempts: Infinity,
    session: { provider: "magic-url", factor: "email", verifies: "email", alert: false },
    sentTo: "email",
  },
  oauth2: {
    type: TokenType.oauth2,
    lifetime: "sessionDuration",
    secret: () => randomHex(32),
    attempts: Infinity,
    session: { provider: "oauth2", factor: "email", alert: true, fromIdentity: true },
  },
  /** Made by the Users API (server side); redeemable here. */
  generic: {
    type: TokenType.generic,
    lifetime: "sessionDuration",
    secret: () => randomHex(32),
    attempts: Infinity,
    session: { provider: "token", factor: "token", alert: true },
  },
  verification: {
    type: TokenType.verification,
    lifetime: "verification",
    secret: () => randomHex(128),
    attempts: Infinity,
    sentTo: "email",
  },
  /** Stored with the phone-login type, as Appwrite does: the session rule is phoneOtp's. */
  phoneVerification: { type: TokenType.phone, lifetime: "verification", secret: code, attempts: CODE_ATTEMPTS, sentTo: "phone" },
  recovery: { type: TokenType.recovery, lifetime: "recovery", secret: () => randomHex(128), attempts: Infinity, sentTo: "email" },
  /** `POST /account/recovery/otp`: for apps that cannot host a recovery page. */
  recoveryCode: { type: TokenType.recoveryCode, lifetime: "recoveryCode", secret: code, attempts: CODE_ATTEMPTS, sentTo: "email" },
  /** `POST /account/verifications/email/otp`. */
  verificationCode: {
    type: TokenType.verificationCode,
    lifetime: "verificationCode",
    secret: code,
    attempts: CODE_ATTEMPTS,
    sentTo: "email",
  },
  mfaChallenge: { lifetime: "mfaChallenge", secret: code, attempts: CODE_ATTEMPTS },
  jwt: { lifetime: "jwt", attempts: Infinity },
} as const satisfies Record<string, TokenKind>;

export type TokenKindName = keyof typeof TOKEN_KINDS;
/** The kinds stored as token records. */
export type StoredTokenKind = { [K in TokenKindName]: (typeof TOKEN_KINDS)[K] extends { type: TokenTypeValue } ? K : never }[TokenKindName];

/** A kind's lifetime in milliseconds under this configuration. */
export function lifetimeMs(config: ResolvedConfig, kind: TokenKindName): number {
  const source = TOKEN_KINDS[kind].lifetime;
  return (source === "sessionDuration" ? config.auth.sessionDuration : config.auth.lifetimes[source]) * 1000;
}

const kinds: readonly TokenKind[] = Object.values(TOKEN_KINDS);

/** The session rule of each token type that signs in (the first kind of a type that declares one). */
export const SESSION_BY_TOKEN_TYPE: ReadonlyMap<TokenTypeValue, SessionRule> = new Map(
  kinds.flatMap((k) => (k.type !== undefined && k.session ? [[k.type, k.session] as const] : [])),
);

const ATTEMPTS_BY_TYPE: ReadonlyMap<TokenTypeValue, number> = new Map(
  kinds.flatMap((k) =>
    k.type === undefined ? [] : [[k.type, Math.min(...kinds.filter((o) => o.type === k.type).map((o) => o.attempts))] as const],
  ),
);

/** Wrong guesses a stored token of `type` survives (the strictest kind stored under that type). */
export function attemptLimit(type: TokenTypeValue): number {
  return ATTEMPTS_BY_TYPE.get(type) ?? Infinity;
}

const sentTo = (contact: "email" | "phone") =>
  new Set(kinds.flatMap((k) => (k.type !== undefined && k.sentTo === contact ? [k.type] : [])));
const SENT_TO: Readonly<Record<"email" | "phone", ReadonlySet<TokenTypeValue>>> = { email: sentTo("email"), phone: sentTo("phone") };

/** The stored token types whose secrets go to the user's e-mail address, or to their phone number. */
export function tokenTypesSentTo(contact: "email" | "phone"): ReadonlySet<TokenTypeValue> {
  return SENT_TO[contact];
}
