import { StoreConflictError } from "../../ports/store";
import type {
  ChallengeRepository,
  IdentityRepository,
  LogRepository,
  MfaRepository,
  SecretRecord,
  SecretRepository,
  SessionRepository,
  TargetRepository,
  TokenRepository,
  UserRepository,
} from "../../ports/store";
import {
  copyAuthenticator,
  copyChallenge,
  copyIdentity,
  copyLog,
  copyRecoveryCode,
  copySession,
  copyTarget,
  copyToken,
  copyUser,
} from "./copies";
import type { Database } from "./database";
import { byCreation, patched, slot, type Table, type UndoLog } from "./engine";
import { runList, selects, type Reader } from "./list-query";
import type { IdentityField, IdentityRecord, UserField, UserRecord } from "../../ports/store";

const readUser: Reader<UserField, UserRecord> = (user, field) => {
  const value = user[field];
  return value instanceof Date ? value.getTime() : (value as string | boolean | string[] | null);
};
/** The text a user search looks in (Appwrite's: id, e-mail, name, phone and each label). */
const userSearchText = (user: UserRecord) => [user.id, user.email ?? "", user.name, user.phone ?? "", ...user.labels].join(" ");

const readIdentity: Reader<IdentityField, IdentityRecord> = (identity, field) => {
  const value = identity[field];
  return value instanceof Date ? value.getTime() : value;
};

/*
 * The port's repositories over the memory engine, each bound to an undo log: the root store
 * passes `null` (writes are final), a transaction its own log. Closures rather than classes so
 * that methods survive being destructured off the store.
 */

/** The row's copy, or null. */
function found<T, R>(row: T | undefined, copy: (row: T) => R): R | null {
  return row === undefined ? null : copy(row);
}

/** `create` and `get` over a table of rows with ids: records go in and come out as copies. */
function byId<T extends { id: string }>(table: Table<T>, copy: (row: T) => T, undo: UndoLog) {
  return {
    async create(record: T): Promise<void> {
      table.insert(copy(record), undo);
    },
    async get(id: string): Promise<T | null> {
      return found(table.get(id), copy);
    },
  };
}

/** Replaces a row with its patched copy and returns another copy, or null when there is no such row. */
function update<T extends { id: string }>(
  table: Table<T>,
  id: string,
  patch: object,
  frozen: readonly string[],
  copy: (row: T) => T,
  undo: UndoLog,
): T | null {
  const row = table.get(id);
  if (row === undefined) return null;
  const next = copy(patched(row, patch, frozen));
  table.replace(next, undo);
  return copy(next);
}

export function users(db: Database, undo: UndoLog): UserRepository {
  return {
    ...byId(db.users, copyUser, undo),
    async getByEmail(email) {
      return found(db.users.find(db.usersByEmail, email.toLowerCase()), copyUser);
    },
    async getByPhone(phone) {
      return found(db.users.find(db.usersByPhone, phone), copyUser);
    },
    async update(id, patch) {
      return update(db.users, id, patch, ["id", "createdAt"], copyUser, undo);
    },
    async updatePasswordIf(id, expected, patch) {
      if (db.users.get(id)?.passwordHash !== expected) return null;
      return update(db.users, id, patch, ["id", "createdAt"], copyUser, undo);
    },
    async count() {
      return db.users.size;
    },
    async find(query) {
      return runList(db.users.all(), query, readUser, userSearchText).map(copyUser);
    },
    async countMatching(selection, cap) {
      let n = 0;
      for (const user of db.users.all()) if (n < cap && selects(user, selection, readUser, userSearchText)) n++;
      return n;
    },
    async delete(id) {
      if (db.users.remove(id, undo) === undefined) return false;
      // What the SQL schema's ON DELETE CASCADE does (adapters/kysely/migrations.ts), through the
      // per-user indexes: proportional to the user's rows, not to the store's.
      db.targets.removeAll(db.targetsByUser, id, undo);
      db.sessions.removeAll(db.sessionsByUser, id, undo);
      db.tokens.removeAll(db.tokensByUser, id, undo);
      db.challenges.removeAll(db.challengesByUser, id, undo);
      db.authenticators.removeAll(db.authenticatorsByUser, id, undo);
      db.identities.removeAll(db.identitiesByUser, id, undo);
      db.recoveryCodes.set(id, [], undo);
      db.logs.removeOwner(id, undo);
      return true;
    },
  };
}

export function targets(db: Database, undo: UndoLog): TargetRepository {
  return {
    ...byId(db.targets, copyTarget, undo),
    async getByIdentifier(identifier) {
      return found(db.targets.find(db.targetsByIdentifier, identifier), copyTarget);
    },
    async list(userId) {
      return db.targets.select(db.targetsByUser, userId).sort(byCreation).map(copyTarget);
    },
    async listFor(userIds) {
      return [...new Set(userIds)]
        .flatMap((id) => db.targets.select(db.targetsByUser, id))
        .sort(byCreation)
        .map(copyTarget);
    },
    async update(id, patch) {
      const allowed = {
        identifier: patch.identifier,
        name: patch.name,
        updatedAt: patch.updatedAt,
        expired: patch.expired,
        sessionId: patch.sessionId,
      };
      return update(db.targets, id, allowed, [], copyTarget, undo);
    },
    async delete(id) {
      return db.targets.remove(id, undo) !== undefined;
    },
  };
}

export function sessions(db: Database, undo: UndoLog): SessionRepository {
  const listRows = (userId: string) => db.sessions.select(db.sessionsByUser, userId).sort(byCreation);
  return {
    ...byId(db.sessions, copySession, undo),
    async findAuth(userId, secretHash) {
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

    async list(userId) {
      return listRows(userId).map(copySession);
    },
    async update(id, patch) {
      return update(db.sessions, id, patch, ["id", "userId", "createdAt", "secretHash"], copySession, undo);
    },
    async delete(id) {
      return removeSession(db, id, undo);
    },
    async deleteAll(userId) {
      const deleted: string[] = [];
      for (const session of listRows(userId)) if (removeSession(db, session.id, undo)) deleted.push(session.id);
      return deleted;
    },
    async trim(userId, keep) {
      const rows = listRows(userId);
      for (const session of rows.slice(0, Math.max(0, rows.length - Math.max(0, keep)))) removeSession(db, session.id, undo);
    },
  };
}

/** Deletes a session and the push targets bound to it (the SQL store's ON DELETE CASCADE); true if it was there. */
export function removeSession(db: Database, id: string, undo: UndoLog): boolean {
  if (db.sessions.remove(id, undo) === undefined) return false;
  for (const target of db.targets.select(db.targetsBySession, id)) db.targets.remove(target.id, undo);
  return true;
}

/** The single-use secret shape over one table. */
function secrets<T extends SecretRecord>(table: Table<T>, copy: (row: T) => T, undo: UndoLog): SecretRepository<T> {
  return {
    ...byId(table, copy, undo),
    async consume(id) {
      return table.remove(id, undo) !== undefined;
    },
    async addAttempt(id) {
      const row = table.get(id);
      if (row === undefined) return 0;
      const attempts = row.attempts + 1;
      table.replace({ ...row, attempts }, undo);
      return attempts;
    },
  };
}

export function tokens(db: Database, undo: UndoLog): TokenRepository {
  return {
    ...secrets(db.tokens, copyToken, undo),
    async list(userId, now) {
      const at = now.getTime();
      return db.tokens
        .select(db.tokensByUser, userId)
        .filter((t) => t.expire.getTime() > at)
        .sort(byCreation)
        .map(copyToken);
    },
  };
}

export function challenges(db: Database, undo: UndoLog): ChallengeRepository {
  return secrets(db.challenges, copyChallenge, undo);
}

export function mfa(db: Database, undo: UndoLog): MfaRepository {
  const ofType = (userId: string, type: string) => db.authenticators.select(db.authenticatorsByUser, userId).filter((a) => a.type === type);
  return {
    async getAuthenticator(userId, type) {
      return found(ofType(userId, type)[0], copyAuthenticator);
    },
    async putAuthenticator(authenticator) {
      const next = copyAuthenticator(authenticator);
      // Check the id before removing the current one, so a conflict changes nothing.
      const holder = db.authenticators.get(next.id);
      if (holder !== undefined && (holder.userId !== next.userId || holder.type !== next.type)) {
        throw new StoreConflictError("id");
      }
      for (const current of ofType(next.userId, next.type)) db.authenticators.remove(current.id, undo);
      db.authenticators.insert(next, undo);
    },
    async useAuthenticatorStep(id, step, patch) {
      const authenticator = db.authenticators.get(id);
      if (authenticator === undefined) return false;
      if (authenticator.lastUsedStep !== null && step <= authenticator.lastUsedStep) return false;
      const allowed = { verified: patch?.verified, updatedAt: patch?.updatedAt };
      db.authenticators.replace(copyAuthenticator(patched({ ...authenticator, lastUsedStep: step }, allowed, [])), undo);
      return true;
    },
    async deleteAuthenticator(id) {
      return db.authenticators.remove(id, undo) !== undefined;
    },
    async replaceRecoveryCodes(userId, codes) {
      // The codes belong to `userId` by definition of this call, whatever their own field says.
      db.recoveryCodes.set(
        userId,
        codes.map((c) => ({ ...copyRecoveryCode(c), userId })),
        undo,
      );
    },
    async countRecoveryCodes(userId) {
      return db.recoveryCodes.get(userId).length;
    },
    async listRecoveryCodes(userId) {
      return db.recoveryCodes.get(userId).map(copyRecoveryCode);
    },
    async consumeRecoveryCode(userId, codeHash) {
      const codes = db.recoveryCodes.get(userId);
      const index = codes.findIndex((c) => c.codeHash === codeHash);
      if (index === -1) return false;
      db.recoveryCodes.set(
        userId,
        codes.filter((_, i) => i !== index),
        undo,
      );
      return true;
    },
  };
}

export function identities(db: Database, undo: UndoLog): IdentityRepository {
  return {
    ...byId(db.identities, copyIdentity, undo),
    async getByProviderUid(provider, providerUid) {
      return found(db.identities.find(db.identitiesByProviderUid, slot(provider, providerUid)), copyIdentity);
    },
    async findByEmail(email, exceptUserId) {
      return db.identities
        .select(db.identitiesByEmail, email)
        .filter((i) => exceptUserId === undefined || i.userId !== exceptUserId)
        .sort(byCreation)
        .map(copyIdentity);
    },
    async list(userId) {
      return db.identities.select(db.identitiesByUser, userId).sort(byCreation).map(copyIdentity);
    },
    async update(id, patch) {
      return update(db.identities, id, patch, ["id", "userId", "createdAt", "provider", "providerUid"], copyIdentity, undo);
    },
    async delete(id) {
      return db.identities.remove(id, undo) !== undefined;
    },
    async find(query) {
      return runList(db.identities.all(), { ...query, search: [] }, readIdentity, () => "").map(copyIdentity);
    },
    async countMatching(selection, cap) {
      let n = 0;
      for (const row of db.identities.all()) if (n < cap && selects(row, { ...selection, search: [] }, readIdentity, () => "")) n++;
      return n;
    },
  };
}

export function logs(db: Database, undo: UndoLog): LogRepository {
  return {
    async append(log) {
      db.logs.insert(copyLog(log), undo);
    },
    async list(userId, page) {
      return db.logs.page(userId, page.offset, page.limit).map(copyLog);
    },
    async count(userId) {
      return db.logs.count(userId);
    },
  };
}
