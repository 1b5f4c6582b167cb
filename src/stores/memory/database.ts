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
import { Group, Lists, Lock, Table, Timeline, Unique, slot } from "./engine";

/** The memory store's tables and their indexes: what the SQL schema is to the Kysely store. */
export class Database {
  readonly usersByEmail = new Unique<UserRecord>("email", (u) => (u.email === null ? null : u.email.toLowerCase()));
  readonly usersByPhone = new Unique<UserRecord>("phone", (u) => u.phone);
  readonly users = new Table<UserRecord>([this.usersByEmail, this.usersByPhone]);

  readonly targetsByIdentifier = new Unique<TargetRecord>("target", (t) => t.identifier);
  readonly targetsByUser = new Group<TargetRecord>((t) => t.userId);
  /** Push targets by their session ("" holds the unbound ones; no session has that id). */
  readonly targetsBySession = new Group<TargetRecord>((t) => t.sessionId ?? "");
  readonly targets = new Table<TargetRecord>([this.targetsByIdentifier], [this.targetsByUser, this.targetsBySession]);

  readonly sessionsByUser = new Group<SessionRecord>((s) => s.userId);
  // Not unique: the port does not promise distinct hashes, so a collision must not hide a session.
  readonly sessionsBySecret = new Group<SessionRecord>((s) => s.secretHash);
  readonly sessions = new Table<SessionRecord>([], [this.sessionsByUser, this.sessionsBySecret]);

  readonly tokensByUser = new Group<TokenRecord>((t) => t.userId);
  readonly tokens = new Table<TokenRecord>([], [this.tokensByUser]);

  readonly challenges = new Table<ChallengeRecord>();

  readonly authenticatorsBySlot = new Group<AuthenticatorRecord>((a) => slot(a.userId, a.type));
  readonly authenticators = new Table<AuthenticatorRecord>([], [this.authenticatorsBySlot]);

  /** Per user. */
  readonly recoveryCodes = new Lists<RecoveryCodeRecord>();

  readonly identitiesByProviderUid = new Unique<IdentityRecord>("identity", (i) => slot(i.provider, i.providerUid));
  readonly identitiesByUser = new Group<IdentityRecord>((i) => i.userId);
  readonly identitiesByEmail = new Group<IdentityRecord>((i) => i.providerEmail);
  readonly identities = new Table<IdentityRecord>([this.identitiesByProviderUid], [this.identitiesByUser, this.identitiesByEmail]);

  readonly logs = new Timeline<LogRecord>((l) => l.time.getTime());

  /** Transactions run one at a time. */
  readonly lock = new Lock();
}
