import { AppwriteError } from "../../../errors";
import type { UserPatch } from "../../../ports/store";
import { changeContact, type ContactField } from "../../contact-change";
import { assoc, boolean, customId, email, looseBoolean, optional, phone, text, uid, withDefault } from "../../../validation/validators";
import { emailOrEmpty, labels, newPasswordOrEmpty, optionalNewPassword, phoneOrEmpty } from "../../../validation/users";
import { audit } from "../../audit";
import { noContent, ok, operation, type Env } from "../../operation";
import { checkHistory, checkPersonalData, nextHistory } from "../../passwords";
import { endSessionsAfterPasswordChange } from "../../session-invalidation";
import { saveUser } from "../../users";
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

/**
 * `PATCH /users/{id}/email` and `…/phone`: sets the contact unverified (or removes it with `""`)
 * and keeps the user's target for it in step, creating or deleting it as needed
 * (src/core/contact-change.ts). An administrator is told which value is taken.
 */
async function setContact(env: Env, userId: string, field: ContactField, value: string) {
  const current = await loadUser(env, userId);
  const taken = field === "email" ? "user_email_already_exists" : "user_phone_already_exists";
  const { user } = await changeContact(env, {
    field,
    value: value === "" ? null : value,
    user: current,
    targets: await env.deps.store.targets.list(current.id),
    taken,
    targetsFollow: "mirror",
  });
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
