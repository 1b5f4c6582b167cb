import type { Outcome, RequestContext } from "../core/context";
import { toAppwriteError } from "../core/pipeline";
import { operations, type AccountService } from "../core/service";
import { AppwriteError } from "../errors";
import { systemClock } from "../ports/clock";
import { clientIp, normalise } from "./client-ip";
import { readCookie, serializeCookie } from "./cookies";
import { sessionCookieNames, sessionFromRequest, sessionHeaders } from "./session-cookie";
import { isAllowedHost, isSameSite, requestOrigin } from "./origins";
import { parseBody, parsePhpQuery, type Params } from "./params";
import { readBodyText } from "./body";
import { INPUT_LIMITS } from "../validation/input-limits";
import { isIpLiteral } from "../validation/patterns";
import { compatibility, formatAtLeast } from "./response-format";
import { assertProductionSafe } from "./production-check";
import { requestUrl } from "./request-url";
import { createRouter } from "./routes";

/** A request as any runtime can describe it cheaply; `fetch` builds one from a web `Request`. */
export interface RawRequest {
  method: string;
  /** Absolute URL as the client addressed it. */
  url: string;
  headers: { get(name: string): string | null };
  /** The body text, or the already-parsed body (an Express app's `express.json()`), or undefined. */
  body(): Promise<string | Params | undefined>;
  /** The socket peer's IP. */
  ip?: string;
}

export interface RawResponse {
  status: number;
  /** Pairs, because `Set-Cookie` repeats. */
  headers: Array<[string, string]>;
  body: string | null;
}

export interface HandlerOptions {
  /**
   * Where the API is mounted on this server. Default: the path of the configured `endpoint`, else
   * `/v1` (as the SDKs expect). It may differ from the endpoint's path behind a proxy that
   * rewrites paths: routing uses this, links use the endpoint.
   */
  basePath?: string;
  /** Called with every error that became a 500, for logging. Default: `console.error`. */
  onError?: (error: unknown) => void;
  /**
   * This handler serves real users: a missing `endpoint` and settings meant only for development
   * and tests (the `mock` OAuth2 provider) make it throw at creation. The Express and Next
   * adapters default this to `process.env.NODE_ENV === "production"`. Default here: false.
   */
  production?: boolean;
  /**
   * Largest request body `fetch` reads, in bytes; a larger one is a 400. Default 1 MiB (the
   * Express adapter has its own `bodyLimit`, with the same default).
   */
  maxBodyBytes?: number;
}

export interface GatehouseHandler {
  /** Web-standard entry point: `Request` in, `Response` out. */
  fetch(request: Request, info?: { ip?: string }): Promise<Response>;
  /** The same, without building web `Request`/`Response` objects (used by the Express adapter). */
  handle(request: RawRequest): Promise<RawResponse>;
  /** True when `pathname` is under the base path (adapters pass other paths on). */
  owns(pathname: string): boolean;
}

const ALLOW_HEADERS =
  "Origin, Cookie, Set-Cookie, X-Requested-With, Content-Type, Access-Control-Allow-Origin, Access-Control-Request-Headers, Accept, X-Appwrite-Project, X-Appwrite-Key, X-Appwrite-Locale, X-Appwrite-Mode, X-Appwrite-JWT, X-Appwrite-Response-Format, X-Appwrite-Timeout, X-SDK-Version, X-SDK-Name, X-SDK-Language, X-SDK-Platform, X-SDK-GraphQL, X-Appwrite-ID, X-Appwrite-Timestamp, Content-Range, Range, Cache-Control, Expires, Pragma, X-Forwarded-For, X-Forwarded-User-Agent";
const BASE_HEADERS: Array<[string, string]> = [
  ["Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE"],
  ["Access-Control-Expose-Headers", "X-Appwrite-Session, X-Fallback-Cookies"],
  ["Access-Control-Allow-Credentials", "true"],
  ["X-Content-Type-Options", "nosniff"],
];
const PREFLIGHT_ALLOW_HEADERS = `${ALLOW_HEADERS}, X-Appwrite-Session, X-Fallback-Cookies`;

/** The CORS headers after BASE_HEADERS, in the order Appwrite sends them. */
function corsTail(allowOrigin: string, allowHeaders: string): Array<[string, string]> {
  return [
    ["Access-Control-Allow-Origin", allowOrigin],
    ["Vary", "Origin"],
    ["Access-Control-Allow-Headers", allowHeaders],
  ];
}
const NO_ORIGIN_HTTP: ReadonlyArray<[string, string]> = [...BASE_HEADERS, ...corsTail("http://localhost", ALLOW_HEADERS)];
const NO_ORIGIN_HTTPS: ReadonlyArray<[string, string]> = [...BASE_HEADERS, ...corsTail("https://localhost", ALLOW_HEADERS)];
const ERROR_HEADERS: Array<[string, string]> = [
  ["Cache-Control", "no-cache, no-store, must-revalidate"],
  ["Expires", "0"],
  ["Pragma", "no-cache"],
];
const JSON_TYPE = "application/json; charset=UTF-8";

/** The platform each origin scheme belongs to, named in the origin check's message. */
const PLATFORM_BY_SCHEME: Record<string, string> = {
  http: "Web",
  https: "Web",
  "appwrite-ios": "iOS",
  "appwrite-macos": "macOS",
  "appwrite-watchos": "watchOS",
  "appwrite-tvos": "tvOS",
  "appwrite-android": "Android",
  "appwrite-windows": "Windows",
  "appwrite-linux": "Linux",
};

/** What one request has established so far; each step of `handle` reads it and adds to it. */
interface Exchange {
  readonly request: RawRequest;
  readonly url: URL;
  /** Upper-cased. */
  readonly method: string;
  /** `Origin`, else `Referer`, parsed; null when neither is usable. */
  readonly origin: URL | null;
  /** The API's own hostname: the configured endpoint's, else the request's. */
  readonly apiHost: string;
  /** The response headers, in the order they are sent. */
  headers: Array<[string, string]>;
  /** Whether the request came over HTTPS, once decided (see `isHttps`). */
  https?: boolean;
}

type Route = NonNullable<ReturnType<ReturnType<typeof createRouter>["match"]>>;
type Compat = NonNullable<ReturnType<ReturnType<typeof compatibility>>>;

/**
 * The framework-agnostic HTTP layer: routes `/v1/account/...` to the service and speaks the
 * Appwrite wire format (CORS, origin check, project, cookies and fallbacks, error bodies).
 * Everything about *who may do what* lives in the service; this file only translates.
 */
export function createHandler(service: AccountService, options: HandlerOptions = {}): GatehouseHandler {
  const { config } = service;
  assertProductionSafe(config, options.production ?? false);
  const basePath = (options.basePath ?? (config.endpoint ? new URL(config.endpoint).pathname : "/v1")).replace(/\/$/, "");
  // With a configured endpoint the API's own host is its host, whatever `Host` says: it decides
  // the origin check, CORS, cookie domain and rate-limit keys (see core/urls.ts for links).
  const configuredHost = config.endpoint ? new URL(config.endpoint).hostname : null;
  const router = createRouter();
  const onError = options.onError ?? ((error: unknown) => console.error("[gatehouse]", error));
  const cookieNames = sessionCookieNames(config.projectId);
  const version = config.version;
  const clock = config.clock ?? systemClock;
  const compatFor = compatibility(version);
  const maxBodyBytes = options.maxBodyBytes ?? INPUT_LIMITS.maxBodyBytes;

  /** The steps of every request, in order; each one is a function below. */
  async function handle(request: RawRequest): Promise<RawResponse> {
    const url = resolveUrl(request);
    // A request line or Host no URL can be made of is the client's error, not a fault.
    if (!url) return badRequest("Invalid `Host` header: it must be a hostname or IP address with an optional port.");
    const exchange = begin(request, url);
    if (exchange.method === "OPTIONS") return preflight(exchange);
    corsHeaders(exchange);
    const compat = responseFormat(exchange);
    let route: Route | null = null;
    try {
      route = findRoute(exchange);
      checkOrigin(exchange, route);
      const params = await readParams(exchange, route);
      checkProject(exchange, route, params);
      const ctx = context(exchange, params);
      const outcome = await run(route, ctx, params, compat);
      return respond(exchange, route, outcome, compat);
    } catch (thrown) {
      return errorResponse(exchange, route, thrown);
    }
  }

  function resolveUrl(request: RawRequest): URL | null {
    return requestUrl(request.url, request.headers.get("host"));
  }

  function begin(request: RawRequest, url: URL): Exchange {
    return {
      request,
      url,
      method: request.method.toUpperCase(),
      origin: requestOrigin(request.headers.get("origin"), request.headers.get("referer")),
      apiHost: configuredHost ?? url.hostname,
      headers: [],
    };
  }

  /**
   * Credentials are granted to registered platforms and the API's own host only, on preflights as
   * on requests; anyone else gets `…//localhost`, never their own origin echoed back.
   */
  function allowOrigin({ origin, url, apiHost }: Exchange): string {
    return origin && isAllowedHost(origin.hostname, config.platforms, apiHost)
      ? origin.origin
      : `${origin?.protocol ?? url.protocol}//localhost`;
  }

  function preflight(exchange: Exchange): RawResponse {
    const headers = [...BASE_HEADERS, ...corsTail(allowOrigin(exchange), PREFLIGHT_ALLOW_HEADERS)];
    return { status: 204, headers, body: null };
  }

  /** The response's first headers: the CORS set every answer carries. */
  function corsHeaders(exchange: Exchange): void {
    const origin = allowOrigin(exchange);
    // Most requests (servers, non-browser clients) send no Origin: their headers are made once.
    const made = origin === "http://localhost" ? NO_ORIGIN_HTTP : origin === "https://localhost" ? NO_ORIGIN_HTTPS : null;
    exchange.headers = made ? made.slice() : [...BASE_HEADERS, ...corsTail(origin, ALLOW_HEADERS)];
  }

  /** Older SDKs' request and response filters, or the newer-SDK warning (src/http/response-format.ts). */
  function responseFormat({ request, headers }: Exchange): Compat | null {
    const format = request.headers.get("x-appwrite-response-format");
    const compat = format ? compatFor(format) : null;
    if (compat?.warning) headers.push(["X-Appwrite-Warning", compat.warning]);
    return compat;
  }

  function findRoute({ url, method }: Exchange): Route {
    const path = url.pathname.slice(basePath.length);
    const route = url.pathname.startsWith(`${basePath}/`) ? router.match(method, path) : null;
    if (!route) throw new AppwriteError("general_route_not_found");
    return route;
  }

  /**
   * Writes from an origin that is not a registered platform are refused (CSRF). As in
   * Appwrite, the host decides and the scheme only names the platform in the message; except that
   * a native app ID counts only with an `appwrite-…://` scheme: read as a hostname it is often a
   * real domain (`com.example.app`) whose owner must not get a web origin. Reads, server calls
   * (with a key) and operations open to any origin are not checked.
   */
  function checkOrigin({ request, method, origin, apiHost }: Exchange, route: Route): void {
    if (method === "GET" || request.headers.get("x-appwrite-key") || own(operations[route.operation], "anyOrigin")) return;
    if (!request.headers.get("origin") && !request.headers.get("referer")) return;
    const host = origin?.hostname ?? "";
    // Appwrite lets an origin without a host through (nothing to register).
    if (origin && !host) return;
    if (host && isAllowedHost(host, config.platforms, apiHost)) return;
    if (host && origin!.protocol.startsWith("appwrite-") && isAllowedHost(host, config.nativeApps, "")) return;
    const platform = origin ? PLATFORM_BY_SCHEME[origin.protocol.slice(0, -1)] : undefined;
    if (!platform) throw new AppwriteError("general_unknown_origin", "Unsupported platform");
    throw new AppwriteError(
      "general_unknown_origin",
      `Invalid Origin. Register your new client (${host}) as a new ${platform} platform: add it to \`${platform === "Web" ? "platforms" : "nativeApps"}\` in the Gatehouse config`,
    );
  }

  /** The query string of a GET, else the body; path parameters win over both. */
  async function readParams({ request, method, url }: Exchange, route: Route): Promise<Params> {
    const params: Params =
      method === "GET" ? parsePhpQuery(url.search) : parseBody(request.headers.get("content-type"), await request.body());
    Object.assign(params, route.pathParams);
    return params;
  }

  /** The OAuth2 callback names its project in the path: the provider sends no project. */
  function checkProject({ request }: Exchange, route: Route, params: Params): void {
    const project =
      (typeof params.project === "string" && params.project) ||
      route.pathParams.projectId ||
      request.headers.get("x-appwrite-project") ||
      "console";
    if (project !== config.projectId) throw new AppwriteError("project_not_found");
  }

  function context(exchange: Exchange, params: Params): RequestContext {
    const { request, url, apiHost, headers } = exchange;
    const { value: session, fromFallback } = sessionFromRequest(cookieNames, (name) => request.headers.get(name));
    headers.push(["X-Debug-Fallback", String(fromFallback)]);
    const key = request.headers.get("x-appwrite-key");
    return {
      session,
      key,
      jwt: request.headers.get("x-appwrite-jwt"),
      ip: clientIp(request.ip, request.headers.get("x-forwarded-for"), config.trustedProxies),
      // Server SDKs forward their user's browser as X-Forwarded-User-Agent; only keys may.
      userAgent: (key && request.headers.get("x-forwarded-user-agent")) || request.headers.get("user-agent") || "UNKNOWN",
      hostname: apiHost,
      // The configured endpoint, else (development only) the URL this request arrived at.
      endpoint: config.endpoint ?? `${isHttps(exchange) ? "https:" : "http:"}//${url.host}${basePath}`,
      timestamp: request.headers.get("x-appwrite-timestamp"),
      formatAtLeast: (since) => formatAtLeast(request.headers.get("x-appwrite-response-format"), since),
      cookie: (name) => readCookie(request.headers.get("cookie"), name),
      locale: (typeof params.locale === "string" && params.locale) || request.headers.get("x-appwrite-locale") || "en",
    };
  }

  function run(route: Route, ctx: RequestContext, params: Params, compat: Compat | null): Promise<Outcome<unknown>> {
    return service.executeWire(route.operation, ctx, compat ? compat.request(route.operation, params) : params);
  }

  function respond(exchange: Exchange, route: Route, outcome: Outcome<unknown>, compat: Compat | null): RawResponse {
    const { headers } = exchange;
    for (const [name, value] of Object.entries(own(outcome, "headers") ?? {})) headers.push([name, value]);
    sessionCookies(exchange, outcome);
    otherCookies(exchange, outcome);
    const redirect = own(outcome, "redirect");
    if (redirect) {
      headers.push(["Location", redirect], ["Cache-Control", "no-store, no-cache, must-revalidate, max-age=0"], ["Pragma", "no-cache"]);
      return { status: 301, headers, body: null };
    }
    if (outcome.status === 204 || outcome.body === null) return { status: outcome.status, headers, body: null };
    headers.push(["Content-Type", JSON_TYPE]);
    return {
      status: outcome.status,
      headers,
      body: JSON.stringify(compat ? compat.response(route.operation, outcome.body) : outcome.body),
    };
  }

  /** The session cookies (and fallback header) when the outcome starts or ends a session. */
  function sessionCookies(exchange: Exchange, outcome: Outcome<unknown>): void {
    const setSession = own(outcome, "setSession");
    if (!setSession && !own(outcome, "clearSession")) return;
    const { apiHost, origin, headers } = exchange;
    const site = {
      https: isHttps(exchange),
      apiHost,
      sameSite: isSameSite(origin, apiHost),
      nowMs: clock.now(),
      domain: isLocalHost(apiHost) ? null : `.${apiHost}`,
    };
    headers.push(...sessionHeaders(cookieNames, setSession ?? null, site));
  }

  /** Cookies an operation sets for itself (the OAuth2 flow's state), first-party and `Lax`. */
  function otherCookies(exchange: Exchange, outcome: Outcome<unknown>): void {
    for (const cookie of own(outcome, "cookies") ?? []) {
      const expires = new Date(clock.now() + cookie.maxAge * 1000);
      exchange.headers.push([
        "Set-Cookie",
        serializeCookie(cookie.name, cookie.value, {
          expires,
          maxAge: cookie.maxAge,
          secure: isHttps(exchange),
          domain: null,
          sameSiteNone: false,
        }) + "; SameSite=Lax",
      ]);
    }
  }

  function errorResponse({ headers }: Exchange, route: Route | null, thrown: unknown): RawResponse {
    const error = toAppwriteError(thrown);
    if (error.code >= 500 && error.type !== "general_smtp_disabled" && error.type !== "general_phone_disabled") {
      onError(error.cause ?? error);
    }
    for (const [name, value] of Object.entries(error.headers ?? {})) headers.push([name, value]);
    if (route && own(operations[route.operation], "htmlErrors")) {
      headers.push(...ERROR_HEADERS, ["Content-Type", "text/html; charset=UTF-8"]);
      return { status: error.code, headers, body: errorPage(error, version) };
    }
    headers.push(...ERROR_HEADERS, ["Content-Type", JSON_TYPE]);
    return { status: error.code, headers, body: JSON.stringify(error.toJSON(version)) };
  }

  function badRequest(message: string): RawResponse {
    const error = new AppwriteError("general_argument_invalid", message);
    const headers: Array<[string, string]> = [...BASE_HEADERS, ...ERROR_HEADERS, ["Content-Type", JSON_TYPE]];
    return { status: error.code, headers, body: JSON.stringify(error.toJSON(version)) };
  }

  /** HTTPS directly, or by a trusted proxy's `X-Forwarded-Proto`; decided once per request. */
  function isHttps(exchange: Exchange): boolean {
    if (exchange.https === undefined) {
      const { request, url } = exchange;
      const forwarded = request.headers.get("x-forwarded-proto");
      exchange.https =
        forwarded && config.trustedProxies.includes(normalise(request.ip ?? "")) ? forwarded !== "http" : url.protocol === "https:";
    }
    return exchange.https;
  }

  return {
    handle,
    owns: (pathname) => pathname === basePath || pathname.startsWith(`${basePath}/`),
    async fetch(request, info) {
      const raw: RawRequest = {
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: () => readBodyText(request, maxBodyBytes),
        ...(info?.ip ? { ip: info.ip } : {}),
      };
      const response = await handle(raw);
      const headers = new Headers();
      for (const [name, value] of response.headers) headers.append(name, value);
      return new Response(response.body, { status: response.status, headers });
    },
  };
}

/** Appwrite renders errors of browser-facing OAuth2 routes as a page; this one is plain and escaped. */
function errorPage(error: AppwriteError, version: string): string {
  const escape = (v: string) => v.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
  return `<!doctype html><html><head><meta charset="utf-8"><title>Error ${error.code}</title></head><body style="font-family:system-ui,sans-serif;max-width:560px;margin:48px auto"><h1>Error ${error.code}</h1><p>${escape(error.publicMessage)}</p><p><code>${escape(error.type)}</code></p><p style="color:#666">Gatehouse ${escape(version)}</p></body></html>`;
}

/**
 * A field only when the outcome or operation set it: read through the prototype, a key planted in
 * `Object.prototype` (`redirect`, `cookies`, `setSession`, `anyOrigin`) would act on every request.
 */
function own<T extends object, K extends keyof T>(value: T, key: K): T[K] | undefined {
  return Object.hasOwn(value, key) ? value[key] : undefined;
}

function isLocalHost(host: string): boolean {
  return host === "localhost" || isIpLiteral(host);
}
