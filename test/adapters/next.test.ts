/**
 * The Next.js adapter, without a Next runtime: `accountRoutes` handlers are called with web
 * `Request` objects, and `serverAccount` gets a Map-backed cookie jar.
 */
import { beforeEach, describe, expect, it, vi } from "vitest";
import { AppwriteError, createAccountService, isAppwriteError, memoryStore, type AccountService } from "gatehouse-auth";
import { accountRoutes, requestContext, serverAccount, sharedService, type CookieJar } from "gatehouse-auth/next";
import { API_KEY, PROJECT, cheapHasher } from "../helpers/server";

const PASSWORD = "password123";
const BASE = "http://localhost:3000/v1";
const COOKIE = `a_session_${PROJECT}`;

let service: AccountService;
let routes: ReturnType<typeof accountRoutes>;
beforeEach(() => {
  service = createAccountService({
    projectId: PROJECT,
    store: memoryStore(),
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    apiKeys: [API_KEY],
  });
  routes = accountRoutes(service, { onError: () => {} });
});

function request(method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { "x-appwrite-project": PROJECT, ...options.headers };
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  return new Request(`${BASE}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
}

async function json(response: Response): Promise<Record<string, any>> {
  return (await response.json()) as Record<string, any>;
}

async function signUp(email: string) {
  const response = await routes.POST(request("POST", "/account", { body: { userId: "unique()", email, password: PASSWORD } }));
  expect(response.status).toBe(201);
  return json(response);
}

/**
 * A stand-in for Next's `cookies()` store from `next/headers`, which cannot run outside a Next
 * request: the same get/set/delete shape, backed by a Map.
 */
function mapJar(initial: Record<string, string> = {}) {
  const cookies = new Map<string, { value: string; options?: Parameters<NonNullable<CookieJar["set"]>>[2] }>();
  for (const [name, value] of Object.entries(initial)) cookies.set(name, { value });
  const jar = {
    cookies,
    get(name: string) {
      const cookie = cookies.get(name);
      return cookie ? { name, value: cookie.value } : undefined;
    },
    set(name: string, value: string, options: Parameters<NonNullable<CookieJar["set"]>>[2]) {
      cookies.set(name, { value, options });
    },
    delete(name: string) {
      cookies.delete(name);
    },
  } satisfies CookieJar & { cookies: unknown };
  return jar;
}

describe("accountRoutes (App Router route handlers)", () => {
  it("exports a handler for every method", () => {
    for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const) {
      expect(typeof routes[method]).toBe("function");
    }
  });

  it("sign up via POST", async () => {
    const user = await signUp("next@example.com");
    expect(user.email).toBe("next@example.com");
    expect(user.$id).toMatch(/^[0-9a-f]{20}$/);
  });

  it("login returns Set-Cookie and X-Fallback-Cookies; the cookie then authenticates GET /v1/account", async () => {
    const user = await signUp("cookie@example.com");
    const login = await routes.POST(
      request("POST", "/account/sessions/email", { body: { email: "cookie@example.com", password: PASSWORD } }),
    );
    expect(login.status).toBe(201);
    const session = await json(login);
    expect(session.userId).toBe(user.$id);
    expect(session.secret).toBe("");

    const setCookies = login.headers.getSetCookie();
    expect(setCookies).toHaveLength(2);
    const main = setCookies.find((c) => c.startsWith(`${COOKIE}=`));
    expect(main).toBeDefined();
    expect(main).toContain("httponly");
    expect(main).toContain("SameSite=None");
    expect(setCookies.some((c) => c.startsWith(`${COOKIE}_legacy=`))).toBe(true);

    const fallback = JSON.parse(login.headers.get("x-fallback-cookies") ?? "null") as Record<string, string>;
    expect(Object.keys(fallback)).toEqual([COOKIE]);
    expect(decodeURIComponent(main!.split(";")[0]!.slice(COOKIE.length + 1))).toBe(fallback[COOKIE]);

    const me = await routes.GET(request("GET", "/account", { headers: { cookie: main!.split(";")[0]! } }));
    expect(me.status).toBe(200);
    expect((await json(me)).$id).toBe(user.$id);

    const guest = await routes.GET(request("GET", "/account"));
    expect(guest.status).toBe(401);
    expect((await json(guest)).type).toBe("general_unauthorized_scope");
  });

  it("OPTIONS answers 204 with the request origin", async () => {
    const response = await routes.OPTIONS(request("OPTIONS", "/account/sessions/email", { headers: { origin: "http://localhost:5173" } }));
    expect(response.status).toBe(204);
    expect(response.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");
    expect(response.headers.get("access-control-allow-headers")).toContain("X-Fallback-Cookies");
    expect(await response.text()).toBe("");
  });

  it("an unknown path is the JSON 404 and a foreign write is 403", async () => {
    const unknown = await routes.GET(request("GET", "/nope"));
    expect(unknown.status).toBe(404);
    expect((await json(unknown)).type).toBe("general_route_not_found");
    const foreign = await routes.POST(
      request("POST", "/account/sessions/anonymous", { body: {}, headers: { origin: "https://evil.example" } }),
    );
    expect(foreign.status).toBe(403);
    expect((await json(foreign)).type).toBe("general_unknown_origin");
  });

  it("the client IP is the right-most X-Forwarded-For entry", async () => {
    const response = await routes.POST(
      request("POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": "6.6.6.6, 203.0.113.7" } }),
    );
    expect(response.status).toBe(201);
    expect((await json(response)).ip).toBe("203.0.113.7");
  });

  it("the right-most X-Forwarded-For entry keys the per-IP limit; a spoofed left part does not escape it", async () => {
    for (let i = 1; i <= 50; i++) {
      const r = await routes.POST(
        request("POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": `198.51.100.${i}, 203.0.113.8` } }),
      );
      expect(r.status).toBe(201);
    }
    const limited = await routes.POST(
      request("POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": "198.51.100.99, 203.0.113.8" } }),
    );
    expect(limited.status).toBe(429);
    const other = await routes.POST(
      request("POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": "203.0.113.9" } }),
    );
    expect(other.status).toBe(201);
  });

  it("a custom clientIp option is used", async () => {
    const custom = accountRoutes(service, { onError: () => {}, clientIp: () => "192.0.2.55" });
    const response = await custom.POST(
      request("POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": "203.0.113.7" } }),
    );
    expect((await json(response)).ip).toBe("192.0.2.55");
  });
});

describe("serverAccount (Server Components and server actions)", () => {
  it("creating a session stores the cookie in the jar; a second serverAccount from that jar is logged in", async () => {
    const user = await signUp("jar@example.com");
    const jar = mapJar();
    const first = serverAccount(service, jar);
    expect(first.hasSession).toBe(false);
    const session = await first.run("createEmailPasswordSession", {
      email: "jar@example.com",
      password: PASSWORD,
    });
    expect(session.userId).toBe(user.$id);
    expect(session.secret).toBe("");

    const stored = jar.cookies.get(COOKIE.toLowerCase());
    expect(stored?.value).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(stored?.options).toMatchObject({ httpOnly: true, path: "/", sameSite: "lax" });
    expect(stored?.options?.expires.toISOString()).toBe(new Date(session.expire).toISOString());

    const second = serverAccount(service, jar);
    expect(second.hasSession).toBe(true);
    const me = await second.run("get");
    expect(me.$id).toBe(user.$id);
    expect(me.email).toBe("jar@example.com");
  });

  it("the cookie set by the route handler is read by serverAccount (same value, URL-decoded by the jar)", async () => {
    await signUp("both@example.com");
    const login = await routes.POST(
      request("POST", "/account/sessions/email", { body: { email: "both@example.com", password: PASSWORD } }),
    );
    const main = login.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    const value = decodeURIComponent(main.split(";")[0]!.slice(COOKIE.length + 1));
    const me = await serverAccount(service, mapJar({ [COOKIE]: value })).run("get");
    expect(me.email).toBe("both@example.com");
  });

  it("deleteSession('current') deletes the cookie from the jar and ends the session", async () => {
    await signUp("bye@example.com");
    const jar = mapJar();
    await serverAccount(service, jar).run("createEmailPasswordSession", { email: "bye@example.com", password: PASSWORD });
    const value = jar.cookies.get(COOKIE.toLowerCase())!.value;

    const result = await serverAccount(service, jar).run("deleteSession", { sessionId: "current" });
    expect(result).toBeNull();
    expect(jar.cookies.has(COOKIE.toLowerCase())).toBe(false);
    expect(jar.cookies.has(`${COOKIE.toLowerCase()}_legacy`)).toBe(false);

    const after = serverAccount(service, jar);
    expect(after.hasSession).toBe(false);
    await expect(after.run("get")).rejects.toMatchObject({ type: "general_unauthorized_scope", code: 401 });
    // The old value no longer works either: the session is gone, not only the cookie.
    await expect(serverAccount(service, mapJar({ [COOKIE]: value })).run("get")).rejects.toMatchObject({
      type: "general_unauthorized_scope",
    });
  });

  it("errors are AppwriteErrors with the Appwrite type", async () => {
    await expect(
      serverAccount(service, mapJar()).run("createEmailPasswordSession", { email: "nobody@example.com", password: PASSWORD }),
    ).rejects.toMatchObject({ type: "user_invalid_credentials", code: 401 });
  });

  it("a read-only jar (no set) throws a clear TypeError when a session is created", async () => {
    await signUp("readonly@example.com");
    const readOnly: CookieJar = { get: () => undefined };
    const account = serverAccount(service, readOnly);
    const attempt = account.run("createEmailPasswordSession", { email: "readonly@example.com", password: PASSWORD });
    await expect(attempt).rejects.toBeInstanceOf(TypeError);
    await expect(
      serverAccount(service, readOnly).run("createEmailPasswordSession", { email: "readonly@example.com", password: PASSWORD }),
    ).rejects.toThrow(/read-only.*server action or route handler/);
    // Reads work with a read-only jar.
    await expect(account.run("get")).rejects.toMatchObject({ type: "general_unauthorized_scope" });
  });

  it("the secure option is passed to the jar", async () => {
    await signUp("insecure@example.com");
    const jar = mapJar();
    await serverAccount(service, jar, { secure: false }).run("createEmailPasswordSession", {
      email: "insecure@example.com",
      password: PASSWORD,
    });
    expect(jar.cookies.get(COOKIE.toLowerCase())?.options?.secure).toBe(false);
  });
});

describe("sharedService (one service per process across Next's module copies)", () => {
  /** A fresh evaluation of the adapter module, as Next makes one per bundle layer. */
  async function freshAdapter() {
    vi.resetModules();
    return import("gatehouse-auth/next");
  }
  let key = 0;
  const nextKey = () => `test-${process.pid}-${++key}`;

  it("two module instances get the same service, so a session made through one is seen by the other", async () => {
    const routeLayer = await freshAdapter();
    const componentLayer = await freshAdapter();
    // Really two evaluations: a module-level `const account = createAccountService(...)` would be two services.
    expect(routeLayer.sharedService).not.toBe(componentLayer.sharedService);

    const name = nextKey();
    let made = 0;
    const create = () => {
      made++;
      return createAccountService({ projectId: PROJECT, store: memoryStore(), platforms: ["localhost"], passwordHasher: cheapHasher() });
    };
    const inRoute = routeLayer.sharedService(name, create);
    const inComponent = componentLayer.sharedService(name, create);
    expect(inComponent).toBe(inRoute);
    expect(made).toBe(1);

    // The route handler (one copy) signs up and logs in; a Server Component (the other copy) reads the cookie.
    const routes = routeLayer.accountRoutes(inRoute, { onError: () => {} });
    const body = { userId: "unique()", email: "shared@example.com", password: PASSWORD };
    expect((await routes.POST(request("POST", "/account", { body }))).status).toBe(201);
    const login = await routes.POST(request("POST", "/account/sessions/email", { body: { email: body.email, password: PASSWORD } }));
    const main = login.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`))!;
    const value = decodeURIComponent(main.split(";")[0]!.slice(COOKIE.length + 1));
    const me = await componentLayer.serverAccount(inComponent, mapJar({ [COOKIE]: value })).run("get");
    expect(me.email).toBe("shared@example.com");

    // A JWT made in one copy is accepted by the other: one secret, even without `config.secret`.
    const { jwt } = await serverAccount(inRoute, mapJar({ [COOKIE]: value })).run("createJWT");
    const viaJwt = await routes.GET(request("GET", "/account", { headers: { "x-appwrite-jwt": jwt } }));
    expect(viaJwt.status).toBe(200);
  });

  it("a route handler from one copy of the package answers another copy's errors with their code, not 500", async () => {
    vi.resetModules();
    const otherCore = await import("gatehouse-auth");
    const otherAdapter = await import("gatehouse-auth/next");
    expect(otherCore.AppwriteError).not.toBe(AppwriteError);
    const thrown = new otherCore.AppwriteError("user_invalid_credentials");
    expect(thrown instanceof AppwriteError).toBe(true);
    expect(isAppwriteError(thrown)).toBe(true);
    expect(new Error("plain") instanceof AppwriteError).toBe(false);
    expect({ type: "user_invalid_credentials" } instanceof AppwriteError).toBe(false);

    // The service made by this file's copy (as by the first layer to ask sharedService), the route
    // handler by the other (another Next layer): its errors keep their Appwrite type and code.
    const routes = otherAdapter.accountRoutes(service, { onError: () => {} });
    const guest = await routes.GET(request("GET", "/account"));
    expect(guest.status).toBe(401);
    expect((await json(guest)).type).toBe("general_unauthorized_scope");
  });

  it("different keys are different services", () => {
    const a = sharedService(nextKey(), () => ({ id: "a" }));
    const b = sharedService(nextKey(), () => ({ id: "b" }));
    expect(a).not.toBe(b);
    expect([a.id, b.id]).toEqual(["a", "b"]);
  });

  it("an async factory is shared as one promise; a rejected one is forgotten and the next call retries", async () => {
    const name = nextKey();
    let attempts = 0;
    const create = async () => {
      attempts++;
      if (attempts === 1) throw new Error("database down");
      return { attempt: attempts };
    };
    const first = sharedService(name, create);
    expect(sharedService(name, create)).toBe(first);
    await expect(first).rejects.toThrow("database down");
    const second = sharedService(name, create);
    expect(second).not.toBe(first);
    await expect(second).resolves.toEqual({ attempt: 2 });
    expect(await sharedService(name, create)).toEqual({ attempt: 2 });
    expect(attempts).toBe(2);
  });

  it("a factory that throws stores nothing", () => {
    const name = nextKey();
    expect(() =>
      sharedService(name, () => {
        throw new Error("bad config");
      }),
    ).toThrow("bad config");
    expect(sharedService(name, () => "ok")).toBe("ok");
  });
});

describe("accountRoutes with a service getter", () => {
  it("calls the getter on the first request, not before, and once", async () => {
    let calls = 0;
    const lazy = accountRoutes(
      async () => {
        calls++;
        return service;
      },
      { onError: () => {} },
    );
    expect(calls).toBe(0);
    const [a, b] = await Promise.all([
      lazy.POST(request("POST", "/account/sessions/anonymous", { body: {} })),
      lazy.GET(request("GET", "/account")),
    ]);
    expect([a.status, b.status]).toEqual([201, 401]);
    expect((await lazy.GET(request("GET", "/nope"))).status).toBe(404);
    expect(calls).toBe(1);
  });

  it("a getter that fails fails the request and is tried again on the next one", async () => {
    let calls = 0;
    const lazy = accountRoutes(
      () => {
        calls++;
        if (calls === 1) throw new Error("database down");
        return Promise.resolve(service);
      },
      { onError: () => {} },
    );
    await expect(lazy.GET(request("GET", "/account"))).rejects.toThrow("database down");
    expect((await lazy.GET(request("GET", "/account"))).status).toBe(401);
    expect(calls).toBe(2);
  });

  it("with production on, a service without an endpoint is refused when the getter resolves", async () => {
    const lazy = accountRoutes(async () => service, { onError: () => {}, production: true });
    await expect(lazy.GET(request("GET", "/account"))).rejects.toThrow(/endpoint/);
  });
});

describe("requestContext (client facts for server actions)", () => {
  it("takes the right-most X-Forwarded-For entry, as accountRoutes does, and the user agent", () => {
    const headers = new Headers({ "x-forwarded-for": "6.6.6.6, 203.0.113.7", "user-agent": "Mozilla/5.0 Test" });
    expect(requestContext(headers)).toEqual({ ip: "203.0.113.7", userAgent: "Mozilla/5.0 Test" });
    expect(requestContext(new Headers({ "x-real-ip": "198.51.100.4" }))).toEqual({ ip: "198.51.100.4" });
    expect(requestContext(new Headers())).toEqual({});
  });

  it("keys the per-IP limit of sessions made through serverAccount", async () => {
    const context = (left: string) => requestContext(new Headers({ "x-forwarded-for": `${left}, 203.0.113.20` }));
    for (let i = 1; i <= 50; i++) {
      await serverAccount(service, mapJar(), { context: context(`198.51.100.${i}`) }).run("createAnonymousSession");
    }
    await expect(
      serverAccount(service, mapJar(), { context: context("198.51.100.99") }).run("createAnonymousSession"),
    ).rejects.toMatchObject({ code: 429 });
    const other = await serverAccount(service, mapJar(), {
      context: requestContext(new Headers({ "x-forwarded-for": "203.0.113.21" })),
    }).run("createAnonymousSession");
    expect(other.ip).toBe("203.0.113.21");
  });
});
