/**
 * Every OAuth2 provider's *data* (src/oauth/providers.ts), driven through the real HTTP flow
 * against PROVIDER DOUBLES. No real provider is reachable from this machine, so each provider's
 * endpoints are answered in-process (Gatehouse's `fetch` option) by a double whose answers are
 * copied in shape from that provider's official API documentation (endpoints, token answers,
 * profile answers). These tests check that Gatehouse asks each provider the documented way and
 * reads its documented answers right; they cannot prove that the provider still answers as
 * documented. The real-protocol test is test/http/oauth2.test.ts (a real `oidc-provider` on
 * loopback); the in-process `mock` provider has test/http/oauth2-mock.test.ts.
 *
 * For each provider (all of `providers` except `mock`):
 *   1. start → 301 to the documented authorization endpoint with client_id, redirect_uri,
 *      response_type=code, the scopes, state, PKCE exactly when the data (or, for OpenID
 *      providers, the discovery document) says so, the nonce for OpenID, the documented extras;
 *   2. the provider's login is simulated by sending the browser (with the start route's binding
 *      cookie) to the redirect_uri with a code the double issued for that request;
 *   3. the token request: documented endpoint, authorization_code grant, code, redirect_uri,
 *      client authentication (Basic or body) as the data says and the docs show, code_verifier iff
 *      PKCE; the profile requests carry the token the documented way;
 *   4. through the web SDK: the user's e-mail, name and emailVerification and the identity.
 * Plus the token-answer shims of src/oauth/client.ts and two failure paths.
 *
 * Routes: GET tokens/oauth2/{provider}, GET sessions/oauth2/callback/{provider}/{projectId},
 * GET sessions/oauth2/{provider}/redirect, POST sessions/token, GET account, GET account/identities.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { providers } from "../../src/oauth/providers";
import { PROJECT, startServer, type TestServer } from "../helpers/server";
import { browser } from "../helpers/sdk";
import { followRedirects } from "../helpers/navigate";
import {
  basicCredentials,
  discoveryUrl,
  json,
  ProviderDouble,
  s256,
  type Answer,
  type Grant,
  type Recorded,
} from "../helpers/provider-doubles";

const APP = "http://localhost/app";
const SUCCESS = `${APP}/success`;
const FAILURE = `${APP}/failure`;

/** App credentials per provider; Stripe's secret is the platform's secret key, Etsy's the shared secret. */
const CREDENTIALS: Record<string, { clientId: string; clientSecret: string }> = {
  stripe: { clientId: "ca_FkyHCg7X8mlvCUdMDao4mMxagUfhIwXb", clientSecret: "sk_test_4eC39HqLyjWDarjtT1zdp7dc" },
  etsy: { clientId: "1aa2bb33c44d55eeeeee6fff", clientSecret: "a1b2c3d4e5" },
};
const credentials = (name: string) => CREDENTIALS[name] ?? { clientId: `${name}-client-id`, clientSecret: `${name}-client-secret` };

interface Ctx {
  accessToken: string;
  clientId: string;
  clientSecret: string;
}

interface TokenCtx {
  grant: Grant;
  clientId: string;
  /** An RS256 ID token with iss, aud, iat, exp (and the request's nonce, where the provider echoes it). */
  idToken(claims: Record<string, unknown>): string;
}

interface Api {
  method?: "GET" | "POST";
  /** The documented endpoint, with the query the provider data sends. */
  url: string;
  /** Header values the documentation requires, exactly. */
  headers?: (c: Ctx) => Record<string, string>;
  /** Query parameters that must be present with these values. */
  query?: (c: Ctx) => Record<string, string>;
  body?: string;
  answer: Answer | ((request: Recorded) => Answer);
}

interface Case {
  name: string;
  settings?: Record<string, unknown>;
  /** The documented authorization endpoint (no query). */
  authorize: string;
  /** The `scope` parameter, or null when none is sent. */
  scope: string | null;
  pkce: boolean;
  /** Documented extra authorization parameters. */
  params?: Record<string, string>;
  /** OpenID providers: the issuer and its discovery document (served by the double). */
  oidc?: { issuer: string; discovery: Record<string, unknown> };
  /** Extra parameters the provider sends back beside the code (Apple's `user`). */
  callback?: Record<string, string>;
  /** Whether the provider puts the authorization request's nonce in its ID token. */
  echoesNonce?: boolean;
  token: { url: string; auth: "basic" | "post"; accessToken: string; answer: (t: TokenCtx) => Answer };
  api: Api[];
  expect: { id: string; email: string; emailVerified: boolean; name: string };
}

const bearer = (c: Ctx) => ({ authorization: `Bearer ${c.accessToken}` });
const now = () => Math.floor(Date.now() / 1000);

/** A discovery document's usual fixed members. */
const discoveryBase = {
  response_types_supported: ["code"],
  subject_types_supported: ["public"],
  id_token_signing_alg_values_supported: ["RS256"],
};

function paypalCase(name: "paypal" | "paypalSandbox", web: string, api: string, who: { id: string; email: string; name: string }): Case {
  return {
    name,
    authorize: `${web}/signin/authorize`,
    scope: "openid profile email",
    pkce: false,
    // https://developer.paypal.com/docs/log-in-with-paypal/integrate/ : Basic auth at /v1/oauth2/token.
    token: {
      url: `${api}/v1/oauth2/token`,
      auth: "basic",
      accessToken: `A21AAFs9e4p0Zz1P_${name}`,
      answer: () => ({
        scope: "openid profile email",
        access_token: `A21AAFs9e4p0Zz1P_${name}`,
        token_type: "Bearer",
        app_id: "APP-80W284485P519543T",
        expires_in: 28800,
        refresh_token: "R23AAFFdT1",
        nonce: "2024-01-01T00:00:00ZsZBRY",
      }),
    },
    // https://developer.paypal.com/docs/api/identity/v1/ (GET /v1/identity/oauth2/userinfo?schema=paypalv1.1)
    api: [
      {
        url: `${api}/v1/identity/oauth2/userinfo?schema=paypalv1.1`,
        headers: bearer,
        query: () => ({ schema: "paypalv1.1" }),
        answer: {
          user_id: who.id,
          name: who.name,
          given_name: who.name.split(" ")[0],
          family_name: who.name.split(" ")[1],
          payer_id: "WDJJHEBZ4X2LY",
          address: { street_address: "1 Main St", locality: "San Jose", region: "CA", postal_code: "95131", country: "US" },
          verified_account: "true",
          emails: [
            { value: `old-${who.email}`, primary: false, confirmed: false },
            { value: who.email, primary: true, confirmed: true },
          ],
        },
      },
    ],
    expect: { ...who, emailVerified: true },
  };
}

function tradeshiftCase(name: "tradeshift" | "tradeshiftBox", host: string, who: { id: string; email: string }): Case {
  return {
    name,
    authorize: `${host}/tradeshift/auth/login`,
    scope: "offline",
    pkce: false,
    token: {
      url: `${host}/tradeshift/auth/token`,
      auth: "basic",
      accessToken: `ts-access-${name}`,
      answer: () => ({
        access_token: `ts-access-${name}`,
        token_type: "bearer",
        expires_in: 3599,
        refresh_token: `ts-refresh-${name}`,
        scope: "offline",
      }),
    },
    api: [
      {
        url: `${host}/tradeshift/rest/external/account/info/user`,
        headers: bearer,
        answer: {
          Id: who.id,
          CompanyAccountId: "0f4d7a3c-1111-4a4a-9d9d-000000000001",
          Username: who.email,
          FirstName: "Tess",
          LastName: "Trader",
          Language: "en",
          State: "ACTIVE",
        },
      },
    ],
    expect: { ...who, emailVerified: false, name: "Tess Trader" },
  };
}

/** One case per provider; each answer's shape follows the provider's documentation (cited). */
const CASES: Case[] = [
  {
    // https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html, customer-profile.html
    name: "amazon",
    authorize: "https://www.amazon.com/ap/oa",
    scope: "profile",
    pkce: true,
    token: {
      url: "https://api.amazon.com/auth/o2/token",
      auth: "post",
      accessToken: "Atza|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR",
      answer: () => ({
        access_token: "Atza|IQEBLjAsAhRmHjNgHpi0U-Dme37rR6CuUpSR",
        token_type: "bearer",
        expires_in: 3600,
        refresh_token: "Atzr|IQEBLzAtAhRPpMJxdwVz2Nn6f2y-tpJX2DeX",
      }),
    },
    api: [
      {
        url: "https://api.amazon.com/user/profile",
        headers: bearer,
        answer: { email: "johndoe@amazon.example", name: "John Doe", user_id: "amzn1.account.K2LI23KL2LK2" },
      },
    ],
    expect: { id: "amzn1.account.K2LI23KL2LK2", email: "johndoe@amazon.example", emailVerified: false, name: "John Doe" },
  },
  {
    // https://appleid.apple.com/.well-known/openid-configuration; identity token claims:
    // https://developer.apple.com/documentation/signinwithapple/authenticating-users-with-sign-in-with-apple
    // Apple puts no name in the ID token: it posts `user` (JSON) once, beside the code.
    name: "apple",
    callback: {
      user: JSON.stringify({ name: { firstName: "Jane", lastName: "Appleseed" }, email: "k7qv2x9h3m@privaterelay.appleid.com" }),
    },
    authorize: "https://appleid.apple.com/auth/authorize",
    scope: "name email",
    pkce: false,
    params: { response_mode: "form_post" },
    oidc: {
      issuer: "https://appleid.apple.com",
      discovery: {
        ...discoveryBase,
        issuer: "https://appleid.apple.com",
        authorization_endpoint: "https://appleid.apple.com/auth/authorize",
        token_endpoint: "https://appleid.apple.com/auth/token",
        revocation_endpoint: "https://appleid.apple.com/auth/revoke",
        jwks_uri: "https://appleid.apple.com/auth/keys",
        response_modes_supported: ["query", "fragment", "form_post"],
        subject_types_supported: ["pairwise"],
        scopes_supported: ["openid", "email", "name"],
        token_endpoint_auth_methods_supported: ["client_secret_post"],
        claims_supported: [
          "aud",
          "email",
          "email_verified",
          "exp",
          "iat",
          "is_private_email",
          "iss",
          "nonce",
          "nonce_supported",
          "real_user_status",
          "sub",
          "transfer_sub",
        ],
      },
    },
    token: {
      url: "https://appleid.apple.com/auth/token",
      auth: "post",
      accessToken: "a0e1b8d2c0.0.mrut.apple-access",
      answer: (t) => ({
        access_token: "a0e1b8d2c0.0.mrut.apple-access",
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: "r0f7a2c1.0.mrut.apple-refresh",
        // Apple sends email_verified as the string "true" (or a boolean).
        id_token: t.idToken({
          sub: "001234.5e201aec537347aeb79d23cbc345170a.1321",
          c_hash: "X8tM9gqbCz3p0ZQ8lVJ0rQ",
          email: "k7qv2x9h3m@privaterelay.appleid.com",
          email_verified: "true",
          is_private_email: "true",
          auth_time: now(),
          nonce_supported: true,
        }),
      }),
    },
    api: [],
    expect: {
      id: "001234.5e201aec537347aeb79d23cbc345170a.1321",
      email: "k7qv2x9h3m@privaterelay.appleid.com",
      emailVerified: true,
      name: "Jane Appleseed",
    },
  },
  {
    // Auth0 tenant discovery (issuer ends with "/"): https://auth0.com/docs/get-started/applications/configure-applications-with-oidc-discovery
    name: "auth0",
    settings: { issuer: "https://auth0.idp.test/" },
    authorize: "https://auth0.idp.test/authorize",
    scope: "openid email profile",
    pkce: true,
    oidc: {
      issuer: "https://auth0.idp.test/",
      discovery: {
        ...discoveryBase,
        issuer: "https://auth0.idp.test/",
        authorization_endpoint: "https://auth0.idp.test/authorize",
        token_endpoint: "https://auth0.idp.test/oauth/token",
        userinfo_endpoint: "https://auth0.idp.test/userinfo",
        jwks_uri: "https://auth0.idp.test/.well-known/jwks.json",
        code_challenge_methods_supported: ["S256", "plain"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
        scopes_supported: [
          "openid",
          "profile",
          "offline_access",
          "name",
          "given_name",
          "family_name",
          "nickname",
          "email",
          "email_verified",
          "picture",
          "created_at",
          "identities",
          "phone",
          "address",
        ],
      },
    },
    token: {
      url: "https://auth0.idp.test/oauth/token",
      auth: "post",
      accessToken: "eyJhbGciOi.auth0-access",
      answer: (t) => ({
        access_token: "eyJhbGciOi.auth0-access",
        token_type: "Bearer",
        expires_in: 86400,
        scope: "openid profile email",
        id_token: t.idToken({
          sub: "auth0|5f7c8ec7c33c6c004bbafe82",
          name: "Jane Auth0",
          nickname: "jane",
          email: "jane@auth0.example",
          email_verified: true,
          sid: "zBRYbKy",
        }),
      }),
    },
    api: [
      {
        url: "https://auth0.idp.test/userinfo",
        headers: bearer,
        answer: {
          sub: "auth0|5f7c8ec7c33c6c004bbafe82",
          name: "Jane Auth0",
          nickname: "jane",
          picture: "https://s.gravatar.com/avatar/x.png",
          updated_at: "2024-01-01T00:00:00.000Z",
          email: "jane@auth0.example",
          email_verified: true,
        },
      },
    ],
    expect: { id: "auth0|5f7c8ec7c33c6c004bbafe82", email: "jane@auth0.example", emailVerified: true, name: "Jane Auth0" },
  },
  {
    // authentik OAuth2 provider: issuer https://<host>/application/o/<slug>/ (trailing slash),
    // https://docs.goauthentik.io/add-secure-apps/providers/oauth2/ . This sample does not vouch
    // for the address (email_verified false): Gatehouse must not either.
    name: "authentik",
    settings: { issuer: "https://authentik.idp.test/application/o/gatehouse/" },
    authorize: "https://authentik.idp.test/application/o/authorize/",
    scope: "openid email profile",
    pkce: true,
    oidc: {
      issuer: "https://authentik.idp.test/application/o/gatehouse/",
      discovery: {
        ...discoveryBase,
        issuer: "https://authentik.idp.test/application/o/gatehouse/",
        authorization_endpoint: "https://authentik.idp.test/application/o/authorize/",
        token_endpoint: "https://authentik.idp.test/application/o/token/",
        userinfo_endpoint: "https://authentik.idp.test/application/o/userinfo/",
        end_session_endpoint: "https://authentik.idp.test/application/o/gatehouse/end-session/",
        jwks_uri: "https://authentik.idp.test/application/o/gatehouse/jwks/",
        code_challenge_methods_supported: ["plain", "S256"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      },
    },
    token: {
      url: "https://authentik.idp.test/application/o/token/",
      auth: "post",
      accessToken: "authentik-access-token",
      answer: (t) => ({
        access_token: "authentik-access-token",
        token_type: "Bearer",
        scope: "openid email profile",
        expires_in: 300,
        id_token: t.idToken({
          sub: "5c4a3f0e9d2b8a7c6e1f",
          email: "akadmin@authentik.example",
          email_verified: false,
          name: "authentik Default Admin",
          preferred_username: "akadmin",
        }),
      }),
    },
    api: [
      {
        url: "https://authentik.idp.test/application/o/userinfo/",
        headers: bearer,
        answer: {
          sub: "5c4a3f0e9d2b8a7c6e1f",
          email: "akadmin@authentik.example",
          email_verified: false,
          name: "authentik Default Admin",
          given_name: "authentik Default Admin",
          preferred_username: "akadmin",
          nickname: "akadmin",
          groups: ["authentik Admins"],
        },
      },
    ],
    expect: { id: "5c4a3f0e9d2b8a7c6e1f", email: "akadmin@authentik.example", emailVerified: false, name: "authentik Default Admin" },
  },
  {
    // https://aps.autodesk.com/en/docs/oauth/v2/reference/http/ (authorize, gettoken with Basic, userinfo)
    name: "autodesk",
    authorize: "https://developer.api.autodesk.com/authentication/v2/authorize",
    scope: "user-profile:read",
    pkce: true,
    token: {
      url: "https://developer.api.autodesk.com/authentication/v2/token",
      auth: "basic",
      accessToken: "eyJhbGciOiJSUzI1NiIsImtpZCI6.autodesk",
      answer: () => ({
        access_token: "eyJhbGciOiJSUzI1NiIsImtpZCI6.autodesk",
        token_type: "Bearer",
        expires_in: 3599,
        refresh_token: "uQm6s3hWLiH5xQUbhFDWGaKNQIKzIJWRSyDz0dXs5N",
      }),
    },
    api: [
      {
        url: "https://api.userprofile.autodesk.com/userinfo",
        headers: bearer,
        answer: {
          sub: "NBVMKXFS9LXT",
          name: "John Doe",
          given_name: "John",
          family_name: "Doe",
          preferred_username: "johndoe",
          email: "john.doe@autodesk.example",
          email_verified: true,
          profile: "https://profile.autodesk.com",
          picture: "https://images.profile.autodesk.com/x.png",
          locale: "en-US",
          updated_at: 1658219425,
        },
      },
    ],
    expect: { id: "NBVMKXFS9LXT", email: "john.doe@autodesk.example", emailVerified: true, name: "John Doe" },
  },
  {
    // https://developer.atlassian.com/cloud/bitbucket/oauth-2/ (curl -u "client_id:secret"),
    // https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/ (/user, /user/emails)
    name: "bitbucket",
    authorize: "https://bitbucket.org/site/oauth2/authorize",
    scope: "account email",
    pkce: false,
    token: {
      url: "https://bitbucket.org/site/oauth2/access_token",
      auth: "basic",
      accessToken: "bb-access-token",
      answer: () => ({
        access_token: "bb-access-token",
        scopes: "account email",
        expires_in: 7200,
        refresh_token: "bb-refresh-token",
        token_type: "bearer",
        state: "authorization_code",
      }),
    },
    api: [
      {
        url: "https://api.bitbucket.org/2.0/user",
        headers: bearer,
        answer: {
          type: "user",
          uuid: "{d301aafa-d676-4ee0-88be-962be7417567}",
          account_id: "557058:c0b72ad0-1cb5-4018-9cdc-0cde8492c443",
          display_name: "Jane Bitbucket",
          nickname: "janebb",
          created_on: "2018-02-01T12:00:00+00:00",
        },
      },
      {
        url: "https://api.bitbucket.org/2.0/user/emails",
        headers: bearer,
        answer: {
          pagelen: 10,
          page: 1,
          size: 2,
          values: [
            { is_primary: false, is_confirmed: false, type: "email", email: "jane.old@bitbucket.example" },
            { is_primary: true, is_confirmed: true, type: "email", email: "jane@bitbucket.example" },
          ],
        },
      },
    ],
    expect: { id: "{d301aafa-d676-4ee0-88be-962be7417567}", email: "jane@bitbucket.example", emailVerified: true, name: "Jane Bitbucket" },
  },
  {
    // https://dev.bitly.com/docs/getting-started/authentication/ (OAuth web flow; the token answer has
    // no token_type), https://dev.bitly.com/api-reference/#getUser
    name: "bitly",
    authorize: "https://bitly.com/oauth/authorize",
    scope: null,
    pkce: false,
    token: {
      url: "https://api-ssl.bitly.com/oauth/access_token",
      auth: "post",
      accessToken: "e663e30818201d28dd07803e57333bed4f15803a",
      answer: () => ({
        access_token: "e663e30818201d28dd07803e57333bed4f15803a",
        login: "bitlyapiuser",
        apiKey: "R_0da49e0a9118ff35f52f629d2d71bf07",
      }),
    },
    api: [
      {
        url: "https://api-ssl.bitly.com/v4/user",
        headers: bearer,
        answer: {
          login: "bitlyapiuser",
          name: "Bitly Api User",
          is_active: true,
          created: "2009-12-03T18:27:22+0000",
          modified: "2024-01-01T00:00:00+0000",
          is_sso_user: false,
          is_2fa_enabled: false,
          default_group_guid: "Ba1bc23dE4F",
          emails: [
            { email: "secondary@bitly.example", is_primary: false, is_verified: true },
            { email: "api.user@bitly.example", is_primary: true, is_verified: true },
          ],
        },
      },
    ],
    expect: { id: "bitlyapiuser", email: "api.user@bitly.example", emailVerified: true, name: "Bitly Api User" },
  },
  {
    // https://developer.box.com/reference/post-oauth2-token/, https://developer.box.com/reference/get-users-me/
    name: "box",
    authorize: "https://account.box.com/api/oauth2/authorize",
    scope: "manage_app_users",
    pkce: false,
    token: {
      url: "https://api.box.com/oauth2/token",
      auth: "post",
      accessToken: "c3FIOG9vSGV4VHz8QiE",
      answer: () => ({
        access_token: "c3FIOG9vSGV4VHz8QiE",
        expires_in: 3600,
        issued_token_type: "urn:ietf:params:oauth:token-type:access_token",
        refresh_token: "c3FIOG9vSGV4VHz8QiEdGhpcyBpcyBh",
        restricted_to: [],
        token_type: "bearer",
      }),
    },
    api: [
      {
        url: "https://api.box.com/2.0/users/me",
        headers: bearer,
        answer: {
          id: "11446498",
          type: "user",
          name: "Aaron Levie",
          login: "ceo@box.example",
          created_at: "2012-12-12T10:53:43-08:00",
          status: "active",
          job_title: "CEO",
        },
      },
    ],
    expect: { id: "11446498", email: "ceo@box.example", emailVerified: false, name: "Aaron Levie" },
  },
  {
    // https://developers.dailymotion.com/api/platform-api/reference/ (user fields: `verified` is
    // "True if this user is a verified partner", not an e-mail flag). The double answers only the
    // fields asked for, from an account that *is* a verified partner.
    name: "dailymotion",
    authorize: "https://www.dailymotion.com/oauth/authorize",
    scope: "userinfo email",
    pkce: false,
    token: {
      url: "https://api.dailymotion.com/oauth/token",
      auth: "post",
      accessToken: "dm-access-token",
      answer: () => ({
        access_token: "dm-access-token",
        expires_in: 36000,
        refresh_token: "dm-refresh-token",
        scope: "userinfo email",
        uid: "x1fz4ii",
      }),
    },
    api: [
      {
        url: "https://api.dailymotion.com/user/me?fields=id,email,fullname,screenname",
        headers: bearer,
        answer: (request) => {
          const record: Record<string, unknown> = {
            id: "x1fz4ii",
            email: "api@dailymotion.example",
            fullname: "Dailymotion API",
            screenname: "DailymotionAPI",
            verified: true,
            username: "DailymotionAPI",
          };
          const fields = (request.url.searchParams.get("fields") ?? "id").split(",");
          return Object.fromEntries(fields.map((f) => [f, record[f] ?? null]));
        },
      },
    ],
    expect: { id: "x1fz4ii", email: "api@dailymotion.example", emailVerified: false, name: "Dailymotion API" },
  },
  {
    // https://discord.com/developers/docs/topics/oauth2, https://discord.com/developers/docs/resources/user#user-object
    name: "discord",
    authorize: "https://discord.com/oauth2/authorize",
    scope: "identify email",
    pkce: true,
    token: {
      url: "https://discord.com/api/oauth2/token",
      auth: "post",
      accessToken: "6qrZcUqja7812RVdnEKjpzOL4CvHBFG",
      answer: () => ({
        access_token: "6qrZcUqja7812RVdnEKjpzOL4CvHBFG",
        token_type: "Bearer",
        expires_in: 604800,
        refresh_token: "D43f5y0ahjqew82jZ4NViEr2YafMKhue",
        scope: "identify email",
      }),
    },
    api: [
      {
        url: "https://discord.com/api/users/@me",
        headers: bearer,
        answer: {
          id: "80351110224678912",
          username: "nelly",
          discriminator: "0",
          global_name: "Nelly",
          avatar: "8342729096ea3675442027381ff50dfe",
          verified: true,
          email: "nelly@discord.example",
          flags: 64,
          banner: null,
          accent_color: 16711680,
          premium_type: 1,
          public_flags: 64,
          mfa_enabled: true,
          locale: "en-US",
        },
      },
    ],
    expect: { id: "80351110224678912", email: "nelly@discord.example", emailVerified: true, name: "Nelly" },
  },
  {
    // https://disqus.com/api/docs/auth/ (comma-separated scopes, token answer with user_id),
    // https://disqus.com/api/docs/users/details/ (access_token, api_key, api_secret in the query)
    name: "disqus",
    authorize: "https://disqus.com/api/oauth/2.0/authorize/",
    scope: "read,email",
    pkce: false,
    token: {
      url: "https://disqus.com/api/oauth/2.0/access_token/",
      auth: "post",
      accessToken: "f5e4a9d2c1b0a9f8e7d6c5b4a3f2e1d0",
      answer: () => ({
        username: "disqus_api",
        user_id: 21483624,
        access_token: "f5e4a9d2c1b0a9f8e7d6c5b4a3f2e1d0",
        expires_in: 2592000,
        token_type: "Bearer",
        state: "",
        scope: "read,email",
        refresh_token: "0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a",
      }),
    },
    api: [
      {
        url: "https://disqus.com/api/3.0/users/details.json",
        query: (c) => ({ access_token: c.accessToken, api_key: c.clientId, api_secret: c.clientSecret }),
        answer: {
          code: 0,
          response: {
            id: "21483624",
            username: "disqus_api",
            name: "Disqus API",
            email: "api@disqus.example",
            about: "",
            isPrivate: false,
            isPrimary: true,
            joinedAt: "2016-03-31T19:13:49",
            profileUrl: "https://disqus.com/by/disqus_api/",
          },
        },
      },
    ],
    expect: { id: "21483624", email: "api@disqus.example", emailVerified: false, name: "Disqus API" },
  },
  {
    // https://www.dropbox.com/developers/documentation/http/documentation#oauth2-token,
    // #users-get_current_account (an RPC POST without arguments: body `null`)
    name: "dropbox",
    authorize: "https://www.dropbox.com/oauth2/authorize",
    scope: "account_info.read",
    pkce: true,
    token: {
      url: "https://api.dropboxapi.com/oauth2/token",
      auth: "post",
      accessToken: "sl.u.AbX9y6Fe3AuH5o66-gmJpR032jwAwQPIVVzWXZNkdzcYT02akC2de219dZi6gxYPVnYPrpvISRSf9lxKWJzYLjtMPH",
      answer: () => ({
        access_token: "sl.u.AbX9y6Fe3AuH5o66-gmJpR032jwAwQPIVVzWXZNkdzcYT02akC2de219dZi6gxYPVnYPrpvISRSf9lxKWJzYLjtMPH",
        expires_in: 14400,
        token_type: "bearer",
        scope: "account_info.read",
        account_id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
        uid: "12345",
      }),
    },
    api: [
      {
        method: "POST",
        url: "https://api.dropboxapi.com/2/users/get_current_account",
        headers: (c) => ({ ...bearer(c), "content-type": "application/json" }),
        body: "null",
        answer: {
          account_id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
          name: {
            given_name: "Franz",
            surname: "Ferdinand",
            familiar_name: "Franz",
            display_name: "Franz Ferdinand (Personal)",
            abbreviated_name: "FF",
          },
          email: "franz@dropbox.example",
          email_verified: true,
          disabled: false,
          locale: "en",
          referral_link: "https://db.tt/ZITNuhtI",
          is_paired: true,
          account_type: { ".tag": "business" },
          root_info: { ".tag": "user", root_namespace_id: "3235641", home_namespace_id: "3235641" },
          country: "US",
        },
      },
    ],
    expect: {
      id: "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
      email: "franz@dropbox.example",
      emailVerified: true,
      name: "Franz Ferdinand (Personal)",
    },
  },
  {
    // https://developers.etsy.com/documentation/essentials/authentication (PKCE, token answer
    // "<user_id>.<token>"), essentials/requests (x-api-key "keystring:shared_secret"),
    // reference#operation/getMe, #operation/getUser
    name: "etsy",
    authorize: "https://www.etsy.com/oauth/connect",
    scope: "email_r",
    pkce: true,
    token: {
      url: "https://api.etsy.com/v3/public/oauth/token",
      auth: "post",
      accessToken: "12345678.O1zLuwveeKjpIqCQFfmR-PaMMpBmagH6DljRAkK9qt05OtRKiANJOyZlMx3WQ_o2FdComQGuoiAWy3dxyGI4Ke_76PR",
      answer: () => ({
        access_token: "12345678.O1zLuwveeKjpIqCQFfmR-PaMMpBmagH6DljRAkK9qt05OtRKiANJOyZlMx3WQ_o2FdComQGuoiAWy3dxyGI4Ke_76PR",
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: "12345678.JNGIJtvLmwfDMhlYoOJl8aLR1BWottyHC6yhNcET-eC7RogSR5e1GTIXGrgrelWZalvh3YvvyLfKYYqvymd-u37Sjtx",
      }),
    },
    api: [
      {
        url: "https://api.etsy.com/v3/application/users/me",
        headers: (c) => ({ ...bearer(c), "x-api-key": `${c.clientId}:${c.clientSecret}` }),
        answer: { user_id: 12345678, shop_id: 87654321 },
      },
      {
        url: "https://api.etsy.com/v3/application/users/12345678",
        headers: (c) => ({ ...bearer(c), "x-api-key": `${c.clientId}:${c.clientSecret}` }),
        answer: { user_id: 12345678, primary_email: "seller@etsy.example", first_name: "Jane", last_name: "Maker", image_url_75x75: null },
      },
    ],
    expect: { id: "12345678", email: "seller@etsy.example", emailVerified: false, name: "Jane Maker" },
  },
  {
    // https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow
    name: "facebook",
    authorize: "https://www.facebook.com/v19.0/dialog/oauth",
    scope: "email",
    pkce: false,
    token: {
      url: "https://graph.facebook.com/v19.0/oauth/access_token",
      auth: "post",
      accessToken: "EAAGm0PX4ZCpsBAKZCfacebook",
      answer: () => ({ access_token: "EAAGm0PX4ZCpsBAKZCfacebook", token_type: "bearer", expires_in: 5183944 }),
    },
    api: [
      {
        url: "https://graph.facebook.com/v19.0/me?fields=id,name,email",
        headers: bearer,
        query: () => ({ fields: "id,name,email" }),
        answer: { id: "10158301257887382", name: "Jane Facebook", email: "jane@facebook.example" },
      },
    ],
    expect: { id: "10158301257887382", email: "jane@facebook.example", emailVerified: false, name: "Jane Facebook" },
  },
  {
    // https://developers.figma.com/docs/rest-api/authentication/ (token at api.figma.com with
    // Basic), https://developers.figma.com/docs/rest-api/users-endpoints/ (GET /v1/me)
    name: "figma",
    authorize: "https://www.figma.com/oauth",
    scope: "current_user:read",
    pkce: false,
    token: {
      url: "https://api.figma.com/v1/oauth/token",
      auth: "basic",
      accessToken: "figu_ZCPp8iH0p5uH2r0JFigma",
      answer: () => ({
        user_id_string: "1093746482375",
        user_id: 1093746482375,
        access_token: "figu_ZCPp8iH0p5uH2r0JFigma",
        token_type: "bearer",
        expires_in: 7776000,
        refresh_token: "figur_refresh",
      }),
    },
    api: [
      {
        url: "https://api.figma.com/v1/me",
        headers: bearer,
        answer: {
          id: "1093746482375",
          email: "designer@figma.example",
          handle: "Dee Signer",
          img_url: "https://s3-alpha.figma.com/profile/x",
        },
      },
    ],
    expect: { id: "1093746482375", email: "designer@figma.example", emailVerified: false, name: "Dee Signer" },
  },
  {
    // https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps (PKCE),
    // https://docs.github.com/en/rest/users/users#get-the-authenticated-user,
    // https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
    name: "github",
    authorize: "https://github.com/login/oauth/authorize",
    scope: "user:email",
    pkce: true,
    token: {
      url: "https://github.com/login/oauth/access_token",
      auth: "post",
      accessToken: "gho_16C7e42F292c6912E7710c838347Ae178B4a",
      answer: () => ({ access_token: "gho_16C7e42F292c6912E7710c838347Ae178B4a", scope: "user:email", token_type: "bearer" }),
    },
    api: [
      // The public e-mail on /user (null here) is not what counts: the primary one on /user/emails is.
      {
        url: "https://api.github.com/user",
        headers: bearer,
        answer: {
          login: "octocat",
          id: 1,
          node_id: "MDQ6VXNlcjE=",
          type: "User",
          site_admin: false,
          name: "monalisa octocat",
          company: "GitHub",
          email: null,
          created_at: "2008-01-14T04:33:35Z",
        },
      },
      {
        url: "https://api.github.com/user/emails",
        headers: bearer,
        answer: [
          { email: "octocat@users.noreply.github.com", verified: true, primary: false, visibility: null },
          { email: "octocat@github.example", verified: true, primary: true, visibility: "private" },
        ],
      },
    ],
    expect: { id: "1", email: "octocat@github.example", emailVerified: true, name: "monalisa octocat" },
  },
  {
    // https://docs.gitlab.com/api/oauth2/ (PKCE), https://docs.gitlab.com/api/users/#get-the-current-user
    name: "gitlab",
    authorize: "https://gitlab.com/oauth/authorize",
    scope: "read_user",
    pkce: true,
    token: {
      url: "https://gitlab.com/oauth/token",
      auth: "post",
      accessToken: "de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54",
      answer: () => ({
        access_token: "de6780bc506a0446309bd9362820ba8aed28aa506c71eedbe1c5c4f9dd350e54",
        token_type: "Bearer",
        expires_in: 7200,
        refresh_token: "8257e65c97202ed1726cf9571600918f3bffb2544b26e00a61df9897668c33a1",
        scope: "read_user",
        created_at: 1607635748,
      }),
    },
    api: [
      {
        url: "https://gitlab.com/api/v4/user",
        headers: bearer,
        answer: {
          id: 1,
          username: "john_smith",
          name: "John Smith",
          state: "active",
          locked: false,
          web_url: "http://localhost:3000/john_smith",
          created_at: "2012-05-23T08:00:58Z",
          email: "john@gitlab.example",
          confirmed_at: "2012-05-23T09:05:22Z",
          two_factor_enabled: true,
        },
      },
    ],
    expect: { id: "1", email: "john@gitlab.example", emailVerified: true, name: "John Smith" },
  },
  {
    // https://accounts.google.com/.well-known/openid-configuration,
    // https://developers.google.com/identity/openid-connect/openid-connect (ID token, userinfo)
    name: "google",
    authorize: "https://accounts.google.com/o/oauth2/v2/auth",
    scope: "openid email profile",
    pkce: true,
    params: { access_type: "offline", prompt: "consent" },
    oidc: {
      issuer: "https://accounts.google.com",
      discovery: {
        ...discoveryBase,
        issuer: "https://accounts.google.com",
        authorization_endpoint: "https://accounts.google.com/o/oauth2/v2/auth",
        device_authorization_endpoint: "https://oauth2.googleapis.com/device/code",
        token_endpoint: "https://oauth2.googleapis.com/token",
        userinfo_endpoint: "https://openidconnect.googleapis.com/v1/userinfo",
        revocation_endpoint: "https://oauth2.googleapis.com/revoke",
        jwks_uri: "https://www.googleapis.com/oauth2/v3/certs",
        response_types_supported: [
          "code",
          "token",
          "id_token",
          "code token",
          "code id_token",
          "token id_token",
          "code token id_token",
          "none",
        ],
        scopes_supported: ["openid", "email", "profile"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
        claims_supported: ["aud", "email", "email_verified", "exp", "family_name", "given_name", "iat", "iss", "name", "picture", "sub"],
        code_challenge_methods_supported: ["plain", "S256"],
        grant_types_supported: [
          "authorization_code",
          "refresh_token",
          "urn:ietf:params:oauth:grant-type:device_code",
          "urn:ietf:params:oauth:grant-type:jwt-bearer",
        ],
      },
    },
    token: {
      url: "https://oauth2.googleapis.com/token",
      auth: "post",
      accessToken: "ya29.a0AfH6SMBx-google",
      answer: (t) => ({
        access_token: "ya29.a0AfH6SMBx-google",
        expires_in: 3599,
        refresh_token: "1//0gdrgoogle",
        scope: "openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile",
        token_type: "Bearer",
        id_token: t.idToken({
          azp: t.clientId,
          sub: "110169484474386276334",
          email: "jane.google@gmail.example",
          email_verified: true,
          at_hash: "HK6E_P6Dh8Y93mRNtsDB1Q",
          name: "Jane Google",
          picture: "https://lh3.googleusercontent.com/a/x",
          given_name: "Jane",
          family_name: "Google",
        }),
      }),
    },
    api: [
      {
        url: "https://openidconnect.googleapis.com/v1/userinfo",
        headers: bearer,
        answer: {
          sub: "110169484474386276334",
          name: "Jane Google",
          given_name: "Jane",
          family_name: "Google",
          picture: "https://lh3.googleusercontent.com/a/x",
          email: "jane.google@gmail.example",
          email_verified: true,
        },
      },
    ],
    expect: { id: "110169484474386276334", email: "jane.google@gmail.example", emailVerified: true, name: "Jane Google" },
  },
  {
    // https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
    // LinkedIn issues an ID token (iss https://www.linkedin.com/oauth) WITHOUT the nonce, and its
    // web-app token endpoint refuses PKCE: the double does both, as LinkedIn does.
    name: "linkedin",
    authorize: "https://www.linkedin.com/oauth/v2/authorization",
    scope: "openid profile email",
    pkce: false,
    echoesNonce: false,
    token: {
      url: "https://www.linkedin.com/oauth/v2/accessToken",
      auth: "post",
      accessToken: "AQUBvh-linkedin",
      answer: (t) => ({
        access_token: "AQUBvh-linkedin",
        expires_in: 5183999,
        scope: "email,openid,profile",
        token_type: "Bearer",
        id_token: t.idToken({
          iss: "https://www.linkedin.com/oauth",
          sub: "782bbtaQ",
          name: "Jane LinkedIn",
          given_name: "Jane",
          family_name: "LinkedIn",
          email: "jane@linkedin.example",
          email_verified: true,
          locale: "en-US",
        }),
      }),
    },
    api: [
      {
        url: "https://api.linkedin.com/v2/userinfo",
        headers: bearer,
        answer: {
          sub: "782bbtaQ",
          email_verified: true,
          name: "Jane LinkedIn",
          locale: { country: "US", language: "en" },
          given_name: "Jane",
          family_name: "LinkedIn",
          email: "jane@linkedin.example",
          picture: "https://media.licdn.com/dms/image/x",
        },
      },
    ],
    expect: { id: "782bbtaQ", email: "jane@linkedin.example", emailVerified: true, name: "Jane LinkedIn" },
  },
  {
    // https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow,
    // https://learn.microsoft.com/en-us/graph/api/user-get (GET /me)
    name: "microsoft",
    authorize: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
    scope: "offline_access user.read",
    pkce: true,
    token: {
      url: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
      auth: "post",
      accessToken: "eyJ0eXAiOiJKV1QiLCJhbGciOi.microsoft",
      answer: () => ({
        token_type: "Bearer",
        scope: "offline_access User.Read",
        expires_in: 3599,
        ext_expires_in: 3599,
        access_token: "eyJ0eXAiOiJKV1QiLCJhbGciOi.microsoft",
        refresh_token: "AwABAAAAvPM1KaPlrEqdFSBzjqfTGBCmLdgfSTLEMPGYuNHSUYBrq",
      }),
    },
    api: [
      {
        url: "https://graph.microsoft.com/v1.0/me",
        headers: bearer,
        answer: {
          "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users/$entity",
          businessPhones: ["+1 425 555 0109"],
          displayName: "Adele Vance",
          givenName: "Adele",
          jobTitle: "Retail Manager",
          mail: "AdeleV@Contoso.example",
          mobilePhone: null,
          officeLocation: "18/2111",
          preferredLanguage: "en-US",
          surname: "Vance",
          userPrincipalName: "AdeleV@contoso.example",
          id: "87d349ed-44d7-43e1-9a83-5f2406dee5bd",
        },
      },
    ],
    expect: { id: "87d349ed-44d7-43e1-9a83-5f2406dee5bd", email: "adelev@contoso.example", emailVerified: false, name: "Adele Vance" },
  },
  {
    // https://developers.notion.com/docs/authorization (owner=user, Basic), https://developers.notion.com/reference/create-a-token
    // The person is in the token answer itself: no profile request.
    name: "notion",
    authorize: "https://api.notion.com/v1/oauth/authorize",
    scope: null,
    pkce: false,
    params: { owner: "user" },
    token: {
      url: "https://api.notion.com/v1/oauth/token",
      auth: "basic",
      accessToken: "ntn_4523687962309jW4UpHbNWenm9EW3bnLEavnGxtJVeZ",
      answer: () => ({
        access_token: "ntn_4523687962309jW4UpHbNWenm9EW3bnLEavnGxtJVeZ",
        token_type: "bearer",
        refresh_token: "nrt_4991090011501Ejc6Vvy4",
        bot_id: "b3414d65-1224-4ef7-a5c4-2b3b5aa2c0b1",
        workspace_name: "Ada's Notion Workspace",
        workspace_icon: "https://website.domain/images/image.png",
        workspace_id: "f5ea1a2c-0b7e-4b6e-9e5b-1b2d3f4a5b6c",
        owner: {
          type: "user",
          user: {
            object: "user",
            id: "e79a0b74-3aba-4149-9f74-0bb5791a6ee6",
            name: "Ada Lovelace",
            avatar_url: null,
            type: "person",
            person: { email: "ada@notion.example" },
          },
        },
        duplicated_template_id: null,
        request_id: "6b1d7c2e-4b4b-4c2c-9a1a-7f7e7d7c7b7a",
      }),
    },
    api: [],
    expect: { id: "e79a0b74-3aba-4149-9f74-0bb5791a6ee6", email: "ada@notion.example", emailVerified: false, name: "Ada Lovelace" },
  },
  {
    // Generic OpenID Connect with a minimal discovery document: no userinfo endpoint (claims from
    // the ID token only), no PKCE advertised, the name built from given_name and family_name, and
    // no token_endpoint_auth_methods_supported, whose default (OpenID Discovery §3) is Basic.
    name: "oidc",
    settings: { issuer: "https://oidc.idp.test" },
    authorize: "https://oidc.idp.test/authorize",
    scope: "openid email profile",
    pkce: false,
    oidc: {
      issuer: "https://oidc.idp.test",
      discovery: {
        ...discoveryBase,
        issuer: "https://oidc.idp.test",
        authorization_endpoint: "https://oidc.idp.test/authorize",
        token_endpoint: "https://oidc.idp.test/token",
        jwks_uri: "https://oidc.idp.test/jwks",
      },
    },
    token: {
      url: "https://oidc.idp.test/token",
      auth: "basic",
      accessToken: "oidc-access-token",
      answer: (t) => ({
        access_token: "oidc-access-token",
        token_type: "Bearer",
        expires_in: 3600,
        id_token: t.idToken({
          sub: "248289761001",
          given_name: "Jane",
          family_name: "Doe",
          email: "janedoe@oidc.example",
          email_verified: true,
        }),
      }),
    },
    api: [],
    expect: { id: "248289761001", email: "janedoe@oidc.example", emailVerified: true, name: "Jane Doe" },
  },
  {
    // Okta custom authorization server: https://developer.okta.com/docs/reference/api/oidc/
    name: "okta",
    settings: { issuer: "https://okta.idp.test/oauth2/default" },
    authorize: "https://okta.idp.test/oauth2/default/v1/authorize",
    scope: "openid email profile",
    pkce: true,
    oidc: {
      issuer: "https://okta.idp.test/oauth2/default",
      discovery: {
        ...discoveryBase,
        issuer: "https://okta.idp.test/oauth2/default",
        authorization_endpoint: "https://okta.idp.test/oauth2/default/v1/authorize",
        token_endpoint: "https://okta.idp.test/oauth2/default/v1/token",
        userinfo_endpoint: "https://okta.idp.test/oauth2/default/v1/userinfo",
        jwks_uri: "https://okta.idp.test/oauth2/default/v1/keys",
        response_types_supported: ["code", "id_token", "code id_token", "code token", "id_token token", "code id_token token"],
        token_endpoint_auth_methods_supported: [
          "client_secret_basic",
          "client_secret_post",
          "client_secret_jwt",
          "private_key_jwt",
          "none",
        ],
        code_challenge_methods_supported: ["S256"],
      },
    },
    token: {
      url: "https://okta.idp.test/oauth2/default/v1/token",
      auth: "post",
      accessToken: "eyJraWQiOi.okta-access",
      answer: (t) => ({
        token_type: "Bearer",
        expires_in: 3600,
        access_token: "eyJraWQiOi.okta-access",
        scope: "openid email profile",
        id_token: t.idToken({
          sub: "00uid4BxXw6I6TV4m0g3",
          name: "John Doe",
          email: "john.doe@okta.example",
          ver: 1,
          jti: "ID.4eAWJOCMB3SX8XewDfVR",
          amr: ["pwd"],
          idp: "00ok1u7AsAkrwdZL3z0g3",
          preferred_username: "john.doe@okta.example",
          auth_time: now(),
        }),
      }),
    },
    api: [
      {
        url: "https://okta.idp.test/oauth2/default/v1/userinfo",
        headers: bearer,
        answer: {
          sub: "00uid4BxXw6I6TV4m0g3",
          name: "John Doe",
          locale: "en-US",
          email: "john.doe@okta.example",
          preferred_username: "john.doe@okta.example",
          given_name: "John",
          family_name: "Doe",
          zoneinfo: "America/Los_Angeles",
          updated_at: 1490198843,
          email_verified: true,
        },
      },
    ],
    expect: { id: "00uid4BxXw6I6TV4m0g3", email: "john.doe@okta.example", emailVerified: true, name: "John Doe" },
  },
  paypalCase("paypal", "https://www.paypal.com", "https://api-m.paypal.com", {
    id: "https://www.paypal.com/webapps/auth/identity/user/mWq6_1sU85v5EG9yHdPxJRrhGHrnMJ-1PQKtX6pcsmA",
    email: "buyer@paypal.example",
    name: "Pat Paypal",
  }),
  paypalCase("paypalSandbox", "https://www.sandbox.paypal.com", "https://api-m.sandbox.paypal.com", {
    id: "https://www.paypal.com/webapps/auth/identity/user/sandboxUser1234",
    email: "sb-buyer@paypal.example",
    name: "Sandy Box",
  }),
  {
    // https://developers.podio.com/authentication/server_side, https://developers.podio.com/doc/users
    name: "podio",
    authorize: "https://podio.com/oauth/authorize",
    scope: null,
    pkce: false,
    token: {
      url: "https://api.podio.com/oauth/token",
      auth: "post",
      accessToken: "podio-access-token",
      answer: () => ({
        access_token: "podio-access-token",
        token_type: "bearer",
        expires_in: 28800,
        refresh_token: "podio-refresh-token",
        scope: "global:all",
        ref: { type: "user", id: 1234567 },
      }),
    },
    api: [
      {
        url: "https://api.podio.com/user",
        headers: bearer,
        answer: {
          user_id: 1234567,
          mail: "worker@podio.example",
          status: "active",
          locale: "en_US",
          timezone: "Europe/Copenhagen",
          created_on: "2012-01-01 00:00:00",
        },
      },
      {
        url: "https://api.podio.com/user/profile",
        headers: bearer,
        answer: { profile_id: 7654321, user_id: 1234567, name: "Wanda Worker", avatar: null, title: ["Engineer"] },
      },
    ],
    expect: { id: "1234567", email: "worker@podio.example", emailVerified: false, name: "Wanda Worker" },
  },
  {
    // https://login.salesforce.com/.well-known/openid-configuration,
    // https://help.salesforce.com/s/articleView?id=xcloud.remoteaccess_using_userinfo_endpoint.htm
    name: "salesforce",
    authorize: "https://login.salesforce.com/services/oauth2/authorize",
    scope: "openid email profile",
    pkce: false,
    oidc: {
      issuer: "https://login.salesforce.com",
      discovery: {
        ...discoveryBase,
        issuer: "https://login.salesforce.com",
        authorization_endpoint: "https://login.salesforce.com/services/oauth2/authorize",
        token_endpoint: "https://login.salesforce.com/services/oauth2/token",
        revocation_endpoint: "https://login.salesforce.com/services/oauth2/revoke",
        userinfo_endpoint: "https://login.salesforce.com/services/oauth2/userinfo",
        jwks_uri: "https://login.salesforce.com/id/keys",
        scopes_supported: ["id", "api", "web", "full", "openid", "profile", "email", "address", "phone", "offline_access", "refresh_token"],
        response_types_supported: ["code", "token", "token id_token"],
        display_values_supported: ["page", "popup", "touch"],
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic", "private_key_jwt"],
      },
    },
    token: {
      url: "https://login.salesforce.com/services/oauth2/token",
      auth: "post",
      accessToken: "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.salesforce",
      answer: (t) => ({
        access_token: "00Dxx0000001gPL!AR8AQJXg5oj8jXSgxJfA0lBog.salesforce",
        signature: "CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=",
        scope: "openid email profile",
        instance_url: "https://yourInstance.salesforce.com",
        id: "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
        token_type: "Bearer",
        issued_at: "1278448101416",
        id_token: t.idToken({
          sub: "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
          at_hash: "H8m3Pq",
          name: "Admin User",
          email: "admin@salesforce.example",
          email_verified: true,
        }),
      }),
    },
    api: [
      {
        url: "https://login.salesforce.com/services/oauth2/userinfo",
        headers: bearer,
        answer: {
          sub: "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
          user_id: "005xx000001SwiUAAS",
          organization_id: "00Dxx0000001gPLEAY",
          preferred_username: "admin@salesforce.example",
          nickname: "admin",
          name: "Admin User",
          email: "admin@salesforce.example",
          email_verified: true,
          given_name: "Admin",
          family_name: "User",
          zoneinfo: "America/Los_Angeles",
          active: true,
          user_type: "STANDARD",
          language: "en_US",
          locale: "en_US",
        },
      },
    ],
    expect: {
      id: "https://login.salesforce.com/id/00Dxx0000001gPLEAY/005xx000001SwiUAAS",
      email: "admin@salesforce.example",
      emailVerified: true,
      name: "Admin User",
    },
  },
  {
    // https://docs.slack.dev/authentication/sign-in-with-slack/ (discovery at https://slack.com,
    // openid.connect.token, openid.connect.userInfo)
    name: "slack",
    authorize: "https://slack.com/openid/connect/authorize",
    scope: "openid email profile",
    pkce: false,
    oidc: {
      issuer: "https://slack.com",
      discovery: {
        ...discoveryBase,
        issuer: "https://slack.com",
        authorization_endpoint: "https://slack.com/openid/connect/authorize",
        token_endpoint: "https://slack.com/api/openid.connect.token",
        userinfo_endpoint: "https://slack.com/api/openid.connect.userInfo",
        jwks_uri: "https://slack.com/openid/connect/keys",
        scopes_supported: ["openid", "profile", "email"],
        response_modes_supported: ["form_post"],
        grant_types_supported: ["authorization_code"],
        claims_parameter_supported: false,
        request_parameter_supported: false,
        request_uri_parameter_supported: true,
        token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
      },
    },
    token: {
      url: "https://slack.com/api/openid.connect.token",
      auth: "post",
      accessToken: "xoxp-1234567890-slack",
      answer: (t) => ({
        ok: true,
        access_token: "xoxp-1234567890-slack",
        token_type: "Bearer",
        id_token: t.idToken({
          sub: "U0R7JM",
          "https://slack.com/user_id": "U0R7JM",
          "https://slack.com/team_id": "T0R7GR",
          email: "krane@slack.example",
          email_verified: true,
          date_email_verified: 1622128723,
          locale: "en-US",
          name: "krane",
          given_name: "Bront",
          family_name: "Labradoodle",
          auth_time: now(),
          at_hash: "abc",
        }),
      }),
    },
    api: [
      {
        url: "https://slack.com/api/openid.connect.userInfo",
        headers: bearer,
        answer: {
          ok: true,
          sub: "U0R7JM",
          "https://slack.com/user_id": "U0R7JM",
          "https://slack.com/team_id": "T0R7GR",
          email: "krane@slack.example",
          email_verified: true,
          date_email_verified: 1622128723,
          name: "krane",
          picture: "https://secure.gravatar.com/avatar/x.jpg",
          given_name: "Bront",
          family_name: "Labradoodle",
          locale: "en-US",
          "https://slack.com/team_name": "kraneflannel",
          "https://slack.com/team_domain": "kraneflannel",
        },
      },
    ],
    expect: { id: "U0R7JM", email: "krane@slack.example", emailVerified: true, name: "krane" },
  },
  {
    // https://developer.spotify.com/documentation/web-api/tutorials/code-flow (Authorization:
    // Basic is required), https://developer.spotify.com/documentation/web-api/reference/get-current-users-profile
    name: "spotify",
    authorize: "https://accounts.spotify.com/authorize",
    scope: "user-read-email",
    pkce: true,
    token: {
      url: "https://accounts.spotify.com/api/token",
      auth: "basic",
      accessToken: "NgCXRKc-spotify-MzYjw",
      answer: () => ({
        access_token: "NgCXRKc-spotify-MzYjw",
        token_type: "Bearer",
        scope: "user-read-email",
        expires_in: 3600,
        refresh_token: "NgAagA-spotify-Um_SHo",
      }),
    },
    api: [
      {
        url: "https://api.spotify.com/v1/me",
        headers: bearer,
        answer: {
          country: "SE",
          display_name: "JM Wizzler",
          email: "wizzler@spotify.example",
          explicit_content: { filter_enabled: false, filter_locked: false },
          external_urls: { spotify: "https://open.spotify.com/user/wizzler" },
          followers: { href: null, total: 3829 },
          href: "https://api.spotify.com/v1/users/wizzler",
          id: "wizzler",
          images: [],
          product: "premium",
          type: "user",
          uri: "spotify:user:wizzler",
        },
      },
    ],
    expect: { id: "wizzler", email: "wizzler@spotify.example", emailVerified: false, name: "JM Wizzler" },
  },
  {
    // https://docs.stripe.com/connect/oauth-reference (token answer with stripe_user_id),
    // https://docs.stripe.com/api/accounts/retrieve (read with the platform's secret key)
    name: "stripe",
    authorize: "https://connect.stripe.com/oauth/authorize",
    scope: "read_write",
    pkce: false,
    token: {
      url: "https://connect.stripe.com/oauth/token",
      auth: "post",
      accessToken: "sk_test_connected_account_token",
      answer: () => ({
        token_type: "bearer",
        stripe_publishable_key: "pk_test_connected",
        scope: "read_write",
        livemode: false,
        stripe_user_id: "acct_1032D82eZvKYlo2C",
        refresh_token: "rt_H5gUmFtmj4YOmNpUarJwfxsUNVsOLb",
        access_token: "sk_test_connected_account_token",
      }),
    },
    api: [
      {
        url: "https://api.stripe.com/v1/accounts/acct_1032D82eZvKYlo2C",
        headers: (c) => ({ authorization: `Bearer ${c.clientSecret}` }),
        answer: {
          id: "acct_1032D82eZvKYlo2C",
          object: "account",
          business_profile: { mcc: null, name: "Stripe.com", url: "https://stripe.com" },
          business_type: "company",
          charges_enabled: true,
          country: "US",
          created: 1385798567,
          default_currency: "usd",
          details_submitted: true,
          email: "site@stripe.example",
          settings: { dashboard: { display_name: "Stripe.com", timezone: "US/Pacific" } },
          type: "standard",
        },
      },
    ],
    expect: { id: "acct_1032D82eZvKYlo2C", email: "site@stripe.example", emailVerified: false, name: "Stripe.com" },
  },
  tradeshiftCase("tradeshift", "https://api.tradeshift.com", {
    id: "a8c1f4ff-32ce-4f0b-9a5e-3d3e1f6e9a01",
    email: "tess@tradeshift.example",
  }),
  tradeshiftCase("tradeshiftBox", "https://api-sandbox.tradeshift.com", {
    id: "b9d2e5aa-43df-4a1c-8b6f-4e4f2a7f0b02",
    email: "tess@sandbox.tradeshift.example",
  }),
  {
    // https://dev.twitch.tv/docs/authentication/getting-tokens-oauth/#authorization-code-grant-flow
    // (the token answer's `scope` is a JSON array), https://dev.twitch.tv/docs/api/reference/#get-users
    // (Client-Id header). Twitch calls `email` "the user's verified email address" but sends no
    // flag: Gatehouse keeps it unverified.
    name: "twitch",
    authorize: "https://id.twitch.tv/oauth2/authorize",
    scope: "user:read:email",
    pkce: false,
    token: {
      url: "https://id.twitch.tv/oauth2/token",
      auth: "post",
      accessToken: "rfx2uswqe8l4g1mkagrvg5tv0ks3",
      answer: () => ({
        access_token: "rfx2uswqe8l4g1mkagrvg5tv0ks3",
        expires_in: 14124,
        refresh_token: "5b93chm6hdve3mycz05zfzatkfdenfspp1h1ar2xxdalen01",
        scope: ["user:read:email"],
        token_type: "bearer",
      }),
    },
    api: [
      {
        url: "https://api.twitch.tv/helix/users",
        headers: (c) => ({ ...bearer(c), "client-id": c.clientId }),
        answer: {
          data: [
            {
              id: "141981764",
              login: "twitchdev",
              display_name: "TwitchDev",
              type: "",
              broadcaster_type: "partner",
              description: "Supporting third-party developers",
              profile_image_url: "https://static-cdn.jtvnw.net/x.png",
              offline_image_url: "https://static-cdn.jtvnw.net/y.png",
              view_count: 5980557,
              email: "dev@twitch.example",
              created_at: "2016-12-14T20:32:28Z",
            },
          ],
        },
      },
    ],
    expect: { id: "141981764", email: "dev@twitch.example", emailVerified: false, name: "TwitchDev" },
  },
  {
    // https://developer.wordpress.com/docs/oauth2/, https://developer.wordpress.com/docs/api/1.1/get/me/
    name: "wordpress",
    authorize: "https://public-api.wordpress.com/oauth2/authorize",
    scope: "auth",
    pkce: false,
    token: {
      url: "https://public-api.wordpress.com/oauth2/token",
      auth: "post",
      accessToken: "wp-access-token",
      answer: () => ({ access_token: "wp-access-token", blog_id: "0", blog_url: "", token_type: "bearer", scope: "auth" }),
    },
    api: [
      {
        url: "https://public-api.wordpress.com/rest/v1/me",
        headers: bearer,
        answer: {
          ID: 12345678,
          display_name: "Jane WordPress",
          username: "janewp",
          email: "jane@wordpress.example",
          primary_blog: 87654321,
          language: "en",
          avatar_URL: "https://0.gravatar.com/avatar/x",
          profile_URL: "https://en.gravatar.com/janewp",
          verified: true,
          email_verified: true,
          date: "2015-01-01T00:00:00+00:00",
          site_count: 1,
        },
      },
    ],
    expect: { id: "12345678", email: "jane@wordpress.example", emailVerified: true, name: "Jane WordPress" },
  },
  {
    // https://api.login.yahoo.com/.well-known/openid-configuration,
    // https://developer.yahoo.com/oauth2/guide/openid_connect/
    name: "yahoo",
    authorize: "https://api.login.yahoo.com/oauth2/request_auth",
    scope: "openid email profile",
    pkce: false,
    oidc: {
      issuer: "https://api.login.yahoo.com",
      discovery: {
        ...discoveryBase,
        issuer: "https://api.login.yahoo.com",
        authorization_endpoint: "https://api.login.yahoo.com/oauth2/request_auth",
        token_endpoint: "https://api.login.yahoo.com/oauth2/get_token",
        introspection_endpoint: "https://api.login.yahoo.com/oauth2/introspect",
        userinfo_endpoint: "https://api.login.yahoo.com/openid/v1/userinfo",
        jwks_uri: "https://api.login.yahoo.com/openid/v1/certs",
        response_types_supported: ["code", "token", "id_token", "code token", "code id_token", "token id_token", "code token id_token"],
        id_token_signing_alg_values_supported: ["ES256", "RS256"],
        scopes_supported: ["openid", "mail-r", "mail-w", "mail-d", "sdps-r", "openid2"],
        token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post"],
        grant_types_supported: ["authorization_code", "refresh_token"],
      },
    },
    token: {
      url: "https://api.login.yahoo.com/oauth2/get_token",
      auth: "post",
      accessToken: "yahoo-access-token",
      answer: (t) => ({
        access_token: "yahoo-access-token",
        token_type: "bearer",
        expires_in: 3600,
        refresh_token: "yahoo-refresh-token",
        xoauth_yahoo_guid: "JT4FACLQZI2OCE",
        id_token: t.idToken({
          sub: "FSVIDUW3D7FSVIDUW3D72F2F",
          auth_time: now(),
          at_hash: "abc",
          name: "Jane Yahoo",
          given_name: "Jane",
          family_name: "Yahoo",
          email: "jane@yahoo.example",
          email_verified: true,
        }),
      }),
    },
    api: [
      {
        url: "https://api.login.yahoo.com/openid/v1/userinfo",
        headers: bearer,
        answer: {
          sub: "FSVIDUW3D7FSVIDUW3D72F2F",
          name: "Jane Yahoo",
          given_name: "Jane",
          family_name: "Yahoo",
          locale: "en-US",
          email: "jane@yahoo.example",
          email_verified: true,
          birthdate: "1994",
          profile_images: {},
          picture: "https://s.yimg.com/x.png",
          preferred_username: "jane",
          nickname: "Jane",
        },
      },
    ],
    expect: { id: "FSVIDUW3D7FSVIDUW3D72F2F", email: "jane@yahoo.example", emailVerified: true, name: "Jane Yahoo" },
  },
  {
    // https://learn.microsoft.com/en-us/rest/api/yammer/oauth-2 (the token answer wraps the token:
    // access_token.token, beside user and network), /rest/api/yammer/users-current-json
    name: "yammer",
    authorize: "https://www.yammer.com/oauth2/authorize",
    scope: null,
    pkce: false,
    token: {
      url: "https://www.yammer.com/oauth2/access_token",
      auth: "post",
      accessToken: "yammer-abcdefghijklmn",
      answer: () => ({
        access_token: {
          user_id: 1488374,
          network_id: 104604,
          network_permalink: "yammerdeveloperstestnetwork",
          network_name: "Yammer Developers Test Network",
          token: "yammer-abcdefghijklmn",
          view_members: true,
          view_groups: true,
          view_messages: true,
          view_subscriptions: true,
          modify_subscriptions: true,
          view_tags: true,
          modify_messages: true,
          created_at: "2011/03/28 16:44:46 +0000",
          authorized_at: "2011/03/28 16:44:46 +0000",
          expires_at: null,
        },
        user: { type: "user", id: 1488374, full_name: "Jane Yammer", name: "janey" },
        network: { type: "network", id: 104604, name: "Yammer Developers Test Network", permalink: "yammerdeveloperstestnetwork" },
      }),
    },
    api: [
      {
        url: "https://www.yammer.com/api/v1/users/current.json",
        headers: bearer,
        answer: {
          type: "user",
          id: 1488374,
          network_id: 104604,
          state: "active",
          full_name: "Jane Yammer",
          name: "janey",
          email: "jane@yammer.example",
          job_title: "Developer",
          contact: {
            email_addresses: [{ type: "primary", address: "jane@yammer.example" }],
            phone_numbers: [],
            im: { provider: "", username: "" },
          },
        },
      },
    ],
    expect: { id: "1488374", email: "jane@yammer.example", emailVerified: false, name: "Jane Yammer" },
  },
  {
    // https://yandex.com/dev/id/doc/en/codes/code-url, /tokens, /user-information (Authorization: OAuth <token>)
    name: "yandex",
    authorize: "https://oauth.yandex.com/authorize",
    scope: "login:email login:info",
    pkce: true,
    token: {
      url: "https://oauth.yandex.com/token",
      auth: "post",
      accessToken: "AQAAAACy1C6ZAAAAfa6vDLuItEy8pg-iIpnDxIs",
      answer: () => ({
        token_type: "bearer",
        access_token: "AQAAAACy1C6ZAAAAfa6vDLuItEy8pg-iIpnDxIs",
        expires_in: 124234123534,
        refresh_token: "1:GN686QVt0mmakDd9:A4pYuW9LGk0_UnlrMIWklkAuJkUWbq27loFekJVmSYrdfzdePBy7:A-2dHOmBxiXgajnD-kYOwQ",
      }),
    },
    api: [
      {
        url: "https://login.yandex.ru/info?format=json",
        headers: (c) => ({ authorization: `OAuth ${c.accessToken}` }),
        query: () => ({ format: "json" }),
        answer: {
          login: "ivan",
          id: "1000034426",
          client_id: "4760187d81bc4b7799476b42b5103713",
          display_name: "Ivan",
          real_name: "Ivan Ivanov",
          first_name: "Ivan",
          last_name: "Ivanov",
          sex: "male",
          default_email: "ivan@yandex.example",
          emails: ["ivan@yandex.example", "other-ivan@yandex.example"],
          psuid: "1.AAceCw.tbHgw5DtJ9_zeqPrk-Ba2w.qPWSRC5v2t2IaksPJgnge",
        },
      },
    ],
    expect: { id: "1000034426", email: "ivan@yandex.example", emailVerified: false, name: "Ivan Ivanov" },
  },
  {
    // https://www.zoho.com/accounts/protocol/oauth/web-apps/authorization.html (access_type=offline),
    // /use-access-token.html (GET oauth/user/info, Authorization: Zoho-oauthtoken <token>)
    name: "zoho",
    authorize: "https://accounts.zoho.com/oauth/v2/auth",
    scope: "aaaserver.profile.READ",
    pkce: false,
    params: { access_type: "offline" },
    token: {
      url: "https://accounts.zoho.com/oauth/v2/token",
      auth: "post",
      accessToken: "1000.2370ff****.zoho",
      answer: () => ({
        access_token: "1000.2370ff****.zoho",
        refresh_token: "1000.2afabf****.zoho",
        api_domain: "https://www.zohoapis.com",
        token_type: "Bearer",
        expires_in: 3600,
      }),
    },
    api: [
      {
        url: "https://accounts.zoho.com/oauth/user/info",
        headers: (c) => ({ authorization: `Zoho-oauthtoken ${c.accessToken}` }),
        answer: { First_Name: "Zara", Email: "zara@zoho.example", Last_Name: "Zoho", Display_Name: "zara.zoho", ZUID: 12345678 },
      },
    ],
    expect: { id: "12345678", email: "zara@zoho.example", emailVerified: false, name: "zara.zoho" },
  },
  {
    // https://developers.zoom.us/docs/integrations/oauth/ (Basic, PKCE), https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
    name: "zoom",
    authorize: "https://zoom.us/oauth/authorize",
    scope: null,
    pkce: true,
    token: {
      url: "https://zoom.us/oauth/token",
      auth: "basic",
      accessToken: "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.zoom",
      answer: () => ({
        access_token: "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.zoom",
        token_type: "bearer",
        refresh_token: "eyJzdiI6IjAwMDAwMSIsImFsZyI6IkhTNTEyIn0.zoom-refresh",
        expires_in: 3599,
        scope: "user:read:user",
        api_url: "https://api.zoom.us",
      }),
    },
    api: [
      {
        url: "https://api.zoom.us/v2/users/me",
        headers: bearer,
        answer: {
          id: "KDcuGIm1QgePTO8WbOqwIQ",
          first_name: "Jill",
          last_name: "Chill",
          display_name: "Jill Chill",
          email: "jchill@zoom.example",
          type: 1,
          role_name: "Owner",
          pmi: 3542471135,
          use_pmi: false,
          timezone: "Asia/Shanghai",
          verified: 1,
          dept: "",
          created_at: "2019-06-01T07:58:03Z",
          last_login_time: "2019-06-01T07:58:03Z",
          language: "en-US",
          status: "active",
          account_id: "q6gBJVO5TzexKYTb_I2rpg",
        },
      },
    ],
    expect: { id: "KDcuGIm1QgePTO8WbOqwIQ", email: "jchill@zoom.example", emailVerified: true, name: "Jill Chill" },
  },
];

const double = new ProviderDouble();
let server: TestServer;
const byName = new Map(CASES.map((c) => [c.name, c]));

/** The token endpoint of a case, redeeming the code strictly before answering `answer`. */
function tokenHandler(c: Case, answer: (t: TokenCtx) => Answer = c.token.answer) {
  const { clientId, clientSecret } = credentials(c.name);
  return (request: Recorded): Answer => {
    const grant = double.redeem(request, { clientId, clientSecret, auth: c.token.auth });
    if (grant instanceof Response) return grant;
    const issuer = c.oidc?.issuer;
    const idToken = (claims: Record<string, unknown>) =>
      double.idToken({
        ...(issuer ? { iss: issuer } : {}),
        aud: clientId,
        iat: now(),
        exp: now() + 600,
        ...(c.echoesNonce !== false && grant.nonce ? { nonce: grant.nonce } : {}),
        ...claims,
      });
    return answer({ grant, clientId, idToken });
  };
}

/** A profile API of a case: answers only when the token is presented the documented way. */
function apiHandler(c: Case, api: Api) {
  const { clientId, clientSecret } = credentials(c.name);
  return (request: Recorded): Answer => {
    const ctx: Ctx = { accessToken: c.token.accessToken, clientId, clientSecret };
    for (const [name, value] of Object.entries(api.headers?.(ctx) ?? {})) {
      if (request.headers.get(name) !== value) return json({ error: "invalid_token", detail: `header ${name}` }, 401);
    }
    for (const [name, value] of Object.entries(api.query?.(ctx) ?? {})) {
      if (request.url.searchParams.get(name) !== value) return json({ error: "invalid_token", detail: `query ${name}` }, 401);
    }
    if (api.body !== undefined && request.body !== api.body) return json({ error: "bad_request", detail: "body" }, 400);
    return typeof api.answer === "function" ? api.answer(request) : api.answer;
  };
}

/**
 * LinkedIn publishes a discovery document too (https://www.linkedin.com/oauth/.well-known/openid-configuration).
 * Gatehouse no longer reads it, but it is served so that treating LinkedIn as OpenID again fails
 * where LinkedIn itself makes it fail: the ID token has no nonce.
 */
const LINKEDIN_DISCOVERY = {
  ...discoveryBase,
  issuer: "https://www.linkedin.com/oauth",
  authorization_endpoint: "https://www.linkedin.com/oauth/v2/authorization",
  token_endpoint: "https://www.linkedin.com/oauth/v2/accessToken",
  userinfo_endpoint: "https://api.linkedin.com/v2/userinfo",
  jwks_uri: "https://www.linkedin.com/oauth/openid/jwks",
  subject_types_supported: ["pairwise"],
  scopes_supported: ["openid", "profile", "email"],
  claims_supported: [
    "iss",
    "aud",
    "iat",
    "exp",
    "sub",
    "name",
    "given_name",
    "family_name",
    "picture",
    "email",
    "email_verified",
    "locale",
  ],
};

beforeAll(async () => {
  double.route("GET", discoveryUrl(LINKEDIN_DISCOVERY.issuer), () => LINKEDIN_DISCOVERY);
  for (const c of CASES) {
    c.echoesNonce ??= true;
    if (c.oidc) {
      const discovery = c.oidc.discovery;
      double.route("GET", discoveryUrl(c.oidc.issuer), () => discovery);
      if (typeof discovery.jwks_uri === "string") double.route("GET", discovery.jwks_uri, () => double.jwks());
    }
    double.route("POST", c.token.url, tokenHandler(c));
    for (const api of c.api) double.route(api.method ?? "GET", api.url, apiHandler(c, api));
  }
  server = await startServer({
    rateLimits: false,
    fetch: double.fetch,
    oauth2: Object.fromEntries(CASES.map((c) => [c.name, { ...credentials(c.name), ...c.settings }])),
  });
});
afterAll(async () => {
  await server?.close();
});

const startUrl = (name: string) =>
  `${server.endpoint}/account/tokens/oauth2/${name}?${new URLSearchParams({ project: PROJECT, success: SUCCESS, failure: FAILURE })}`;
const callbackUrl = (name: string) => `http://localhost:${server.port}/v1/account/sessions/oauth2/callback/${name}/${PROJECT}`;
const endpointOf = (url: URL) => `${url.origin}${url.pathname}`;

/**
 * A login through provider `name`: the provider's login page is simulated by sending the browser
 * (which holds the start route's binding cookie) straight to the redirect_uri with a code.
 */
async function login(name: string, extra: Record<string, string> = {}) {
  const from = double.requests.length;
  const gatehouse = `localhost:${server.port}`;
  const seen: { authorize?: URL; code?: string } = {};
  const result = await followRedirects(startUrl(name), APP, new Map(), (url) => {
    if (url.host === gatehouse) return url;
    seen.authorize = new URL(url);
    seen.code = double.authorize(url);
    const back = new URL(url.searchParams.get("redirect_uri")!);
    back.searchParams.set("code", seen.code);
    back.searchParams.set("state", url.searchParams.get("state")!);
    for (const [key, value] of Object.entries(extra)) back.searchParams.set(key, value);
    return back;
  });
  const requests = double.requests.slice(from);
  const final = result.final;
  const failure = final && endpointOf(final) === FAILURE ? final.searchParams.get("error") : null;
  return { ...result, requests, seen, failure };
}

function failureOf(final: URL | null) {
  expect(final && endpointOf(final)).toBe(FAILURE);
  return JSON.parse(final!.searchParams.get("error")!) as { message: string; type: string; code: number };
}

describe("provider data against documentation-shaped provider doubles", () => {
  it("covers every provider except mock (which has its own test)", () => {
    expect(CASES.map((c) => c.name).sort()).toEqual(
      Object.keys(providers)
        .filter((name) => name !== "mock")
        .sort(),
    );
  });

  it.each(CASES.map((c) => [c.name, c] as const))(
    "%s: authorization URL, token request, profile requests and the resulting user",
    async (name, c) => {
      const provider = providers[name]!;
      // OpenID providers (found by discovery) are exactly the cases with a discovery document.
      expect(provider.kind).toBe(c.oidc ? "oidc" : "oauth2");
      const { clientId, clientSecret } = credentials(name);
      const { final, hops, requests, seen, failure, body } = await login(name, c.callback);

      // 1. The start route redirects to the documented authorization endpoint.
      expect(hops[0]!.status).toBe(301);
      const authorize = new URL(hops[0]!.headers.get("location")!);
      expect(endpointOf(authorize)).toBe(c.authorize);
      expect(seen.authorize?.href).toBe(authorize.href);
      const q = authorize.searchParams;
      expect(q.get("client_id")).toBe(clientId);
      expect(q.get("redirect_uri")).toBe(callbackUrl(name));
      expect(q.get("response_type")).toBe("code");
      expect(q.get("scope")).toBe(c.scope);
      expect(q.get("state")!.length).toBeGreaterThan(20);
      // PKCE exactly as documented, and as the data says (OpenID: as the discovery document says).
      const dataSaysPkce =
        provider.kind === "oidc"
          ? ((c.oidc?.discovery.code_challenge_methods_supported as string[] | undefined) ?? []).includes("S256")
          : provider.pkce;
      expect(dataSaysPkce).toBe(c.pkce);
      if (c.pkce) {
        expect(q.get("code_challenge")).toMatch(/^[A-Za-z0-9_-]{43}$/);
        expect(q.get("code_challenge_method")).toBe("S256");
      }
      // OpenID providers get a nonce; nobody else does.
      if (provider.kind === "oidc") expect(q.get("nonce")!.length).toBeGreaterThan(20);
      for (const [key, value] of Object.entries(c.params ?? {})) expect(q.get(key), key).toBe(value);
      const expectedKeys = [
        "client_id",
        "redirect_uri",
        "response_type",
        "state",
        ...(c.scope === null ? [] : ["scope"]),
        ...(c.pkce ? ["code_challenge", "code_challenge_method"] : []),
        ...(provider.kind === "oidc" ? ["nonce"] : []),
        ...Object.keys(c.params ?? {}),
      ];
      expect([...q.keys()].sort()).toEqual(expectedKeys.sort());

      // 2. The flow reaches the app's success URL with a token.
      expect(final && endpointOf(final), `flow failed: ${failure ?? body ?? hops.at(-1)?.url}`).toBe(SUCCESS);
      const userId = final!.searchParams.get("userId")!;
      const secret = final!.searchParams.get("secret")!;
      expect(userId).toBeTruthy();
      expect(secret).toMatch(/^[0-9a-f]{64}$/);

      // 3. The token request, as documented and as the data says.
      // Plain OAuth2: the data says; OpenID: the discovery document's methods (post when listed).
      const methods = (c.oidc?.discovery.token_endpoint_auth_methods_supported as string[] | undefined) ?? ["client_secret_basic"];
      expect(provider.kind === "oidc" ? (methods.includes("client_secret_post") ? "post" : "basic") : (provider.clientAuth ?? "post")).toBe(
        c.token.auth,
      );
      const tokenRequests = requests.filter((r) => endpointOf(r.url) === c.token.url);
      expect(tokenRequests).toHaveLength(1);
      const token = tokenRequests[0]!;
      expect(token.method).toBe("POST");
      expect(token.headers.get("content-type")).toMatch(/^application\/x-www-form-urlencoded/);
      const form = new URLSearchParams(token.body);
      expect(form.get("grant_type")).toBe("authorization_code");
      expect(form.get("code")).toBe(seen.code);
      expect(form.get("redirect_uri")).toBe(callbackUrl(name));
      if (c.token.auth === "basic") {
        expect(basicCredentials(token.headers.get("authorization"))).toEqual({ id: clientId, secret: clientSecret });
        expect(form.has("client_secret")).toBe(false);
      } else {
        expect(form.get("client_id")).toBe(clientId);
        expect(form.get("client_secret")).toBe(clientSecret);
        expect(token.headers.has("authorization")).toBe(false);
      }
      if (c.pkce) expect(s256(form.get("code_verifier")!)).toBe(q.get("code_challenge"));
      else expect(form.has("code_verifier")).toBe(false);

      // The profile requests carry the token the documented way; nothing else was asked.
      const ctx: Ctx = { accessToken: c.token.accessToken, clientId, clientSecret };
      for (const api of c.api) {
        const calls = requests.filter((r) => endpointOf(r.url) === endpointOf(new URL(api.url)));
        expect(calls, api.url).toHaveLength(1);
        const call = calls[0]!;
        expect(call.method).toBe(api.method ?? "GET");
        for (const [header, value] of Object.entries(api.headers?.(ctx) ?? {}))
          expect(call.headers.get(header), `${api.url} ${header}`).toBe(value);
        for (const [param, value] of Object.entries(api.query?.(ctx) ?? {}))
          expect(call.url.searchParams.get(param), `${api.url} ?${param}`).toBe(value);
        if (api.body !== undefined) expect(call.body).toBe(api.body);
      }
      const allowed = new Set([
        c.token.url,
        ...c.api.map((api) => endpointOf(new URL(api.url))),
        ...(c.oidc ? [discoveryUrl(c.oidc.issuer)] : []),
      ]);
      expect(requests.map((r) => endpointOf(r.url)).filter((url) => !allowed.has(url))).toEqual([]);

      // 4. Through the SDK: the user and the identity the sample answers imply.
      const b = browser(server.endpoint);
      await b.use((account) => account.createSession(userId, secret));
      const me = await b.use((account) => account.get());
      expect({ email: me.email, name: me.name, emailVerification: me.emailVerification }).toEqual({
        email: c.expect.email,
        name: c.expect.name,
        emailVerification: c.expect.emailVerified,
      });
      const { identities } = await b.use((account) => account.listIdentities());
      expect(identities).toHaveLength(1);
      expect(identities[0]).toMatchObject({
        provider: name,
        providerUid: c.expect.id,
        providerEmail: c.expect.email,
        providerAccessToken: c.token.accessToken,
      });
    },
  );
});

describe("token answers that are not RFC 6749 JSON (tokenAnswer in src/oauth/client.ts)", () => {
  const github = byName.get("github")!;

  it("a form-encoded token answer (older GitHub apps) is read", async () => {
    double.answerOnce(
      "POST",
      github.token.url,
      tokenHandler(
        github,
        () =>
          new Response(`access_token=${github.token.accessToken}&scope=user%3Aemail&token_type=bearer`, {
            status: 200,
            headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
          }),
      ),
    );
    const { final, failure } = await login("github");
    expect(final && endpointOf(final), failure ?? "").toBe(SUCCESS);
  });

  it("a text/plain form answer (legacy Facebook) is read too", async () => {
    const facebook = byName.get("facebook")!;
    double.answerOnce(
      "POST",
      facebook.token.url,
      tokenHandler(
        facebook,
        () =>
          new Response(`access_token=${facebook.token.accessToken}&expires=5183944`, {
            status: 200,
            headers: { "content-type": "text/plain; charset=UTF-8" },
          }),
      ),
    );
    const { final, failure } = await login("facebook");
    expect(final && endpointOf(final), failure ?? "").toBe(SUCCESS);
  });

  it("Yammer's token nested in access_token.token and Bitly's answer without token_type are unwrapped (see their cases above)", async () => {
    // The cases above send exactly those answers; here the stored provider tokens prove the unwrapping.
    for (const name of ["yammer", "bitly"]) {
      const c = byName.get(name)!;
      const { final, failure } = await login(name);
      expect(final && endpointOf(final), failure ?? "").toBe(SUCCESS);
      const b = browser(server.endpoint);
      await b.use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
      const { identities } = await b.use((account) => account.listIdentities());
      expect(identities[0]!.providerAccessToken).toBe(c.token.accessToken);
    }
  });

  it("GitHub's HTTP 200 answer with an `error` goes to the failure URL as 400 user_oauth2_bad_request", async () => {
    double.answerOnce("POST", github.token.url, () => ({
      error: "bad_verification_code",
      error_description: "The code passed is incorrect or expired.",
      error_uri:
        "https://docs.github.com/apps/managing-oauth-apps/troubleshooting-oauth-app-access-token-request-errors/#bad-verification-code",
    }));
    const { final, requests } = await login("github");
    const error = failureOf(final);
    expect(error).toMatchObject({ type: "user_oauth2_bad_request", code: 400 });
    expect(error.message).toContain("bad_verification_code: The code passed is incorrect or expired.");
    // Nothing was asked of the profile API with a token that does not exist.
    expect(requests.filter((r) => r.url.host === "api.github.com")).toEqual([]);
  });

  it("Slack's OpenID token endpoint answering 200 {ok:false, error} goes to the failure URL as 400 user_oauth2_bad_request", async () => {
    const slack = byName.get("slack")!;
    double.answerOnce("POST", slack.token.url, () => ({ ok: false, error: "invalid_code" }));
    const { final, requests } = await login("slack");
    const error = failureOf(final);
    expect(error).toMatchObject({ type: "user_oauth2_bad_request", code: 400 });
    expect(error.message).toContain("invalid_code");
    expect(requests.filter((r) => r.url.pathname.includes("userInfo"))).toEqual([]);
  });

  it("a profile API answering 500 goes to the failure URL as user_oauth2_provider_error (424)", async () => {
    const discord = byName.get("discord")!;
    double.answerOnce("GET", discord.api[0]!.url, () => json({ message: "Internal Server Error", code: 0 }, 500));
    const { final } = await login("discord");
    const error = failureOf(final);
    expect(error).toMatchObject({ type: "user_oauth2_provider_error", code: 424 });
    expect(error.message).toContain("The Discord OAuth2 provider returned an error");
  });
});
