import { StoreConflictError } from "../ports/store";
import type {
  AuthenticatorRecord,
  ChallengeRecord,
  IdentityRecord,
  LogRecord,
  RecoveryCodeRecord,
  SessionRecord,
  Store,
  TargetRecord,
  TokenRecord,
  UserRecord,
} from "../ports/store";

/**
 * An in-memory `Store` for tests, demos and single-process deployments that can afford to lose
 * everything on restart.
 *
 * Invariant that keeps rollback trivial: a stored record is never mutated in place. Every write
 * swaps in a fresh object, so an undo entry only has to put the previous object back.
 */
export function memoryStore(): Store {
  const db = new Database();
  return view(db, null);
}

type ConflictTarget = StoreConflictError["target"];

/** Inverse operations of the writes made inside a transaction, oldest first; null outside one. */
type UndoLog = (() => void)[] | null;

/** A unique secondary key (email, phone, ...) → row id. A null key is not indexed, like SQL NULL. */
class Unique<T> {
  readonly map = new Map<string, string>();
  constructor(
    readonly target: ConflictTarget,
    readonly key: (row: T) => string | null,
  ) {}
}

/** A non-unique secondary key (owner, secret hash, ...) → row ids. */
class Group<T> {
  readonly map = new Map<string, Set<string>>();
  constructor(readonly key: (row: T) => string) {}
}

class Table<T extends { id: string }> {
  private readonly rows = new Map<string, T>();

  constructor(
    private readonly uniques: readonly Unique<T>[] = [],
    private readonly groups: readonly Group<T>[] = [],
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  find(index: Unique<T>, key: string): T | undefined {
    const id = index.map.get(key);
    return id === undefined ? undefined : this.rows.get(id);
  }

  select(index: Group<T>, key: string): T[] {
    const ids = index.map.get(key);
    if (ids === undefined) return [];
    const out: T[] = [];
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row !== undefined) out.push(row);
    }
    return out;
  }

  all(): T[] {
    return [...this.rows.values()];
  }

  /** All checks run before any index is touched, so a conflict leaves the table as it was. */
  insert(row: T, undo: UndoLog): void {
    if (this.rows.has(row.id)) throw new StoreConflictError("id");
    this.assertUnique(row);
    this.link(row);
    undo?.push(() => this.unlink(row));
  }

  /** Swaps the row with the same id for `next`; the caller has checked that it exists. */
  replace(next: T, undo: UndoLog): void {
    const prev = this.rows.get(next.id);
    if (prev === undefined) return;
    this.assertUnique(next);
    this.unlink(prev);
    this.link(next);
    undo?.push(() => {
      this.unlink(next);
      this.link(prev);
    });
  }

  remove(id: string, undo: UndoLog): T | undefined {
    const prev = this.rows.get(id);
    if (prev === undefined) return undefined;
    this.unlink(prev);
    undo?.push(() => this.link(prev));
    return prev;
  }

  private assertUnique(row: T): void {
    for (const index of this.uniques) {
      const key = index.key(row);
      if (key === null) continue;
      const owner = index.map.get(key);
      if (owner !== undefined && owner !== row.id) throw new StoreConflictError(index.target);
    }
  }

  private link(row: T): void {
    this.rows.set(row.id, row);
    for (const index of this.uniques) {
      const key = index.key(row);
      if (key !== null) index.map.set(key, row.id);
    }
    for (const index of this.groups) {
      const key = index.key(row);
      let ids = index.map.get(key);
      if (ids === undefined) index.map.set(key, (ids = new Set()));
      ids.add(row.id);
    }
  }

  private unlink(row: T): void {
    this.rows.delete(row.id);
    for (const index of this.uniques) {
      const key = index.key(row);
      // Only drop the entry if it is still ours; never evict a row that took the key since.
      if (key !== null && index.map.get(key) === row.id) index.map.delete(key);
    }
    for (const index of this.groups) {
      const key = index.key(row);
      const ids = index.map.get(key);
      if (ids === undefined) continue;
      ids.delete(row.id);
      // Empty sets are dropped so memory does not grow with every user that ever existed.
      if (ids.size === 0) index.map.delete(key);
    }
  }
}

class Database {
  readonly usersByEmail = new Unique<UserRecord>("email", (u) => (u.email === null ? null : u.email.toLowerCase()));
  readonly usersByPhone = new Unique<UserRecord>("phone", (u) => u.phone);
  readonly users = new Table<UserRecord>([this.usersByEmail, this.usersByPhone]);

  readonly targetsByIdentifier = new Unique<TargetRecord>("target", (t) => t.identifier);
  readonly targetsByUser = new Group<TargetRecord>((t) => t.userId);
  readonly targets = new Table<TargetRecord>([this.targetsByIdentifier], [this.targetsByUser]);

  readonly sessionsByUser = new Group<SessionRecord>((s) => s.userId);
  // Not unique: the port does not promise distinct hashes, so a collision must not hide a session.
  readonly sessionsBySecret = new Group<SessionRecord>((s) => s.secretHash);
  readonly sessions = new Table<SessionRecord>([], [this.sessionsByUser, this.sessionsBySecret]);

  readonly tokensByUser = new Group<TokenRecord>((t) => t.userId);
  readonly tokens = new Table<TokenRecord>([], [this.tokensByUser]);

  readonly challengesByUser = new Group<ChallengeRecord>((c) => c.userId);
  readonly challenges = new Table<ChallengeRecord>([], [this.challengesByUser]);

  readonly authenticatorsByUser = new Group<AuthenticatorRecord>((a) => a.userId);
  readonly authenticatorsBySlot = new Group<AuthenticatorRecord>((a) => slot(a.userId, a.type));
  readonly authenticators = new Table<AuthenticatorRecord>([], [this.authenticatorsByUser, this.authenticatorsBySlot]);

  readonly identitiesByProviderUid = new Unique<IdentityRecord>("identity", (i) => slot(i.provider, i.providerUid));
  readonly identitiesByUser = new Group<IdentityRecord>((i) => i.userId);
  readonly identitiesByEmail = new Group<IdentityRecord>((i) => i.providerEmail);
  readonly identities = new Table<IdentityRecord>(
    [this.identitiesByProviderUid],
    [this.identitiesByUser, this.identitiesByEmail],
  );

  /** Per user; arrays are replaced, never edited, so undo can restore the previous one. */
  readonly recoveryCodes = new Map<string, readonly RecoveryCodeRecord[]>();

  /** Log ids, so a duplicate is refused like a primary key would. */
  readonly logIds = new Set<string>();
  /** Per user, sorted by time ascending and then insertion order, so newest-first is a reverse walk. */
  readonly logsByUser = new Map<string, LogRecord[]>();

  /** Tail of the transaction queue: each transaction waits for the previous one to settle. */
  lock: Promise<void> = Promise.resolve();
}

/** Joins two key parts with a separator that cannot occur in ids, providers or types. */
function slot(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

function byCreation(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const dt = a.createdAt.getTime() - b.createdAt.getTime();
  if (dt !== 0) return dt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

// Copies: Dates and arrays are mutable, so sharing them would let a caller edit stored state.

function date(d: Date): Date {
  return new Date(d.getTime());
}

function maybeDate(d: Date | null): Date | null {
  return d === null ? null : new Date(d.getTime());
}

function copyUser(u: UserRecord): UserRecord {
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

function copyTarget(t: TargetRecord): TargetRecord {
  return { ...t, createdAt: date(t.createdAt), updatedAt: date(t.updatedAt) };
}

function copySession(s: SessionRecord): SessionRecord {
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

function copyToken(t: TokenRecord): TokenRecord {
  return { ...t, createdAt: date(t.createdAt), expire: date(t.expire) };
}

function copyChallenge(c: ChallengeRecord): ChallengeRecord {
  return { ...c, createdAt: date(c.createdAt), expire: date(c.expire) };
}

function copyAuthenticator(a: AuthenticatorRecord): AuthenticatorRecord {
  return { ...a, createdAt: date(a.createdAt), updatedAt: date(a.updatedAt) };
}

function copyRecoveryCode(c: RecoveryCodeRecord): RecoveryCodeRecord {
  return { ...c, createdAt: date(c.createdAt) };
}

function copyIdentity(i: IdentityRecord): IdentityRecord {
  return {
    ...i,
    createdAt: date(i.createdAt),
    updatedAt: date(i.updatedAt),
    providerAccessTokenExpiry: maybeDate(i.providerAccessTokenExpiry),
  };
}

function copyLog(l: LogRecord): LogRecord {
  return { ...l, time: date(l.time) };
}

/**
 * Merges a patch into a record. Undefined values are skipped (a Partial field that is absent and one
 * that is `undefined` mean the same), and `frozen` keys are ignored even if a caller smuggles them in
 * at runtime, because the indexes are keyed by them.
 */
function patched<T extends object>(row: T, patch: object, frozen: readonly string[]): T {
  const next = { ...row } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || frozen.includes(key)) continue;
    next[key] = value;
  }
  return next as T;
}

/**
 * The store's methods, bound to an undo log. The root store uses `null` (writes are final);
 * a transaction gets its own log. Closures rather than a class so that methods survive being
 * destructured off the store.
 */
function view(db: Database, undo: UndoLog): Store {
  const removeSession = (id: string): SessionRecord | undefined => db.sessions.remove(id, undo);

  const listSessionRows = (userId: string): SessionRecord[] => db.sessions.select(db.sessionsByUser, userId).sort(byCreation);

  const setRecoveryCodes = (userId: string, codes: readonly RecoveryCodeRecord[]): void => {
    const prev = db.recoveryCodes.get(userId);
    if (codes.length === 0) db.recoveryCodes.delete(userId);
    else db.recoveryCodes.set(userId, codes);
    undo?.push(() => {
      if (prev === undefined) db.recoveryCodes.delete(userId);
      else db.recoveryCodes.set(userId, prev);
    });
  };

  const dropLogs = (userId: string): void => {
    const logs = db.logsByUser.get(userId);
    if (logs === undefined) return;
    db.logsByUser.delete(userId);
    for (const log of logs) db.logIds.delete(log.id);
    undo?.push(() => {
      db.logsByUser.set(userId, logs);
      for (const log of logs) db.logIds.add(log.id);
    });
  };

  const consume = <T extends { id: string }>(table: Table<T>, id: string): boolean =>
    table.remove(id, undo) !== undefined;

  const addAttempt = <T extends { id: string; attempts: number }>(table: Table<T>, id: string): number => {
    const row = table.get(id);
    if (row === undefined) return 0;
    const attempts = row.attempts + 1;
    table.replace({ ...row, attempts }, undo);
    return attempts;
  };

  const store: Store = {
    // Users

    async createUser(user) {
      db.users.insert(copyUser(user), undo);
    },

    async getUser(id) {
      const user = db.users.get(id);
      return user === undefined ? null : copyUser(user);
    },

    async getUserByEmail(email) {
      const user = db.users.find(db.usersByEmail, email.toLowerCase());
      return user === undefined ? null : copyUser(user);
    },

    async getUserByPhone(phone) {
      const user = db.users.find(db.usersByPhone, phone);
      return user === undefined ? null : copyUser(user);
    },

    async updateUser(id, patch) {
      const user = db.users.get(id);
      if (user === undefined) return null;
      const next = copyUser(patched(user, patch, ["id", "createdAt"]));
      db.users.replace(next, undo);
      return copyUser(next);
    },

    async deleteUser(id) {
      for (const t of db.targets.select(db.targetsByUser, id)) db.targets.remove(t.id, undo);
      for (const s of db.sessions.select(db.sessionsByUser, id)) removeSession(s.id);
      for (const t of db.tokens.select(db.tokensByUser, id)) db.tokens.remove(t.id, undo);
      for (const c of db.challenges.select(db.challengesByUser, id)) db.challenges.remove(c.id, undo);
      for (const a of db.authenticators.select(db.authenticatorsByUser, id)) db.authenticators.remove(a.id, undo);
      for (const i of db.identities.select(db.identitiesByUser, id)) db.identities.remove(i.id, undo);
      if (db.recoveryCodes.has(id)) setRecoveryCodes(id, []);
      // Logs go too: a later user created with the same custom id must not inherit this history.
      dropLogs(id);
      db.users.remove(id, undo);
    },

    async countUsers() {
      return db.users.size;
    },

    // Messaging targets

    async createTarget(target) {
      db.targets.insert(copyTarget(target), undo);
    },

    async getTargetByIdentifier(identifier) {
      const target = db.targets.find(db.targetsByIdentifier, identifier);
      return target === undefined ? null : copyTarget(target);
    },

    async listTargets(userId) {
      return db.targets.select(db.targetsByUser, userId).sort(byCreation).map(copyTarget);
    },

    async updateTarget(id, patch) {
      const target = db.targets.get(id);
      if (target === undefined) return;
      const allowed = { identifier: patch.identifier, updatedAt: patch.updatedAt, expired: patch.expired };
      db.targets.replace(copyTarget(patched(target, allowed, [])), undo);
    },

    // Sessions

    async createSession(session) {
      db.sessions.insert(copySession(session), undo);
    },

    async findAuthSession(userId, secretHash) {
      // Hashes are effectively unique, so this loop runs once: O(1) however many users exist.
      for (const session of db.sessions.select(db.sessionsBySecret, secretHash)) {
        if (session.userId !== userId) continue;
        const user = db.users.get(userId);
        if (user === undefined) return null;
        const targets = db.targets.select(db.targetsByUser, userId).sort(byCreation).map(copyTarget);
        return { user: copyUser(user), session: copySession(session), targets };
      }
      return null;
    },

    async getSession(id) {
      const session = db.sessions.get(id);
      return session === undefined ? null : copySession(session);
    },

    async listSessions(userId) {
      return listSessionRows(userId).map(copySession);
    },

    async updateSession(id, patch) {
      const session = db.sessions.get(id);
      if (session === undefined) return null;
      const next = copySession(patched(session, patch, ["id", "userId", "createdAt", "secretHash"]));
      db.sessions.replace(next, undo);
      return copySession(next);
    },

    async deleteSession(id) {
      return removeSession(id) !== undefined;
    },

    async deleteSessions(userId) {
      const deleted: SessionRecord[] = [];
      for (const session of listSessionRows(userId)) {
        if (removeSession(session.id) !== undefined) deleted.push(copySession(session));
      }
      return deleted;
    },

    async trimSessions(userId, keep) {
      const sessions = listSessionRows(userId);
      const excess = sessions.length - Math.max(0, keep);
      const deleted: string[] = [];
      for (const session of sessions.slice(0, Math.max(0, excess))) {
        if (removeSession(session.id) !== undefined) deleted.push(session.id);
      }
      return deleted;
    },

    // Tokens

    async createToken(token) {
      db.tokens.insert(copyToken(token), undo);
    },

    async listTokens(userId, now, type) {
      const at = now.getTime();
      return db.tokens
        .select(db.tokensByUser, userId)
        .filter((t) => t.expire.getTime() > at && (type === undefined || t.type === type))
        .sort(byCreation)
        .map(copyToken);
    },

    async consumeToken(id) {
      return consume(db.tokens, id);
    },

    async addTokenAttempt(id) {
      return addAttempt(db.tokens, id);
    },

    // MFA challenges

    async createChallenge(challenge) {
      db.challenges.insert(copyChallenge(challenge), undo);
    },

    async getChallenge(id) {
      const challenge = db.challenges.get(id);
      return challenge === undefined ? null : copyChallenge(challenge);
    },

    async consumeChallenge(id) {
      return consume(db.challenges, id);
    },

    async addChallengeAttempt(id) {
      return addAttempt(db.challenges, id);
    },

    // MFA authenticators

    async getAuthenticator(userId, type) {
      const [authenticator] = db.authenticators.select(db.authenticatorsBySlot, slot(userId, type));
      return authenticator === undefined ? null : copyAuthenticator(authenticator);
    },

    async putAuthenticator(authenticator) {
      const next = copyAuthenticator(authenticator);
      // Check the id before removing the current one, so a conflict changes nothing.
      const holder = db.authenticators.get(next.id);
      if (holder !== undefined && (holder.userId !== next.userId || holder.type !== next.type)) {
        throw new StoreConflictError("id");
      }
      for (const current of db.authenticators.select(db.authenticatorsBySlot, slot(next.userId, next.type))) {
        db.authenticators.remove(current.id, undo);
      }
      db.authenticators.insert(next, undo);
    },

    async useAuthenticatorStep(id, step, patch) {
      const authenticator = db.authenticators.get(id);
      if (authenticator === undefined) return false;
      if (authenticator.lastUsedStep !== null && step <= authenticator.lastUsedStep) return false;
      const allowed = { verified: patch?.verified, updatedAt: patch?.updatedAt };
      const next = copyAuthenticator(patched({ ...authenticator, lastUsedStep: step }, allowed, []));
      db.authenticators.replace(next, undo);
      return true;
    },

    async deleteAuthenticator(id) {
      return consume(db.authenticators, id);
    },

    // MFA recovery codes

    async replaceRecoveryCodes(userId, codes) {
      // The codes belong to `userId` by definition of this call, whatever their own field says.
      setRecoveryCodes(
        userId,
        codes.map((c) => ({ ...copyRecoveryCode(c), userId })),
      );
    },

    async countRecoveryCodes(userId) {
      return db.recoveryCodes.get(userId)?.length ?? 0;
    },

    async listRecoveryCodes(userId) {
      return (db.recoveryCodes.get(userId) ?? []).map(copyRecoveryCode);
    },

    async consumeRecoveryCode(userId, codeHash) {
      const codes = db.recoveryCodes.get(userId);
      if (codes === undefined) return false;
      const index = codes.findIndex((c) => c.codeHash === codeHash);
      if (index === -1) return false;
      setRecoveryCodes(userId, codes.filter((_, i) => i !== index));
      return true;
    },

    // OAuth2 identities

    async createIdentity(identity) {
      db.identities.insert(copyIdentity(identity), undo);
    },

    async getIdentity(id) {
      const identity = db.identities.get(id);
      return identity === undefined ? null : copyIdentity(identity);
    },

    async getIdentityByProviderUid(provider, providerUid) {
      const identity = db.identities.find(db.identitiesByProviderUid, slot(provider, providerUid));
      return identity === undefined ? null : copyIdentity(identity);
    },

    async findIdentitiesByEmail(email, exceptUserId) {
      return db.identities
        .select(db.identitiesByEmail, email)
        .filter((i) => exceptUserId === undefined || i.userId !== exceptUserId)
        .sort(byCreation)
        .map(copyIdentity);
    },

    async listIdentities(userId) {
      return db.identities.select(db.identitiesByUser, userId).sort(byCreation).map(copyIdentity);
    },

    async updateIdentity(id, patch) {
      const identity = db.identities.get(id);
      if (identity === undefined) return;
      const next = copyIdentity(patched(identity, patch, ["id", "userId", "createdAt", "provider", "providerUid"]));
      db.identities.replace(next, undo);
    },

    async deleteIdentity(id) {
      return consume(db.identities, id);
    },

    // Security logs

    async appendLog(log) {
      if (db.logIds.has(log.id)) throw new StoreConflictError("id");
      const row = copyLog(log);
      let logs = db.logsByUser.get(row.userId);
      if (logs === undefined) db.logsByUser.set(row.userId, (logs = []));
      // Upper bound by time: equal times keep insertion order, and in-order appends cost O(log n).
      const time = row.time.getTime();
      let lo = 0;
      let hi = logs.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (logs[mid]!.time.getTime() <= time) lo = mid + 1;
        else hi = mid;
      }
      logs.splice(lo, 0, row);
      db.logIds.add(row.id);
      const owner = logs;
      undo?.push(() => {
        const at = owner.lastIndexOf(row);
        if (at !== -1) owner.splice(at, 1);
        if (owner.length === 0 && db.logsByUser.get(row.userId) === owner) db.logsByUser.delete(row.userId);
        db.logIds.delete(row.id);
      });
    },

    async listLogs(userId, page) {
      const logs = db.logsByUser.get(userId);
      if (logs === undefined) return [];
      const out: LogRecord[] = [];
      const limit = Math.max(0, page.limit);
      for (let i = logs.length - 1 - Math.max(0, page.offset); i >= 0 && out.length < limit; i--) {
        out.push(copyLog(logs[i]!));
      }
      return out;
    },

    async countLogs(userId) {
      return db.logsByUser.get(userId)?.length ?? 0;
    },

    async purgeExpired(now) {
      const at = now.getTime();
      const purge = <T extends { id: string; expire: Date }>(table: Table<T>): number => {
        let removed = 0;
        for (const row of table.all()) {
          if (row.expire.getTime() <= at && table.remove(row.id, undo) !== undefined) removed++;
        }
        return removed;
      };
      return purge(db.sessions) + purge(db.tokens) + purge(db.challenges);
    },

    async transaction(fn) {
      if (undo !== null) {
        // Already inside a transaction (and holding the lock): run inline, like a savepoint.
        const mark = undo.length;
        try {
          return await fn(store);
        } catch (error) {
          rollback(undo, mark);
          throw error;
        }
      }
      // Serialise transactions so one never rolls back on top of another's writes. Plain calls
      // outside a transaction do not queue (a core that mistakenly used the root store inside a
      // transaction would otherwise deadlock); they see uncommitted writes, like READ UNCOMMITTED.
      const previous = db.lock;
      let release!: () => void;
      db.lock = new Promise<void>((resolve) => (release = resolve));
      await previous;
      const log: (() => void)[] = [];
      try {
        return await fn(view(db, log));
      } catch (error) {
        rollback(log, 0);
        throw error;
      } finally {
        release();
      }
    },
  };

  return store;
}

/** Undoes writes newest first, so each inverse sees exactly the state its write produced. */
function rollback(log: (() => void)[], mark: number): void {
  while (log.length > mark) log.pop()!();
}
