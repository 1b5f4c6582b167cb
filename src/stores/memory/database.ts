import type * as records from "../../ports/store";
import { Group, Lists, Lock, Table, Timeline, Unique, slot } from "./engine";

/**
 * The memory store's tables and their indexes: what the SQL schema is to the Kysely store. Every
 * table of a user's rows has a per-user index (`…ByUser`), so a user's rows are found, and deleted
 * with the user, without a scan (repositories.ts, users.delete).
 */
export class Database {
  readonly usersByEmail = new Unique<records.UserRecord>("email", (u) => (u.email === null ? null : u.email.toLowerCase()));
  readonly usersByPhone = new Unique<records.UserRecord>("phone", (u) => u.phone);
  readonly users = new Table<records.UserRecord>([this.usersByEmail, this.usersByPhone]);

  readonly targetsByIdentifier = new Unique<records.TargetRecord>("target", (t) => t.identifier);
  readonly targetsByUser = new Group<records.TargetRecord>((t) => t.userId);
  /** Push targets by their session ("" holds the unbound ones; no session has that id). */
  readonly targetsBySession = new Group<records.TargetRecord>((t) => t.sessionId ?? "");
  readonly targets = new Table<records.TargetRecord>([this.targetsByIdentifier], [this.targetsByUser, this.targetsBySession]);

  readonly sessionsByUser = new Group<records.SessionRecord>((s) => s.userId);
  // Not unique: the port does not promise distinct hashes, so a collision must not hide a session.
  readonly sessionsBySecret = new Group<records.SessionRecord>((s) => s.secretHash);
  readonly sessions = new Table<records.SessionRecord>([], [this.sessionsByUser, this.sessionsBySecret]);

  readonly tokensByUser = new Group<records.TokenRecord>((t) => t.userId);
  readonly tokens = new Table<records.TokenRecord>([], [this.tokensByUser]);

  readonly challengesByUser = new Group<records.ChallengeRecord>((c) => c.userId);
  readonly challenges = new Table<records.ChallengeRecord>([], [this.challengesByUser]);

  /** A user holds at most one authenticator of each type, so their few are searched by type. */
  readonly authenticatorsByUser = new Group<records.AuthenticatorRecord>((a) => a.userId);
  readonly authenticators = new Table<records.AuthenticatorRecord>([], [this.authenticatorsByUser]);

  /** Per user. */
  readonly recoveryCodes = new Lists<records.RecoveryCodeRecord>();

  readonly identitiesByProviderUid = new Unique<records.IdentityRecord>("identity", (i) => slot(i.provider, i.providerUid));
  readonly identitiesByUser = new Group<records.IdentityRecord>((i) => i.userId);
  readonly identitiesByEmail = new Group<records.IdentityRecord>((i) => i.providerEmail);
  readonly identities = new Table<records.IdentityRecord>([this.identitiesByProviderUid], [this.identitiesByUser, this.identitiesByEmail]);

  /** Per user, in time order. */
  readonly logs = new Timeline<records.LogRecord>((l) => l.time.getTime());

  /** Transactions run one at a time. */
  readonly lock = new Lock();
}
