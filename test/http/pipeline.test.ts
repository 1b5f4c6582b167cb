/**
 * The HTTP transport and the request pipeline: routing, CORS and the origin check, project
 * resolution, the error format, the order of checks (src/core/pipeline.ts), body parsing,
 * robustness against malformed input, and the client IP used by rate limits.
 *
 * Every test talks to a real Express server on loopback. Users are created through the service
 * with the API key (keys skip rate limits), so the per-IP signup limit of the shared server is
 * left for the tests that are about it; those run on their own server.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { errorCatalogue, outbox, type RateLimiter } from "gatehouse-auth";
import { operations } from "../../src/core/service";
import { clientIp } from "../../src/http/client-ip";
import { parseBody, parsePhpQuery } from "../../src/http/params";
import { routes } from "../../src/http/routes";
import { browser, expectAppwriteError, raw, serverClient } from "../helpers/sdk";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";

const PASSWORD = "password123";
const COOKIE = `a_session_${PROJECT}`;
const LOCAL_ORIGIN = "http://localhost:5173";
const EVIL_ORIGIN = "https://evil.example";
const ROUTE_NOT_FOUND = "The requested route was not found. Please refer to the API docs and try again.";
const PROJECT_NOT_FOUND =
  "Project with the requested ID could not be found. Please check the value of the X-Appwrite-Project header to ensure the correct project ID is being used.";
const KNOWN_TYPES = new Set(Object.keys(errorCatalogue));

type Raw = Awaited<ReturnType<typeof raw>>;

let server: TestServer;
let emailCounter = 0;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

/** A fresh address per call, so per-e-mail rate limits never collide between tests. */
function freshEmail(tag = "user"): string {
  emailCounter += 1;
  return `${tag}-${emailCounter}-${Math.random().toString(36).slice(2, 8)}@example.com`;
}

/** Creates a user through the service with the API key (exempt from the per-IP signup limit). */
async function makeUser(s: TestServer, email = freshEmail(), password = PASSWORD) {
  return s.service.create({ userId: "unique()", email, password }, { key: API_KEY });
}

/** Logs in over HTTP and returns the session value from `X-Fallback-Cookies`. */
async function login(s: TestServer, email: string, password = PASSWORD): Promise<string> {
  const response = await raw(s.endpoint, "POST", "/account/sessions/email", { body: { email, password } });
  expect(response.status).toBe(201);
  const fallback = JSON.parse(response.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>;
  const value = fallback[COOKIE];
  expect(typeof value).toBe("string");
  return value!;
}

/** A user plus a session value for it. */
async function loggedInUser(s: TestServer) {
  const email = freshEmail();
  const user = await makeUser(s, email);
  const session = await login(s, email);
  return { user, email, session, auth: { "x-appwrite-session": session } };
}

async function withServer<T>(overrides: Parameters<typeof startServer>[0], fn: (s: TestServer) => Promise<T>): Promise<T> {
  const s = await startServer(overrides);
  try {
    return await fn(s);
  } finally {
    await s.close();
  }
}

function expectError(response: Raw, status: number, type: string, message?: string) {
  expect({ status: response.status, type: response.json?.type }, response.text.slice(0, 300)).toEqual({ status, type });
  if (message !== undefined) expect(response.json?.message).toBe(message);
}

// ---------------------------------------------------------------------------------------------

describe("routing", () => {
  it("an unknown path under /v1 is 404 general_route_not_found with the spec message", async () => {
    for (const path of ["/nope", "/account/nope", "/account/sessions/a/b"]) {
      const r = await raw(server.endpoint, "GET", path);
      expectError(r, 404, "general_route_not_found", ROUTE_NOT_FOUND);
    }
  });

  it("a known path with a method it does not have is 404 general_route_not_found", async () => {
    const r = await raw(server.endpoint, "PUT", "/account", { body: {} });
    expectError(r, 404, "general_route_not_found", ROUTE_NOT_FOUND);
  });

  it("a trailing slash is tolerated", async () => {
    const guest = await raw(server.endpoint, "GET", "/account/");
    expectError(guest, 401, "general_unauthorized_scope");
    const anonymous = await raw(server.endpoint, "POST", "/account/sessions/anonymous/", { body: {} });
    expect(anonymous.status).toBe(201);
    expect(anonymous.json?.provider).toBe("anonymous");
  });

  it("OPTIONS on any path is 204 with the session headers allowed; a foreign Origin is not echoed (test/security/endpoint.test.ts)", async () => {
    for (const path of ["/account", "/account/sessions/email", "/no/such/route"]) {
      const r = await raw(server.endpoint, "OPTIONS", path, { headers: { origin: EVIL_ORIGIN }, project: null });
      expect(r.status).toBe(204);
      expect(r.text).toBe("");
      expect(r.headers.get("access-control-allow-origin")).toBe("https://localhost");
      const allowed = (r.headers.get("access-control-allow-headers") ?? "").split(",").map((h) => h.trim());
      expect(allowed).toContain("X-Appwrite-Session");
      expect(allowed).toContain("X-Fallback-Cookies");
      expect(allowed).toContain("X-Appwrite-Project");
      expect(r.headers.get("access-control-allow-methods")).toBe("GET, POST, PUT, PATCH, DELETE");
    }
  });
});

describe("CORS headers on normal responses", () => {
  it("an allowed origin is echoed, with credentials and the exposed session headers", async () => {
    for (const method of ["GET", "POST"] as const) {
      const r = await raw(server.endpoint, method, method === "GET" ? "/account" : "/account/sessions/anonymous", {
        headers: { origin: LOCAL_ORIGIN },
        ...(method === "POST" ? { body: {} } : {}),
      });
      expect(r.status).toBe(method === "GET" ? 401 : 201);
      expect(r.headers.get("access-control-allow-origin")).toBe(LOCAL_ORIGIN);
      expect(r.headers.get("access-control-allow-credentials")).toBe("true");
      expect(r.headers.get("access-control-expose-headers")).toBe("X-Appwrite-Session, X-Fallback-Cookies");
      expect(r.headers.get("access-control-allow-methods")).toBe("GET, POST, PUT, PATCH, DELETE");
    }
  });

  it("a foreign origin is answered with https://localhost, never its own origin", async () => {
    const r = await raw(server.endpoint, "GET", "/account", { headers: { origin: EVIL_ORIGIN } });
    expect(r.status).toBe(401);
    expect(r.headers.get("access-control-allow-origin")).toBe("https://localhost");
    expect(r.headers.get("access-control-allow-origin")).not.toBe(EVIL_ORIGIN);
  });

  it("a wildcard platform matches subdomains but not the root domain", async () => {
    await withServer({ platforms: ["*.example.com"] }, async (s) => {
      const sub = await raw(s.endpoint, "GET", "/account", { headers: { origin: "https://app.example.com" } });
      expect(sub.headers.get("access-control-allow-origin")).toBe("https://app.example.com");
      const root = await raw(s.endpoint, "GET", "/account", { headers: { origin: "https://example.com" } });
      expect(root.headers.get("access-control-allow-origin")).toBe("https://localhost");
      const lookalike = await raw(s.endpoint, "GET", "/account", { headers: { origin: "https://evilexample.com" } });
      expect(lookalike.headers.get("access-control-allow-origin")).toBe("https://localhost");

      // The origin check uses the same list.
      const subWrite = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
        body: {},
        headers: { origin: "https://app.example.com" },
      });
      expect(subWrite.status).toBe(201);
      const rootWrite = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
        body: {},
        headers: { origin: "https://example.com" },
      });
      expectError(
        rootWrite,
        403,
        "general_unknown_origin",
        "Invalid Origin. Register your new client (example.com) as a new Web platform: add it to `platforms` in the Gatehouse config",
      );
    });
  });
});

describe("origin check", () => {
  const EVIL_MESSAGE =
    "Invalid Origin. Register your new client (evil.example) as a new Web platform: add it to `platforms` in the Gatehouse config";

  it("a write from a foreign Origin without a key is 403 general_unknown_origin", async () => {
    for (const [method, path] of [
      ["POST", "/account"],
      ["POST", "/account/sessions/anonymous"],
      ["PATCH", "/account/name"],
      ["DELETE", "/account/sessions/current"],
    ] as const) {
      const r = await raw(server.endpoint, method, path, { body: {}, headers: { origin: EVIL_ORIGIN } });
      expectError(r, 403, "general_unknown_origin", EVIL_MESSAGE);
    }
  });

  it("the Referer is used when there is no Origin", async () => {
    const evil = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { referer: "https://evil.example/some/page?x=1" },
    });
    expectError(evil, 403, "general_unknown_origin", EVIL_MESSAGE);
    const local = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { referer: "http://localhost:5173/app" },
    });
    expect(local.status).toBe(201);
  });

  it("native apps: Appwrite's mobile SDKs' origins pass for a registered app ID; others name their platform", async () => {
    await withServer({ nativeApps: ["com.example.app", "com.example.my_app"] }, async (s) => {
      const write = (origin: string) => raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: { origin } });
      expect((await write("appwrite-ios://com.example.app")).status).toBe(201);
      expect((await write("appwrite-android://com.example.my_app")).status).toBe(201);
      // Read as a hostname, an app ID may be someone's real domain: it is no web origin.
      expectError(
        await write("https://com.example.app"),
        403,
        "general_unknown_origin",
        "Invalid Origin. Register your new client (com.example.app) as a new Web platform: add it to `platforms` in the Gatehouse config",
      );
      expectError(
        await write("appwrite-android://com.other.app"),
        403,
        "general_unknown_origin",
        "Invalid Origin. Register your new client (com.other.app) as a new Android platform: add it to `nativeApps` in the Gatehouse config",
      );
      expectError(
        await write("appwrite-macos://com.other.app"),
        403,
        "general_unknown_origin",
        "Invalid Origin. Register your new client (com.other.app) as a new macOS platform: add it to `nativeApps` in the Gatehouse config",
      );
      expectError(await write("made-up://com.other.app"), 403, "general_unknown_origin", "Unsupported platform");
      // As in Appwrite, the host decides, whatever the scheme: a web platform host passes too.
      expect((await write("appwrite-ios://localhost")).status).toBe(201);
      // An app ID is not a web host: it is neither a CORS origin nor a redirect target.
      const cors = await raw(s.endpoint, "GET", "/account", { headers: { origin: "https://com.example.app" } });
      expect(cors.headers.get("access-control-allow-origin")).toBe("https://localhost");
      const redirect = await raw(s.endpoint, "GET", "/account/tokens/oauth2/github?success=https://com.example.app/done", {});
      expect(redirect.status).toBe(400);
      expect(redirect.text).toContain("general_argument_invalid");
    });
  });

  it("a write with neither Origin nor Referer passes", async () => {
    const r = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {} });
    expect(r.status).toBe(201);
  });

  it("a GET from a foreign origin is not checked", async () => {
    const { auth } = await loggedInUser(server);
    const r = await raw(server.endpoint, "GET", "/account", { headers: { origin: EVIL_ORIGIN, ...auth } });
    expect(r.status).toBe(200);
    const guest = await raw(server.endpoint, "GET", "/account", { headers: { origin: EVIL_ORIGIN } });
    expectError(guest, 401, "general_unauthorized_scope");
  });

  it("a request with X-Appwrite-Key is not checked", async () => {
    const r = await raw(server.endpoint, "POST", "/account", {
      body: { userId: ID.unique(), email: freshEmail("key"), password: PASSWORD },
      headers: { origin: EVIL_ORIGIN, "x-appwrite-key": API_KEY },
    });
    expect(r.status).toBe(201);
    // Even a wrong key skips the origin check; the key check then refuses it.
    const wrong = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { origin: EVIL_ORIGIN, "x-appwrite-key": "not-the-key-0123456789" },
    });
    expectError(wrong, 401, "user_unauthorized");
  });
});

describe("project resolution", () => {
  it("a missing header means project console, which is not found", async () => {
    const r = await raw(server.endpoint, "GET", "/account", { project: null });
    expectError(r, 404, "project_not_found", PROJECT_NOT_FOUND);
    const write = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {}, project: null });
    expectError(write, 404, "project_not_found", PROJECT_NOT_FOUND);
  });

  it("another project is not found", async () => {
    const r = await raw(server.endpoint, "GET", "/account", { project: "other-project" });
    expectError(r, 404, "project_not_found", PROJECT_NOT_FOUND);
  });

  it("on GET, ?project= wins over the header", async () => {
    const right = await raw(server.endpoint, "GET", `/account?project=${PROJECT}`, { project: "other-project" });
    expectError(right, 401, "general_unauthorized_scope");
    const wrong = await raw(server.endpoint, "GET", "/account?project=other-project");
    expectError(wrong, 404, "project_not_found");
  });

  it("on POST, the body's project wins over the header, and the query string is ignored", async () => {
    const right = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: { project: PROJECT },
      project: "other-project",
    });
    expect(right.status).toBe(201);
    const wrong = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: { project: "other-project" } });
    expectError(wrong, 404, "project_not_found");
    const query = await raw(server.endpoint, "POST", "/account/sessions/anonymous?project=other-project", { body: {} });
    expect(query.status).toBe(201);
  });

  it("the SDK's project is taken from its header", async () => {
    const b = browser(server.endpoint, "other-project");
    await b.use((account) => expectAppwriteError(account.get(), "project_not_found", 404));
  });
});

describe("responses and errors", () => {
  it("an error body has exactly message, code, type, version in that order", async () => {
    const r = await raw(server.endpoint, "GET", "/account");
    expect(r.status).toBe(401);
    expect(Object.keys(r.json ?? {})).toEqual(["message", "code", "type", "version"]);
    expect(r.json).toEqual({
      message: "User (role: guests) missing scope (account)",
      code: 401,
      type: "general_unauthorized_scope",
      version: "2.3.0",
    });
    expect(r.text.startsWith('{"message":')).toBe(true);
  });

  it("code is the HTTP status as a number, for several statuses", async () => {
    const cases: Raw[] = [
      await raw(server.endpoint, "GET", "/nope"),
      await raw(server.endpoint, "POST", "/account", { body: {} }),
      await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: { origin: EVIL_ORIGIN } }),
      await raw(server.endpoint, "GET", "/account"),
    ];
    expect(cases.map((c) => c.status)).toEqual([404, 400, 403, 401]);
    for (const c of cases) {
      expect(c.json?.code).toBe(c.status);
      expect(typeof c.json?.code).toBe("number");
      expect(c.json?.version).toBe("2.3.0");
    }
  });

  it("errors carry the no-cache headers and the JSON content type", async () => {
    for (const r of [await raw(server.endpoint, "GET", "/account"), await raw(server.endpoint, "GET", "/nope")]) {
      expect(r.headers.get("cache-control")).toBe("no-cache, no-store, must-revalidate");
      expect(r.headers.get("expires")).toBe("0");
      expect(r.headers.get("pragma")).toBe("no-cache");
      expect(r.headers.get("content-type")).toBe("application/json; charset=UTF-8");
    }
  });

  it("a JSON success has the JSON content type", async () => {
    const { auth } = await loggedInUser(server);
    const r = await raw(server.endpoint, "GET", "/account", { headers: auth });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/json; charset=UTF-8");
  });

  it("a 204 has no content type and an empty body", async () => {
    const { auth } = await loggedInUser(server);
    const r = await raw(server.endpoint, "DELETE", "/account/sessions/current", { body: {}, headers: auth });
    expect(r.status).toBe(204);
    expect(r.headers.get("content-type")).toBeNull();
    expect(r.text).toBe("");
  });
});

describe("order of checks", () => {
  it("route beats origin: a foreign write to an unknown path is 404", async () => {
    const r = await raw(server.endpoint, "POST", "/account/nope", { body: {}, headers: { origin: EVIL_ORIGIN } });
    expectError(r, 404, "general_route_not_found");
  });

  it("origin beats project: foreign origin and wrong project is 403", async () => {
    const r = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { origin: EVIL_ORIGIN },
      project: "other-project",
    });
    expectError(r, 403, "general_unknown_origin");
  });

  it("project beats auth: a wrong project is 404 whatever the credentials", async () => {
    const badKey = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-appwrite-key": "not-the-key-0123456789" },
      project: "other-project",
    });
    expectError(badKey, 404, "project_not_found");
    const { auth } = await loggedInUser(server);
    const keyAndSession = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-appwrite-key": API_KEY, ...auth },
      project: "other-project",
    });
    expectError(keyAndSession, 404, "project_not_found");
    // The same request in the right project gets as far as the key check (1.6's: since 1.9 the key wins).
    const right = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-appwrite-key": API_KEY, ...auth, "x-appwrite-response-format": "1.6.0" },
    });
    expectError(right, 403, "user_key_and_session_set");
  });

  it("scope beats validation: a guest PATCH /account/name with an invalid body is 401", async () => {
    const r = await raw(server.endpoint, "PATCH", "/account/name", { body: { name: "" } });
    expectError(r, 401, "general_unauthorized_scope", "User (role: guests) missing scope (account)");
  });

  it("blocked beats validation", async () => {
    const { user, auth } = await loggedInUser(server);
    await server.service.config.store.users.update(user.$id, { status: false });
    // A 1.6 client's format gets 401; a current one 403 (test/http/behaviour-changes.test.ts).
    const headers = { ...auth, "x-appwrite-response-format": "1.6.0" };
    const invalid = await raw(server.endpoint, "PATCH", "/account/name", { body: { name: "" }, headers });
    expectError(invalid, 401, "user_blocked");
    const missing = await raw(server.endpoint, "PATCH", "/account/name", { body: {}, headers });
    expectError(missing, 401, "user_blocked");
    expectError(await raw(server.endpoint, "PATCH", "/account/name", { body: {}, headers: auth }), 403, "user_blocked");
  });

  it("MFA gate: one factor with a verified e-mail is refused outside the mfa group", async () => {
    const { user, auth } = await loggedInUser(server);
    await server.service.config.store.users.update(user.$id, { mfa: true, emailVerification: true });

    const get = await raw(server.endpoint, "GET", "/account", { headers: auth });
    expectError(get, 401, "user_more_factors_required", "More factors are required to complete the sign in process.");
    // The gate runs before parameter validation.
    const invalid = await raw(server.endpoint, "PATCH", "/account/name", { body: { name: "" }, headers: auth });
    expectError(invalid, 401, "user_more_factors_required");
    // DELETE /account/sessions is not in the mfa group.
    const all = await raw(server.endpoint, "DELETE", "/account/sessions", { body: {}, headers: auth });
    expectError(all, 401, "user_more_factors_required");
    // DELETE /account/sessions/{id} is: the user can still log out.
    const current = await raw(server.endpoint, "DELETE", "/account/sessions/current", { body: {}, headers: auth });
    expect(current.status).toBe(204);
    const after = await raw(server.endpoint, "GET", "/account", { headers: auth });
    expectError(after, 401, "general_unauthorized_scope");
  });

  it("MFA gate: mfa on without any verified extra factor lets one factor through", async () => {
    const { user, auth } = await loggedInUser(server);
    await server.service.config.store.users.update(user.$id, { mfa: true });
    const r = await raw(server.endpoint, "GET", "/account", { headers: auth });
    expect(r.status).toBe(200);
    expect(r.json?.mfa).toBe(true);
    expect(r.json?.emailVerification).toBe(false);
  });

  it("session group beats validation: logged in + bad e-mail is 401 user_session_already_exists", async () => {
    const { auth } = await loggedInUser(server);
    const r = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: { email: "not-an-email", password: "x" },
      headers: auth,
    });
    expectError(r, 401, "user_session_already_exists", "Creation of a session is prohibited when a session is active.");
    const anonymous = await raw(server.endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: auth });
    expectError(anonymous, 401, "user_session_already_exists");
  });

  it("rate limit is counted even when validation then fails: the 11th malformed POST /account is 429", async () => {
    await withServer({}, async (s) => {
      for (let i = 1; i <= 10; i++) {
        const r = await raw(s.endpoint, "POST", "/account", { body: { email: "nope" } });
        expectError(r, 400, "general_argument_invalid", 'Param "userId" is not optional.');
        expect(r.headers.get("x-ratelimit-limit")).toBe("10");
        expect(r.headers.get("x-ratelimit-remaining")).toBe(String(10 - i));
      }
      const eleventh = await raw(s.endpoint, "POST", "/account", { body: { email: "nope" } });
      expectError(
        eleventh,
        429,
        "general_rate_limit_exceeded",
        "Rate limit for the current endpoint has been exceeded. Please try again after some time.",
      );
      expect(eleventh.headers.get("x-ratelimit-remaining")).toBe("0");
      expect(Number(eleventh.headers.get("x-ratelimit-reset")) % 3600).toBe(0);
      // A valid signup is refused too: the counter is the route's, not the payload's.
      const valid = await raw(s.endpoint, "POST", "/account", { body: { userId: ID.unique(), email: freshEmail(), password: PASSWORD } });
      expectError(valid, 429, "general_rate_limit_exceeded");
    });
  });

  it("rate limit (step 2.13) beats the session group (step 4): the 11th login while logged in is 429", async () => {
    await withServer({}, async (s) => {
      const { auth } = await loggedInUser(s);
      for (let i = 0; i < 10; i++) {
        const r = await raw(s.endpoint, "POST", "/account/sessions/email", {
          body: { email: "same@example.com", password: PASSWORD },
          headers: auth,
        });
        expectError(r, 401, "user_session_already_exists");
      }
      const eleventh = await raw(s.endpoint, "POST", "/account/sessions/email", {
        body: { email: "same@example.com", password: PASSWORD },
        headers: auth,
      });
      expectError(eleventh, 429, "general_rate_limit_exceeded");
      // The key is the e-mail: another address still reaches the session-group check.
      const other = await raw(s.endpoint, "POST", "/account/sessions/email", {
        body: { email: "other@example.com", password: PASSWORD },
        headers: auth,
      });
      expectError(other, 401, "user_session_already_exists");
    });
  });

  it("rate limit beats the auth-method toggle, which beats validation", async () => {
    await withServer({ auth: { methods: { emailPassword: false } } }, async (s) => {
      for (let i = 0; i < 10; i++) {
        const r = await raw(s.endpoint, "POST", "/account", { body: {} });
        expectError(r, 501, "user_auth_method_unsupported", "Email / Password authentication is disabled for this project");
      }
      const eleventh = await raw(s.endpoint, "POST", "/account", { body: {} });
      expectError(eleventh, 429, "general_rate_limit_exceeded");
    });
  });

  it("MFA gate beats rate limit: refused requests are not counted", async () => {
    await withServer({}, async (s) => {
      const { user, auth } = await loggedInUser(s);
      await s.service.config.store.users.update(user.$id, { mfa: true, emailVerification: true });
      for (let i = 0; i < 12; i++) {
        const r = await raw(s.endpoint, "PATCH", "/account/password", { body: {}, headers: auth });
        expectError(r, 401, "user_more_factors_required");
        expect(r.headers.get("x-ratelimit-limit")).toBeNull();
      }
      // Nothing was counted against url+ip: another user still has the full budget.
      const other = await loggedInUser(s);
      const r = await raw(s.endpoint, "PATCH", "/account/password", { body: {}, headers: other.auth });
      expectError(r, 400, "general_argument_invalid", 'Param "password" is not optional.');
      expect(r.headers.get("x-ratelimit-remaining")).toBe("9");
    });
  });
});

describe("body parsing", () => {
  it("JSON with `application/json; charset=utf-8` is parsed", async () => {
    const email = freshEmail();
    await makeUser(server, email);
    const r = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: JSON.stringify({ email, password: PASSWORD, unknown: "ignored" }),
      headers: { "content-type": "application/json; charset=utf-8" },
    });
    expect(r.status).toBe(201);
    expect(r.json?.providerUid).toBe(email);
  });

  it("invalid JSON is an empty object: every required parameter is 'not optional', in declaration order", async () => {
    await withServer({}, async (s) => {
      const bad = await raw(s.endpoint, "POST", "/account", { body: "{not json" });
      expectError(bad, 400, "general_argument_invalid", 'Param "userId" is not optional.');
      const list = await raw(s.endpoint, "POST", "/account", { body: "[1,2,3]" });
      expectError(list, 400, "general_argument_invalid", 'Param "userId" is not optional.');
      const noEmail = await raw(s.endpoint, "POST", "/account", { body: { userId: "unique()" } });
      expectError(noEmail, 400, "general_argument_invalid", 'Param "email" is not optional.');
      const noPassword = await raw(s.endpoint, "POST", "/account", { body: { userId: "unique()", email: freshEmail() } });
      expectError(noPassword, 400, "general_argument_invalid", 'Param "password" is not optional.');
    });
    const login = await raw(server.endpoint, "POST", "/account/sessions/email", { body: '{"email":' });
    expectError(login, 400, "general_argument_invalid", 'Param "email" is not optional.');
  });

  it("a form-urlencoded body works for login", async () => {
    const email = freshEmail();
    await makeUser(server, email);
    const r = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(201);
    expect(r.json?.providerUid).toBe(email);
  });

  it("a body that is not JSON is form-decoded whatever its content type", async () => {
    const email = freshEmail();
    await makeUser(server, email);
    const r = await raw(server.endpoint, "POST", "/account/sessions/email", {
      body: `email=${encodeURIComponent(email)}&password=${PASSWORD}`,
      headers: { "content-type": "text/plain" },
    });
    expect(r.status).toBe(201);
  });

  it("for POST the query string is ignored", async () => {
    const email = freshEmail();
    await makeUser(server, email);
    const r = await raw(server.endpoint, "POST", `/account/sessions/email?email=${encodeURIComponent(email)}&password=${PASSWORD}`, {
      body: {},
    });
    expectError(r, 400, "general_argument_invalid", 'Param "email" is not optional.');
  });

  it("a path parameter wins over a body parameter of the same name", async () => {
    const { auth } = await loggedInUser(server);
    const own = await raw(server.endpoint, "GET", "/account/sessions/current", { headers: auth });
    const r = await raw(server.endpoint, "PATCH", "/account/sessions/current", { body: { sessionId: "somebody-else" }, headers: auth });
    expect(r.status).toBe(200);
    expect(r.json?.$id).toBe(own.json?.$id);
  });

  describe("parsePhpQuery", () => {
    it("a[]= pushes onto an array", () => {
      expect(parsePhpQuery("a[]=1&a[]=2")).toEqual({ a: ["1", "2"] });
    });
    it("a[0]= indexes an array", () => {
      expect(parsePhpQuery("a[0]=x&a[1]=y")).toEqual({ a: ["x", "y"] });
    });
    it("c[x]= makes an object", () => {
      expect(parsePhpQuery("c[x]=4")).toEqual({ c: { x: "4" } });
    });
    it("a plain key is a string, not an array", () => {
      const parsed = parsePhpQuery("queries=x");
      expect(parsed).toEqual({ queries: "x" });
      expect(typeof parsed.queries).toBe("string");
    });
    it("the SDK's queries[0]=… form, with a leading ? and percent-encoded brackets", () => {
      expect(parsePhpQuery("?queries%5B0%5D=a&queries%5B1%5D=b")).toEqual({ queries: ["a", "b"] });
      const q = JSON.stringify({ method: "limit", values: [25] });
      expect(parsePhpQuery(`?queries[0]=${encodeURIComponent(q)}`)).toEqual({ queries: [q] });
    });
    it("the doc example, nesting, repeated plain keys and escapes", () => {
      expect(parsePhpQuery("a=1&b[]=2&b[]=3&c[x]=4")).toEqual({ a: "1", b: ["2", "3"], c: { x: "4" } });
      expect(parsePhpQuery("a[0][x]=1&a[0][y]=2")).toEqual({ a: [{ x: "1", y: "2" }] });
      expect(parsePhpQuery("a=1&a=2")).toEqual({ a: "2" });
      expect(parsePhpQuery("e=a%40b.c&s=a+b")).toEqual({ e: "a@b.c", s: "a b" });
      expect(parsePhpQuery("")).toEqual({});
    });
  });

  describe("parseBody", () => {
    it("JSON when the content type contains application/json", () => {
      expect(parseBody("application/json; charset=utf-8", '{"a":1,"b":[true]}')).toEqual({ a: 1, b: [true] });
      expect(parseBody("application/json", '{"email":"x"}')).toEqual({ email: "x" });
    });
    it("invalid, empty or non-object JSON is {}", () => {
      expect(parseBody("application/json", "{bad")).toEqual({});
      expect(parseBody("application/json", "")).toEqual({});
      expect(parseBody("application/json", "[1,2]")).toEqual({});
      expect(parseBody("application/json", "null")).toEqual({});
      expect(parseBody("application/json", '"text"')).toEqual({});
      expect(parseBody("application/json", "42")).toEqual({});
    });
    it("form fields otherwise, PHP style", () => {
      expect(parseBody("application/x-www-form-urlencoded", "email=a%40b.c&password=x&q[]=1&q[]=2")).toEqual({
        email: "a@b.c",
        password: "x",
        q: ["1", "2"],
      });
      expect(parseBody(null, "a=1")).toEqual({ a: "1" });
    });
    it("no body is {}; an already-parsed body is copied into objects that inherit nothing", () => {
      expect(parseBody("application/json", undefined)).toEqual({});
      const parsed = { email: "x@y.z", nested: { a: [1] } };
      const copy = parseBody("application/json", parsed);
      expect(copy).toEqual(parsed);
      // Nothing inherited: not even Object.prototype's `__proto__` accessor.
      expect("__proto__" in copy || "toString" in copy).toBe(false);
      expect("__proto__" in (copy.nested as object) || "toString" in (copy.nested as object)).toBe(false);
    });
  });
});

// ---------------------------------------------------------------------------------------------

/** A small deterministic PRNG (mulberry32), so a failing fuzz case can be reproduced. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(list: readonly T[]): T => list[int(list.length)]!;
  return { next, int, pick };
}

interface FuzzBody {
  label: string;
  body: string;
  contentType: string;
}

const PARAM_NAMES = ["userId", "email", "password", "name", "phone", "prefs", "oldPassword", "sessionId", "project"] as const;
const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const deepObject = (depth: number) => '{"a":'.repeat(depth) + "1" + "}".repeat(depth);

function randomValue(r: ReturnType<typeof prng>, depth = 0): unknown {
  switch (r.int(depth > 3 ? 9 : 12)) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick([0, -1, 1, 1e308, -1e308, 0.5, 2 ** 53 + 1, 12345678]);
    case 3:
      return "";
    case 4:
      return r.pick(["x@example.com", "unique()", "+12025550123", "password123", "current", "ÄÖÜ@exämple.com", "a".repeat(37)]);
    case 5:
      return "x".repeat(r.pick([1, 64, 257, 4097, 70_000]));
    case 6:
      return String.fromCodePoint(
        ...Array.from({ length: 1 + r.int(40) }, () => r.int(0x10ffff + 1)).filter((c) => c < 0xd800 || c > 0xdfff),
      );
    case 7:
      return r.pick(["\u0000", "\uFEFF", "../../etc/passwd", "<script>", "${a}", "%00", "'; DROP TABLE users; --", "  "]);
    case 8:
      return `${r.int(1e6)}`;
    case 9:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    case 10:
      return Object.fromEntries(
        Array.from({ length: r.int(4) }, (_, i) => [r.pick([...PARAM_NAMES, "__proto__", `k${i}`]), randomValue(r, depth + 1)]),
      );
    default:
      return [[[[[randomValue(r, depth + 4)]]]]];
  }
}

/** The fixed nasty cases followed by seeded random ones, about 60 in all. */
function fuzzBodies(seed: number): FuzzBody[] {
  const json = (label: string, body: string): FuzzBody => ({ label, body, contentType: "application/json" });
  const form = (label: string, body: string): FuzzBody => ({ label, body, contentType: "application/x-www-form-urlencoded" });
  const bodies: FuzzBody[] = [
    json("empty", ""),
    json("truncated", '{"email":'),
    json("null", "null"),
    json("array", "[]"),
    json("string", '"text"'),
    json("number", "12345"),
    json("true", "true"),
    json("bom", "\uFEFF{}"),
    json("proto", '{"__proto__":{"status":false,"email":"x@example.com"},"constructor":{"prototype":{"a":1}}}'),
    json("deep top-level array", deepArray(50_000)),
    json("deep top-level object", deepObject(20_000)),
    json("all nulls", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n) => [n, null])))),
    json("all numbers", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n, i) => [n, i * 7 - 3])))),
    json("all booleans", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n) => [n, true])))),
    json("all arrays", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n) => [n, ["a", "b"]])))),
    json("all objects", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n) => [n, { a: 1 }])))),
    json("all huge strings", JSON.stringify(Object.fromEntries(PARAM_NAMES.map((n) => [n, "y".repeat(100_000)])))),
    json(
      "huge email",
      JSON.stringify({
        userId: "unique()",
        email: `${"a".repeat(100_000)}@example.com`,
        password: PASSWORD,
        phone: "+1".padEnd(100_000, "5"),
      }),
    ),
    json(
      "valid-looking",
      JSON.stringify({
        userId: "unique()",
        email: "fuzz@example.com",
        password: PASSWORD,
        name: "Fuzz",
        phone: "+12025550123",
        prefs: { a: 1 },
      }),
    ),
    form("form arrays", "email[]=a&password[x]=b&userId[0][1][2]=c&prefs=notanobject"),
    form("form garbage", "%%%=%%&a[[[=1&=&&==&b]]]=2"),
    form("form valid-looking", `userId=unique()&email=form%40example.com&password=${PASSWORD}&prefs[a]=1`),
    { label: "text/plain", body: "just some text", contentType: "text/plain" },
    { label: "no content type, json", body: '{"email":"x@example.com"}', contentType: "" },
    {
      label: "multipart-ish",
      body: "--x\r\nContent-Disposition: form-data; name=email\r\n\r\na\r\n--x--",
      contentType: "multipart/form-data; boundary=x",
    },
  ];
  for (const name of PARAM_NAMES) {
    bodies.push(json(`deep array in ${name}`, `{"${name}":${deepArray(50_000)}}`));
    bodies.push(json(`deep object in ${name}`, `{"${name}":${deepObject(20_000)}}`));
  }
  const r = prng(seed);
  while (bodies.length < 60) {
    const value: Record<string, unknown> = {};
    for (const name of PARAM_NAMES) if (r.next() < 0.6) value[name] = randomValue(r);
    bodies.push(json(`random #${bodies.length}`, JSON.stringify(value)));
  }
  return bodies;
}

/** Lets every request through but still builds every key, so key templates are exercised. */
function permissiveLimiter(): RateLimiter {
  const pass: RateLimiter["hit"] = async (_key, limit, windowSeconds, nowMs) => {
    const now = Math.floor(nowMs / 1000);
    return { allowed: true, limit, remaining: limit - 1, reset: now - (now % windowSeconds) + windowSeconds };
  };
  return { hit: pass, peek: pass };
}

describe("never a 500 (fuzz)", () => {
  const writeRoutes = routes.filter(([method]) => method === "POST" || method === "PATCH");
  let fuzz: TestServer;
  beforeAll(async () => {
    // With mail and SMS configured, the token routes run to the end instead of stopping at 503.
    const box = outbox();
    fuzz = await startServer({ rateLimiter: permissiveLimiter(), mailer: box.mailer, sms: box.sms });
  });
  afterAll(() => fuzz.close());

  it("the route table has the POST and PATCH routes we fuzz", () => {
    expect(writeRoutes.map(([m, p]) => `${m} ${p}`)).toEqual(
      expect.arrayContaining([
        "POST /account",
        "PATCH /account/name",
        "PATCH /account/prefs",
        "POST /account/sessions/email",
        "PATCH /account/sessions/:sessionId",
      ]),
    );
  });

  for (const [index, [method, path, name]] of writeRoutes.entries()) {
    it(`${method} ${path}: malformed bodies get a JSON error below 500, as guest and as user`, { timeout: 120_000 }, async () => {
      const { auth } = await loggedInUser(fuzz);
      const r = prng(1000 + index);
      const failures: string[] = [];
      for (const body of fuzzBodies(7 + index)) {
        const concrete = path.replace(":sessionId", () =>
          r.pick(["current", "unique()", encodeURIComponent("a".repeat(300)), "%E0%A4%A", "%00", "_bad", ID.unique()]),
        );
        for (const [who, headers] of [
          ["guest", {}],
          ["user", auth],
        ] as const) {
          const response = await raw(fuzz.endpoint, method, concrete, {
            body: body.body,
            headers: { ...headers, "content-type": body.contentType },
          });
          const where = `${who} ${method} ${concrete.slice(0, 60)} [${body.label}]`;
          if (response.status >= 500) {
            failures.push(`${where}: ${response.status} ${response.json?.type ?? response.text.slice(0, 80)}`);
            continue;
          }
          if (response.status >= 400 && operations[name].htmlErrors) {
            // The OAuth2 callback is for browsers: its errors are an HTML page (`htmlErrors` on its
            // operation).
            if (!response.headers.get("content-type")?.startsWith("text/html"))
              failures.push(`${where}: ${response.status} not an HTML error page`);
          } else if (response.status >= 400) {
            const json = response.json;
            if (
              !json ||
              !KNOWN_TYPES.has(String(json.type)) ||
              json.code !== response.status ||
              Object.keys(json).join() !== "message,code,type,version"
            ) {
              failures.push(`${where}: ${response.status} unexpected error body ${response.text.slice(0, 120)}`);
            }
          } else if (response.status !== 204 && response.headers.get("content-type") !== "application/json; charset=UTF-8") {
            failures.push(`${where}: ${response.status} without JSON content type`);
          }
        }
      }
      expect(failures).toEqual([]);
    });
  }
});

describe("deeply nested values (found by the fuzz above)", () => {
  it("a deeply nested e-mail on login is a 400 about the e-mail, not a 500", async () => {
    for (const nested of [deepArray(50_000), deepObject(20_000)]) {
      const r = await raw(server.endpoint, "POST", "/account/sessions/email", { body: `{"email":${nested},"password":"password123"}` });
      // Refused by the JSON depth bound (src/validation/input-limits.ts) before it is decoded.
      expectError(r, 400, "general_argument_invalid", "Invalid `email` param: Value must be nested at most 512 levels deep");
    }
  });

  it("deeply nested prefs are a 400 about prefs, not a 500", async () => {
    const { auth } = await loggedInUser(server);
    const r = await raw(server.endpoint, "PATCH", "/account/prefs", { body: `{"prefs":{"a":${deepObject(20_000)}}}`, headers: auth });
    expectError(r, 400, "general_argument_invalid");
    expect(r.json?.message).toContain("`prefs`");
  });
});

// ---------------------------------------------------------------------------------------------

describe("client IP (trusted proxies)", () => {
  it("clientIp: the socket peer unless it is a trusted proxy", () => {
    expect(clientIp("10.0.0.1", "1.2.3.4", [])).toBe("10.0.0.1");
    expect(clientIp("203.0.113.9", "1.2.3.4", ["10.0.0.1"])).toBe("203.0.113.9");
    expect(clientIp("::ffff:127.0.0.1", null, [])).toBe("127.0.0.1");
    expect(clientIp("::1", "1.2.3.4", [])).toBe("::1");
    expect(clientIp(undefined, null, [])).toBe("");
  });

  it("clientIp: behind trusted proxies, the right-most hop that is not a trusted proxy", () => {
    expect(clientIp("10.0.0.1", "1.2.3.4", ["10.0.0.1"])).toBe("1.2.3.4");
    // A client-supplied left part cannot choose the IP.
    expect(clientIp("10.0.0.1", "6.6.6.6, 1.2.3.4", ["10.0.0.1"])).toBe("1.2.3.4");
    expect(clientIp("10.0.0.1", "1.2.3.4, 10.0.0.2", ["10.0.0.1", "10.0.0.2"])).toBe("1.2.3.4");
    expect(clientIp("::ffff:10.0.0.1", " 1.2.3.4 ", ["10.0.0.1"])).toBe("1.2.3.4");
    expect(clientIp("10.0.0.1", null, ["10.0.0.1"])).toBe("10.0.0.1");
  });

  it("without trusted proxies a spoofed X-Forwarded-For does not escape the per-IP anonymous limit", async () => {
    await withServer({}, async (s) => {
      for (let i = 1; i <= 50; i++) {
        const r = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
          body: {},
          headers: { "x-forwarded-for": `198.51.100.${i}` },
        });
        expect(r.status, r.text).toBe(201);
        if (i === 1) expect(r.json?.ip).toBe("127.0.0.1");
      }
      const r = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
        body: {},
        headers: { "x-forwarded-for": "198.51.100.200" },
      });
      expectError(r, 429, "general_rate_limit_exceeded");
      expect(r.headers.get("x-ratelimit-limit")).toBe("50");
    });
  });

  it("with the peer as a trusted proxy, X-Forwarded-For is the client IP and keys the limit", async () => {
    await withServer({ trustedProxies: ["127.0.0.1"] }, async (s) => {
      for (let i = 1; i <= 51; i++) {
        const r = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
          body: {},
          headers: { "x-forwarded-for": `198.51.100.${i}` },
        });
        expect(r.status, r.text).toBe(201);
        expect(r.json?.ip).toBe(`198.51.100.${i}`);
      }
      // The same forwarded client is still limited.
      for (let i = 0; i < 49; i++) {
        await raw(s.endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-for": "198.51.100.1" } });
      }
      const r = await raw(s.endpoint, "POST", "/account/sessions/anonymous", {
        body: {},
        headers: { "x-forwarded-for": "6.6.6.6, 198.51.100.1" },
      });
      expectError(r, 429, "general_rate_limit_exceeded");
    });
  });
});

describe("the SDKs see the same pipeline", () => {
  it("web SDK: a guest get() is general_unauthorized_scope; a second login is user_session_already_exists", async () => {
    const email = freshEmail("sdk");
    await makeUser(server, email);
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      await expectAppwriteError(account.get(), "general_unauthorized_scope", 401);
      await account.createEmailPasswordSession(email, PASSWORD);
      await expectAppwriteError(account.createEmailPasswordSession(email, PASSWORD), "user_session_already_exists", 401);
      await expectAppwriteError(account.createAnonymousSession(), "user_session_already_exists", 401);
    });
  });

  it("node SDK with a key: no origin check, and the key skips the session group", async () => {
    const email = freshEmail("node");
    await makeUser(server, email);
    const { account } = serverClient(server.endpoint);
    const session = await account.createEmailPasswordSession(email, PASSWORD);
    expect(session.secret).not.toBe("");
    await expectAppwriteError(account.get(), "general_unauthorized_scope", 401);
  });
});
