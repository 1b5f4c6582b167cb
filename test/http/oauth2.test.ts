/**
 * OAuth2 login over HTTP against a real OpenID provider (npm `oidc-provider`) on loopback, driven
 * browser-less: fetch with manual redirects, a cookie jar for the provider, then the web SDK for
 * the session exchange. Gatehouse's `oidc` provider finds the test provider by discovery.
 *
 * Routes: GET tokens/oauth2/{provider}, GET sessions/oauth2/{provider}, GET+POST
 * sessions/oauth2/callback/{provider}/{projectId}, GET sessions/oauth2/{provider}/redirect,
 * POST sessions/token, GET account/identities, DELETE account/identities/{id}.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser, expectAppwriteError, latestBrowser, raw } from "../helpers/sdk";
import { startOidcServer, type OidcServer } from "../helpers/oidc-server";
import { followRedirects, type CookieJar } from "../helpers/navigate";

const APP = "http://localhost/app";
const SUCCESS = `${APP}/success`;
const FAILURE = `${APP}/failure`;
const ACCOUNTS = {
  alice: { sub: "alice-sub", email: "alice@example.com", email_verified: true, name: "Alice Example" },
  // The provider does not vouch for Bob's address: it must not link to Bob's account.
  bob: { sub: "bob-sub", email: "bob@example.com", email_verified: false, name: "Bob Unverified" },
  carol: { sub: "carol-sub", email: "carol@example.com", email_verified: true, name: "Carol Session" },
  dave: { sub: "dave-sub", email: "dave@example.com", email_verified: true, name: "Dave Anonymous" },
  erin: { sub: "erin-sub", email: "erin@example.com", email_verified: true, name: "Erin Blocked" },
  frank: { sub: "frank-sub", email: "frank-owner@example.com", email_verified: true, name: "Frank Clash" },
  grace: { sub: "grace-sub", email: "grace@example.com", email_verified: true, name: "Grace Mfa" },
  heidi: { sub: "heidi-sub", email: "heidi@example.com", email_verified: true, name: "Heidi Unlinked" },
};

let gatehouse: TestServer;
let idp: OidcServer;

beforeAll(async () => {
  idp = await startOidcServer(ACCOUNTS);
  gatehouse = await startServer({
    oauth2: {
      oidc: { clientId: idp.clientId, clientSecret: idp.clientSecret, issuer: idp.issuer, allowInsecureRequests: true },
      github: { clientId: "x", clientSecret: "y", enabled: false },
    },
  });
  idp.redirectUri = `http://localhost:${gatehouse.port}/v1/account/sessions/oauth2/callback/oidc/${PROJECT}`;
});
afterAll(async () => {
  await gatehouse?.close();
  await idp?.close();
});

/** The start URL the web SDK builds (in Node it sets no window.location, so we build it alike). */
function startUrl(kind: "tokens" | "sessions", params: Record<string, string> = {}): string {
  const query = new URLSearchParams({ project: PROJECT, success: SUCCESS, failure: FAILURE, ...params });
  return `${gatehouse.endpoint}/account/${kind}/oauth2/oidc?${query}`;
}

/** Follows redirects like a browser until the app's URL is reached. */
const navigate = (url: string, jar?: CookieJar, before?: (url: URL) => URL) => followRedirects(url, APP, jar, before);

/** A whole login of `account` through the provider; returns the final app URL. */
async function login(account: keyof typeof ACCOUNTS, kind: "tokens" | "sessions" = "tokens", jar?: Map<string, Map<string, string>>) {
  idp.next = { account };
  const result = await navigate(startUrl(kind), jar);
  if (!result.final) throw new Error(`flow stopped at ${result.hops.at(-1)?.url}: ${result.hops.at(-1)?.status} ${result.body}`);
  return result;
}

function failureOf(url: URL) {
  expect(`${url.origin}${url.pathname}`).toBe(FAILURE);
  return JSON.parse(url.searchParams.get("error")!) as { message: string; type: string; code: number };
}

describe("OAuth2 token flow with a real OpenID provider", () => {
  it("start → provider login → callback → redirect → success with userId and secret → SDK session shows the provider's profile", async () => {
    const { final, hops } = await login("alice");
    // Start answers 301 to the provider's authorization endpoint, with state, PKCE and nonce.
    expect(hops[0]!.status).toBe(301);
    expect(hops[0]!.headers.get("cache-control")).toBe("no-store, no-cache, must-revalidate, max-age=0");
    const authorize = new URL(hops[0]!.headers.get("location")!);
    expect(authorize.origin).toBe(idp.issuer);
    expect(authorize.searchParams.get("redirect_uri")).toBe(idp.redirectUri);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("nonce")).toBeTruthy();
    expect(authorize.searchParams.get("state")).toBeTruthy();
    // The callback hands over to the redirect route with the project added.
    const callbackHop = hops.find((h) => h.url.includes("/oauth2/callback/"))!;
    expect(callbackHop.status).toBe(301);
    expect(callbackHop.headers.get("location")).toContain(`/v1/account/sessions/oauth2/oidc/redirect?`);
    expect(callbackHop.headers.get("location")).toContain(`project=${PROJECT}`);

    expect(`${final!.origin}${final!.pathname}`).toBe(SUCCESS);
    const userId = final!.searchParams.get("userId")!;
    const secret = final!.searchParams.get("secret")!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);

    const b = browser(gatehouse.endpoint);
    const session = await b.use((account) => account.createSession(userId, secret));
    expect(session.provider).toBe("oauth2");
    const me = await b.use((account) => account.get());
    expect(me.$id).toBe(userId);
    expect(me.email).toBe("alice@example.com");
    expect(me.emailVerification).toBe(true);
    expect(me.name).toBe("Alice Example");
    // The token is single-use.
    await expectAppwriteError(
      browser(gatehouse.endpoint).use((account) => account.createSession(userId, secret)),
      "user_invalid_token",
      401,
    );
  });

  it("a second login with the same identity reuses the user; identities are listed and can be deleted once", async () => {
    const first = (await login("alice")).final!.searchParams.get("userId");
    const { final } = await login("alice");
    const userId = final!.searchParams.get("userId")!;
    expect(userId).toBe(first);

    const b = browser(gatehouse.endpoint);
    await b.use((account) => account.createSession(userId, final!.searchParams.get("secret")!));
    const list = await b.use((account) => account.listIdentities());
    expect(list.total).toBe(1);
    const identity = list.identities[0]!;
    expect(identity).toMatchObject({ userId, provider: "oidc", providerUid: "alice-sub", providerEmail: "alice@example.com" });
    expect(identity.providerAccessToken).not.toBe("");

    await b.use((account) => account.deleteIdentity(identity.$id));
    await expectAppwriteError(
      b.use((account) => account.deleteIdentity(identity.$id)),
      "user_identity_not_found",
      404,
    );
    expect((await b.use((account) => account.listIdentities())).total).toBe(0);
  });

  it("the identity keeps the provider's ID token from the token answer (today's SDKs see it as providerIdToken)", async () => {
    const { final } = await login("alice");
    const userId = final!.searchParams.get("userId")!;
    const b = latestBrowser(gatehouse.endpoint);
    await b.use((account) => account.createSession({ userId, secret: final!.searchParams.get("secret")! }));
    const [identity] = (await b.use((account) => account.listIdentities())).identities;
    const parts = identity!.providerIdToken.split(".");
    expect(parts).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(parts[1]!, "base64url").toString()) as { sub: string; aud: string; iss: string };
    expect(claims).toMatchObject({ sub: "alice-sub", aud: idp.clientId, iss: idp.issuer });
    // The stored copy is sealed, not the token.
    const [stored] = await gatehouse.service.config.store.identities.list(userId);
    expect(stored!.providerIdToken).not.toContain(parts[1]!);
  });

  it("session mode sets the session cookie on the 301 to success; the session has factors email and oauth2", async () => {
    const { hops, final } = await login("carol", "sessions");
    expect(`${final!.origin}${final!.pathname}`).toBe(SUCCESS);
    const last = hops.at(-1)!;
    expect(last.status).toBe(301);
    const cookie = last.headers.getSetCookie().find((c) => c.startsWith(`a_session_${PROJECT}=`))!;
    expect(cookie).toBeTruthy();
    const r = await raw(gatehouse.endpoint, "GET", "/account/sessions/current", { headers: { cookie: cookie.split(";")[0]! } });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ provider: "oidc", providerUid: "carol-sub", factors: ["email", "oauth2"] });
    expect(r.json!.providerAccessToken).not.toBe("");
  });

  it("an OAuth2 login while an anonymous session is active converts that account", async () => {
    const anon = await raw(gatehouse.endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { origin: "http://localhost" },
    });
    const cookie = anon.headers
      .getSetCookie()
      .find((c) => c.startsWith(`a_session_${PROJECT}=`))!
      .split(";")[0]!;
    const anonymousId = anon.json!.userId as string;
    const gatehouseHost = new URL(gatehouse.endpoint).host;
    const jar = new Map([[gatehouseHost, new Map([[cookie.split("=")[0]!, cookie.slice(cookie.indexOf("=") + 1)]])]]);
    const { final } = await login("dave", "sessions", jar);
    expect(`${final!.origin}${final!.pathname}`).toBe(SUCCESS);
    // The anonymous session was replaced: the new cookie is the only one left in the jar.
    const value = jar.get(gatehouseHost)!.get(`a_session_${PROJECT}`)!;
    const me = await raw(gatehouse.endpoint, "GET", "/account", { headers: { cookie: `a_session_${PROJECT}=${value}` } });
    expect(me.json).toMatchObject({ $id: anonymousId, email: "dave@example.com", name: "Dave Anonymous", emailVerification: true });
    const old = await raw(gatehouse.endpoint, "GET", "/account", { headers: { cookie } });
    expect(old.status).toBe(401);
  });
});

describe("the session of an OAuth2 token (POST /account/sessions/token)", () => {
  it("today's SDKs get the identity's provider, uid and tokens and the oauth2 factor: MFA does not stop it; the 1.6 SDK keeps 1.6's session", async () => {
    const first = await login("grace");
    const userId = first.final!.searchParams.get("userId")!;
    // MFA on, with the verified e-mail as a second factor.
    await gatehouse.service.config.store.users.update(userId, { mfa: true });

    const today = latestBrowser(gatehouse.endpoint);
    const session = await today.use((account) => account.createSession({ userId, secret: first.final!.searchParams.get("secret")! }));
    const [identity] = await gatehouse.service.config.store.identities.list(userId);
    expect(identity!.providerAccessToken).not.toBe("");
    expect(session).toMatchObject({
      provider: "oidc",
      providerUid: "grace-sub",
      providerAccessToken: identity!.providerAccessToken,
      providerRefreshToken: identity!.providerRefreshToken,
      factors: ["email", "oauth2"],
    });
    expect(Date.parse(session.providerAccessTokenExpiry)).toBe(identity!.providerAccessTokenExpiry!.getTime());
    expect((await today.use((account) => account.get())).$id).toBe(userId);

    const again = (await login("grace")).final!;
    const old = browser(gatehouse.endpoint);
    const oldSession = await old.use((account) => account.createSession(userId, again.searchParams.get("secret")!));
    expect(oldSession).toMatchObject({ provider: "oauth2", providerUid: "", providerAccessToken: "", factors: ["email"] });
    await expectAppwriteError(
      old.use((account) => account.get()),
      "user_more_factors_required",
      401,
    );
  });

  it("a token whose identity was deleted meanwhile still signs in, with 1.6's session (which the MFA gate stops)", async () => {
    const { final } = await login("heidi");
    const userId = final!.searchParams.get("userId")!;
    const [identity] = await gatehouse.service.config.store.identities.list(userId);
    await gatehouse.service.config.store.identities.delete(identity!.id);
    const b = latestBrowser(gatehouse.endpoint);
    const session = await b.use((account) => account.createSession({ userId, secret: final!.searchParams.get("secret")! }));
    expect(session).toMatchObject({ provider: "oauth2", providerUid: "", factors: ["email"] });
  });
});

describe("OAuth2 failures", () => {
  it("an existing password account is not linked by an e-mail the provider did not verify (409 user_already_exists to failure)", async () => {
    // Decided here: neither link (takeover risk) nor create a duplicate (e-mail is unique).
    const owner = browser(gatehouse.endpoint);
    const created = await owner.use((account) => account.create(ID.unique(), "bob@example.com", "password123"));
    const { final } = await login("bob");
    const error = failureOf(final!);
    expect(error).toMatchObject({ type: "user_already_exists", code: 409 });
    await owner.use((account) => account.createEmailPasswordSession("bob@example.com", "password123"));
    expect((await owner.use((account) => account.listIdentities())).total).toBe(0);
    expect((await owner.use((account) => account.get())).$id).toBe(created.$id);
  });

  it("the provider's error (denied login) goes to the failure URL as user_oauth2_provider_error with code 424", async () => {
    idp.next = { deny: true };
    const { final, hops } = await navigate(startUrl("tokens"));
    const callback = new URL(hops.find((h) => h.url.includes("/oauth2/callback/"))!.url);
    expect(callback.searchParams.get("error")).toBe("access_denied");
    const error = failureOf(final!);
    expect(error).toMatchObject({ type: "user_oauth2_provider_error", code: 424 });
    expect(error.message).toBe("The OpenID Connect OAuth2 provider returned an error: access_denied: End-User aborted interaction");
  });

  it("a tampered state is refused with an HTML error page (no trustworthy failure URL)", async () => {
    const r = await fetch(
      `${gatehouse.endpoint}/account/sessions/oauth2/oidc/redirect?code=abc&state=v1.tampered.state.x&project=${PROJECT}`,
      { redirect: "manual" },
    );
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(await r.text()).toContain("general_argument_invalid");
  });

  it("a state altered in flight is refused before any code exchange", async () => {
    idp.next = { account: "alice" };
    const { final, hops, body } = await navigate(startUrl("tokens"), undefined, (url) => {
      if (!url.pathname.endsWith("/redirect")) return url;
      const state = url.searchParams.get("state")!;
      url.searchParams.set("state", state.slice(0, -2) + (state.endsWith("AA") ? "BB" : "AA"));
      return url;
    });
    expect(final).toBeNull();
    expect(hops.at(-1)!.status).toBe(400);
    expect(body).toContain("general_argument_invalid");
  });

  it("a callback link from a flow someone else started does not link their identity to a signed-in victim", async () => {
    const victim = browser(gatehouse.endpoint);
    await victim.use((account) => account.create(ID.unique(), "victim@example.com", "password123"));
    const login = await raw(gatehouse.endpoint, "POST", "/account/sessions/email", {
      body: { email: "victim@example.com", password: "password123" },
      headers: { origin: "http://localhost" },
    });
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith(`a_session_${PROJECT}=`))!
      .split(";")[0]!;
    idp.next = { account: "alice" };
    // The attacker runs the flow as a guest; the victim's browser (with its cookie) opens the last hop.
    const jar = new Map<string, Map<string, string>>();
    const { final } = await navigate(startUrl("tokens"), jar, (url) => {
      if (url.pathname.endsWith("/redirect")) jar.set(url.host, new Map([[cookie.split("=")[0]!, cookie.slice(cookie.indexOf("=") + 1)]]));
      return url;
    });
    expect(failureOf(final!)).toMatchObject({ type: "general_argument_invalid", code: 400 });
    const identities = await raw(gatehouse.endpoint, "GET", "/account/identities", { headers: { cookie } });
    expect(identities.json!.total).toBe(0);
  });

  it("the start route binds the login to the browser: a guest opening someone else's callback link is refused", async () => {
    idp.next = { account: "alice" };
    // The attacker completes the provider part in their own browser, then hands the last link
    // (the redirect with code and state) to a victim whose browser never started a login.
    const jar = new Map<string, Map<string, string>>();
    const { final, hops } = await navigate(startUrl("tokens"), jar, (url) => {
      if (url.pathname.endsWith("/redirect")) jar.set(url.host, new Map());
      return url;
    });
    const start = hops[0]!.headers.getSetCookie().find((c) => c.startsWith(`a_oauth2_${PROJECT.toLowerCase()}=`));
    expect(start).toMatch(/HttpOnly|httponly/);
    expect(start).toMatch(/SameSite=Lax/);
    const error = failureOf(final!);
    expect(error).toMatchObject({ type: "general_argument_invalid", code: 400 });
    expect(error.message).toContain("started in another browser");
  });

  it("the binding cookie is cleared once the login completes", async () => {
    const { hops } = await login("alice");
    const redirectHop = hops.find((h) => h.url.includes("/oauth2/oidc/redirect"))!;
    const cleared = redirectHop.headers.getSetCookie().find((c) => c.startsWith(`a_oauth2_${PROJECT.toLowerCase()}=`));
    expect(cleared).toMatch(/Max-Age=0/);
  });

  it("a blocked user is sent to the failure URL with user_blocked, and gets no token", async () => {
    const first = await login("erin");
    const userId = first.final!.searchParams.get("userId")!;
    await gatehouse.service.config.store.users.update(userId, { status: false });
    idp.next = { account: "erin" };
    const { final } = await navigate(startUrl("tokens"));
    // A browser navigation sends no X-Appwrite-Response-Format, so it is current, as in Appwrite:
    // 403 since 1.9.0 (src/core/behaviour.ts). The SDKs do not read this code.
    expect(failureOf(final!)).toMatchObject({ type: "user_blocked", code: 403 });
    const tokens = await gatehouse.service.config.store.tokens.list(userId, new Date(gatehouse.clock.now()));
    // Only the first login's token (not yet exchanged) exists.
    expect(tokens).toHaveLength(1);
  });

  it("a signed-in user linking a provider account whose e-mail belongs to another user gets 409 user_already_exists", async () => {
    const owner = browser(gatehouse.endpoint);
    await owner.use((account) => account.create(ID.unique(), "frank-owner@example.com", "password123"));
    const caller = browser(gatehouse.endpoint);
    await caller.use((account) => account.create(ID.unique(), "frank-caller@example.com", "password123"));
    const login = await raw(gatehouse.endpoint, "POST", "/account/sessions/email", {
      body: { email: "frank-caller@example.com", password: "password123" },
      headers: { origin: "http://localhost" },
    });
    const cookie = login.headers
      .getSetCookie()
      .find((c) => c.startsWith(`a_session_${PROJECT}=`))!
      .split(";")[0]!;
    const jar = new Map([[`localhost:${gatehouse.port}`, new Map([[cookie.split("=")[0]!, cookie.slice(cookie.indexOf("=") + 1)]])]]);
    idp.next = { account: "frank" };
    const { final } = await navigate(startUrl("tokens"), jar);
    expect(failureOf(final!)).toMatchObject({ type: "user_already_exists", code: 409 });
    const identities = await raw(gatehouse.endpoint, "GET", "/account/identities", { headers: { cookie } });
    expect(identities.json!.total).toBe(0);
  });

  it("an expired state goes to the failure URL", async () => {
    idp.next = { account: "alice" };
    const { final } = await navigate(startUrl("tokens"), undefined, (url) => {
      if (url.pathname.endsWith("/redirect")) gatehouse.clock.advance(2 * 60 * 60 * 1000);
      return url;
    });
    expect(failureOf(final!)).toMatchObject({ type: "general_argument_invalid", code: 400 });
  });

  it("a failure URL on a foreign host is a 400 HTML page before any redirect", async () => {
    const r = await fetch(startUrl("tokens", { failure: "https://evil.example/steal" }), { redirect: "manual" });
    expect(r.status).toBe(400);
    expect(r.headers.get("location")).toBeNull();
    expect(r.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(await r.text()).toContain("Invalid `failure` param: URL host must be one of: localhost");
  });

  it("a disabled or unconfigured provider is 412 project_provider_disabled as an HTML page", async () => {
    for (const provider of ["github", "GitHub", "google"]) {
      const r = await fetch(`${gatehouse.endpoint}/account/tokens/oauth2/${provider}?project=${PROJECT}`, { redirect: "manual" });
      expect(r.status).toBe(412);
      expect(r.headers.get("content-type")).toBe("text/html; charset=UTF-8");
      const page = await r.text();
      expect(page).toContain("project_provider_disabled");
      expect(page).toContain(
        `This provider is disabled. Please enable it under \`oauth2.${provider.toLowerCase()}\` in the Gatehouse config to continue.`,
      );
    }
  });

  it("an unknown provider name is a 400 HTML page", async () => {
    const r = await fetch(`${gatehouse.endpoint}/account/sessions/oauth2/myspace?project=${PROJECT}`, { redirect: "manual" });
    expect(r.status).toBe(400);
    expect(await r.text()).toContain("general_argument_invalid");
  });

  it("the callback accepts a form POST from any origin (Apple's form_post) and forwards its fields", async () => {
    const r = await fetch(`${gatehouse.endpoint}/account/sessions/oauth2/callback/oidc/${PROJECT}`, {
      method: "POST",
      redirect: "manual",
      headers: { origin: "https://appleid.apple.com", "content-type": "application/x-www-form-urlencoded" },
      body: "code=c0de&state=s7ate",
    });
    expect(r.status).toBe(301);
    const location = new URL(r.headers.get("location")!);
    expect(location.pathname).toBe("/v1/account/sessions/oauth2/oidc/redirect");
    expect(Object.fromEntries(location.searchParams)).toEqual({ code: "c0de", state: "s7ate", project: PROJECT });
  });
});
