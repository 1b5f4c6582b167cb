/**
 * The Express adapter: it must work with or without the app's own body parsers,
 * wherever it is mounted, pass other paths on to the app, and survive oversized bodies.
 */
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import express from "express";
import { ID } from "appwrite";
import { createAccountService, memoryStore } from "gatehouse-auth";
import { accountRouter, type AccountRouterOptions } from "gatehouse-auth/express";
import { browser, expectAppwriteError, raw } from "../helpers/sdk";
import { API_KEY, PROJECT, cheapHasher, startServer, type TestServer } from "../helpers/server";

const PASSWORD = "password123";
let counter = 0;
const freshEmail = () => `express-${++counter}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/** Servers opened by a test; closed after it. */
const open: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function start(overrides: Parameters<typeof startServer>[0] = {}, configure?: (app: express.Express) => void) {
  const s = await startServer(overrides, configure);
  open.push(s);
  return s;
}

function newService() {
  return createAccountService({
    projectId: PROJECT,
    store: memoryStore(),
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    apiKeys: [API_KEY],
  });
}

/** An app built by the test itself, for mounts `startServer` does not make. */
async function listen(app: express.Express): Promise<{ origin: string }> {
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  open.push({ close: () => new Promise((resolve) => server.close(() => resolve())) });
  return { origin: `http://localhost:${(server.address() as AddressInfo).port}` };
}

/** Sign up, log in, read the account and log out with the web SDK against `endpoint`. */
async function sdkRoundTrip(endpoint: string) {
  const email = freshEmail();
  const b = browser(endpoint);
  await b.use(async (account) => {
    const user = await account.create(ID.unique(), email, PASSWORD, "Express");
    expect(user.email).toBe(email);
    const session = await account.createEmailPasswordSession(email, PASSWORD);
    expect(session.current).toBe(true);
    const me = await account.get();
    expect(me.$id).toBe(user.$id);
    await account.updatePrefs({ theme: "dark" });
    expect(await account.getPrefs()).toEqual({ theme: "dark" });
    await account.deleteSession("current");
    await expectAppwriteError(account.get(), "general_unauthorized_scope", 401);
  });
  return email;
}

async function formLogin(endpoint: string, email: string) {
  return raw(endpoint, "POST", "/account/sessions/email", {
    body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`,
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
}

async function jsonLogin(endpoint: string, email: string) {
  return raw(endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });
}

describe("Express adapter", () => {
  it("(a) works with no body parser: SDK round trip, form and invalid JSON bodies", async () => {
    const s = await start();
    const email = await sdkRoundTrip(s.endpoint);
    expect((await formLogin(s.endpoint, email)).status).toBe(201);
    const invalid = await raw(s.endpoint, "POST", "/account/sessions/email", { body: "{oops" });
    expect(invalid.status).toBe(400);
    expect(invalid.json?.message).toBe('Param "email" is not optional.');
  });

  it("(b) works with express.json() mounted before it", async () => {
    let parsedByApp = 0;
    const s = await start({}, (app) => {
      app.use(express.json());
      app.use((req, _res, next) => {
        if (req.body && typeof req.body === "object") parsedByApp += 1;
        next();
      });
    });
    const email = await sdkRoundTrip(s.endpoint);
    // The bodies really went through express.json() (the adapter reads the parsed object).
    expect(parsedByApp).toBeGreaterThan(0);
    const login = await jsonLogin(s.endpoint, email);
    expect(login.status).toBe(201);
    expect(login.json?.providerUid).toBe(email);
    // A JSON array parsed by express.json() is not an object: every parameter is missing.
    const list = await raw(s.endpoint, "POST", "/account/sessions/email", { body: "[1,2]" });
    expect(list.status).toBe(400);
    expect(list.json?.message).toBe('Param "email" is not optional.');
    // A form body is left alone by express.json(); the adapter reads the stream itself.
    expect((await formLogin(s.endpoint, email)).status).toBe(201);
  });

  it("(c) works with express.urlencoded({ extended: true }) mounted before it: form login", async () => {
    const s = await start({}, (app) => {
      app.use(express.urlencoded({ extended: true }));
    });
    const email = await sdkRoundTrip(s.endpoint);
    const login = await formLogin(s.endpoint, email);
    expect(login.status).toBe(201);
    expect(login.json?.providerUid).toBe(email);
    expect(login.headers.get("x-fallback-cookies")).toContain(`a_session_${PROJECT}`);
    // JSON bodies still work: urlencoded leaves them for the adapter.
    expect((await jsonLogin(s.endpoint, email)).status).toBe(201);
  });

  it("works with both parsers mounted", async () => {
    const s = await start({}, (app) => {
      app.use(express.json());
      app.use(express.urlencoded({ extended: false }));
    });
    const email = await sdkRoundTrip(s.endpoint);
    expect((await formLogin(s.endpoint, email)).status).toBe(201);
    expect((await jsonLogin(s.endpoint, email)).status).toBe(201);
  });

  it("(d) mounted at /auth/v1, the SDK works with the endpoint …/auth/v1", async () => {
    const app = express();
    app.use("/auth/v1", accountRouter(newService(), { onError: () => {} }));
    const { origin } = await listen(app);
    await sdkRoundTrip(`${origin}/auth/v1`);
    const unknown = await raw(`${origin}/auth/v1`, "GET", "/account/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json?.type).toBe("general_route_not_found");
    // Nothing answers the API at /v1 in this app: Express's own 404, not a Gatehouse error.
    const elsewhere = await raw(`${origin}/v1`, "GET", "/account");
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json).toBeNull();
  });

  it("(e) paths outside the mount fall through to the app's own routes", async () => {
    const app = express();
    app.use("/v1", accountRouter(newService(), { onError: () => {} }));
    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });
    app.get("/v1beta/thing", (_req, res) => {
      res.send("app");
    });
    const { origin } = await listen(app);
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const beta = await fetch(`${origin}/v1beta/thing`);
    expect(await beta.text()).toBe("app");
    await sdkRoundTrip(`${origin}/v1`);
  });

  it("(e) unmounted (app.use(router)) it serves /v1 and passes every other path on", async () => {
    const app = express();
    app.use(accountRouter(newService(), { onError: () => {} }));
    app.get("/health", (_req, res) => {
      res.json({ ok: true });
    });
    app.post("/form", express.urlencoded({ extended: true }), (req, res) => {
      res.json(req.body);
    });
    const { origin } = await listen(app);
    const health = await fetch(`${origin}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    // The adapter did not consume the body of a request it passed on.
    const form = await fetch(`${origin}/form`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1&b[]=2",
    });
    expect(await form.json()).toEqual({ a: "1", b: ["2"] });
    await sdkRoundTrip(`${origin}/v1`);
  });

  it("(f) a body over bodyLimit is a 400 JSON error and the server keeps serving", async () => {
    const options: AccountRouterOptions = { bodyLimit: 1024, onError: () => {} };
    const app = express();
    app.use("/v1", accountRouter(newService(), options));
    const { origin } = await listen(app);
    const endpoint = `${origin}/v1`;

    const big = await raw(endpoint, "POST", "/account/sessions/email", {
      body: { email: "big@example.com", password: "x".repeat(10_000) },
    });
    expect(big.status).toBe(400);
    expect(big.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    expect(big.json?.type).toBe("general_argument_invalid");
    expect(Object.keys(big.json ?? {})).toEqual(["message", "code", "type", "version"]);

    // A much larger one, then normal traffic on the same server.
    const huge = await raw(endpoint, "POST", "/account", { body: "z".repeat(2 * 1024 * 1024) });
    expect(huge.status).toBe(400);
    expect(huge.json?.type).toBe("general_argument_invalid");

    const guest = await raw(endpoint, "GET", "/account");
    expect(guest.status).toBe(401);
    expect(guest.json?.type).toBe("general_unauthorized_scope");
    await sdkRoundTrip(endpoint);
  });

  it("(f) the default limit (1 MiB) refuses a 2 MiB body", async () => {
    const s = await start();
    const huge = await raw(s.endpoint, "POST", "/account/sessions/email", {
      body: { email: "a@example.com", password: "p".repeat(2 * 1024 * 1024) },
    });
    expect(huge.status).toBe(400);
    expect(huge.json?.type).toBe("general_argument_invalid");
    const after = await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expect(after.status).toBe(201);
  });

  it("answers OPTIONS and sets the session cookies through Express", async () => {
    const s: TestServer = await start();
    const preflight = await raw(s.endpoint, "OPTIONS", "/account/sessions/email", { headers: { origin: "http://localhost:5173" } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-origin")).toBe("http://localhost:5173");

    const email = freshEmail();
    await s.service.create({ userId: "unique()", email, password: PASSWORD }, { key: API_KEY });
    const login = await jsonLogin(s.endpoint, email);
    const cookies = login.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    expect(cookies.some((c) => c.startsWith(`a_session_${PROJECT}_legacy=`))).toBe(true);
    expect(cookies.some((c) => c.startsWith(`a_session_${PROJECT}=`) && c.includes("SameSite=None"))).toBe(true);
    const cookie = cookies.map((c) => c.split(";")[0]).join("; ");
    const me = await raw(s.endpoint, "GET", "/account", { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.json?.email).toBe(email);
  });
});
