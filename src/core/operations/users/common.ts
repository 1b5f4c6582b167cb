import { AppwriteError } from "../../../errors";
import type { UserPatch, UserRecord } from "../../../ports/store";
import { toUser } from "../../../models/user";
import type { Env } from "../../operation";
import { looseBoolean } from "../../../validation/users";
import { withDefault } from "../../../validation/validators";

/*
 * What the Users API operations share (src/core/operations/users/*.ts). They run for API keys
 * only: their scopes (src/core/operation.ts `AdminScope`) are held by no session or JWT caller.
 */

/** Every `/users/{userId}…` route starts here: 404 `user_not_found` before anything else. */
export async function loadUser(env: Env, id: string): Promise<UserRecord> {
  const user = await env.deps.store.users.get(id);
  if (!user) throw new AppwriteError("user_not_found");
  return user;
}

/** The User model with the user's current targets. */
export async function userModel(env: Env, user: UserRecord) {
  return toUser(user, await env.deps.store.targets.list(user.id));
}

/** Applies a patch to the user and stamps `updatedAt`; 404 when the user went meanwhile. */
export async function saveUser(env: Env, id: string, patch: UserPatch): Promise<UserRecord> {
  const updated = await env.deps.store.users.update(id, { ...patch, updatedAt: env.now });
  if (!updated) throw new AppwriteError("user_not_found");
  return updated;
}

/** Appwrite 1.8's `total` on lists: `false` skips the count and answers 0. */
export const total = withDefault(looseBoolean, true);
