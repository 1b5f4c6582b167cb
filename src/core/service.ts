import type { z } from "zod";
import { resolveConfig, type GatehouseConfig } from "../config";
import { argon2Hasher } from "../crypto/argon2-hasher";
import { withImportedHashes } from "../crypto/imported-hashes";
import { sha256Hex } from "../crypto/hash";
import { randomHex } from "../crypto/random";
import { sealer } from "../crypto/seal";
import { jwtKey } from "../crypto/jwt";
import { memoryRateLimiter } from "../limiters/memory";
import { jwksCache } from "../oauth/jwks";
import { systemClock } from "../ports/clock";
import type { ParamShape } from "../validation/validators";
import type { Outcome, RequestContext } from "./context";
import type { ApiKey, Deps } from "./deps";
import type { OperationSpec, Scope } from "./operation";
import { loadPasswordDictionary } from "./passwords";
import { execute } from "./pipeline";
import * as accountOps from "./operations/account";
import * as sessionOps from "./operations/sessions";
import * as tokenOps from "./operations/tokens";
import * as verificationOps from "./operations/verification";
import * as recoveryOps from "./operations/recovery";
import * as mfaOps from "./operations/mfa";
import * as jwtOps from "./operations/jwt";
import * as logOps from "./operations/logs";
import * as identityOps from "./operations/identities";
import * as targetOps from "./operations/targets";
import * as oauth2Ops from "./operations/oauth2";
import * as oauth2MockOps from "./operations/oauth2-mock";
import * as idTokenOps from "./operations/id-token";
import * as userProfileOps from "./operations/users/profile";
import * as userDirectoryOps from "./operations/users/directory";
import * as userSessionOps from "./operations/users/sessions";
import * as userMfaOps from "./operations/users/mfa";
import * as userTargetOps from "./operations/users/targets";
import * as userImportOps from "./operations/users/imports";
import { TRUSTED_SERVER } from "./context";

/** What log entries call a key configured without a `name`. */
const DEFAULT_KEY_NAME = "API key";

const { remove: deleteUser, ...userProfile } = userProfileOps;

/** The Users API's operations, by the name of their method on node-appwrite's `Users`. */
export const userOperations = {
  ...userProfile,
  delete: deleteUser,
  ...userDirectoryOps,
  ...userSessionOps,
  ...userMfaOps,
  ...userTargetOps,
  ...userImportOps,
};
type UserOperations = typeof userOperations;
type PrefixedUserOperations = { [K in keyof UserOperations as `users.${K & string}`]: UserOperations[K] };
const prefixedUserOperations = Object.fromEntries(
  Object.entries(userOperations).map(([name, op]) => [`users.${name}`, op]),
) as PrefixedUserOperations;

/** Every operation the service offers, by method name (`users.<name>` for the Users API). */
export const operations = {
  ...accountOps,
  ...sessionOps,
  ...tokenOps,
  ...verificationOps,
  ...recoveryOps,
  ...mfaOps,
  ...jwtOps,
  ...logOps,
  ...identityOps,
  ...targetOps,
  ...oauth2Ops,
  ...oauth2MockOps,
  ...idTokenOps,
  ...prefixedUserOperations,
};
export type OperationName = keyof typeof operations;
/** The Account API's operations: the service's own methods. */
export type AccountOperationName = Exclude<OperationName, `users.${string}`>;

type ShapeInput<S extends ParamShape> = z.input<z.ZodObject<S>>;
type SpecOf<K extends OperationName> = (typeof operations)[K];

/** The parameters operation `K` takes, as a caller passes them (defaults optional). */
export type InputOf<K extends OperationName> = SpecOf<K> extends OperationSpec<infer S, unknown, Scope> ? ShapeInput<S> : never;
/** The body operation `K` answers with (`null` for 204 and redirects). */
export type ResultOf<K extends OperationName> = SpecOf<K> extends OperationSpec<ParamShape, infer R, Scope> ? R : never;
/** The parameters argument of `execute` for `K`: optional when the operation takes none. */
export type InputArgs<K extends OperationName> = Record<never, never> extends InputOf<K> ? [input?: InputOf<K>] : [input: InputOf<K>];

type MethodOf<O> =
  O extends OperationSpec<infer S, infer R, Scope>
    ? [keyof S] extends [never]
      ? (ctx?: RequestContext) => Promise<R>
      : (input: ShapeInput<S>, ctx?: RequestContext) => Promise<R>
    : never;

export type AccountMethods = { [K in AccountOperationName]: MethodOf<(typeof operations)[K]> };
/** `service.users`: the Users API, one method per `Users` method of node-appwrite. */
export type UserMethods = { [K in keyof UserOperations]: MethodOf<UserOperations[K]> };

export interface AccountService extends AccountMethods {
  /**
   * The Users API for backend code. Called without `ctx.key` a method runs as the server itself,
   * with every Users API scope; with `ctx.key` it runs as that key, scopes and all.
   */
  readonly users: UserMethods;
  /** The validated configuration, defaults filled in. */
  readonly config: Deps["config"];
  /**
   * Runs an operation by name and returns its full outcome (status, body, cookie instructions).
   * The input is typed by the operation (`InputOf<K>`), and still validated at run time.
   */
  execute<K extends OperationName>(name: K, ctx: RequestContext, ...input: InputArgs<K>): Promise<Outcome<ResultOf<K>>>;
  /**
   * The HTTP handler's entry (src/http/handler.ts): the parameters as they arrived on the wire,
   * unknown values that the operation's zod schemas (its `params`, src/validation/validators.ts)
   * validate before it runs. Server code calls `execute` or the typed methods instead.
   */
  executeWire(name: OperationName, ctx: RequestContext, rawParams: Record<string, unknown>): Promise<Outcome<unknown>>;
  /** Deletes expired sessions, tokens and challenges; schedule it (e.g. hourly). */
  purgeExpired(): Promise<number>;
}

/**
 * Creates the Account service: one typed async method per Account operation. Every call, whether
 * from the HTTP handler or from server code, goes through the same pipeline of checks.
 */
export function createAccountService(input: GatehouseConfig): AccountService {
  const config = resolveConfig(input);
  const configured = config.passwordHasher ?? argon2Hasher();
  // Made now, so the first login for an unknown address costs no more than a wrong password does.
  const dummy = configured.hash(randomHex(16));
  dummy.catch(() => {});
  // Imported hashes (the Users API's /users/<algorithm> routes) verify too, until the first login.
  const hasher = withImportedHashes(configured, () => dummy);
  let dictionary: Set<string> | null = null;
  const apiKeys: ApiKey[] = config.apiKeys.map((key) =>
    typeof key === "string"
      ? { hash: sha256Hex(key), scopes: new Set(["sessions.write"]), name: DEFAULT_KEY_NAME }
      : {
          hash: sha256Hex(key.secret),
          scopes: new Set(key.scopes),
          name: key.name ?? DEFAULT_KEY_NAME,
          ...(key.expire ? { expire: key.expire } : {}),
        },
  );

  const secret = config.secret ?? randomHex(32);
  const clock = config.clock ?? systemClock;
  // Looked up per call so a global fetch replaced later (e.g. by an instrumentation library) is used.
  const outbound: typeof fetch = config.fetch ?? ((input, init) => fetch(input, init));
  const deps: Deps = {
    config,
    projectName: config.projectName ?? config.projectId,
    store: config.store,
    hasher,
    clock,
    limiter: config.rateLimits ? (config.rateLimiter ?? memoryRateLimiter()) : null,
    geo: config.geo ?? null,
    fetch: outbound,
    jwks: jwksCache(outbound, clock),
    reportError: config.reportError ?? ((error) => console.error("[gatehouse]", error)),
    apiKeys,
    dummyHash: () => dummy,
    passwordDictionary: () => (dictionary ??= loadPasswordDictionary()),
    secret,
    jwtKey: jwtKey(secret),
    seal: sealer(secret),
  };

  const run = (name: OperationName, ctx: RequestContext, params: Record<string, unknown> = {}) =>
    execute(deps, operations[name] as OperationSpec<ParamShape, unknown>, ctx, params);

  // Typed input and wire input take the same path: the pipeline validates both (a JavaScript
  // caller's input is no more trusted than a request's).
  const executeTyped = <K extends OperationName>(name: K, ctx: RequestContext, ...input: InputArgs<K>) =>
    run(name, ctx, (input[0] ?? {}) as Record<string, unknown>) as Promise<Outcome<ResultOf<K>>>;

  /** One method per operation; `trusted` ones run as the server when the context names no key. */
  const methodsOf = (table: Record<string, OperationSpec<ParamShape, unknown>>, prefix: string, trusted: boolean) => {
    const methods = {} as Record<string, unknown>;
    const as = (ctx: RequestContext): RequestContext => (trusted && !ctx.key ? { ...ctx, [TRUSTED_SERVER]: true } : ctx);
    for (const [name, op] of Object.entries(table)) {
      const full = `${prefix}${name}` as OperationName;
      methods[name] =
        Object.keys(op.params).length > 0
          ? async (params: Record<string, unknown>, ctx: RequestContext = {}) => (await run(full, as(ctx), params ?? {})).body
          : async (ctx: RequestContext = {}) => (await run(full, as(ctx))).body;
    }
    return methods;
  };
  const accountOperations = Object.fromEntries(Object.entries(operations).filter(([name]) => !name.startsWith("users.")));

  return {
    ...(methodsOf(accountOperations as Record<string, OperationSpec<ParamShape, unknown>>, "", false) as AccountMethods),
    users: methodsOf(userOperations as Record<string, OperationSpec<ParamShape, unknown>>, "users.", true) as UserMethods,
    config,
    execute: executeTyped,
    executeWire: run,
    purgeExpired: () => deps.store.purgeExpired(new Date(deps.clock.now())),
  };
}
