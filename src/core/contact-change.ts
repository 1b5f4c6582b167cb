import { AppwriteError, type ErrorType } from "../errors";
import type { TargetPatch, TargetProviderType, TargetRecord, UserPatch, UserRecord } from "../ports/store";
import type { Env } from "./operation";
import { checkCurrentPassword, nextHistory } from "./passwords";
import { conflictAs } from "./store-conflicts";
import { tokenTypesSentTo } from "./token-kinds";
import { newTarget } from "./users";

/** What differs between the e-mail address and the phone number, whichever API changes them. */
const CONTACTS = {
  email: { verified: "emailVerification", target: "email", checkIdentities: true },
  phone: { verified: "phoneVerification", target: "sms", checkIdentities: false },
} as const satisfies Record<string, { verified: keyof UserRecord; target: TargetProviderType; checkIdentities: boolean }>;

export type ContactField = keyof typeof CONTACTS;

/**
 * One change of a user's contact, with what the two APIs do differently: `PATCH /account/email|phone`
 * (src/core/operations/account.ts) and `PATCH /users/{id}/email|phone`
 * (src/core/operations/users/profile.ts).
 */
export interface ContactChange {
  field: ContactField;
  /** The new e-mail address or phone number; `null` removes it (the Users API's `""`). */
  value: string | null;
  /** The user as it stands, and its targets. */
  user: UserRecord;
  targets: readonly TargetRecord[];
  /**
   * The error when another user's OAuth2 identity holds the address, or a concurrent write took
   * the value: the Account API hides which (a generic 400 for an e-mail), the Users API names it.
   */
  taken: ErrorType;
  /**
   * The Account API's password: a user with one must prove it before anything is looked up, and a
   * passwordless user (anonymous, OTP, OAuth) gets it as their password. The Users API (an API
   * key) gives none.
   */
  password?: string;
  /**
   * What happens to the user's messaging targets. `rename`: a target for the old contact takes
   * the new one, nothing else (the Account API, as Appwrite's). `mirror`: the targets follow the
   * contact: renamed and no longer expired, created when there was none, deleted with the
   * contact (the Users API).
   */
  targetsFollow: "rename" | "mirror";
}

/**
 * Sets the contact unverified, retires the secrets sent to the old one and moves the targets
 * along, in one transaction, after the checks both APIs make: the address is held by no other
 * user's OAuth2 identity and by no target at all (Appwrite refuses the user's own too;
 * test/http/account.test.ts). Recovery, sign-in and verification secrets name the user, not the
 * contact they went to: kept, they would let the old mailbox or number reset the password, sign
 * in, or verify the new contact (test/security/attack-2026-12-05.test.ts). Returns the updated
 * user and its targets as they now are; the answer and its audit entry are the caller's.
 */
export async function changeContact(env: Env, change: ContactChange): Promise<{ user: UserRecord; targets: TargetRecord[] }> {
  const { store, hasher } = env.deps;
  const { field, value, user: current, password } = change;
  const rule = CONTACTS[field];
  if (password !== undefined) await checkCurrentPassword(env.deps, current, password);
  if (value) {
    if (rule.checkIdentities && (await store.identities.findByEmail(value, current.id)).length > 0) {
      throw new AppwriteError(change.taken);
    }
    if (await store.targets.getByIdentifier(value)) throw new AppwriteError("user_target_already_exists");
  }

  const patch: UserPatch = { [field]: value, [rule.verified]: false };
  if (password !== undefined && !current.passwordHash) {
    // Converting a passwordless account: the password it proved nothing with becomes its password.
    const hash = await hasher.hash(password);
    Object.assign(patch, {
      passwordHash: hash,
      passwordUpdatedAt: env.now,
      passwordHistory: nextHistory(env.deps, current.passwordHistory, hash),
    });
  }
  const mirror = change.targetsFollow === "mirror";
  const old = current[field];
  const oldTarget = old ? change.targets.find((t) => t.providerType === rule.target && t.identifier === old) : undefined;
  const moved: TargetPatch | undefined = value
    ? { identifier: value, updatedAt: env.now, ...(mirror ? { expired: false } : {}) }
    : undefined;
  const removed = mirror && !value ? oldTarget : undefined;
  const created = mirror && !oldTarget && value ? newTarget(env, current.id, rule.target, value) : undefined;
  const user = await conflictAs(change.taken, () =>
    store.transaction(async (tx) => {
      const updated = await tx.users.update(current.id, { ...patch, updatedAt: env.now });
      if (!updated) throw new AppwriteError("user_not_found");
      const retired = tokenTypesSentTo(field);
      for (const token of await tx.tokens.list(current.id, env.now)) if (retired.has(token.type)) await tx.tokens.consume(token.id);
      if (oldTarget && moved) await tx.targets.update(oldTarget.id, moved);
      else if (removed) await tx.targets.delete(removed.id);
      else if (created) await tx.targets.create(created);
      return updated;
    }),
  );
  const targets = change.targets.filter((t) => t !== removed).map((t) => (t === oldTarget && moved ? { ...t, ...moved } : t));
  return { user, targets: created ? [...targets, created] : targets };
}
