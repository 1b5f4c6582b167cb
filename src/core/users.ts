import { AppwriteError } from "../errors";
import { uniqueId } from "../crypto/ids";
import type { TargetProviderType, TargetRecord, UserPatch, UserRecord } from "../ports/store";
import { toAccount, type AccountModel } from "../models/account";
import { audit } from "./audit";
import type { Outcome } from "./context";
import { ok, type Env } from "./operation";

/** Applies a patch to the user and stamps `updatedAt`; 404 `user_not_found` when the user went meanwhile. */
export async function saveUser(env: Env, id: string, patch: UserPatch): Promise<UserRecord> {
  const updated = await env.deps.store.users.update(id, { ...patch, updatedAt: env.now });
  if (!updated) throw new AppwriteError("user_not_found");
  return updated;
}

/** A new user as Appwrite creates one: enabled, nothing verified, no MFA, empty prefs. */
export function newUser(env: Env, fields: Partial<UserRecord> & { id: string }): UserRecord {
  return {
    createdAt: env.now,
    updatedAt: env.now,
    name: "",
    email: null,
    phone: null,
    passwordHash: null,
    passwordUpdatedAt: null,
    passwordHistory: [],
    registration: env.now,
    status: true,
    labels: [],
    emailVerification: false,
    phoneVerification: false,
    mfa: false,
    prefs: {},
    accessedAt: env.now,
    ...fields,
  };
}

/** A messaging target for an e-mail address or phone number (Appwrite returns them in `targets`). */
export function newTarget(env: Env, userId: string, providerType: TargetProviderType, identifier: string): TargetRecord {
  return {
    id: uniqueId(env.now.getTime()),
    userId,
    createdAt: env.now,
    updatedAt: env.now,
    providerType,
    identifier,
    name: "",
    providerId: null,
    expired: false,
    sessionId: null,
  };
}

/** `auth.userLimit` (0 = none) applies to every route that creates a user. */
export async function checkUserLimit(env: Env): Promise<void> {
  const limit = env.deps.config.auth.userLimit;
  if (limit > 0 && (await env.deps.store.users.count()) >= limit) throw new AppwriteError("user_count_exceeded");
}

/**
 * The answer of every route that changes the caller's user (src/core/operations/account.ts and
 * mfa.ts): the `user.update` audit entry, then the Account with the user's targets.
 */
export async function userUpdated(env: Env, user: UserRecord, targets = env.caller.targets): Promise<Outcome<AccountModel>> {
  await audit(env, "user.update", user, `user/${user.id}`);
  return ok(toAccount(user, targets));
}
