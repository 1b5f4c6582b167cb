/**
 * Native sign-in with an ID token (`POST /account/sessions/id-token`, appwrite 28's
 * `createIdTokenSession`) against a local issuer on loopback (test/helpers/id-token-issuer.ts):
 * its keys sign the tokens with jose and are served as a JWKS, for Google's and Apple's real JWKS
 * URLs (through the `fetch` option) and for an `oidc` provider found by discovery.
 *
 * node-appwrite 27 has no `createIdTokenSession`: a server calls the route through its client's
 * `call` (the SDK's own transport) with an API key, and uses the session through the SDK.
 */
import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { exportSPKI, SignJWT, type JWTPayload } from "jose";
import { AppwriteException, ID, IdTokenProvider } from "appwrite-latest";
import * as node from "node-appwrite";
import * as nodeLatest from "node-appwrite-latest";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { expectRawError, latestBrowser, raw } from "../helpers/sdk";
import { startWithOutbox, uniqueEmail } from "../helpers/flows";
import { seconds, startIssuer, type TestIssuer } from "../helpers/id-token-issuer";

const GOOGLE_WEB = "1234-web.apps.googleusercontent.com";
const GOOGLE_ANDROID = "1234-android.apps.googleusercontent.com";
const APPLE_BUNDLE = "com.example.app";
const OIDC_CLIENT = "native-oidc-client";
const PASSWORD = "correct horse battery";

let issuer: TestIssuer;
let server: TestServer;
/** The RS256 key Google's and Apple's tokens are signed with (the oidc case adds an ES256 key). */
let rs: TestIssuer["current"];

beforeAll(async () => {
  issuer = await startIssuer();
  rs = issuer.current;
  server = await startServer({
    version: "2.3.0",
    // Every request here comes from one IP, and the route allows 10 failures an hour per IP: the
    // limit has its own server below ("the rate limit").
    rateLimits: false,
    fetch: issuer.fetchFor(),
    oauth2: {
      google: { clientId: GOOGLE_WEB, clientIds: [GOOGLE_ANDROID], nativeEnabled: true },
      // The browser flow is off and has no secret: native sign-in needs neither.
      apple: { clientIds: [APPLE_BUNDLE], nativeEnabled: true, enabled: false },
      oidc: { clientId: OIDC_CLIENT, issuer: issuer.issuer, allowInsecureRequests: true, nativeEnabled: true },
      github: { clientId: "gh", clientSecret: "gh-secret", nativeEnabled: true },
      okta: { clientId: "okta", clientSecret: "okta-secret", issuer: "https://example.okta.com" },
      yahoo: { nativeEnabled: true },
    },
  });
});
afterAll(async () => {
  await server?.close();
  await issuer?.close();
});

const now = () => seconds(server.clock.now());
let subjects = 0;
const subject = (label: string) => `${label}-${++subjects}-${Date.now()}`;

/** A Google ID token as Credential Manager gets one: for the web client id, e-mail verified. */
function googleToken(claims: JWTPayload = {}, options?: Parameters<TestIssuer["sign"]>[1]) {
  return issuer.sign(
    {
      iss: "https://accounts.google.com",
      aud: GOOGLE_WEB,
      sub: subject("g"),
      email: uniqueEmail("google"),
      email_verified: true,
      name: "Gina Google",
      iat: now(),
      exp: now() + 3600,
      ...claims,
    },
    { key: rs, ...options },
  );
}

/** An Apple ID token: for the app's bundle id, sha256(nonce) as its nonce, no name, "true" as a string. */
function appleToken(nonce: string, claims: JWTPayload = {}) {
  return issuer.sign(
    {
      iss: "https://appleid.apple.com",
      aud: APPLE_BUNDLE,
      sub: subject("a"),
      email: uniqueEmail("apple"),
      email_verified: "true",
      nonce: createHash("sha256").update(nonce).digest("hex"),
      iat: now(),
      exp: now() + 600,
      ...claims,
    },
    { key: rs },
  );
}

const guest = () => latestBrowser(server.endpoint);

/** The SDK call fails with this Appwrite error (type, code and, when given, message). */
async function rejected(promise: Promise<unknown>, type: string, code: number, message?: string) {
  const error = (await promise.then(
    () => null,
    (e: unknown) => e,
  )) as AppwriteException | null;
  expect(error, "the call succeeded").toBeInstanceOf(AppwriteException);
  expect({ type: error!.type, code: error!.code }).toEqual({ type, code });
  if (message !== undefined) expect(error!.message).toBe(message);
}

describe("Google (appwrite 28)", () => {
  it("the first sign-in creates the user, its identity and a session; the second reuses them and ignores the app's name", async () => {
    const sub = subject("google-first");
    const email = uniqueEmail("gina");
    const token = await googleToken({ sub, email });
    const b = guest();
    const session = await b.use((a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: token, accessToken: "ya29.a0-access", accessTokenExpiry: 3599 }),
    );
    expect(session).toMatchObject({
      provider: "google",
      providerUid: sub,
      current: true,
      factors: ["email", "oauth2"],
      providerAccessToken: "ya29.a0-access",
    });
    expect(Date.parse(session.providerAccessTokenExpiry) - server.clock.now()).toBeGreaterThan(3590_000);
    const user = await b.use((a) => a.get());
    expect(user).toMatchObject({ $id: session.userId, email, emailVerification: true, name: "Gina Google" });
    const identities = await b.use((a) => a.listIdentities());
    expect(identities.identities).toEqual([
      expect.objectContaining({ provider: "google", providerUid: sub, providerEmail: email, userId: user.$id }),
    ]);

    // Positional call style, a token from the Android client id, a name the app passes: same user.
    const again = await googleToken({ sub, email, aud: GOOGLE_ANDROID, name: undefined });
    const other = guest();
    const second = await other.use((a) =>
      a.createIdTokenSession(IdTokenProvider.Google, again, undefined, undefined, undefined, "Renamed By App"),
    );
    expect(second.userId).toBe(user.$id);
    expect((await other.use((a) => a.get())).name).toBe("Gina Google");
    expect((await other.use((a) => a.listIdentities())).total).toBe(1);
    expect((await other.use((a) => a.listSessions())).total).toBe(2);
  });

  it("a nonce in the token must be sent, raw or hashed; a token without one is accepted either way", async () => {
    const nonce = "google-nonce-0123456789";
    await expect(
      guest().use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ nonce }), nonce })),
    ).resolves.toMatchObject({ provider: "google" });
    await rejected(
      guest().use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ nonce }) })),
      "user_oauth2_token_invalid",
      401,
      "Nonce required",
    );
    await rejected(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ nonce }), nonce: "another" }),
      ),
      "user_oauth2_token_invalid",
      401,
      "Nonce mismatch",
    );
    await expect(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken(), nonce: "ignored" }),
      ),
    ).resolves.toMatchObject({ provider: "google" });
    // Google's older issuer spelling, without the scheme.
    await expect(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ iss: "accounts.google.com" }) }),
      ),
    ).resolves.toMatchObject({ provider: "google" });
  });
});

describe("Apple (appwrite 28)", () => {
  it("the nonce is sent raw and the token carries its SHA-256; the app's name fills the new user's name, on the first sign-in only", async () => {
    const nonce = "apple-raw-nonce-abcdef";
    const sub = subject("apple");
    const email = uniqueEmail("apple-user");
    const b = guest();
    const session = await b.use(async (a) =>
      a.createIdTokenSession({
        provider: IdTokenProvider.Apple,
        idToken: await appleToken(nonce, { sub, email }),
        nonce,
        name: "Ada Apple",
      }),
    );
    expect(session).toMatchObject({ provider: "apple", providerUid: sub });
    expect(await b.use((a) => a.get())).toMatchObject({ email, emailVerification: true, name: "Ada Apple" });

    const later = guest();
    await later.use(async (a) =>
      a.createIdTokenSession({
        provider: IdTokenProvider.Apple,
        idToken: await appleToken(nonce, { sub, email }),
        nonce,
        name: "Someone Else",
      }),
    );
    expect((await later.use((a) => a.get())).name).toBe("Ada Apple");
  });

  it("refuses a token without a nonce, a request without one, and a wrong one", async () => {
    const nonce = "apple-nonce-2";
    const noClaim = await appleToken(nonce, { nonce: undefined });
    await rejected(
      guest().use((a) => a.createIdTokenSession({ provider: IdTokenProvider.Apple, idToken: noClaim, nonce })),
      "user_oauth2_token_invalid",
      401,
      "Nonce required",
    );
    await rejected(
      guest().use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Apple, idToken: await appleToken(nonce) })),
      "user_oauth2_token_invalid",
      401,
      "Nonce required",
    );
    await rejected(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Apple, idToken: await appleToken(nonce), nonce: "apple-nonce-3" }),
      ),
      "user_oauth2_token_invalid",
      401,
      "Nonce mismatch",
    );
  });
});

describe("tokens that must be refused (401 user_oauth2_token_invalid, nothing written)", () => {
  const attempt = async (token: string, provider = "google") => {
    const before = await server.service.config.store.users.count();
    const res = await raw(server.endpoint, "POST", "/account/sessions/id-token", { body: { provider, idToken: token } });
    expect(await server.service.config.store.users.count()).toBe(before);
    expect(res.headers.get("x-fallback-cookies")).toBeNull();
    return res;
  };
  const refused = async (token: string, message: string) => expectRawError(await attempt(token), 401, "user_oauth2_token_invalid", message);

  it("expired (beyond the minute of skew), issued in the future, older than a day", async () => {
    await refused(await googleToken({ iat: now() - 7200, exp: now() - 61 }), "Token expired");
    await expect(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ iat: now() - 7200, exp: now() - 30 }) }),
      ),
    ).resolves.toBeTruthy();
    await refused(await googleToken({ iat: now() + 120, exp: now() + 3600 }), "Token issued in the future");
    await refused(await googleToken({ iat: now() - 2 * 86400, exp: now() + 3600 }), "Token expired");
    await refused(await googleToken({ exp: undefined }), "Token expired");
  });

  it("wrong audience, wrong issuer, no subject", async () => {
    await refused(
      await googleToken({ aud: "someone-elses-client" }),
      "Audience mismatch. Add the token's client ID to the provider configuration.",
    );
    await refused(
      await googleToken({ aud: [APPLE_BUNDLE, "x"] }),
      "Audience mismatch. Add the token's client ID to the provider configuration.",
    );
    await refused(await googleToken({ iss: "https://appleid.apple.com" }), "Invalid issuer");
    await refused(await googleToken({ iss: issuer.issuer }), "Invalid issuer");
    await refused(await googleToken({ sub: undefined }), "Missing subject");
    await refused(await googleToken({ sub: "" }), "Missing subject");
    // OpenID Connect caps the subject at 255 characters; the stores keep no more.
    await refused(await googleToken({ sub: "s".repeat(256) }), "Invalid subject");
  });

  it("alg none, HS256 keyed with the provider's public key, a tampered payload, a foreign key with a known kid", async () => {
    const claims = {
      iss: "https://accounts.google.com",
      aud: GOOGLE_WEB,
      sub: subject("evil"),
      email: uniqueEmail("evil"),
      email_verified: true,
      iat: now(),
      exp: now() + 3600,
    };
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    await refused(`${b64({ alg: "none", kid: issuer.current.kid })}.${b64(claims)}.`, "Unsupported algorithm");
    await refused(`${b64({ alg: "none", kid: issuer.current.kid })}.${b64(claims)}.c2ln`, "Unsupported algorithm");

    // The classic confusion: the public key (PEM, or its JWK text) used as an HMAC secret.
    const { importJWK } = await import("jose");
    const publicKey = await importJWK(issuer.current.publicJwk, "RS256", { extractable: true });
    for (const secret of [await exportSPKI(publicKey as CryptoKey), JSON.stringify(issuer.current.publicJwk)]) {
      const hs = await new SignJWT(claims)
        .setProtectedHeader({ alg: "HS256", kid: issuer.current.kid })
        .sign(new TextEncoder().encode(secret));
      await refused(hs, "Unsupported algorithm");
    }

    const genuine = await googleToken({ email: uniqueEmail("victim") });
    const [header, , signature] = genuine.split(".");
    await refused(`${header}.${b64({ ...claims, email: "admin@example.com" })}.${signature}`, "Invalid signature");

    const { generateKeyPair } = await import("jose");
    const foreign = await generateKeyPair("RS256");
    const forged = await new SignJWT(claims).setProtectedHeader({ alg: "RS256", kid: issuer.current.kid }).sign(foreign.privateKey);
    await refused(forged, "Invalid signature");
  });

  it("malformed tokens and headers without a key id", async () => {
    for (const token of ["", "a.b", "a.b.c.d", "not-a-jwt", "%%%.e30.e30", "bnVsbA.e30.e30"]) await refused(token, "Malformed token");
    // A header without an algorithm names none of the provider's.
    await refused("e30.e30.e30", "Unsupported algorithm");
    await refused(await googleToken({}, { kid: null }), "Missing key ID");
  });

  it("a key id nobody published answers Unknown signing key", async () => {
    await refused(await googleToken({}, { kid: "made-up-kid" }), "Unknown signing key");
  });
});

describe("key rotation and the key cache", () => {
  it("an unknown kid refetches the key set once; more unknown kids within a minute fetch nothing; after 6 hours the set is fetched again", async () => {
    const own = await startIssuer();
    const s = await startServer({ fetch: own.fetchFor(), oauth2: { google: { clientId: GOOGLE_WEB, nativeEnabled: true } } });
    try {
      const t = () => seconds(s.clock.now());
      const token = (claims: JWTPayload = {}, options?: Parameters<TestIssuer["sign"]>[1]) =>
        own.sign(
          {
            iss: "https://accounts.google.com",
            aud: GOOGLE_WEB,
            sub: subject("rot"),
            email: uniqueEmail("rot"),
            email_verified: true,
            iat: t(),
            exp: t() + 600,
            ...claims,
          },
          options,
        );
      const signIn = async (idToken: string) =>
        raw(s.endpoint, "POST", "/account/sessions/id-token", { body: { provider: "google", idToken } });

      expect((await signIn(await token())).status).toBe(201);
      expect(own.jwksRequests).toBe(1);
      expect((await signIn(await token())).status).toBe(201);
      expect(own.jwksRequests).toBe(1);

      // Google rotates: the new key signs, the old one is withdrawn.
      await own.rotate({ retire: true });
      expect((await signIn(await token())).status).toBe(201);
      expect(own.jwksRequests).toBe(2);

      // Made-up key ids cannot make every request a fetch.
      for (let i = 0; i < 5; i++)
        expectRawError(await signIn(await token({}, { kid: `bogus-${i}` })), 401, "user_oauth2_token_invalid", "Unknown signing key");
      expect(own.jwksRequests).toBe(2);
      // A real rotation within the cooldown is seen once the minute has passed.
      const next = await own.rotate();
      expectRawError(await signIn(await token({}, { key: next })), 401, "user_oauth2_token_invalid", "Unknown signing key");
      expect(own.jwksRequests).toBe(2);
      s.clock.advance(61_000);
      expect((await signIn(await token({}, { key: next }))).status).toBe(201);
      expect(own.jwksRequests).toBe(3);

      s.clock.advance(6 * 3600_000);
      expect((await signIn(await token())).status).toBe(201);
      expect(own.jwksRequests).toBe(4);
    } finally {
      await s.close();
      await own.close();
    }
  });

  it("a key set that cannot be fetched answers 503 user_oauth2_provider_error, and is not asked again for 10 seconds", async () => {
    const own = await startIssuer();
    const s = await startServer({ fetch: own.fetchFor(), oauth2: { google: { clientId: GOOGLE_WEB, nativeEnabled: true } } });
    try {
      own.failWith = 500;
      const idToken = await own.sign({
        iss: "https://accounts.google.com",
        aud: GOOGLE_WEB,
        sub: "down",
        iat: seconds(s.clock.now()),
        exp: seconds(s.clock.now()) + 600,
      });
      const signIn = () => raw(s.endpoint, "POST", "/account/sessions/id-token", { body: { provider: "google", idToken } });
      expectRawError(await signIn(), 503, "user_oauth2_provider_error", "Failed to fetch the provider signing keys. Please try again.");
      expectRawError(await signIn(), 503, "user_oauth2_provider_error");
      expect(own.jwksRequests).toBe(1);
      own.failWith = null;
      s.clock.advance(10_001);
      expect((await signIn()).status).toBe(201);
      expect(own.jwksRequests).toBe(2);
    } finally {
      await s.close();
      await own.close();
    }
  });
});

describe("what a sign-in writes", () => {
  it("a name claim longer than a user's name is cut to 128 characters; a 255-character subject is kept", async () => {
    const sub = "s".repeat(255);
    const b = guest();
    const session = await b.use(async (a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ sub, name: "N".repeat(2000) }) }),
    );
    expect(session.providerUid).toBe(sub);
    expect((await b.use((a) => a.get())).name).toBe("N".repeat(128));
  });

  it("a second sign-in on an account that has a session sends the session alert when auth.sessionAlerts is on", async () => {
    const { s, box } = await startWithOutbox({
      fetch: issuer.fetchFor(),
      auth: { sessionAlerts: true },
      oauth2: { google: { clientId: GOOGLE_WEB, nativeEnabled: true } },
    });
    try {
      const sub = subject("alert");
      const email = uniqueEmail("alert");
      const signIn = async () =>
        raw(s.endpoint, "POST", "/account/sessions/id-token", { body: { provider: "google", idToken: await googleToken({ sub, email }) } });
      const alerts = () => box.entries.filter((e) => e.channel === "mail" && e.message.to === email && e.message.kind === "session-alert");
      expect((await signIn()).status).toBe(201);
      expect(alerts()).toHaveLength(0);
      expect((await signIn()).status).toBe(201);
      await expect.poll(() => alerts().length).toBe(1);
    } finally {
      await s.close();
    }
  });
});

describe("providerIdToken on the identity", () => {
  /** A sign-in made by node-appwrite 27 with the API key, so that both SDK generations can use its secret. */
  async function keySignIn(idToken: string) {
    const client = new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY);
    const headers = { "X-Appwrite-Project": PROJECT, "content-type": "application/json" };
    const url = new URL(`${server.endpoint}/account/sessions/id-token`);
    return (await client.call("post", url, headers, { provider: "google", idToken })) as nodeLatest.Models.Session;
  }
  const client16 = (secret: string) =>
    new node.Account(new node.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(secret));
  const client27 = (secret: string) =>
    new nodeLatest.Account(new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(secret));

  it("is the latest verified token for today's SDKs, absent for the 1.6 ones, and sealed in the store", async () => {
    const sub = subject("id-token-kept");
    const first = await googleToken({ sub });
    const web = guest();
    await web.use((a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: first }));
    const [identity] = (await web.use((a) => a.listIdentities())).identities;
    expect(identity!.providerIdToken).toBe(first);

    // The store holds it sealed: a copy of the table does not give a token that signs anyone in.
    const [stored] = await server.service.config.store.identities.list(identity!.userId);
    expect(stored!.providerIdToken).toMatch(/^v1\./);
    expect(stored!.providerIdToken).not.toContain(first.split(".")[1]!);

    const second = await googleToken({ sub });
    const session = await keySignIn(second);
    // node-appwrite 27's type lacks the field (appwrite 28 declares it); the body carries it all the same.
    expect((await client27(session.secret).listIdentities()).identities[0]).toMatchObject({ providerIdToken: second });
    const old = (await client16(session.secret).listIdentities()).identities[0]!;
    expect(old.providerUid).toBe(sub);
    expect(old).not.toHaveProperty("providerIdToken");
  });

  it('a token sealed under another service secret shows as "", not as an error', async () => {
    const session = await keySignIn(await googleToken());
    const [stored] = await server.service.config.store.identities.list(session.userId);
    await server.service.config.store.identities.update(stored!.id, { providerIdToken: "v1.aaaa.bbbb.cccc" });
    expect((await client27(session.secret).listIdentities()).identities[0]).toMatchObject({ provider: "google", providerIdToken: "" });
  });
});

describe("identity linking", () => {
  it("an unverified e-mail never links to an existing account (400 general_bad_request); a verified one does", async () => {
    const email = uniqueEmail("owner");
    const owner = await guest().use((a) => a.create({ userId: ID.unique(), email, password: PASSWORD }));
    await server.service.users.updateEmailVerification({ userId: owner.$id, emailVerification: true });
    await rejected(
      guest().use(async (a) =>
        a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email, email_verified: false }) }),
      ),
      "general_bad_request",
      400,
    );
    const users = await server.service.config.store.identities.findByEmail(email);
    expect(users).toEqual([]);

    const b = guest();
    const session = await b.use(async (a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email }) }),
    );
    expect(session.userId).toBe(owner.$id);
    expect((await b.use((a) => a.listIdentities())).total).toBe(1);
  });

  it("an account that never verified its e-mail is not linked, even to a verified token (pre-account takeover)", async () => {
    // Someone signs up first with another person's address and a password of their own. Linking
    // the address owner's Google sign-in to that account would put the owner in an account the
    // squatter can still sign in to (src/core/provider-login.ts).
    const email = uniqueEmail("squatted");
    const squatter = await guest().use((a) => a.create({ userId: ID.unique(), email, password: PASSWORD }));
    await rejected(
      guest().use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email }) })),
      "general_bad_request",
      400,
    );
    expect(await server.service.config.store.identities.findByEmail(email)).toEqual([]);
    expect(await server.service.config.store.sessions.list(squatter.$id)).toEqual([]);
    // Once the address is proven on the account (by whoever can read its mail), the sign-in links.
    await server.service.users.updateEmailVerification({ userId: squatter.$id, emailVerification: true });
    const session = await guest().use(async (a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email }) }),
    );
    expect(session.userId).toBe(squatter.$id);
  });

  it("a token without an e-mail signs a new user up with none", async () => {
    const b = guest();
    const session = await b.use(async (a) =>
      a.createIdTokenSession({
        provider: IdTokenProvider.Google,
        idToken: await googleToken({ email: undefined, email_verified: undefined }),
      }),
    );
    expect(await b.use((a) => a.get())).toMatchObject({ $id: session.userId, email: "", emailVerification: false });
  });

  it("a signed-in anonymous user is upgraded: the identity and e-mail join that account and its session is replaced", async () => {
    const b = guest();
    const anonymous = await b.use((a) => a.createAnonymousSession());
    const email = uniqueEmail("upgraded");
    const session = await b.use(async (a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email }) }),
    );
    expect(session.userId).toBe(anonymous.userId);
    expect(await b.use((a) => a.get())).toMatchObject({ $id: anonymous.userId, email, emailVerification: true, name: "Gina Google" });
    const sessions = await b.use((a) => a.listSessions());
    expect(sessions.sessions.map((x) => x.$id)).toEqual([session.$id]);
  });

  it("a signed-in user cannot take another account's identity or e-mail (409 user_already_exists)", async () => {
    const sub = subject("taken");
    const email = uniqueEmail("taken");
    await guest().use(async (a) =>
      a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ sub, email }) }),
    );
    const b = guest();
    await b.use((a) => a.createAnonymousSession());
    await rejected(
      b.use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ sub }) })),
      "user_already_exists",
      409,
    );
    await rejected(
      b.use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ email }) })),
      "user_already_exists",
      409,
    );
  });

  it("a blocked user cannot sign in", async () => {
    const sub = subject("blocked");
    const b = guest();
    await b.use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ sub }) }));
    await b.use((a) => a.updateStatus());
    await rejected(
      guest().use(async (a) => a.createIdTokenSession({ provider: IdTokenProvider.Google, idToken: await googleToken({ sub }) })),
      // appwrite 28's format: 403 since 1.9.0 (src/core/behaviour.ts).
      "user_blocked",
      403,
      "The current user has been blocked.",
    );
  });
});

describe("any OpenID provider by discovery", () => {
  it("the oidc provider takes the issuer, key set and algorithms from the issuer's discovery document (ES256 here)", async () => {
    const es = await issuer.rotate({ alg: "ES256" });
    const sub = subject("oidc");
    const idToken = await issuer.sign(
      { iss: issuer.issuer, aud: OIDC_CLIENT, sub, email: uniqueEmail("oidc"), email_verified: true, iat: now(), exp: now() + 300 },
      { key: es },
    );
    const res = await raw(server.endpoint, "POST", "/account/sessions/id-token", { body: { provider: "oidc", idToken } });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ provider: "oidc", providerUid: sub });
    // Discovery lists HS256 and none too: they stay refused.
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    expectRawError(
      await raw(server.endpoint, "POST", "/account/sessions/id-token", {
        body: {
          provider: "oidc",
          idToken: `${b64({ alg: "none", kid: es.kid })}.${b64({ iss: issuer.issuer, aud: OIDC_CLIENT, sub, iat: now(), exp: now() + 300 })}.`,
        },
      }),
      401,
      "user_oauth2_token_invalid",
      "Unsupported algorithm",
    );
  });
});

describe("configuration and parameters", () => {
  const post = (body: Record<string, unknown>) => raw(server.endpoint, "POST", "/account/sessions/id-token", { body });

  it("answers Appwrite's errors for unsupported, disabled and unconfigured providers", async () => {
    const idToken = await googleToken();
    expectRawError(
      await post({ provider: "github", idToken }),
      400,
      "project_provider_unsupported",
      "This provider does not support ID token sign-in.",
    );
    expectRawError(await post({ provider: "okta", idToken }), 412, "project_provider_disabled");
    expectRawError(await post({ provider: "auth0", idToken }), 412, "project_provider_disabled");
    const yahoo = await post({ provider: "yahoo", idToken });
    expectRawError(yahoo, 412, "project_provider_disabled");
    expect(yahoo.json?.message).toMatch(/^Configure a client ID or native client IDs for this provider to accept ID tokens/);
    expectRawError(await post({ provider: "nope", idToken }), 400, "general_argument_invalid");
  });

  it("validates the parameters as Appwrite does", async () => {
    const idToken = await googleToken();
    expectRawError(await post({ idToken }), 400, "general_argument_invalid", 'Param "provider" is not optional.');
    expectRawError(await post({ provider: "google" }), 400, "general_argument_invalid", 'Param "idToken" is not optional.');
    expectRawError(
      await post({ provider: "google", idToken: "x".repeat(8193) }),
      400,
      "general_argument_invalid",
      "Invalid `idToken` param: Value must be a valid string and no longer than 8192 chars",
    );
    expectRawError(await post({ provider: "google", idToken, nonce: "n".repeat(257) }), 400, "general_argument_invalid");
    expectRawError(
      await post({ provider: "google", idToken, accessTokenExpiry: -1 }),
      400,
      "general_argument_invalid",
      "Invalid `accessTokenExpiry` param: Value must be a valid range between 0 and 31,536,000",
    );
    expectRawError(await post({ provider: "google", idToken, accessTokenExpiry: 1.5 }), 400, "general_argument_invalid");
    expectRawError(await post({ provider: "google", idToken, name: "n".repeat(129) }), 400, "general_argument_invalid");
    // The provider name is matched case-insensitively, as on the OAuth2 routes.
    expect((await post({ provider: "GOOGLE", idToken })).json).toMatchObject({ provider: "google" });
  });
});

describe("the rate limit: 10 an hour per IP, reset by each successful sign-in", () => {
  it("nine refused tokens, a sign-in, then ten more tries pass; the eleventh failure in a row is 429, valid token or not", async () => {
    const limited = await startServer({ fetch: issuer.fetchFor(), oauth2: { google: { clientId: GOOGLE_WEB, nativeEnabled: true } } });
    try {
      const signIn = async (idToken: string) =>
        raw(limited.endpoint, "POST", "/account/sessions/id-token", { body: { provider: "google", idToken } });
      const at = () => seconds(limited.clock.now());
      const token = (claims: JWTPayload = {}) => googleToken({ iat: at(), exp: at() + 3600, ...claims });
      const expired = () => token({ iat: at() - 7200, exp: at() - 600 });
      for (let i = 0; i < 9; i++) expectRawError(await signIn(await expired()), 401, "user_oauth2_token_invalid");
      const ok = await signIn(await token());
      expect(ok.status).toBe(201);
      // Counted (10 of 10), then reset: the next ten have the whole allowance.
      expect(ok.headers.get("x-ratelimit-remaining")).toBe("0");
      for (let i = 0; i < 10; i++) expectRawError(await signIn(await expired()), 401, "user_oauth2_token_invalid");
      const over = await signIn(await token());
      expectRawError(over, 429, "general_rate_limit_exceeded");
      expect(over.headers.get("x-ratelimit-limit")).toBe("10");
    } finally {
      await limited.close();
    }
  });
});

describe("node-appwrite 27 (server side, API key)", () => {
  it("calls the route through the SDK's client, gets the session secret and acts for the user with it", async () => {
    const client = new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setKey(API_KEY);
    const email = uniqueEmail("server-side");
    const session = (await client.call(
      "post",
      new URL(`${server.endpoint}/account/sessions/id-token`),
      // What the SDK's own methods add: the project header (the key is on the client already).
      { "X-Appwrite-Project": PROJECT, "content-type": "application/json" },
      { provider: "google", idToken: await googleToken({ email }) },
    )) as nodeLatest.Models.Session;
    expect(session.secret).not.toBe("");
    const asUser = new nodeLatest.Account(
      new nodeLatest.Client().setEndpoint(server.endpoint).setProject(PROJECT).setSession(session.secret),
    );
    expect(await asUser.get()).toMatchObject({ $id: session.userId, email, emailVerification: true });
    expect((await asUser.listIdentities()).identities[0]).toMatchObject({ provider: "google", providerEmail: email });
  });
});
