import { AppwriteError } from "../../../errors";
import type { TargetProviderType, UserPatch } from "../../../ports/store";
import { conflictAs } from "../../store-conflicts";
import { assoc, boolean, customId, email, looseBoolean, optional, phone, text, uid, withDefault } from "../../../validation/validators";
import { emailOrEmpty, labels, newPasswordOrEmpty, optionalNewPassword, phoneOrEmpty } from "../../../validation/users";
import { audit } from "../../audit";
import { noContent, ok, operation, type Env } from "../../operation";
import { checkHistory, checkPersonalData, nextHistory } from "../../passwords";
import { endSessionsAfterPasswordChange } from "../../session-invalidation";
import { newTarget, saveUser } from "../../users";
import { insertUser, loadUser, newUserId, userModel } from "./common";

const USER = "/users/:userId";

export const create = operation({
  method: "POST",
  path: "/users",
  model: "user",
  scope: "users.write",
  params: {
    userId: customId,
    email: optional(email),
    phone: optional(phone),
    password: optionalNewPassword,
    name: withDefault(text(128), ""),
  },
  async run(env, input) {
    const id = newUserId(env, input.userId);
    const contact = { id, email: input.email ?? null, name: input.name, phone: input.phone ?? null };
    if (input.password) checkPersonalData(env.deps, input.password, contact);
    const hash = input.password ? await env.deps.hasher.hash(input.password) : null;
    return insertUser(env, contact, hash);
  },
});

export const get = operation({
  method: "GET",
  path: USER,
  model: "user",
  scope: "users.read",
  params: { userId: uid },
  async run(env, input) {
    return ok(await userModel(env, await loadUser(env, input.userId)));
  },
});

export const remove = operation({
  method: "DELETE",
  path: USER,
  scope: "users.write",
  params: { userId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    // Everything the user owned goes with them, their security log included (src/ports/store.ts).
    if (!(await env.deps.store.users.delete(user.id))) throw new AppwriteError("user_not_found");
    return noContent();
  },
});

/** A change to the user's fields, logged as `event` in their security log with the key as actor. */
async function change(env: Env, userId: string, patch: UserPatch, event = "user.update") {
  await loadUser(env, userId);
  const user = await saveUser(env, userId, patch);
  await audit(env, event, user, `user/${user.id}`);
  return ok(await userModel(env, user));
}

export const updateName = operation({
  method: "PATCH",
  path: `${USER}/name`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, name: text(128, 0) },
  run: (env, input) => change(env, input.userId, { name: input.name }),
});

export const updateStatus = operation({
  method: "PATCH",
  path: `${USER}/status`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, status: looseBoolean },
  // Sessions stay: while blocked, every request with them is refused as user_blocked.
  run: (env, input) => change(env, input.userId, { status: input.status }),
});

export const updateLabels = operation({
  method: "PUT",
  path: `${USER}/labels`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, labels },
  // Replaces the list; duplicates go, the first occurrence keeps its place.
  run: (env, input) => change(env, input.userId, { labels: [...new Set(input.labels)] }),
});

export const updateEmailVerification = operation({
  method: "PATCH",
  path: `${USER}/verification`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, emailVerification: boolean },
  run: (env, input) => change(env, input.userId, { emailVerification: input.emailVerification }, "verification.update"),
});

export const updatePhoneVerification = operation({
  method: "PATCH",
  path: `${USER}/verification/phone`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, phoneVerification: boolean },
  run: (env, input) => change(env, input.userId, { phoneVerification: input.phoneVerification }, "verification.update"),
});

export const updateMfa = operation({
  method: "PATCH",
  path: `${USER}/mfa`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, mfa: boolean },
  // The flag only: factors, recovery codes and sessions stay as they are.
  run: (env, input) => change(env, input.userId, { mfa: input.mfa }),
});

export const getPrefs = operation({
  method: "GET",
  path: `${USER}/prefs`,
  scope: "users.read",
  params: { userId: uid },
  async run(env, input) {
    return ok((await loadUser(env, input.userId)).prefs);
  },
});

export const updatePrefs = operation({
  method: "PATCH",
  path: `${USER}/prefs`,
  scope: "users.write",
  params: { userId: uid, prefs: assoc },
  async run(env, input) {
    await loadUser(env, input.userId);
    // Replaces the whole object: Appwrite does not merge.
    const user = await saveUser(env, input.userId, { prefs: input.prefs });
    await audit(env, "user.update", user, `user/${user.id}`);
    return ok(user.prefs);
  },
});

export const updatePassword = operation({
  method: "PATCH",
  path: `${USER}/password`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, password: newPasswordOrEmpty },
  async run(env, input) {
    const current = await loadUser(env, input.userId);
    let patch: UserPatch;
    if (input.password === "") {
      // `""` removes the password: no password login until one is set again.
      patch = { passwordHash: null, passwordUpdatedAt: env.now };
    } else {
      checkPersonalData(env.deps, input.password, current);
      await checkHistory(env.deps, input.password, current.passwordHistory);
      const hash = await env.deps.hasher.hash(input.password);
      patch = { passwordHash: hash, passwordUpdatedAt: env.now, passwordHistory: nextHistory(env.deps, current.passwordHistory, hash) };
    }
    const user = await saveUser(env, current.id, patch);
    // Whoever held the old password is logged out (`auth.invalidateSessions`), as after any change.
    await endSessionsAfterPasswordChange(env, user.id, null);
    await audit(env, "user.update", user, `user/${user.id}`);
    return ok(await userModel(env, user));
  },
});

/** What differs between setting the e-mail address and the phone number. */
const CONTACTS = {
  email: { verified: "emailVerification", target: "email", conflict: "user_email_already_exists", checkIdentities: true },
  phone: { verified: "phoneVerification", target: "sms", conflict: "user_phone_already_exists", checkIdentities: false },
} as const;

/**
 * `PATCH /users/{id}/email` and `…/phone`: sets the contact unverified (or removes it with `""`)
 * and moves the user's target for the old one along, creating or deleting it as needed, in one
 * transaction.
 */
async function setContact(env: Env, userId: string, field: keyof typeof CONTACTS, value: string) {
  const { store } = env.deps;
  const rule = CONTACTS[field];
  const current = await loadUser(env, userId);
  const next = value === "" ? null : value;
  if (next) {
    if (rule.checkIdentities && (await store.identities.findByEmail(next, current.id)).length > 0) {
      throw new AppwriteError("user_email_already_exists");
    }
    // Appwrite refuses any target with this contact, the user's own included.
    if (await store.targets.getByIdentifier(next)) throw new AppwriteError("user_target_already_exists");
  }
  const old = current[field];
  const targets = await store.targets.list(current.id);
  const oldTarget = old ? targets.find((t) => t.providerType === rule.target && t.identifier === old) : undefined;
  const user = await conflictAs(rule.conflict, () =>
    store.transaction(async (tx) => {
      const updated = await tx.users.update(current.id, { [field]: next, [rule.verified]: false, updatedAt: env.now });
      if (!updated) throw new AppwriteError("user_not_found");
      if (oldTarget && next) await tx.targets.update(oldTarget.id, { identifier: next, updatedAt: env.now, expired: false });
      else if (oldTarget) await tx.targets.delete(oldTarget.id);
      else if (next) await tx.targets.create(newTarget(env, current.id, rule.target as TargetProviderType, next));
      return updated;
    }),
  );
  await audit(env, "user.update", user, `user/${user.id}`);
  return ok(await userModel(env, user));
}

export const updateEmail = operation({
  method: "PATCH",
  path: `${USER}/email`,
  model: "user",
  scope: "users.write",
  params: { userId: uid, email: emailOrEmpty },
  run: (env, input) => setContact(env, input.userId, "email", input.email),
});

export const updatePhone = operation({
  method: "PATCH",
  path: `${USER}/phone`,
  model: "user",
  scope: "users.write",
  // The SDKs send the phone as `number`.
  params: { userId: uid, number: phoneOrEmpty },
  run: (env, input) => setContact(env, input.userId, "phone", input.number),
});
