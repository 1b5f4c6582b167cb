import { userBlocked } from "../behaviour";
import { AppwriteError } from "../../errors";
import { uniqueId } from "../../crypto/ids";
import type { SessionRecord } from "../../ports/store";
import { conflictAs } from "../store-conflicts";
import { toSession } from "../../models/session";
import { email, password, uid } from "../../validation/validators";
import { audit } from "../audit";
import { noContent, ok, operation, type Env, type SignedInEnv } from "../operation";
import { startSession } from "../session-start";
import { parseTimestamp } from "../timestamp";
import { checkUserLimit, newUser } from "../users";
import { RATE_LIMITS } from "../rate-limits";

const SESSIONS = "/account/sessions";

function view(env: Env, session: SessionRecord) {
  return toSession(session, { current: session.id === env.caller.session?.id, secret: "", locale: env.ctx.locale ?? "en" });
}

/** The caller's session named by id, or `current`; other users' sessions do not exist for them. */
async function findOwnSession(env: SignedInEnv, sessionId: string): Promise<SessionRecord> {
  const user = env.caller.user;
  // The caller's session carries only the fields authentication reads (src/ports/store.ts,
  // AUTH_SESSION_FIELDS): the whole record is read by id, as for any other session.
  const id = sessionId === "current" ? env.caller.session?.id : sessionId;
  if (!id) throw new AppwriteError("user_session_not_found");
  const session = await env.deps.store.sessions.get(id);
  if (!session || session.userId !== user.id) throw new AppwriteError("user_session_not_found");
  return session;
}

export const createEmailPasswordSession = operation({
  method: "POST",
  path: `${SESSIONS}/email`,
  aliases: ["POST /account/sessions"],
  model: "session",
  scope: "sessions.write",
  guestOnly: true,
  authMethod: "emailPassword",
  // Per (IP, normalised e-mail) plus a per-e-mail ceiling: see src/core/rate-limits.ts.
  rateLimit: RATE_LIMITS.createEmailPasswordSession,
  params: { email, password },
  async run(env, input) {
    const { store, hasher } = env.deps;
    const user = await store.users.getByEmail(input.email);
    // An unknown address or a passwordless account costs one full hash verification too, so the
    // response time does not tell which addresses have accounts.
    const hash = user?.passwordHash ?? (await env.deps.dummyHash());
    const valid = await hasher.verify(hash, input.password);
    if (!user || !user.passwordHash || !valid) throw new AppwriteError("user_invalid_credentials");
    if (!user.status) throw userBlocked(env.ctx);

    // Parameters changed since this hash was made: upgrade it while the password is at hand.
    const upgraded = hasher.needsRehash(user.passwordHash) ? await hasher.hash(input.password) : null;
    // The hash may change while this login runs: another login's upgrade (the same password), or a
    // new password (a recovery, an admin's update) that ends every session. The login stands or
    // falls by the current hash: a session made, or an upgrade written, for the old password would
    // outlive the reset. The upgrade is written only over the hash it replaces (`updatePasswordIf`),
    // so a reset landing between the read and the write is never overwritten.
    const byCurrentHash = async (latest: typeof user | null) => {
      if (!latest?.passwordHash || !(await hasher.verify(latest.passwordHash, input.password)))
        throw new AppwriteError("user_invalid_credentials");
      return latest;
    };
    let current = user;
    if (upgraded !== null) {
      const history = user.passwordHistory.map((h) => (h === user.passwordHash ? upgraded : h));
      const written = await store.users.updatePasswordIf(user.id, user.passwordHash, { passwordHash: upgraded, passwordHistory: history });
      current = written ?? (await byCurrentHash(await store.users.get(user.id)));
    }
    const standsOn = current.passwordHash;
    return startSession(env, current, {
      provider: "email",
      providerUid: current.email ?? "",
      factors: ["password"],
      alert: true,
      // Checked once the session exists: every password change writes the hash before it ends
      // the sessions, so a change this read misses ends this session too, and one it sees (with
      // a hash the password does not verify) undoes the login.
      confirm: async () => {
        const latest = await store.users.get(current.id);
        if (latest?.passwordHash !== standsOn) await byCurrentHash(latest);
      },
    });
  },
});

export const createAnonymousSession = operation({
  method: "POST",
  path: `${SESSIONS}/anonymous`,
  model: "session",
  scope: "sessions.write",
  guestOnly: true,
  authMethod: "anonymous",
  rateLimit: RATE_LIMITS.createAnonymousSession,
  params: {},
  async run(env) {
    const { store } = env.deps;
    await checkUserLimit(env);
    const user = newUser(env, { id: uniqueId(env.now.getTime()) });
    await conflictAs("user_already_exists", () => store.users.create(user));
    return startSession(env, user, { provider: "anonymous", factors: ["anonymous"] });
  },
});

export const listSessions = operation({
  method: "GET",
  path: SESSIONS,
  model: "sessionList",
  scope: "account",
  params: {},
  async run(env) {
    const sessions = await env.deps.store.sessions.list(env.caller.user.id);
    return ok({ total: sessions.length, sessions: sessions.map((s) => view(env, s)) });
  },
});

export const getSession = operation({
  method: "GET",
  path: `${SESSIONS}/:sessionId`,
  model: "session",
  scope: "account",
  params: { sessionId: uid },
  async run(env, input) {
    return ok(view(env, await findOwnSession(env, input.sessionId)));
  },
});

export const updateSession = operation({
  method: "PATCH",
  path: `${SESSIONS}/:sessionId`,
  model: "session",
  scope: "account",
  rateLimit: RATE_LIMITS.updateSession,
  params: { sessionId: uid },
  async run(env, input) {
    const user = env.caller.user;
    const session = await findOwnSession(env, input.sessionId);
    const expire = new Date(env.now.getTime() + env.deps.config.auth.sessionDuration * 1000);
    const updated = await env.deps.store.sessions.update(session.id, { expire, updatedAt: env.now });
    if (!updated) throw new AppwriteError("user_session_not_found");
    await audit(env, "session.update", user, `user/${user.id}`);
    // An ISO datetime and a true `current`, where Appwrite returns neither.
    return ok(view(env, updated));
  },
});

export const deleteSession = operation({
  method: "DELETE",
  path: `${SESSIONS}/:sessionId`,
  scope: "account",
  skipsMfaGate: true,
  rateLimit: RATE_LIMITS.deleteSession,
  params: { sessionId: uid },
  async run(env, input) {
    const user = env.caller.user;
    // X-Appwrite-Timestamp guards the session document here, not the user.
    const since = env.ctx.timestamp ? parseTimestamp(env.ctx.timestamp) : null;
    const session = await findOwnSession(env, input.sessionId);
    if (since !== null && session.updatedAt.getTime() > since) throw new AppwriteError("document_update_conflict");
    if (!(await env.deps.store.sessions.delete(session.id))) throw new AppwriteError("user_session_not_found");
    await audit(env, "session.delete", user, `user/${user.id}`);
    return noContent({ clearSession: session.id === env.caller.session?.id });
  },
});

export const deleteSessions = operation({
  method: "DELETE",
  path: SESSIONS,
  scope: "account",
  rateLimit: RATE_LIMITS.deleteSessions,
  params: {},
  async run(env) {
    const user = env.caller.user;
    const deleted = await env.deps.store.sessions.deleteAll(user.id);
    await audit(env, "session.delete", user, `user/${user.id}`);
    return noContent({ clearSession: deleted.length > 0 });
  },
});
