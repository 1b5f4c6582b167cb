/**
 * The configured public endpoint (src/config.ts `endpoint`, src/core/urls.ts) against request
 * headers the sender chooses: `Host` (and `X-Forwarded-Host`) decide neither where links point nor
 * which hosts redirect URLs may use; production refuses to start without an endpoint; a malformed
 * `Host` is a JSON 400; a CORS preflight grants credentials only to allowed origins.
 *
 * The attack this closes: `POST /v1/account/recovery` with `Host: evil.example` and
 * `url=https://evil.example/steal` was 201, and the victim's reset e-mail carried userId+secret to
 * the attacker's host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountService, createHandler, memoryStore, resolveConfig, type AccountService } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { accountRoutes } from "gatehouse-auth/next";
import { PROJECT, cheapHasher, type TestServer } from "../helpers/server";
import { raw } from "../helpers/sdk";
import { startWithOutbox, uniqueEmail, type OutboxServer } from "../helpers/flows";
import { hostRequest } from "../helpers/host-request";

const ENDPOINT = "https://api.example.com/v1";
const EVIL = "evil.example";
const PASSWORD = "password123";
/** Every header a proxy or client might use to name "the" host. */
const HOSTILE = { "x-forwarded-host": EVIL, "x-forwarded-proto": "https", "x-appwrite-project": PROJECT };

async function signUp(s: TestServer, email: string) {
  const r = await raw(s.endpoint, "POST", "/account", { body: { userId: "unique()", email, password: PASSWORD } });
  expect(r.status).toBe(201);
}

function recoveryFromEvilHost(s: TestServer, email: string, url: string) {
  return hostRequest(s.port, { method: "POST", path: "/v1/account/recovery", host: EVIL, headers: HOSTILE, body: { email, url } });
}

describe.each([
  { name: "development, no endpoint configured", config: {} },
  { name: `endpoint ${ENDPOINT}`, config: { endpoint: ENDPOINT } },
])("Host does not choose where recovery links may point ($name)", ({ config }) => {
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox({ ...config, oauth2: { mock: { clientId: "mock-client", clientSecret: "mock-secret" } } });
  });
  afterAll(() => env.s.close());

  it("POST /v1/account/recovery with Host: evil.example and url https://evil.example/steal is 400 general_argument_invalid; no mail", async () => {
    const email = uniqueEmail("victim");
    await signUp(env.s, email);
    const r = await recoveryFromEvilHost(env.s, email, `https://${EVIL}/steal`);
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ code: 400, type: "general_argument_invalid" });
    expect(r.json!.message).toMatch(/^Invalid `url` param: URL host must be one of: /);
    expect(r.json!.message).not.toContain(EVIL);
    expect(env.box.lastMail(email)).toBeUndefined();
  });

  it("a configured platform stays a valid recovery target whatever Host says", async () => {
    const email = uniqueEmail("platform");
    await signUp(env.s, email);
    const r = await recoveryFromEvilHost(env.s, email, "http://localhost/reset");
    expect(r.status).toBe(201);
    expect(new URL(env.box.lastMail(email)!.url!).host).toBe("localhost");
  });
});

describe(`with endpoint ${ENDPOINT}, links use it whatever the request's Host`, () => {
  let env: OutboxServer;
  beforeAll(async () => {
    env = await startWithOutbox({ endpoint: ENDPOINT, oauth2: { mock: { clientId: "mock-client", clientSecret: "mock-secret" } } });
  });
  afterAll(() => env.s.close());

  it("the endpoint's own host is a valid recovery target besides the platforms", async () => {
    const email = uniqueEmail("own-host");
    await signUp(env.s, email);
    const r = await recoveryFromEvilHost(env.s, email, "https://api.example.com/reset");
    expect(r.status).toBe(201);
    expect(new URL(env.box.lastMail(email)!.url!).origin).toBe("https://api.example.com");
  });

  it("the default magic-URL link is on the endpoint's origin", async () => {
    const email = uniqueEmail("magic");
    const r = await hostRequest(env.s.port, {
      method: "POST",
      path: "/v1/account/tokens/magic-url",
      host: EVIL,
      headers: HOSTILE,
      body: { userId: "unique()", email },
    });
    expect(r.status).toBe(201);
    const link = new URL(env.box.lastMail(email)!.url!);
    expect(`${link.origin}${link.pathname}`).toBe("https://api.example.com/console/auth/magic-url");
  });

  it("the OAuth2 authorization URL and its redirect_uri are under the endpoint", async () => {
    const query = new URLSearchParams({ project: PROJECT, success: "http://localhost/app/ok", failure: "http://localhost/app/no" });
    const r = await hostRequest(env.s.port, { path: `/v1/account/tokens/oauth2/mock?${query}`, host: EVIL, headers: HOSTILE });
    expect(r.status).toBe(301);
    const authorize = new URL(String(r.headers.location));
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${ENDPOINT}/mock/tests/general/oauth2`);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${ENDPOINT}/account/sessions/oauth2/callback/mock/${PROJECT}`);
  });

  it("the OAuth2 callback hands over to the redirect route under the endpoint", async () => {
    const r = await hostRequest(env.s.port, {
      path: `/v1/account/sessions/oauth2/callback/mock/${PROJECT}?code=abc&state=x`,
      host: EVIL,
      headers: HOSTILE,
    });
    expect(r.status).toBe(301);
    expect(String(r.headers.location)).toMatch(new RegExp(`^${ENDPOINT}/account/sessions/oauth2/mock/redirect\\?`));
  });

  it("the session cookie's domain is the endpoint's host, not Host's", async () => {
    const email = uniqueEmail("cookie");
    await signUp(env.s, email);
    const r = await hostRequest(env.s.port, {
      method: "POST",
      path: "/v1/account/sessions/email",
      host: EVIL,
      headers: HOSTILE,
      body: { email, password: PASSWORD },
    });
    expect(r.status).toBe(201);
    const cookies = [r.headers["set-cookie"] ?? []].flat();
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) {
      expect(cookie).toMatch(/domain=\.api\.example\.com/i);
      expect(cookie).not.toContain(EVIL);
    }
  });
});

describe("the endpoint setting", () => {
  const service = (extra: object = {}) =>
    createAccountService({ projectId: PROJECT, store: memoryStore(), passwordHasher: cheapHasher(), ...extra });

  it("production refuses to start without it, naming the key; with it the handler starts", () => {
    expect(() => createHandler(service(), { production: true })).toThrow(/Refusing to serve in production:\n {2}endpoint is not set/);
    expect(() => createHandler(service({ endpoint: ENDPOINT }), { production: true })).not.toThrow();
    expect(() => createHandler(service())).not.toThrow();
  });

  it("the Express and Next adapters refuse to start without it when NODE_ENV=production", () => {
    const before = process.env.NODE_ENV;
    process.env.NODE_ENV = "production";
    try {
      expect(() => accountRouter(service())).toThrow(/endpoint is not set/);
      expect(() => accountRoutes(service())).toThrow(/endpoint is not set/);
      expect(() => accountRouter(service({ endpoint: ENDPOINT }))).not.toThrow();
      expect(() => accountRoutes(service({ endpoint: ENDPOINT }))).not.toThrow();
    } finally {
      process.env.NODE_ENV = before;
    }
  });

  it.each([
    ["/v1", /endpoint: must be an absolute URL/],
    ["ftp://api.example.com/v1", /endpoint: must be an http or https URL/],
    ["https://api.example.com/v1?x=1", /endpoint: must not hold a query or fragment/],
    ["https://api.example.com/v1#top", /endpoint: must not hold a query or fragment/],
    ["https://user:pw@api.example.com/v1", /endpoint: must not hold a user name or password/],
  ])("refuses %s", (endpoint, message) => {
    expect(() => resolveConfig({ projectId: PROJECT, store: memoryStore(), endpoint })).toThrow(message);
  });

  it("drops a trailing slash", () => {
    expect(resolveConfig({ projectId: PROJECT, store: memoryStore(), endpoint: "https://API.example.com:443/v1/" }).endpoint).toBe(
      ENDPOINT,
    );
  });
});

const MALFORMED_HOSTS = ["a b", "[::1", "localhost:99999", "", "1.2.3.999", "evil.example/path", "user@evil.example"];

describe("a malformed Host is a JSON 400, not a 500", () => {
  let env: OutboxServer;
  const faults: unknown[] = [];
  let handlerService: AccountService;
  beforeAll(async () => {
    env = await startWithOutbox();
    handlerService = service();
  });
  afterAll(() => env.s.close());
  const service = () =>
    createAccountService({ projectId: PROJECT, store: memoryStore(), passwordHasher: cheapHasher(), platforms: ["localhost"] });

  it.each(MALFORMED_HOSTS)("Express: Host %j → 400 general_argument_invalid in JSON", async (host) => {
    for (const [method, path] of [
      ["GET", "/v1/account"],
      ["POST", "/v1/account/sessions/anonymous"],
    ] as const) {
      const r = await hostRequest(env.s.port, {
        method,
        path,
        host,
        headers: { "x-appwrite-project": PROJECT },
        ...(method === "POST" ? { body: {} } : {}),
      });
      expect({ status: r.status, type: r.json?.type, code: r.json?.code }).toEqual({
        status: 400,
        type: "general_argument_invalid",
        code: 400,
      });
      expect(String(r.headers["content-type"])).toMatch(/^application\/json/);
      expect(r.text).not.toMatch(/<html|at .*\.ts:\d+/i);
    }
  });

  it.each(MALFORMED_HOSTS)(
    "handler.fetch: Host %j → 400 general_argument_invalid; onError is not called; nothing is written",
    async (host) => {
      const handler = createHandler(handlerService, { onError: (e) => faults.push(e) });
      const before = await handlerService.config.store.users.count();
      const response = await handler.fetch(
        new Request("http://localhost/v1/account/sessions/anonymous", {
          method: "POST",
          headers: { host, "x-appwrite-project": PROJECT, "content-type": "application/json" },
          body: "{}",
        }),
      );
      expect(response.status).toBe(400);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      expect(await response.json()).toMatchObject({ code: 400, type: "general_argument_invalid" });
      expect(await handlerService.config.store.users.count()).toBe(before);
      expect(faults).toEqual([]);
    },
  );

  it.each(["localhost", "localhost:3000", "127.0.0.1:8080", "[::1]:3000", "api.example.com.", "my_service:80"])(
    "Host %j is served",
    async (host) => {
      const r = await hostRequest(env.s.port, { path: "/v1/account", host, headers: { "x-appwrite-project": PROJECT } });
      expect({ status: r.status, type: r.json?.type }).toEqual({ status: 401, type: "general_unauthorized_scope" });
    },
  );
});

describe("CORS preflight grants credentials only to allowed origins", () => {
  const routes = (extra: object = {}) =>
    accountRoutes(createAccountService({ projectId: PROJECT, store: memoryStore(), platforms: ["localhost", "*.app.example"], ...extra }), {
      onError: () => {},
    });
  const preflight = (handler: ReturnType<typeof routes>, origin: string, host = "localhost:3000") =>
    handler.OPTIONS(
      new Request("http://localhost:3000/v1/account/sessions/email", {
        method: "OPTIONS",
        headers: { origin, host, "access-control-request-method": "POST" },
      }),
    );

  it("a foreign origin is not echoed back", async () => {
    const r = await preflight(routes(), "https://evil.example");
    expect(r.status).toBe(204);
    expect(r.headers.get("access-control-allow-origin")).not.toBe("https://evil.example");
    expect(r.headers.get("access-control-allow-origin")).toBe("https://localhost");
    expect(r.headers.get("vary")).toMatch(/\bOrigin\b/);
  });

  it("a platform origin (exact or wildcard) gets itself and credentials", async () => {
    for (const origin of ["http://localhost:5173", "https://shop.app.example"]) {
      const r = await preflight(routes(), origin);
      expect(r.status).toBe(204);
      expect(r.headers.get("access-control-allow-origin")).toBe(origin);
      expect(r.headers.get("access-control-allow-credentials")).toBe("true");
      expect(r.headers.get("vary")).toMatch(/\bOrigin\b/);
    }
  });

  it("with an endpoint, the endpoint's own origin is allowed and a Host naming the attacker's does not make it so", async () => {
    const handler = routes({ endpoint: ENDPOINT });
    expect((await preflight(handler, "https://api.example.com")).headers.get("access-control-allow-origin")).toBe(
      "https://api.example.com",
    );
    const forged = await preflight(handler, `https://${EVIL}`, EVIL);
    expect(forged.headers.get("access-control-allow-origin")).toBe("https://localhost");
  });

  it("through Express as well", async () => {
    const env = await startWithOutbox();
    try {
      const r = await hostRequest(env.s.port, {
        method: "OPTIONS",
        path: "/v1/account",
        host: `localhost:${env.s.port}`,
        headers: { origin: "https://evil.example" },
      });
      expect(r.status).toBe(204);
      expect(r.headers["access-control-allow-origin"]).toBe("https://localhost");
      expect(String(r.headers.vary)).toMatch(/\bOrigin\b/);
    } finally {
      await env.s.close();
    }
  });
});
