import type { Env } from "./operation";

/**
 * `auth.invalidateSessions`: after the password changed, ends the user's sessions but `keep` (the
 * one that changed it), or all of them when `keep` is null. Run after the new hash is saved, so a
 * login still proving the old password cannot start a session that this misses, except one that
 * verified just before the save. Returns the ids deleted.
 */
export async function endSessionsAfterPasswordChange(env: Env, userId: string, keep: string | null): Promise<string[]> {
  if (!env.deps.config.auth.invalidateSessions) return [];
  const { store } = env.deps;
  if (keep === null) return store.sessions.deleteAll(userId);
  const others = (await store.sessions.list(userId)).filter((s) => s.id !== keep);
  const deleted = await Promise.all(others.map(async (s) => ((await store.sessions.delete(s.id)) ? s.id : null)));
  return deleted.filter((id): id is string => id !== null);
}
