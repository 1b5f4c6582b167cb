import type { ResolvedConfig } from "../config";
import type { ParamShape, Params } from "../validation/validators";
import type { UserRecord } from "../ports/store";
import type { Caller, Outcome, RequestContext } from "./context";
import type { Deps } from "./deps";
import type { RateLimitRule } from "./rate-limits";

/**
 * The scope a route demands: guests hold `sessions.write` and `public`, signed-in users also
 * `account`, API keys their configured scopes (src/core/authenticate.ts). The Users API's scopes
 * are held by API keys only, so no session or JWT ever reaches a `/users` route.
 */
export type Scope = "account" | "sessions.write" | "public" | AdminScope;
/** Appwrite's project-key scopes of the Users API (`sessions.read` is Appwrite 1.9's). */
export type AdminScope = "users.read" | "users.write" | "sessions.read" | "targets.read" | "targets.write";
export type AuthMethod = keyof ResolvedConfig["auth"]["methods"];

/** A route's counters; every route's figures are in src/core/rate-limits.ts. */
export type { RateLimitRule } from "./rate-limits";

/** The caller of a signed-in (`account` scope) operation: the pipeline lets no guest through. */
export interface SignedInCaller extends Caller {
  user: UserRecord;
}

/**
 * What an operation's `run` sees. On `account` routes the caller has a user: the pipeline's scope
 * check guarantees it (src/core/pipeline.ts), so handlers need no check of their own.
 */
export interface Env<Sc extends Scope = Scope> {
  deps: Deps;
  ctx: RequestContext;
  caller: [Sc] extends ["account"] ? SignedInCaller : Caller;
  now: Date;
  /** The raw parameters as sent, for the rare rule that needs the unnormalised value. */
  raw: Record<string, unknown>;
}

/**
 * One Account operation: its access rules, in the order the pipeline checks them, and its handler.
 * The pipeline (`execute`) enforces everything declared here, so handlers hold only the route's
 * own logic.
 */
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** The wire models whose shape changed between Appwrite versions (src/http/response-format.ts). */
export type ResponseModel =
  "account" | "user" | "userList" | "identityList" | "logList" | "mfaFactors" | "session" | "sessionList" | "token";

export interface OperationSpec<S extends ParamShape, R, Sc extends Scope = Scope> {
  /** The HTTP method of the primary route. */
  method: HttpMethod;
  /**
   * The primary route's path template, relative to the API base (`/account/...`, `:name` for a
   * path parameter): the router's table (src/http/routes.ts) and the `{url}` of rate-limit keys.
   */
  path: string;
  /**
   * More routes to the same operation, as `"METHOD /path"`: older or newer Appwrite names that SDKs
   * still call. They share the primary route's rate-limit counters.
   */
  aliases?: readonly `${HttpMethod} /${string}`[];
  /** The response's wire model, when older SDKs need it filtered (src/http/response-format.ts). */
  model?: ResponseModel;
  /**
   * The scope the caller must hold; a list means any one of them (Appwrite 1.6 and 1.9 name some
   * Users API scopes differently, and a route accepts either generation's).
   */
  scope: Sc | readonly [Sc, ...Sc[]];
  /** Exempt from the MFA gate (`needsMoreFactors` in src/core/pipeline.ts). */
  skipsMfaGate?: boolean;
  /** Needs an MFA challenge passed in the last 30 minutes. */
  needsRecentChallenge?: boolean;
  /** Refused when a user is already resolved (`user_session_already_exists`). */
  guestOnly?: boolean;
  authMethod?: AuthMethod;
  rateLimit?: RateLimitRule;
  /**
   * Honours `X-Appwrite-Timestamp`: the request fails with 409 `document_update_conflict` when
   * the user changed after that instant (optimistic concurrency for update routes).
   */
  checksTimestamp?: boolean;
  /** Errors render as an HTML page instead of JSON (the OAuth2 routes a browser navigates to). */
  htmlErrors?: boolean;
  /**
   * Skips the origin check on writes: only for the OAuth2 callback, which a provider may POST to
   * from its own origin (Apple's form_post) and which acts on no credentials of the caller.
   */
  anyOrigin?: boolean;
  params: S;
  run(env: Env<Sc>, input: Params<S>): Promise<Outcome<R>>;
}

export function operation<S extends ParamShape, R, Sc extends Scope>(spec: OperationSpec<S, R, Sc>): OperationSpec<S, R, Sc> {
  return spec;
}

/** The `Env` of a signed-in operation. */
export type SignedInEnv = Env<"account">;

export function ok<T>(body: T, status = 200): Outcome<T> {
  return { status, body, headers: {} };
}

export function noContent(extra: Partial<Outcome<null>> = {}): Outcome<null> {
  return { status: 204, body: null, headers: {}, ...extra };
}

/** A 301 to `url` (the OAuth2 routes), with whatever else the outcome carries (cookies, session). */
export function redirect(url: string, extra: Omit<Partial<Outcome<null>>, "redirect"> = {}): Outcome<null> {
  return { status: 301, body: null, headers: {}, ...extra, redirect: url };
}
