import { AppwriteError } from "../../errors";
import { toTarget } from "../../models/account";
import { StoreConflictError, type TargetRecord } from "../../ports/store";
import { parseUserAgent } from "../../client-info/user-agent";
import { uniqueId } from "../../crypto/ids";
import { customId, optional, text, uid } from "../../validation/validators";
import { noContent, ok, operation, type SignedInEnv } from "../operation";
import { bindingOf } from "../push-targets";

const TARGETS = "/account/targets";

/**
 * Push targets: the device tokens an app registers so that its own server can send through FCM,
 * APNs or another push service (Gatehouse sends no push messages; README "Push targets"). They are
 * listed in the account's `targets`, and each belongs to the session that registered it.
 */

/** Appwrite names a push target after the device: "<brand> <model>" from the User-Agent (" " when unknown). */
function deviceName(env: SignedInEnv): string {
  const { deviceBrand, deviceModel } = parseUserAgent(env.ctx.userAgent ?? "");
  return `${deviceBrand} ${deviceModel}`.slice(0, 255);
}

/** The caller's own target `targetId`, or 404: another user's target is as absent as a missing one. */
async function ownTarget(env: SignedInEnv, targetId: string): Promise<TargetRecord> {
  const target = await env.deps.store.targets.get(targetId);
  if (!target || target.userId !== env.caller.user.id || target.providerType !== "push") throw new AppwriteError("user_target_not_found");
  return target;
}

/** Runs a target write; a taken id or identifier is 409 `user_target_already_exists`, as in Appwrite. */
async function writing<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    if (error instanceof StoreConflictError) throw new AppwriteError("user_target_already_exists");
    throw error;
  }
}

/** Push targets one user may hold through the Account API: one per device and provider, with room to spare. */
const MAX_PUSH_TARGETS = 100;

export const createPushTarget = operation({
  method: "POST",
  path: `${TARGETS}/push`,
  scope: "account",
  params: { targetId: customId, identifier: text(255), providerId: optional(uid) },
  async run(env, input) {
    const { store } = env.deps;
    const user = env.caller.user;
    const sessionId = bindingOf(env.caller);
    const providerId = input.providerId ?? null;
    // Appwrite 2.x: a session keeps one push target per provider, so a device whose token rotated
    // replaces its target instead of being notified twice.
    const pushTargets = (await store.targets.list(user.id)).filter((t) => t.providerType === "push");
    const existing = pushTargets.find((t) => sessionId !== null && t.sessionId === sessionId && t.providerId === providerId);
    if (existing) {
      const updated = await writing(() =>
        store.targets.update(existing.id, { identifier: input.identifier, name: deviceName(env), expired: false, updatedAt: env.now }),
      );
      return ok(toTarget(updated ?? existing), 201);
    }
    // Appwrite sets no ceiling (its provider ids must name a configured provider), but every
    // request of the user loads their targets: without one, a user sending fresh provider ids
    // would make each of their requests, and the Users API lists, ever slower.
    if (pushTargets.length >= MAX_PUSH_TARGETS) {
      throw new AppwriteError(
        "general_argument_invalid",
        `A user can hold at most ${MAX_PUSH_TARGETS} push targets. Delete one (DELETE /account/targets/{targetId}/push) first.`,
      );
    }
    const target: TargetRecord = {
      id: input.targetId === "unique()" ? uniqueId(env.now.getTime()) : input.targetId,
      userId: user.id,
      createdAt: env.now,
      updatedAt: env.now,
      providerType: "push",
      identifier: input.identifier,
      name: deviceName(env),
      providerId,
      expired: false,
      sessionId,
    };
    await writing(() => store.targets.create(target));
    return ok(toTarget(target), 201);
  },
});

export const updatePushTarget = operation({
  method: "PUT",
  path: `${TARGETS}/:targetId/push`,
  scope: "account",
  params: { targetId: uid, identifier: text(255) },
  async run(env, input) {
    const target = await ownTarget(env, input.targetId);
    const updated = await writing(() =>
      env.deps.store.targets.update(target.id, { identifier: input.identifier, name: deviceName(env), expired: false, updatedAt: env.now }),
    );
    if (!updated) throw new AppwriteError("user_target_not_found");
    return ok(toTarget(updated));
  },
});

export const deletePushTarget = operation({
  method: "DELETE",
  path: `${TARGETS}/:targetId/push`,
  scope: "account",
  params: { targetId: uid },
  async run(env, input) {
    const target = await ownTarget(env, input.targetId);
    if (!(await env.deps.store.targets.delete(target.id))) throw new AppwriteError("user_target_not_found");
    return noContent();
  },
});
