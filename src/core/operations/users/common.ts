import { AppwriteError } from "../../../errors";
import { uniqueId } from "../../../crypto/ids";
import type { TargetRecord, UserRecord } from "../../../ports/store";
import { toUser } from "../../../models/user";
import { audit } from "../../audit";
import { ok, type Env } from "../../operation";
import { nextHistory } from "../../passwords";
import { conflictAs } from "../../store-conflicts";
import { checkUserLimit, newTarget, newUser } from "../../users";

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

/** The id a create route asked for: its own, or a new one for `unique()`. */
export function newUserId(env: Env, requested: string): string {
  return requested === "unique()" ? uniqueId(env.now.getTime()) : requested;
}

/**
 * Stores a user made by a create route (`POST /users` and the hash imports) with targets for
 * the e-mail and phone, and answers 201 with the User model.
 */
export async function insertUser(
  env: Env,
  contact: { id: string; email: string | null; phone: string | null; name: string },
  hash: string | null,
) {
  const { store } = env.deps;
  await checkUserLimit(env);
  // Unlike a sign-up, an administrator may learn that an OAuth identity holds the address.
  if (contact.email && (await store.identities.findByEmail(contact.email)).length > 0) {
    throw new AppwriteError("user_email_already_exists");
  }
  const user = newUser(env, {
    ...contact,
    passwordHash: hash,
    passwordUpdatedAt: hash ? env.now : null,
    passwordHistory: hash ? nextHistory(env.deps, [], hash) : [],
  });
  // A target whose address another record holds already is not made (Appwrite attaches it;
  // Gatehouse never shows one user another's target). Checked before the transaction: a failed
  // insert inside it would abort the whole PostgreSQL transaction.
  const targets: TargetRecord[] = [];
  for (const [type, identifier] of [
    ["email", user.email],
    ["sms", user.phone],
  ] as const) {
    if (identifier && !(await store.targets.getByIdentifier(identifier))) targets.push(newTarget(env, user.id, type, identifier));
  }
  await conflictAs("user_already_exists", () =>
    store.transaction(async (tx) => {
      await tx.users.create(user);
      for (const t of targets) await tx.targets.create(t);
    }),
  );
  await audit(env, "user.create", user, `user/${user.id}`);
  return ok(toUser(user, targets), 201);
}
