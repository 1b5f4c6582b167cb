import type {
  AuthenticatorRecord,
  ChallengeRecord,
  IdentityRecord,
  LogRecord,
  RecoveryCodeRecord,
  SessionRecord,
  TargetRecord,
  TokenRecord,
  UserRecord,
} from "../../ports/store";

// Copies in and out of the memory store: Dates and arrays are mutable, so sharing them would let
// a caller edit stored state.

function date(d: Date): Date {
  return new Date(d.getTime());
}

function maybeDate(d: Date | null): Date | null {
  return d === null ? null : new Date(d.getTime());
}

export function copyUser(u: UserRecord): UserRecord {
  return {
    ...u,
    createdAt: date(u.createdAt),
    updatedAt: date(u.updatedAt),
    passwordUpdatedAt: maybeDate(u.passwordUpdatedAt),
    passwordHistory: [...u.passwordHistory],
    registration: date(u.registration),
    labels: [...u.labels],
    prefs: structuredClone(u.prefs),
    accessedAt: maybeDate(u.accessedAt),
  };
}

export function copyTarget(t: TargetRecord): TargetRecord {
  return { ...t, createdAt: date(t.createdAt), updatedAt: date(t.updatedAt), sessionId: t.sessionId ?? null };
}

export function copySession(s: SessionRecord): SessionRecord {
  return {
    ...s,
    createdAt: date(s.createdAt),
    updatedAt: date(s.updatedAt),
    expire: date(s.expire),
    providerAccessTokenExpiry: maybeDate(s.providerAccessTokenExpiry),
    factors: [...s.factors],
    mfaUpdatedAt: maybeDate(s.mfaUpdatedAt),
  };
}

export function copyToken(t: TokenRecord): TokenRecord {
  return { ...t, createdAt: date(t.createdAt), expire: date(t.expire) };
}

export function copyChallenge(c: ChallengeRecord): ChallengeRecord {
  return { ...c, createdAt: date(c.createdAt), expire: date(c.expire) };
}

export function copyAuthenticator(a: AuthenticatorRecord): AuthenticatorRecord {
  return { ...a, createdAt: date(a.createdAt), updatedAt: date(a.updatedAt) };
}

export function copyRecoveryCode(c: RecoveryCodeRecord): RecoveryCodeRecord {
  return { ...c, createdAt: date(c.createdAt) };
}

export function copyIdentity(i: IdentityRecord): IdentityRecord {
  return {
    ...i,
    createdAt: date(i.createdAt),
    updatedAt: date(i.updatedAt),
    providerAccessTokenExpiry: maybeDate(i.providerAccessTokenExpiry),
  };
}

export function copyLog(l: LogRecord): LogRecord {
  return { ...l, time: date(l.time) };
}
