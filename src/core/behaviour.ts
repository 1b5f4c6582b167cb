import { AppwriteError, CHANGED_IN_1_9 } from "../errors";
import type { RequestContext } from "./context";

/**
 * Account behaviour that changed after Appwrite 1.6, each with the response format that
 * introduced it. A client whose `X-Appwrite-Response-Format` is older keeps the 1.6 behaviour,
 * so the SDKs built for 1.6 see what they were built for; a request without the header (or a
 * direct call) gets today's. The version comparison itself is made once, in
 * src/http/response-format.ts (`formatAtLeast`), and reaches the core as `ctx.formatAtLeast`.
 */
export const CHANGED_SINCE = {
  /** `user_blocked` answers 403 with a shorter message (it was 401). */
  userBlocked403: "1.9.0",
  /** A session and `X-Appwrite-JWT` in one request: 403 `user_jwt_and_cookie_set` (the JWT won). */
  jwtAndSessionRefused: "1.9.0",
  /** A JWT-authenticated request creating a JWT: 403 `user_jwt_creation_denied` (was 404). */
  jwtCreationDenied: "1.9.0",
  /** `PATCH /account/password`'s `oldPassword` is text of 0–256 chars (was the 8–256 password rule). */
  oldPasswordAsText: "1.9.0",
  /**
   * An API key beside a session (or JWT) user: the request runs as the key (was 403
   * `user_key_and_session_set`). Appwrite 1.9 refuses the pair only for its account-scoped keys,
   * which Gatehouse does not have.
   */
  keyWinsOverSession: "1.9.0",
  /**
   * The session of an OAuth2 token (`POST /account/sessions/token`) has the provider's name, uid
   * and tokens and the `oauth2` factor, so it passes the MFA gate (was provider `oauth2`, factor
   * `email`).
   */
  oauth2TokenSession: "1.9.0",
  /** `POST /account/jwts` counts 120 a minute per user (was 100 an hour); src/core/rate-limits.ts. */
  jwtLimitPerMinute: "1.9.0",
} as const;

export type BehaviourChange = keyof typeof CHANGED_SINCE;

/** Whether this request gets the changed behaviour. */
export function behavesAsOf(ctx: RequestContext, change: BehaviourChange): boolean {
  return ctx.formatAtLeast?.(CHANGED_SINCE[change]) ?? true;
}

/** The `user_blocked` error in the form the client's format expects. */
export function userBlocked(ctx: RequestContext): AppwriteError {
  if (!behavesAsOf(ctx, "userBlocked403")) return new AppwriteError("user_blocked");
  const [status, message] = CHANGED_IN_1_9.user_blocked;
  return new AppwriteError("user_blocked", message, { status });
}
