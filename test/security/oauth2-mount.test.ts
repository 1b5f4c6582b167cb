/**
 * OAuth2 login with the API mounted somewhere other than `/v1`: Express at `/auth`, Next at
 * `/api/auth/[...path]`. The core used to hard-code `/v1/account…`, so the provider was sent
 * `redirect_uri=…/v1/account/sessions/oauth2/callback/…` (a 404 on such a mount). Every URL is now
 * built by src/core/urls.ts from the configured endpoint or, without one (development), from the
 * URL and base path the request arrived at.
 *
 * Each mount runs the whole flow with the built-in `mock` provider and with a real OpenID provider
 * on loopback (test/helpers/oidc-server.ts), and ends with a session made from the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import express from "express";
import { createAccountService, memoryStore, type GatehouseConfig } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { accountRoutes } from "gatehouse-auth/next";
import { PROJECT, cheapHasher } from "../helpers/server";
import { browser } from "../helpers/sdk";
import { followRedirects } from "../helpers/navigate";
import { startOidcServer, type OidcServer } from "../helpers/oidc-server";

const APP = "http://localhost/app";
const SUCCESS = `${APP}/success`;
const MOCK = { clientId: "mock-client", clientSecret: "mock-secret" };
const ALICE = { sub: "alice-sub", email: "alice@example.com", email_verified: true, name: "Alice Example" };

interface Mounted {
  /** The API base URL as an SDK is pointed at it. */
  base: string;
  close(): Promise<void>;
}

/** How a mount gets its config: the port is known only once the server listens. */
type Mount = (config: (base: string) => Partial<GatehouseConfig>) => Promise<Mounted>;

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function service(overrides: Partial<GatehouseConfig>) {
  return createAccountService({
    projectId: PROJECT,
    store: memoryStore(),
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    ...overrides,
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

const closer = (server: Server) => () => new Promise<void>((resolve) => server.close(() => resolve()));

/** `app.use("/auth", accountRouter(...))`; with `endpoint` the config names the public URL too. */
const expressAt =
  (mount: string, withEndpoint: boolean): Mount =>
  async (config) => {
    const app = express();
    const server = createServer(app);
    const port = await listen(server);
    const base = `http://localhost:${port}${mount}`;
    app.use(mount, accountRouter(service({ ...config(base), ...(withEndpoint ? { endpoint: base } : {}) }), { onError: () => {} }));
    return { base, close: closer(server) };
  };

/**
 * Next's App Router, without Next: a node server that, like Next, turns each request under
 * `/api/auth/` into a web `Request` for the route file's exported handlers (others are 404).
 */
const nextAt =
  (mount: string, how: "basePath" | "endpoint"): Mount =>
  async (config) => {
    let routes: ReturnType<typeof accountRoutes> | null = null;
    const server = createServer((req, res) => void serveNext(routes!, mount, req, res));
    const port = await listen(server);
    const base = `http://localhost:${port}${mount}`;
    routes =
      how === "basePath"
        ? accountRoutes(service(config(base)), { basePath: mount, onError: () => {} })
        : accountRoutes(service({ ...config(base), endpoint: base }), { onError: () => {} });
    return { base, close: closer(server) };
  };

async function serveNext(routes: ReturnType<typeof accountRoutes>, mount: string, req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers))
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(", ") : value);
  const method = (req.method ?? "GET") as keyof typeof routes;
  const url = new URL(`http://${req.headers.host}${req.url}`);
  if (!url.pathname.startsWith(`${mount}/`) || !routes[method]) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const hasBody = chunks.length > 0 && method !== "GET";
  const response = await routes[method](new Request(url, { method, headers, ...(hasBody ? { body: Buffer.concat(chunks) } : {}) }));
  res.statusCode = response.status;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie") res.setHeader(name, value);
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length) res.setHeader("set-cookie", cookies);
  res.end(Buffer.from(await response.arrayBuffer()));
}

const MOUNTS: Array<[string, string, Mount]> = [
  ['Express app.use("/auth"), no endpoint (development)', "/auth", expressAt("/auth", false)],
  ['Express app.use("/auth"), endpoint …/auth', "/auth", expressAt("/auth", true)],
  ['Next app/api/auth/[...path], basePath "/api/auth"', "/api/auth", nextAt("/api/auth", "basePath")],
  ["Next app/api/auth/[...path], endpoint …/api/auth", "/api/auth", nextAt("/api/auth", "endpoint")],
];

/** Follows the whole login, checks every hop stays under the mount, and exchanges the token for a session. */
async function loginThrough(mounted: Mounted, mount: string, provider: string) {
  const start = `${mounted.base}/account/tokens/oauth2/${provider}?${new URLSearchParams({ project: PROJECT, success: SUCCESS, failure: `${APP}/failure` })}`;
  const { final, hops, body } = await followRedirects(start, APP);
  const ours = hops.filter((h) => new URL(h.url).origin === new URL(mounted.base).origin);
  for (const hop of ours) expect(new URL(hop.url).pathname.startsWith(`${mount}/`)).toBe(true);
  const authorize = new URL(hops[0]!.headers.get("location")!);
  expect(authorize.searchParams.get("redirect_uri")).toBe(`${mounted.base}/account/sessions/oauth2/callback/${provider}/${PROJECT}`);
  expect(final, `flow stopped at ${hops.at(-1)?.url} (${hops.at(-1)?.status}): ${body}`).not.toBeNull();
  expect(`${final!.origin}${final!.pathname}`).toBe(SUCCESS);

  const b = browser(mounted.base);
  const session = await b.use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
  expect(session.provider).toBe("oauth2");
  return b.use((account) => account.get());
}

describe.each(MOUNTS)("OAuth2 with the API mounted off /v1: %s", (_name, mount, mountAt) => {
  it("the mock provider's flow completes and yields a session", async () => {
    const mounted = await mountAt(() => ({ oauth2: { mock: MOCK } }));
    cleanups.push(mounted.close);
    const me = await loginThrough(mounted, mount, "mock");
    expect(me).toMatchObject({ email: "useroauth@localhost.test", name: "User Name" });
  });

  it("a real OpenID provider's flow completes and yields a session", async () => {
    const idp: OidcServer = await startOidcServer({ alice: ALICE });
    cleanups.push(idp.close);
    const mounted = await mountAt((base) => {
      // The provider knows exactly one redirect URI: the callback under this mount.
      idp.redirectUri = `${base}/account/sessions/oauth2/callback/oidc/${PROJECT}`;
      return {
        oauth2: { oidc: { clientId: idp.clientId, clientSecret: idp.clientSecret, issuer: idp.issuer, allowInsecureRequests: true } },
      };
    });
    cleanups.push(mounted.close);
    const me = await loginThrough(mounted, mount, "oidc");
    expect(me).toMatchObject({ email: ALICE.email, name: ALICE.name, emailVerification: true });
  });
});
