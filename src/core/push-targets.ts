import type { Caller } from "./context";
import type { Env } from "./operation";

/**
 * Push targets belong to the session they were registered from: the device's token dies with its
 * login (the store deletes them together, src/ports/store.ts `TargetRecord.sessionId`). These are
 * the two facts about that binding the operations share.
 */

/** The session a push target registered by `caller` belongs to: the session, or the one behind a JWT. */
export function bindingOf(caller: Caller): string | null {
  return caller.session?.id ?? caller.jwtSessionId ?? null;
}

/**
 * A session upgrade (an OAuth2 login over an anonymous or other session) replaces the caller's
 * session: the user's push targets move to the new one, so the device keeps receiving, as in
 * Appwrite. `null` holds them unbound meanwhile (src/core/operations/oauth2.ts).
 */
export async function rebindPushTargets(env: Env, userId: string, sessionId: string | null): Promise<void> {
  const { store } = env.deps;
  for (const target of await store.targets.list(userId)) {
    if (target.providerType === "push" && target.sessionId !== sessionId) await store.targets.update(target.id, { sessionId });
  }
}
