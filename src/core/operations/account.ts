import { z } from "zod";
import { AppwriteError } from "../../errors";
import { uniqueId } from "../../crypto/ids";
import type { TargetRecord } from "../../ports/store";
import { toAccount, type AccountModel } from "../../models/account";
import type { Outcome } from "../context";
import { conflictAs } from "../store-conflicts";
import {
  assoc,
  customId,
  email,
  newPassword,
  password,
  phone,
  text,
  withDefault,
  optional,
  parseParams,
} from "../../validation/validators";
import { behavesAsOf } from "../behaviour";
import { audit } from "../audit";
import { operation, ok, type SignedInEnv } from "../operation";
import { checkCurrentPassword, checkHistory, checkPersonalData, nextHistory } from "../passwords";
import { changeContact, type ContactField } from "../contact-change";
import { endSessionsAfterPasswordChange } from "../session-invalidation";
import { checkUserLimit, newTarget, newUser, saveUser, userUpdated } from "../users";
import { RATE_LIMITS } from "../rate-limits";

const ACCOUNT = "/account";

/**
 * `PATCH /account/email` and `PATCH /account/phone`: proves the password, sets the new contact
 * unverified and renames the user's messaging target for the old one (src/core/contact-change.ts).
 */
async function updateContact(env: SignedInEnv, field: ContactField, value: string, password: string): Promise<Outcome<AccountModel>> {
  // An address used by another account's OAuth2 identity is not revealed: a generic 400.
  const taken = field === "email" ? "general_bad_request" : "user_phone_already_exists";
  const { caller } = env;
  const changed = await changeContact(env, {
    field,
    value,
    user: caller.user,
    targets: caller.targets,
    taken,
    password,
    targetsFollow: "rename",
  });
  return userUpdated(env, changed.user, changed.targets);
}

export const get = operation({
  method: "GET",
  path: ACCOUNT,
  model: "account",
  scope: "account",
  params: {},
  async run(env) {
    return ok(toAccount(env.caller.user, env.caller.targets));
  },
});

export const create = operation({
  method: "POST",
  path: ACCOUNT,
  model: "account",
  scope: "sessions.write",
  authMethod: "emailPassword",
  rateLimit: RATE_LIMITS.createAccount,
  params: { userId: customId, email, password: newPassword, name: withDefault(text(128), "") },
  async run(env, input) {
    const { store, hasher } = env.deps;
    await checkUserLimit(env);
    // Hashed before anything about the address is looked up: a sign-up for an address that is
    // taken (409) or held by an OAuth identity (400) costs the same one hash as one that succeeds,
    // so the time taken tells no more than the answer does.
    const hash = await hasher.hash(input.password);
    // An address already used by an OAuth identity is not revealed: a generic 400.
    if ((await store.identities.findByEmail(input.email)).length > 0) throw new AppwriteError("general_bad_request");

    const id = input.userId === "unique()" ? uniqueId(env.now.getTime()) : input.userId;
    checkPersonalData(env.deps, input.password, { id, email: input.email, name: input.name, phone: null });
    const user = newUser(env, {
      id,
      name: input.name,
      email: input.email,
      passwordHash: hash,
      passwordUpdatedAt: env.now,
      passwordHistory: nextHistory(env.deps, [], hash),
    });
    const target = newTarget(env, id, "email", input.email);
    // Another user's target with this address cannot be attached to a new account. Checked
    // before the transaction: a failed insert inside it would abort the whole PostgreSQL transaction.
    const targets: TargetRecord[] = (await store.targets.getByIdentifier(input.email)) ? [] : [target];
    await conflictAs("user_already_exists", () =>
      store.transaction(async (tx) => {
        await tx.users.create(user);
        for (const t of targets) await tx.targets.create(t);
      }),
    );
    await audit(env, "user.create", user, `user/${id}`);
    return ok(toAccount(user, targets), 201);
  },
});

export const updateName = operation({
  method: "PATCH",
  path: `${ACCOUNT}/name`,
  model: "account",
  scope: "account",
  checksTimestamp: true,
  params: { name: text(128) },
  async run(env, input) {
    const user = await saveUser(env, env.caller.user.id, { name: input.name });
    return userUpdated(env, user);
  },
});

export const updateEmail = operation({
  method: "PATCH",
  path: `${ACCOUNT}/email`,
  model: "account",
  scope: "account",
  rateLimit: RATE_LIMITS.updateContact,
  checksTimestamp: true,
  params: { email, password },
  run: (env, input) => updateContact(env, "email", input.email, input.password),
});

/**
 * Since 1.9 `oldPassword` is any text up to 256 chars, so a short one is wrong credentials rather
 * than a 400; older formats keep 1.6's Password rule (8–256).
 */
const OLD_PASSWORD = {
  text: { oldPassword: optional(text(256, 0)) },
  password: { oldPassword: optional(password) },
};

export const updatePassword = operation({
  method: "PATCH",
  path: `${ACCOUNT}/password`,
  model: "account",
  scope: "account",
  checksTimestamp: true,
  rateLimit: RATE_LIMITS.updatePassword,
  // `oldPassword`'s validator depends on the client's format (OLD_PASSWORD); it is checked in
  // `run`, after `password`, the order Appwrite checks them in.
  params: { password: newPassword, oldPassword: z.unknown().optional() },
  async run(env, input) {
    const current = env.caller.user;
    const { oldPassword } = parseParams(OLD_PASSWORD[behavesAsOf(env.ctx, "oldPasswordAsText") ? "text" : "password"], env.raw);
    await checkCurrentPassword(env.deps, current, oldPassword ?? "");
    await checkHistory(env.deps, input.password, current.passwordHistory);
    checkPersonalData(env.deps, input.password, current);
    const hash = await env.deps.hasher.hash(input.password);
    const user = await saveUser(env, current.id, {
      passwordHash: hash,
      passwordUpdatedAt: env.now,
      passwordHistory: nextHistory(env.deps, current.passwordHistory, hash),
    });
    // Whoever held the old password is logged out everywhere but here; under a JWT, "here" is the
    // session the JWT was minted from (deleting it would end the JWT too).
    await endSessionsAfterPasswordChange(env, user.id, env.caller.session?.id ?? env.caller.jwtSessionId ?? null);
    return userUpdated(env, user);
  },
});

export const updatePhone = operation({
  method: "PATCH",
  path: `${ACCOUNT}/phone`,
  model: "account",
  scope: "account",
  rateLimit: RATE_LIMITS.updateContact,
  checksTimestamp: true,
  params: { phone, password },
  run: (env, input) => updateContact(env, "phone", input.phone, input.password),
});

export const getPrefs = operation({
  method: "GET",
  path: `${ACCOUNT}/prefs`,
  scope: "account",
  params: {},
  async run(env) {
    return ok(env.caller.user.prefs);
  },
});

export const updatePrefs = operation({
  method: "PATCH",
  path: `${ACCOUNT}/prefs`,
  model: "account",
  scope: "account",
  checksTimestamp: true,
  params: { prefs: assoc },
  async run(env, input) {
    // Replaces the whole object: Appwrite does not merge.
    const user = await saveUser(env, env.caller.user.id, { prefs: input.prefs });
    return userUpdated(env, user);
  },
});

export const updateStatus = operation({
  method: "PATCH",
  path: `${ACCOUNT}/status`,
  model: "account",
  scope: "account",
  checksTimestamp: true,
  params: {},
  async run(env) {
    // Sessions stay, but every later request with them is refused as user_blocked.
    const user = await saveUser(env, env.caller.user.id, { status: false });
    return { ...(await userUpdated(env, user)), clearSession: true };
  },
});
