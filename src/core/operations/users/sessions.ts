import { AppwriteError } from "../../../errors";
import { signSessionJwt } from "../../../crypto/jwt";
import { randomHex } from "../../../crypto/random";
import { toSession } from "../../../models/session";
import { toToken } from "../../../models/token";
import { queries } from "../../../validation/queries";
import { customId, range, uid, withDefault } from "../../../validation/validators";
import { audit } from "../../audit";
import { noContent, ok, operation } from "../../operation";
import { startSession } from "../../session-start";
import { issueToken } from "../../token-secrets";
import { logList } from "../../log-list";
import { loadUser } from "./common";
import { total } from "../../../validation/queries";

const USER = "/users/:userId";

export const listSessions = operation({
  method: "GET",
  path: `${USER}/sessions`,
  model: "sessionList",
  scope: ["users.read", "sessions.read"],
  params: { userId: uid, total },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const locale = env.ctx.locale ?? "en";
    // Every stored session, expired ones too; none is the caller's, and no secret is shown
    // (Appwrite shows the stored hash, of no use to anyone).
    const sessions = (await env.deps.store.sessions.list(user.id)).map((s) => toSession(s, { current: false, secret: "", locale }));
    return ok({ total: input.total ? sessions.length : 0, sessions });
  },
});

export const createSession = operation({
  method: "POST",
  path: `${USER}/sessions`,
  model: "session",
  // Not `sessions.write` alone: string keys hold it by default and must not sign in as anyone.
  scope: "users.write",
  // Appwrite validates this as a custom ID: `unique()` passes and then finds no user.
  params: { userId: customId },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    // The session value (`secret`) is for `client.setSession(...)` on the backend, or as the cookie.
    return startSession(env, user, { provider: "server", factors: ["server"], server: true });
  },
});

export const deleteSessions = operation({
  method: "DELETE",
  path: `${USER}/sessions`,
  scope: "users.write",
  params: { userId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    await env.deps.store.sessions.deleteAll(user.id);
    await audit(env, "session.delete", user, `user/${user.id}`);
    return noContent();
  },
});

export const deleteSession = operation({
  method: "DELETE",
  path: `${USER}/sessions/:sessionId`,
  scope: "users.write",
  params: { userId: uid, sessionId: uid },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    const session = await env.deps.store.sessions.get(input.sessionId);
    // Another user's session is not found here (Appwrite 1.6 would delete it).
    if (!session || session.userId !== user.id) throw new AppwriteError("user_session_not_found");
    if (!(await env.deps.store.sessions.delete(session.id))) throw new AppwriteError("user_session_not_found");
    await audit(env, "session.delete", user, `user/${user.id}`);
    return noContent();
  },
});

export const createToken = operation({
  method: "POST",
  path: `${USER}/tokens`,
  model: "token",
  scope: "users.write",
  params: { userId: uid, length: withDefault(range(4, 128), 6), expire: withDefault(range(60, 31_536_000), 900) },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    // `length` lowercase hex characters; the client redeems them with account.createSession(userId, secret).
    const secret = randomHex(Math.ceil(input.length / 2)).slice(0, input.length);
    const { token } = await issueToken(env, user, "generic", { secret, lifetimeMs: input.expire * 1000 });
    await audit(env, "tokens.create", user, `user/${user.id}`);
    return ok(toToken(token, secret), 201);
  },
});

export const createJWT = operation({
  method: "POST",
  path: `${USER}/jwts`,
  scope: "users.write",
  params: { userId: uid, sessionId: withDefault(uid, ""), duration: withDefault(range(0, 3600), 900) },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    // Every Gatehouse JWT names a live session and dies with it (src/core/authenticate.ts); with no
    // `sessionId` (or `recent`) that is the user's newest unexpired session.
    const sessions = (await env.deps.store.sessions.list(user.id)).filter((s) => s.expire.getTime() > env.now.getTime());
    const wanted =
      input.sessionId === "" || input.sessionId === "recent" ? sessions.at(-1) : sessions.find((s) => s.id === input.sessionId);
    if (!wanted) throw new AppwriteError("user_session_not_found");
    const exp = Math.floor(env.now.getTime() / 1000) + input.duration;
    return ok({ jwt: signSessionJwt({ userId: user.id, sessionId: wanted.id, exp }, env.deps.jwtKey) }, 201);
  },
});

export const listLogs = operation({
  method: "GET",
  path: `${USER}/logs`,
  model: "logList",
  scope: "users.read",
  params: { userId: uid, queries, total },
  async run(env, input) {
    const user = await loadUser(env, input.userId);
    return logList(env, user.id, input);
  },
});
