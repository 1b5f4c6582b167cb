import type { GatehouseHandler, RawResponse } from "gatehouse-auth";
import { cookieJar, type CookieJar } from "./cookie-jar";

/**
 * A JSON body as a test reads it, field by field (`res.body.$id`). `any` on purpose: `unknown`
 * would need a cast on every line of every test (eslint.config.js relaxes the rule for test/ for
 * the same reason); pass a type argument, `client.get<AccountModel>(…)`, to have one checked.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type WireBody = any;

/** What a test reads off an answer: the status, the headers, and the body parsed as JSON when it is JSON. */
export interface TestResponse<T = WireBody> {
  status: number;
  headers: Headers;
  /** The parsed JSON body; null for an empty or non-JSON body. */
  body: T;
  /** The body as text. */
  text: string;
}

export interface TestHttpOptions {
  /** Sent as `Origin` on every request (a registered platform, e.g. `http://localhost`); default none. */
  origin?: string;
  /** Extra headers sent on every request (`X-Appwrite-Key`, `X-Appwrite-Locale`, …). */
  headers?: Record<string, string>;
  /** Sent as the socket peer's address (rate limits and logs key on it). Default 127.0.0.1. */
  ip?: string;
}

type Body = Record<string, unknown> | string | undefined;

/**
 * A browser talking to the service's HTTP handler, in-process: no port, no socket. It keeps the
 * cookies the handler sets and sends them back, as a browser does, so signing in and then reading
 * `/v1/account` works without touching a session value.
 */
export interface TestHttpClient {
  get<T = WireBody>(path: string, headers?: Record<string, string>): Promise<TestResponse<T>>;
  post<T = WireBody>(path: string, body?: Body, headers?: Record<string, string>): Promise<TestResponse<T>>;
  put<T = WireBody>(path: string, body?: Body, headers?: Record<string, string>): Promise<TestResponse<T>>;
  patch<T = WireBody>(path: string, body?: Body, headers?: Record<string, string>): Promise<TestResponse<T>>;
  delete<T = WireBody>(path: string, body?: Body, headers?: Record<string, string>): Promise<TestResponse<T>>;
  /** Any request: method, path (with query string) and raw headers and body. */
  request<T = WireBody>(method: string, path: string, init?: { headers?: Record<string, string>; body?: string }): Promise<TestResponse<T>>;
  /** This client's cookies (the session cookie is `a_session_<projectId>`). */
  readonly jar: CookieJar;
}

/** The API's origin for in-process requests: what `Host` the handler sees. */
const IN_PROCESS_ORIGIN = "http://localhost";

function parse(text: string, contentType: string | null): unknown {
  if (!text || !contentType?.includes("json")) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function toTestResponse(raw: RawResponse): TestResponse {
  const headers = new Headers();
  for (const [name, value] of raw.headers) headers.append(name, value);
  const text = raw.body ?? "";
  return { status: raw.status, headers, text, body: parse(text, headers.get("content-type")) };
}

export function testHttpClient(
  handler: () => GatehouseHandler,
  projectId: string,
  now: () => number,
  options: TestHttpOptions = {},
): TestHttpClient {
  const jar = cookieJar(now);
  async function request(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    if (!path.startsWith("/")) throw new TypeError(`http: "${path}" must start with "/" (e.g. "/v1/account")`);
    const headers = new Headers({ "x-appwrite-project": projectId, ...options.headers, ...init.headers });
    if (options.origin) headers.set("origin", options.origin);
    const cookie = jar.header();
    if (cookie && !headers.has("cookie")) headers.set("cookie", cookie);
    const raw = await handler().handle({
      method,
      url: `${IN_PROCESS_ORIGIN}${path}`,
      headers,
      body: async () => init.body,
      ip: options.ip ?? "127.0.0.1",
    });
    jar.store(raw.headers.filter(([name]) => name.toLowerCase() === "set-cookie").map(([, value]) => value));
    return toTestResponse(raw);
  }
  const withBody = (method: string) => (path: string, body?: Body, headers?: Record<string, string>) =>
    request(method, path, {
      headers: body === undefined || typeof body === "string" ? { ...headers } : { "content-type": "application/json", ...headers },
      ...(body === undefined ? {} : { body: typeof body === "string" ? body : JSON.stringify(body) }),
    });
  return {
    get: (path, headers) => request("GET", path, { ...(headers ? { headers } : {}) }),
    post: withBody("POST"),
    put: withBody("PUT"),
    patch: withBody("PATCH"),
    delete: withBody("DELETE"),
    request,
    jar,
  };
}
