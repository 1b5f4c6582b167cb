import { AppwriteError } from "../../../errors";
import { uniqueId } from "../../../crypto/ids";
import type { TargetPatch, TargetProviderType, TargetRecord } from "../../../ports/store";
import { toTarget } from "../../../models/account";
import { queries } from "../../../validation/queries";
import { customId, isEmail, optional, phone, text, uid, whiteList } from "../../../validation/validators";
import { audit } from "../../audit";
import { pageInMemory } from "../../list-query";
import { noContent, ok, operation, type Env } from "../../operation";
import { conflictAs } from "../../store-conflicts";
import { loadUser } from "./common";
import { total } from "../../../validation/queries";

const TARGETS = "/users/:userId/targets";
/** Appwrite 1.6 names the target scopes, 1.9 the user scopes: either will do. */
const READ = ["targets.read", "users.read"] as const;
const WRITE = ["targets.write", "users.write"] as const;
const TARGET_ATTRIBUTES: ReadonlySet<string> = new Set([
  "userId",
  "providerId",
  "identifier",
  "providerType",
  "$id",
  "$createdAt",
  "$updatedAt",
]);

/** The identifier checked against the target's type: an address, a phone number, or any push token. */
function checkIdentifier(type: TargetProviderType, identifier: string): void {
  if (type === "email" && !isEmail(identifier)) throw new AppwriteError("general_invalid_email");
  if (type === "sms" && !phone.safeParse(identifier).success) throw new AppwriteError("general_invalid_phone");
}

/** The user's target, or 404 `user_target_not_found` (another user's target is not found either). */
async function loadTarget(env: Env, userId: string, targetId: string): Promise<TargetRecord> {
  const target = await env.deps.store.targets.get(targetId);
  if (!target || target.userId !== userId) throw new AppwriteError("user_target_not_found");
  return target;
}

export const listTargets = operation({
  method: "GET",
  path: TARGETS,
  scope: READ,
  params: { userId: uid, queries, total },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    // A user has a handful of targets: the queries run on the list in memory.
    const targets = (await env.deps.store.targets.list(user.id)).map(toTarget);
    const { total, rows } = pageInMemory(targets, input, TARGET_ATTRIBUTES, (id) => `Target '${id}' for the 'cursor' value not found.`);
    return ok({ total, targets: rows });
  },
});

export const createTarget = operation({
  method: "POST",
  path: TARGETS,
  scope: WRITE,
  params: {
    userId: uid,
    targetId: customId,
    providerType: whiteList(["email", "sms", "push"]),
    identifier: text(255),
    providerId: optional(uid),
    name: optional(text(128)),
  },
  async run(env, input) {
    // The whitelist is case-insensitive; any spelling but the lower-case one is the wrong type.
    const type = input.providerType as TargetProviderType;
    if (!["email", "sms", "push"].includes(type)) throw new AppwriteError("provider_incorrect_type");
    checkIdentifier(type, input.identifier);
    const user = await loadUser(env, input.userId);
    const target: TargetRecord = {
      id: input.targetId === "unique()" ? uniqueId(env.now.getTime()) : input.targetId,
      userId: user.id,
      createdAt: env.now,
      updatedAt: env.now,
      providerType: type,
      identifier: input.identifier,
      name: input.name ?? "",
      // Gatehouse has no messaging providers; Appwrite stores an unknown provider as none.
      providerId: null,
      // A target the backend makes belongs to no session, so no sign-out removes it.
      sessionId: null,
      expired: false,
    };
    await conflictAs("user_target_already_exists", () => env.deps.store.targets.create(target));
    await audit(env, "target.create", user, `target/${target.id}`);
    return ok(toTarget(target), 201);
  },
});

export const getTarget = operation({
  method: "GET",
  path: `${TARGETS}/:targetId`,
  scope: READ,
  params: { userId: uid, targetId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    return ok(toTarget(await loadTarget(env, user.id, input.targetId)));
  },
});

export const updateTarget = operation({
  method: "PATCH",
  path: `${TARGETS}/:targetId`,
  scope: WRITE,
  params: { userId: uid, targetId: uid, identifier: optional(text(255)), providerId: optional(uid), name: optional(text(128)) },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const target = await loadTarget(env, user.id, input.targetId);
    const patch: TargetPatch = { updatedAt: env.now };
    if (input.identifier !== undefined) {
      checkIdentifier(target.providerType, input.identifier);
      Object.assign(patch, { identifier: input.identifier, expired: false });
    }
    // No provider exists to attach.
    if (input.providerId !== undefined) throw new AppwriteError("provider_not_found");
    if (input.name !== undefined) patch.name = input.name;
    const updated = await conflictAs("document_already_exists", () => env.deps.store.targets.update(target.id, patch));
    if (!updated) throw new AppwriteError("user_target_not_found");
    await audit(env, "target.update", user, `target/${target.id}`);
    return ok(toTarget(updated));
  },
});

export const deleteTarget = operation({
  method: "DELETE",
  path: `${TARGETS}/:targetId`,
  scope: WRITE,
  params: { userId: uid, targetId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const target = await loadTarget(env, user.id, input.targetId);
    if (!(await env.deps.store.targets.delete(target.id))) throw new AppwriteError("user_target_not_found");
    await audit(env, "target.delete", user, `target/${target.id}`);
    return noContent();
  },
});
