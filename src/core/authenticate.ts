import { AppwriteError } from "../errors";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { TRUSTED_SERVER, type Caller, type RequestContext } from "./context";
import type { Deps } from "./deps";
import { decodeSessionValue } from "./session-value";
import { verifySessionJwt } from "../crypto/jwt";
import { behavesAsOf } from "./behaviour";

const GUEST_SCOPES: ReadonlySet<string> = new Set(["sessions.write", "public"]);
const USER_SCOPES: ReadonlySet<string> = new Set(["sessions.write", "public", "account"]);
const DAY_MS = 24 * 60 * 60 * 1000;
/** The application's own code calling `service.users.*` (TRUSTED_SERVER) holds every key scope. */
const SERVER_SCOPES: ReadonlySet<string> = new Set([
  "sessions.write",
  "public",
  "users.read",
  "users.write",
  "sessions.read",
  "targets.read",
  "targets.write",
]);

/**
 * Resolves who is calling: the session value, then the JWT, then the API key. A malformed or
 * unknown session makes the caller a guest; it is never an error by itself. A direct call of
 * `service.users.*` beside a session is always refused: it is a programming error, not a client's.
 */
export async function authenticate(deps: Deps, ctx: RequestContext, now: Date): Promise<Caller> {
  let caller: Caller = { role: "guests", user: null, targets: [], session: null, scopes: GUEST_SCOPES };

  const { id, secret } = decodeSessionValue(ctx.session);
  if (id && secret) {
    const hash = sha256Hex(secret);
    const found = await deps.store.sessions.findAuth(id, hash);
    // The store finds the row by an index on the hash; the constant-time comparison here is what
    // the match rests on (a store with a case-insensitive collation must not widen it).
    if (
      found &&
      found.session.userId === id &&
      constantTimeEqual(found.session.secretHash, hash) &&
      found.session.expire.getTime() > now.getTime()
    ) {
      caller = { role: "users", user: found.user, targets: found.targets, session: found.session, scopes: USER_SCOPES };
    }
  }

  // A JWT overrides the session's user, as in Appwrite. The session it names must still exist
  // and, unlike in Appwrite, must not have expired: a JWT never outlives the session it was minted
  // from. A JWT whose session is gone or expired makes the caller a guest, as Appwrite does for a
  // deleted session, so both cases answer alike (401 general_unauthorized_scope on account routes).
  if (ctx.jwt) {
    // Since 1.9.0 a session and a JWT together are refused; older clients keep "the JWT wins".
    if (caller.user && behavesAsOf(ctx, "jwtAndSessionRefused")) throw new AppwriteError("user_jwt_and_cookie_set");
    const verified = verifySessionJwt(ctx.jwt, deps.jwtKey, Math.floor(now.getTime() / 1000));
    if ("error" in verified) throw new AppwriteError("user_jwt_invalid", `Failed to verify JWT. ${verified.error}`);
    const [user, session] = await Promise.all([deps.store.users.get(verified.userId), deps.store.sessions.get(verified.sessionId)]);
    if (user && session && session.userId === user.id && session.expire.getTime() > now.getTime()) {
      // Under a JWT the current session is unknown unless the request also carries that user's session.
      const current = caller.user?.id === user.id ? caller.session : null;
      caller = {
        role: "users",
        user,
        targets: await deps.store.targets.list(user.id),
        session: current,
        jwtSessionId: session.id,
        scopes: USER_SCOPES,
      };
    } else {
      caller = { role: "guests", user: null, targets: [], session: null, scopes: GUEST_SCOPES };
    }
  }

  if (ctx.key) {
    // Since 1.9.0 the key wins and the user is set aside; older clients keep 1.6's refusal.
    if (caller.user && !behavesAsOf(ctx, "keyWinsOverSession")) throw new AppwriteError("user_key_and_session_set");
    const hash = sha256Hex(ctx.key);
    // Every key is compared, so the time taken does not tell which one nearly matched.
    let match = null;
    for (const key of deps.apiKeys) if (constantTimeEqual(key.hash, hash)) match = key;
    if (!match) throw new AppwriteError("user_unauthorized");
    if (match.expire && match.expire.getTime() <= now.getTime()) throw new AppwriteError("project_key_expired");
    caller = {
      role: "applications",
      user: null,
      targets: [],
      session: null,
      scopes: new Set([...match.scopes, "global", "health.read", "graphql"]),
      key: { name: match.name, email: `app.${deps.config.projectId}@service.${ctx.hostname ?? "localhost"}` },
    };
  }

  if (ctx[TRUSTED_SERVER] === true && !ctx.key) {
    if (caller.user) throw new AppwriteError("user_key_and_session_set");
    const key = { name: "server", email: `app.${deps.config.projectId}@service.${ctx.hostname ?? "localhost"}` };
    caller = { role: "applications", user: null, targets: [], session: null, scopes: SERVER_SCOPES, key };
  }

  // accessedAt is written at most once a day per user: reads stay read-only.
  const user = caller.user;
  if (user && (!user.accessedAt || now.getTime() - user.accessedAt.getTime() >= DAY_MS)) {
    user.accessedAt = now;
    await deps.store.users.update(user.id, { accessedAt: now });
  }
  return caller;
}
