/**
 * The test provider `mock` (src/oauth/mock-provider.ts), which lives inside Gatehouse:
 * the whole browser-less flow through it, and the sign-up refusals that need a provider whose
 * answer the test controls (no id → user_missing_id, no e-mail, the project's user limit).
 *
 * Routes: GET tokens/oauth2/mock, GET /v1/mock/tests/general/oauth2, GET sessions/oauth2/callback,
 * GET sessions/oauth2/mock/redirect, POST sessions/token, GET account/identities.
 */
import { afterEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { createAccountService, createHandler, memoryStore, type GatehouseConfig } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { accountRoutes } from "gatehouse-auth/next";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, raw } from "../helpers/sdk";
import { followRedirects } from "../helpers/navigate";

const APP = "http://localhost/app";
const SUCCESS = `${APP}/success`;
const FAILURE = `${APP}/failure`;
const MOCK = { clientId: "mock-client", clientSecret: "mock-secret" };

const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(overrides: Partial<GatehouseConfig> = {}) {
  const server = await startServer({ oauth2: { mock: MOCK }, ...overrides });
  servers.push(server);
  return server;
}

const startUrl = (server: TestServer, provider = "mock") =>
  `${server.endpoint}/account/tokens/oauth2/${provider}?${new URLSearchParams({ project: PROJECT, success: SUCCESS, failure: FAILURE })}`;

function failureOf(url: URL | null) {
  expect(url && `${url.origin}${url.pathname}`).toBe(FAILURE);
  return JSON.parse(url!.searchParams.get("error")!) as { message: string; type: string; code: number };
}

describe("the mock provider", () => {
  it("signs in as the mock user: start → mock authorization page → callback → success → SDK session", async () => {
    const server = await serve();
    const { final, hops } = await followRedirects(startUrl(server), APP);
    const authorize = new URL(hops[0]!.headers.get("location")!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`http://localhost:${server.port}/v1/mock/tests/general/oauth2`);
    expect(authorize.searchParams.get("client_id")).toBe(MOCK.clientId);
    expect(authorize.searchParams.get("scope")).toBe("email");
    // The mock page answers with Appwrite's code and the state untouched.
    const back = new URL(hops[1]!.headers.get("location")!);
    expect(back.pathname).toBe(`/v1/account/sessions/oauth2/callback/mock/${PROJECT}`);
    expect(back.searchParams.get("code")).toBe("abcdef");
    expect(back.searchParams.get("state")).toBe(authorize.searchParams.get("state"));

    expect(final && `${final.origin}${final.pathname}`).toBe(SUCCESS);
    const b = browser(server.endpoint);
    await b.use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
    const me = await b.use((account) => account.get());
    expect(me).toMatchObject({ email: "useroauth@localhost.test", name: "User Name", emailVerification: true });
    const identities = await b.use((account) => account.listIdentities());
    expect(identities.identities).toMatchObject([{ provider: "mock", providerUid: "1", providerEmail: "useroauth@localhost.test" }]);
    expect(identities.identities[0]!.providerAccessToken).toBe("123456");
  });

  it("the mock user is configurable (settings.user), and an unverified e-mail is stored unverified", async () => {
    const server = await serve({
      oauth2: { mock: { ...MOCK, user: { id: "m-42", email: "Tester@Example.com", name: "Tess", emailVerified: false } } },
    });
    const { final } = await followRedirects(startUrl(server), APP);
    const b = browser(server.endpoint);
    await b.use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
    expect(await b.use((account) => account.get())).toMatchObject({ email: "tester@example.com", name: "Tess", emailVerification: false });
  });

  it("is off unless configured: start and its authorization page answer 412 project_provider_disabled", async () => {
    const server = await serve({ oauth2: {} });
    const start = await fetch(startUrl(server), { redirect: "manual" });
    expect(start.status).toBe(412);
    expect(await start.text()).toContain("project_provider_disabled");
    const page = await fetch(
      `http://localhost:${server.port}/v1/mock/tests/general/oauth2?project=${PROJECT}&client_id=x&redirect_uri=http://localhost/`,
      { redirect: "manual" },
    );
    expect(page.status).toBe(412);
    expect(page.headers.get("location")).toBeNull();
  });

  it("the authorization page redirects only to this API's own callback, for the configured client (no open redirect)", async () => {
    const server = await serve();
    const own = `http://localhost:${server.port}/v1/account/sessions/oauth2/callback/mock/${PROJECT}`;
    const page = (clientId: string, redirectUri: string) =>
      fetch(
        `http://localhost:${server.port}/v1/mock/tests/general/oauth2?${new URLSearchParams({ project: PROJECT, client_id: clientId, redirect_uri: redirectUri, state: "s" })}`,
        { redirect: "manual" },
      );
    const evil = await page(MOCK.clientId, "https://evil.example/steal");
    expect(evil.status).toBe(400);
    expect(evil.headers.get("location")).toBeNull();
    expect(await evil.text()).toContain("general_argument_invalid");
    expect((await page("someone-else", own)).status).toBe(400);
    const good = await page(MOCK.clientId, own);
    expect(good.status).toBe(301);
    expect(good.headers.get("location")).toBe(`${own}?code=abcdef&state=s`);
  });
});

describe("sign-up refusals through OAuth2", () => {
  it("an existing account that never verified the provider's e-mail is not linked: 409 user_already_exists, no identity (pre-account takeover)", async () => {
    const email = "owner@example.com";
    const server = await serve({ oauth2: { mock: { ...MOCK, user: { id: "g-1", email, name: "Owner", emailVerified: true } } } });
    // A squatter signed up first with the owner's address and a password of their own.
    const squatter = await browser(server.endpoint).use((account) => account.create(ID.unique(), email, "squatter-password-1"));
    const { final } = await followRedirects(startUrl(server), APP);
    expect(failureOf(final)).toMatchObject({ type: "user_already_exists", code: 409 });
    expect(await server.service.config.store.identities.list(squatter.$id)).toEqual([]);
    expect(await server.service.config.store.sessions.list(squatter.$id)).toEqual([]);
  });

  it("a provider answer without a user id goes to the failure URL as 400 user_missing_id; nothing is created", async () => {
    const server = await serve({ oauth2: { mock: { ...MOCK, user: { id: "" } } } });
    const { final } = await followRedirects(startUrl(server), APP);
    expect(failureOf(final)).toMatchObject({ type: "user_missing_id", code: 400, message: "Missing ID from OAuth2 provider." });
    // The mock user's address is still free: no user or target was made.
    const b = browser(server.endpoint);
    await b.use((account) => account.create(ID.unique(), "useroauth@localhost.test", "password123"));
  });

  it("a provider answer without an e-mail cannot sign up: 401 user_unauthorized to the failure URL", async () => {
    const server = await serve({ oauth2: { mock: { ...MOCK, user: { email: "" } } } });
    const { final } = await followRedirects(startUrl(server), APP);
    expect(failureOf(final)).toMatchObject({ type: "user_unauthorized", code: 401, message: "OAuth provider failed to return email." });
  });

  it("the project's user limit applies to OAuth2 sign-up (user_count_exceeded), not to a returning OAuth2 user", async () => {
    const server = await serve({ auth: { userLimit: 1 } });
    // The first OAuth2 sign-up takes the only place.
    const first = await followRedirects(startUrl(server), APP);
    const userId = first.final!.searchParams.get("userId");
    expect(userId).toBeTruthy();
    // The same identity comes back: no new user, so the limit does not refuse it.
    const again = await followRedirects(startUrl(server), APP);
    expect(again.final!.searchParams.get("userId")).toBe(userId);
    // With the only place taken by a password user, the mock user cannot sign up.
    const full = await serve({ auth: { userLimit: 1 } });
    await browser(full.endpoint).use((account) => account.create(ID.unique(), "first@example.com", "password123"));
    const refused = await followRedirects(startUrl(full), APP);
    expect(failureOf(refused.final)).toMatchObject({ type: "user_count_exceeded", code: 400 });
    const r = await raw(full.endpoint, "POST", "/account/sessions/email", {
      body: { email: "useroauth@localhost.test", password: "password123" },
      headers: { origin: "http://localhost" },
    });
    expect(r.json).toMatchObject({ type: "user_invalid_credentials" });
  });
});

describe("the mock provider never serves production", () => {
  const ENDPOINT = "https://api.example.com/v1";
  const withMock = () => createAccountService({ projectId: PROJECT, store: memoryStore(), endpoint: ENDPOINT, oauth2: { mock: MOCK } });

  it("createHandler({ production: true }) refuses a config with oauth2.mock; without mock it starts", () => {
    expect(() => createHandler(withMock(), { production: true })).toThrow(/Refusing to serve in production:\n {2}oauth2\.mock is enabled/);
    expect(() => createHandler(withMock())).not.toThrow();
    expect(() =>
      createHandler(
        createAccountService({
          projectId: PROJECT,
          store: memoryStore(),
          endpoint: ENDPOINT,
          oauth2: { mock: { ...MOCK, enabled: false } },
        }),
        { production: true },
      ),
    ).not.toThrow();
  });

  it("the Express and Next adapters refuse it when NODE_ENV=production, unless told otherwise", () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      expect(() => accountRouter(withMock())).toThrow(/oauth2\.mock is enabled/);
      expect(() => accountRoutes(withMock())).toThrow(/oauth2\.mock is enabled/);
      expect(() => accountRouter(withMock(), { production: false })).not.toThrow();
    } finally {
      process.env.NODE_ENV = before;
    }
    expect(() => accountRouter(withMock())).not.toThrow();
  });
});
