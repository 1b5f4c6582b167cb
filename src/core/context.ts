import type { AuthenticatorRecord, AuthSessionRecord, TargetRecord, UserRecord } from "../ports/store";

/**
 * Marks a direct call of `service.users.*` from the application's own code: it runs as the
 * server, with every Users API scope. A symbol, so nothing parsed from a request can carry it.
 */
export const TRUSTED_SERVER: unique symbol = Symbol("gatehouse.trustedServer");

/** What the caller brings: credentials and where the request comes from. */
export interface RequestContext {
  /** Set by `service.users.*` only (see TRUSTED_SERVER). */
  [TRUSTED_SERVER]?: true;
  /** The session value (base64 JSON) from a cookie, `X-Appwrite-Session` or `X-Fallback-Cookies`. */
  session?: string | null;
  /** `X-Appwrite-JWT`. */
  jwt?: string | null;
  /** `X-Appwrite-Key`. */
  key?: string | null;
  /** The client IP (already resolved through trusted proxies by the HTTP layer). */
  ip?: string;
  userAgent?: string;
  /**
   * The API hostname: the configured endpoint's, else the one the client addressed; part of
   * rate-limit keys.
   */
  hostname?: string;
  /** Locale for country names and messages. */
  locale?: string;
  /**
   * The API base URL the request arrived at (`http://localhost:3000/v1`), for links when the
   * config names no `endpoint` (development; see `core/urls.ts`). A configured endpoint wins.
   */
  endpoint?: string;
  /** `X-Appwrite-Timestamp`: fail update routes if the user changed after this instant. */
  timestamp?: string | null;
  /**
   * Whether the client's `X-Appwrite-Response-Format` is at least `version` (the HTTP layer
   * compares, src/http/response-format.ts); absent = the newest format, as for a request without
   * the header. Core asks it through src/core/behaviour.ts only.
   */
  formatAtLeast?: (version: string) => boolean;
  /** Reads one of the request's cookies (the HTTP layer provides it; direct calls have none). */
  cookie?: (name: string) => string | null;
}

export type Role = "guests" | "users" | "applications";

/** Who the request runs as, once credentials are checked. */
export interface Caller {
  role: Role;
  user: UserRecord | null;
  targets: TargetRecord[];
  /**
   * The session that authenticated the request (null under JWT, key or guest): the fields of
   * `AUTH_SESSION_FIELDS` (src/ports/store.ts); read the whole record by id where a route needs it.
   */
  session: AuthSessionRecord | null;
  /** The session a JWT was minted from, when a JWT authenticated the request. */
  jwtSessionId?: string;
  scopes: ReadonlySet<string>;
  /**
   * The API key a request runs as (role `applications`): the actor its log entries name, as
   * Appwrite names a key (its name, and `app.<projectId>@service.<hostname>`).
   */
  key?: { name: string; email: string };
  /** Memoised lookup of the user's TOTP authenticator (the MFA gate and MFA routes share it). */
  authenticator?: AuthenticatorRecord | null;
}

/** Instructions for the transport besides the body: cookies and headers. */
export interface Outcome<T> {
  status: number;
  body: T;
  /** A session was created: set the cookies and `X-Fallback-Cookies`. */
  setSession?: { value: string; expire: Date };
  /** The current session ended: clear the cookies and send `X-Fallback-Cookies: []`. */
  clearSession?: boolean;
  /** Answer with a 301 to this URL (OAuth2 flows), with no-cache headers and no body. */
  redirect?: string;
  /** Other cookies to set (httpOnly, SameSite=Lax, host-only); `maxAge: 0` deletes one. */
  cookies?: Array<{ name: string; value: string; maxAge: number }>;
  headers: Record<string, string>;
}
