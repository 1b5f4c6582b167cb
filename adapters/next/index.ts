import {
  createHandler,
  firstPartySessionCookie,
  sessionCookieNames,
  sessionFromJar,
  type AccountService,
  type GatehouseHandler,
  type HandlerOptions,
  type InputArgs,
  type OperationName,
  type ResultOf,
  type RequestContext,
} from "gatehouse-auth";

export { sharedService } from "./shared";

export interface NextRouteOptions extends HandlerOptions {
  /**
   * The client IP of a request. Route handlers do not see the socket, so by default the right-most
   * `X-Forwarded-For` entry is used: the one the hosting proxy (Next's own server, Vercel) added.
   */
  clientIp?: (request: Request) => string | undefined;
}

type RouteHandler = (request: Request) => Promise<Response>;

/**
 * Route handlers for the App Router. In `app/v1/[...path]/route.ts`:
 * `export const { GET, POST, PUT, PATCH, DELETE, OPTIONS } = accountRoutes(account);`
 * Elsewhere (`app/api/auth/[...path]/route.ts`), say where: `accountRoutes(account, { basePath:
 * "/api/auth" })`, or set the config's `endpoint` to `https://host/api/auth` and its path is used.
 * With `NODE_ENV=production` the config must name its `endpoint`.
 *
 * `service` may also be a function returning the service or a promise of it (e.g. the
 * `sharedService` getter, adapters/next/shared.ts): it is called on the first request, not when the
 * module loads, so `next build` opens no database. A rejected promise is retried on the next request.
 */
export function accountRoutes(service: AccountService | (() => AccountService | Promise<AccountService>), options: NextRouteOptions = {}) {
  const production = options.production ?? process.env.NODE_ENV === "production";
  const build = (account: AccountService) => createHandler(account, { ...options, production });
  let ready: GatehouseHandler | undefined = typeof service === "function" ? undefined : build(service);
  let pending: Promise<GatehouseHandler> | undefined;
  const handler = async () => {
    if (ready) return ready;
    pending ??= Promise.resolve()
      .then(() => (service as () => AccountService | Promise<AccountService>)())
      .then(build)
      .then(
        (made) => (ready = made),
        (error: unknown) => {
          pending = undefined;
          throw error;
        },
      );
    return pending;
  };
  const clientIp = options.clientIp ?? lastForwardedFor;
  const route: RouteHandler = async (request) => {
    const ip = clientIp(request);
    return (await handler()).fetch(request, ip ? { ip } : {});
  };
  return { GET: route, POST: route, PUT: route, PATCH: route, DELETE: route, OPTIONS: route };
}

function lastForwardedFor(request: Request): string | undefined {
  return forwardedFor(request.headers);
}

/** The subset of `Headers` (and Next's `headers()` store) read here. */
export interface HeaderBag {
  get(name: string): string | null;
}

function forwardedFor(headers: HeaderBag): string | undefined {
  const chain = headers.get("x-forwarded-for");
  return chain?.split(",").pop()?.trim() || headers.get("x-real-ip") || undefined;
}

/**
 * The client facts of a server action or Server Component for `serverAccount`'s `context`:
 * `serverAccount(service, await cookies(), { context: requestContext(await headers()) })`. The IP is
 * found as `accountRoutes` finds it (right-most `X-Forwarded-For`); without it every caller would
 * share one per-IP rate-limit counter.
 */
export function requestContext(headers: HeaderBag): { ip?: string; userAgent?: string } {
  const ip = forwardedFor(headers);
  const userAgent = headers.get("user-agent") ?? undefined;
  return { ...(ip ? { ip } : {}), ...(userAgent ? { userAgent } : {}) };
}

/** The subset of Next's `cookies()` store this helper uses (`ReadonlyRequestCookies` in components). */
export interface CookieJar {
  get(name: string): { value: string } | undefined;
  set?(name: string, value: string, options: { httpOnly: boolean; secure: boolean; sameSite: "lax"; path: string; expires: Date }): unknown;
  delete?(name: string): unknown;
}

export interface ServerAccountOptions {
  /** Mark the cookie `Secure`. Default: true outside development. */
  secure?: boolean;
  /** Extra request facts (ip, userAgent) for logs and rate limits. */
  context?: Omit<RequestContext, "session">;
}

/**
 * Calls the service from Server Components and server actions with the session from
 * `next/headers` cookies: `const account = serverAccount(service, await cookies())`.
 * Server Components cannot set cookies: call session-creating operations from a server action or
 * route handler, where `run` copies the new session into the cookie jar.
 */
export function serverAccount(service: AccountService, jar: CookieJar, options: ServerAccountOptions = {}) {
  const names = sessionCookieNames(service.config.projectId);
  const session = sessionFromJar(names, (name) => jar.get(name)?.value);
  const context: RequestContext = { ...options.context, session };
  const secure = options.secure ?? process.env.NODE_ENV !== "development";

  return {
    /** The request context the calls run with. */
    context,
    /** True when the cookie holds a session value (it may still be expired or revoked). */
    hasSession: session !== null,
    /**
     * Runs one operation by name with the cookie's session, and mirrors a created or ended
     * session into the cookie jar. Returns the response body.
     */
    async run<K extends OperationName>(operation: K, ...params: InputArgs<K>): Promise<ResultOf<K>> {
      const outcome = await service.execute(operation, context, ...params);
      if (outcome.setSession) {
        const { value, expire } = outcome.setSession;
        try {
          if (!jar.set) throw new TypeError("the cookie store has no set()");
          jar.set(names.cookie, value, firstPartySessionCookie(secure, expire));
        } catch (cause) {
          // Next's read-only store (Server Components) throws here. A session nobody holds would
          // still count against the session limit, so it is ended before reporting.
          await service.execute("deleteSession", { ...options.context, session: value }, { sessionId: "current" }).catch(() => {});
          throw new TypeError("this cookie store is read-only: create sessions in a server action or route handler", { cause });
        }
      } else if (outcome.clearSession) {
        jar.delete?.(names.cookie);
        jar.delete?.(names.legacy);
      }
      return outcome.body;
    },
  };
}
