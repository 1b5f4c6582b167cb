import type { TokenEndpointResponse } from "oauth4webapi";
import { mockProvider } from "./mock-provider";

/**
 * Appwrite's OAuth2 providers as data. The protocol itself (discovery, PKCE, code exchange,
 * ID-token validation, userinfo) is oauth4webapi's job in `client.ts`; a provider here says only
 * where its endpoints are, what to ask for, and how to read the user out of its answers.
 *
 * `emailVerified` is true only where the provider states it (a claim or flag): an e-mail that is
 * not stated verified is never used to link to an existing account, where Appwrite would link it
 * (test/http/oauth2.test.ts).
 */

/** The user as Gatehouse needs it from any provider. */
export interface ProviderProfile {
  id: string;
  email: string;
  emailVerified: boolean;
  name: string;
}

/** One provider's settings from `config.oauth2` (extra keys are provider-specific). */
export interface ProviderSettings {
  clientId?: string;
  clientSecret?: string;
  enabled: boolean;
  scopes?: string[];
  issuer?: string;
  /** Native sign-in with an ID token (src/config.ts). */
  nativeEnabled?: boolean;
  clientIds?: string[];
  [key: string]: unknown;
}

/** Where this Gatehouse API is reached, for a provider that lives inside it (`mock`). */
export interface ApiLocation {
  /** The API base URL (`https://api.example.com/v1`), from `core/urls.ts`. */
  endpoint: string;
  projectId: string;
}

/** What a custom `profile` reader gets: the token answer and an authorised JSON GET. */
export interface ProfileContext {
  accessToken: string;
  tokens: TokenEndpointResponse;
  settings: ProviderSettings;
  api: ApiLocation;
  /** GET (or POST) `url` with the access token as Bearer (or `scheme`) and parse the JSON. */
  json(url: string, init?: { method?: string; headers?: Record<string, string>; scheme?: string; body?: string }): Promise<any>;
}

interface Common {
  /** Display name, used in error messages ("The GitHub OAuth2 provider returned an error"). */
  name: string;
  scopes: string[];
  /** Extra authorization request parameters the provider needs. */
  authParams?: Record<string, string>;
  /** How the client authenticates at the token endpoint (default: `client_secret_post`). */
  clientAuth?: "post" | "basic";
  /** A name the provider sends beside the code rather than in its profile (Apple's `user`). */
  nameFromCallback?(params: Record<string, unknown>): string;
}

/**
 * Where a provider's ID tokens are checked for native sign-in (`POST /account/sessions/id-token`),
 * when it is not what discovery of its issuer says: the issuers its tokens carry and its key set.
 */
export interface IdTokenProfile {
  issuers: readonly string[];
  jwksUri: string;
  /** Signature algorithms accepted (never the token's own choice). */
  algorithms: readonly string[];
  /** Tokens without a `nonce` claim are refused (Apple's documented flow always sets one). */
  nonceRequired: boolean;
}

/**
 * An OpenID Connect provider found by discovery: claims come from the ID token and userinfo.
 * Every one accepts native sign-in with its ID tokens: through `idToken` when it has a fixed
 * profile, else through its discovered `issuer` and `jwks_uri` (src/oauth/id-token.ts).
 */
export interface OidcProvider extends Common {
  kind: "oidc";
  /** The issuer, fixed or from settings (`issuer`); null means not configured. */
  issuer(settings: ProviderSettings): string | null;
  idToken?: IdTokenProfile;
}

/** A plain OAuth2 provider with fixed endpoints and its own profile API. */
export interface OAuth2Provider extends Common {
  kind: "oauth2";
  /** The issuer identifier oauth4webapi compares ID tokens against (only if one is returned). */
  issuer?: string;
  authorization(settings: ProviderSettings, api: ApiLocation): string;
  token(settings: ProviderSettings, api: ApiLocation): string;
  pkce: boolean;
  /** A provider answered in-process instead of over the network (`mock`). */
  fetch?(settings: ProviderSettings): typeof fetch;
  profile(ctx: ProfileContext): Promise<ProviderProfile>;
  /** Rewrites a token answer that is not in RFC 6749 shape (before oauth4webapi reads it). */
  tokenResponse?(answer: Json): Json;
}

export type Provider = OidcProvider | OAuth2Provider;

type Json = Record<string, any>;
const str = (v: unknown): string => (v === undefined || v === null ? "" : String(v));
/** Some providers send booleans as strings ("true") or numbers (1). */
const truthy = (v: unknown): boolean => v === true || v === "true" || v === 1;

const zohoAccounts = (s: ProviderSettings) => (s.issuer ?? "https://accounts.zoho.com").replace(/\/$/, "");

/** A provider whose profile is one GET answering JSON, read by `map`. */
function simple(
  name: string,
  endpoints: { authorization: string; token: string; profile: string; issuer?: string },
  scopes: string[],
  map: (user: Json) => ProviderProfile,
  extra: {
    pkce?: boolean;
    clientAuth?: "post" | "basic";
    authParams?: Record<string, string>;
    headers?: (s: ProviderSettings) => Record<string, string>;
    scheme?: string;
    tokenResponse?: (answer: Json) => Json;
  } = {},
): OAuth2Provider {
  return {
    kind: "oauth2",
    name,
    scopes,
    pkce: extra.pkce ?? false,
    ...(endpoints.issuer ? { issuer: endpoints.issuer } : {}),
    ...(extra.clientAuth ? { clientAuth: extra.clientAuth } : {}),
    ...(extra.authParams ? { authParams: extra.authParams } : {}),
    ...(extra.tokenResponse ? { tokenResponse: extra.tokenResponse } : {}),
    authorization: () => endpoints.authorization,
    token: () => endpoints.token,
    profile: async (ctx) =>
      map(
        await ctx.json(endpoints.profile, {
          headers: extra.headers?.(ctx.settings) ?? {},
          ...(extra.scheme ? { scheme: extra.scheme } : {}),
        }),
      ),
  };
}

function oidc(
  name: string,
  issuer: (s: ProviderSettings) => string | null,
  scopes = ["openid", "email", "profile"],
  extra: Partial<Common> & Pick<OidcProvider, "idToken"> = {},
): OidcProvider {
  return { kind: "oidc", name, issuer, scopes, ...extra };
}
const fromSettings = (s: ProviderSettings) => s.issuer ?? null;

/** The primary e-mail of a list the provider returns, and whether the provider confirmed it. */
function primary<T>(list: T[] | undefined, isPrimary: (e: T) => boolean, address: (e: T) => string, confirmed: (e: T) => boolean) {
  const found = (list ?? []).find(isPrimary);
  return found ? { email: address(found), emailVerified: confirmed(found) } : { email: "", emailVerified: false };
}

function tradeshift(name: string, host: string): OAuth2Provider {
  return simple(
    name,
    {
      authorization: `${host}/tradeshift/auth/login`,
      token: `${host}/tradeshift/auth/token`,
      profile: `${host}/tradeshift/rest/external/account/info/user`,
    },
    ["offline"],
    (u) => ({ id: str(u.Id), email: str(u.Username), emailVerified: false, name: [u.FirstName, u.LastName].filter(Boolean).join(" ") }),
    // Tradeshift's token endpoint authenticates the app with HTTP Basic (client id : secret).
    { clientAuth: "basic" },
  );
}

function paypal(name: string, web: string, api: string): OAuth2Provider {
  return simple(
    name,
    {
      authorization: `${web}/signin/authorize`,
      token: `${api}/v1/oauth2/token`,
      profile: `${api}/v1/identity/oauth2/userinfo?schema=paypalv1.1`,
      issuer: web,
    },
    ["openid", "profile", "email"],
    (u) => ({
      id: str(u.user_id ?? u.payer_id),
      ...primary<Json>(
        u.emails,
        (e) => truthy(e.primary),
        (e) => str(e.value),
        (e) => truthy(e.confirmed),
      ),
      name: str(u.name),
    }),
    { clientAuth: "basic" },
  );
}

export const providers: Record<string, Provider> = {
  amazon: simple(
    "Amazon",
    {
      authorization: "https://www.amazon.com/ap/oa",
      token: "https://api.amazon.com/auth/o2/token",
      profile: "https://api.amazon.com/user/profile",
    },
    ["profile"],
    (u) => ({ id: str(u.user_id), email: str(u.email), emailVerified: false, name: str(u.name) }),
    { pkce: true },
  ),
  // Apple wants a client secret that is a JWT signed with the team's key: configure that JWT as
  // `clientSecret` (Apple accepts one for up to six months). Apple posts the answer (form_post)
  // when name or e-mail is asked for: that is why the callback also takes POST from any origin.
  // Apple's ID token carries no name: Apple posts it once, on the first login, as the JSON `user`
  // field beside the code. It is only ever used to fill an empty name.
  apple: oidc("Apple", () => "https://appleid.apple.com", ["name", "email"], {
    authParams: { response_mode: "form_post" },
    // Sign in with Apple on a device: the app hands Apple sha256(nonce) and sends us the nonce.
    idToken: {
      issuers: ["https://appleid.apple.com"],
      jwksUri: "https://appleid.apple.com/auth/keys",
      algorithms: ["RS256"],
      nonceRequired: true,
    },
    nameFromCallback(params) {
      try {
        const name = (JSON.parse(str(params.user)) as Json).name ?? {};
        return [name.firstName, name.lastName]
          .filter((part) => typeof part === "string" && part)
          .join(" ")
          .slice(0, 128);
      } catch {
        return "";
      }
    },
  }),
  auth0: oidc("Auth0", fromSettings),
  authentik: oidc("Authentik", fromSettings),
  autodesk: simple(
    "Autodesk",
    {
      authorization: "https://developer.api.autodesk.com/authentication/v2/authorize",
      token: "https://developer.api.autodesk.com/authentication/v2/token",
      profile: "https://api.userprofile.autodesk.com/userinfo",
    },
    ["user-profile:read"],
    (u) => ({ id: str(u.sub), email: str(u.email), emailVerified: truthy(u.email_verified), name: str(u.name) }),
    { pkce: true, clientAuth: "basic" },
  ),
  bitbucket: {
    kind: "oauth2",
    name: "Bitbucket",
    scopes: ["account", "email"],
    pkce: false,
    // Bitbucket documents the code exchange with the consumer key and secret as HTTP Basic.
    clientAuth: "basic",
    authorization: () => "https://bitbucket.org/site/oauth2/authorize",
    token: () => "https://bitbucket.org/site/oauth2/access_token",
    // The account and its addresses are two resources; only a confirmed primary address counts.
    async profile(ctx) {
      const [user, emails] = await Promise.all([
        ctx.json("https://api.bitbucket.org/2.0/user"),
        ctx.json("https://api.bitbucket.org/2.0/user/emails"),
      ]);
      return {
        id: str(user.uuid ?? user.account_id),
        ...primary<Json>(
          emails.values,
          (e) => truthy(e.is_primary),
          (e) => str(e.email),
          (e) => truthy(e.is_confirmed),
        ),
        name: str(user.display_name),
      };
    },
  },
  bitly: simple(
    "Bitly",
    {
      authorization: "https://bitly.com/oauth/authorize",
      token: "https://api-ssl.bitly.com/oauth/access_token",
      profile: "https://api-ssl.bitly.com/v4/user",
    },
    [],
    (u) => ({
      id: str(u.login),
      ...primary<Json>(
        u.emails,
        (e) => truthy(e.is_primary),
        (e) => str(e.email),
        (e) => truthy(e.is_verified),
      ),
      name: str(u.name),
    }),
  ),
  box: simple(
    "Box",
    {
      authorization: "https://account.box.com/api/oauth2/authorize",
      token: "https://api.box.com/oauth2/token",
      profile: "https://api.box.com/2.0/users/me",
    },
    ["manage_app_users"],
    (u) => ({ id: str(u.id), email: str(u.login), emailVerified: false, name: str(u.name) }),
  ),
  dailymotion: simple(
    "Dailymotion",
    {
      authorization: "https://www.dailymotion.com/oauth/authorize",
      token: "https://api.dailymotion.com/oauth/token",
      profile: "https://api.dailymotion.com/user/me?fields=id,email,fullname,screenname",
    },
    ["userinfo", "email"],
    // The user field `verified` means "a verified partner", not a confirmed e-mail: Dailymotion
    // states nothing about the address, so it is never taken as verified.
    (u) => ({ id: str(u.id), email: str(u.email), emailVerified: false, name: str(u.fullname) || str(u.screenname) }),
  ),
  discord: simple(
    "Discord",
    {
      authorization: "https://discord.com/oauth2/authorize",
      token: "https://discord.com/api/oauth2/token",
      profile: "https://discord.com/api/users/@me",
    },
    ["identify", "email"],
    (u) => ({ id: str(u.id), email: str(u.email), emailVerified: truthy(u.verified), name: str(u.global_name ?? u.username) }),
    { pkce: true },
  ),
  disqus: {
    kind: "oauth2",
    name: "Disqus",
    // Disqus separates scopes with commas (`scope=read,write`), not spaces: one entry keeps them together.
    scopes: ["read,email"],
    pkce: false,
    authorization: () => "https://disqus.com/api/oauth/2.0/authorize/",
    token: () => "https://disqus.com/api/oauth/2.0/access_token/",
    // Disqus wants the token and the app's keys in the query, not in a header.
    async profile(ctx) {
      const q = new URLSearchParams({
        access_token: ctx.accessToken,
        api_key: str(ctx.settings.clientId),
        api_secret: str(ctx.settings.clientSecret),
      });
      const { response: u = {} } = await ctx.json(`https://disqus.com/api/3.0/users/details.json?${q}`);
      return { id: str(u.id), email: str(u.email), emailVerified: false, name: str(u.name ?? u.username) };
    },
  },
  dropbox: {
    kind: "oauth2",
    name: "Dropbox",
    scopes: ["account_info.read"],
    pkce: true,
    authorization: () => "https://www.dropbox.com/oauth2/authorize",
    token: () => "https://api.dropboxapi.com/oauth2/token",
    // Dropbox's RPC endpoints are POSTs with a JSON body of `null`.
    async profile(ctx) {
      const u = await ctx.json("https://api.dropboxapi.com/2/users/get_current_account", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: "null",
      });
      return { id: str(u.account_id), email: str(u.email), emailVerified: truthy(u.email_verified), name: str(u.name?.display_name) };
    },
  },
  etsy: {
    kind: "oauth2",
    name: "Etsy",
    scopes: ["email_r"],
    pkce: true,
    authorization: () => "https://www.etsy.com/oauth/connect",
    token: () => "https://api.etsy.com/v3/public/oauth/token",
    // Etsy's API wants the app key besides the token; /users/me gives only the id. The key is
    // "keystring:shared_secret" (Etsy rejects a bare keystring since 9 February 2026).
    async profile(ctx) {
      const headers = { "x-api-key": `${str(ctx.settings.clientId)}:${str(ctx.settings.clientSecret)}` };
      const me = await ctx.json("https://api.etsy.com/v3/application/users/me", { headers });
      const u = await ctx.json(`https://api.etsy.com/v3/application/users/${encodeURIComponent(str(me.user_id))}`, { headers });
      return {
        id: str(me.user_id),
        email: str(u.primary_email),
        emailVerified: false,
        name: [u.first_name, u.last_name].filter(Boolean).join(" "),
      };
    },
  },
  facebook: simple(
    "Facebook",
    {
      authorization: "https://www.facebook.com/v19.0/dialog/oauth",
      token: "https://graph.facebook.com/v19.0/oauth/access_token",
      profile: "https://graph.facebook.com/v19.0/me?fields=id,name,email",
    },
    ["email"],
    (u) => ({ id: str(u.id), email: str(u.email), emailVerified: false, name: str(u.name) }),
  ),
  figma: simple(
    "Figma",
    { authorization: "https://www.figma.com/oauth", token: "https://api.figma.com/v1/oauth/token", profile: "https://api.figma.com/v1/me" },
    ["current_user:read"],
    (u) => ({ id: str(u.id), email: str(u.email), emailVerified: false, name: str(u.handle) }),
    { clientAuth: "basic" },
  ),
  github: {
    kind: "oauth2",
    name: "GitHub",
    scopes: ["user:email"],
    pkce: true,
    authorization: () => "https://github.com/login/oauth/authorize",
    token: () => "https://github.com/login/oauth/access_token",
    // `/user` shows only a public address; `/user/emails` says which one is primary and verified.
    async profile(ctx) {
      const [user, emails] = await Promise.all([ctx.json("https://api.github.com/user"), ctx.json("https://api.github.com/user/emails")]);
      return {
        id: str(user.id),
        ...primary<Json>(
          emails,
          (e) => truthy(e.primary),
          (e) => str(e.email),
          (e) => truthy(e.verified),
        ),
        name: str(user.name ?? user.login),
      };
    },
  },
  gitlab: {
    kind: "oauth2",
    name: "GitLab",
    scopes: ["read_user"],
    pkce: true,
    // Self-managed GitLab: set `issuer` to its base URL.
    authorization: (s) => `${s.issuer ?? "https://gitlab.com"}/oauth/authorize`,
    token: (s) => `${s.issuer ?? "https://gitlab.com"}/oauth/token`,
    async profile(ctx) {
      const u = await ctx.json(`${ctx.settings.issuer ?? "https://gitlab.com"}/api/v4/user`);
      return { id: str(u.id), email: str(u.email), emailVerified: Boolean(u.confirmed_at), name: str(u.name) };
    },
  },
  google: oidc("Google", () => "https://accounts.google.com", ["openid", "email", "profile"], {
    authParams: { access_type: "offline", prompt: "consent" },
    // Credential Manager and One Tap tokens; older ones name the issuer without the scheme.
    idToken: {
      issuers: ["https://accounts.google.com", "accounts.google.com"],
      jwksUri: "https://www.googleapis.com/oauth2/v3/certs",
      algorithms: ["RS256"],
      nonceRequired: false,
    },
  }),
  // LinkedIn's OpenID Connect is used as plain OAuth2 with fixed endpoints: its ID tokens carry
  // no `nonce` (an OIDC client that sends one must refuse them) and its web-app token endpoint
  // refuses PKCE (`invalid_client`). The ID token is still checked (issuer, audience, expiry);
  // the user comes from the userinfo endpoint, which states `email_verified`.
  linkedin: simple(
    "LinkedIn",
    {
      authorization: "https://www.linkedin.com/oauth/v2/authorization",
      token: "https://www.linkedin.com/oauth/v2/accessToken",
      profile: "https://api.linkedin.com/v2/userinfo",
      issuer: "https://www.linkedin.com/oauth",
    },
    ["openid", "profile", "email"],
    (u) => ({
      id: str(u.sub),
      email: str(u.email),
      emailVerified: truthy(u.email_verified),
      name: str(u.name) || [u.given_name, u.family_name].filter(Boolean).join(" "),
    }),
  ),
  microsoft: {
    kind: "oauth2",
    name: "Microsoft",
    scopes: ["offline_access", "user.read"],
    pkce: true,
    // `tenant` (default "common"); Graph's /me, since the "common" issuer is not one fixed URL.
    authorization: (s) => `https://login.microsoftonline.com/${encodeURIComponent(str(s.tenant ?? "common"))}/oauth2/v2.0/authorize`,
    token: (s) => `https://login.microsoftonline.com/${encodeURIComponent(str(s.tenant ?? "common"))}/oauth2/v2.0/token`,
    async profile(ctx) {
      const u = await ctx.json("https://graph.microsoft.com/v1.0/me");
      return { id: str(u.id), email: str(u.mail ?? u.userPrincipalName), emailVerified: false, name: str(u.displayName) };
    },
  },
  notion: {
    kind: "oauth2",
    name: "Notion",
    scopes: [],
    pkce: false,
    clientAuth: "basic",
    authParams: { owner: "user" },
    authorization: () => "https://api.notion.com/v1/oauth/authorize",
    token: () => "https://api.notion.com/v1/oauth/token",
    // Notion names the authorising person in the token answer itself.
    async profile(ctx) {
      const person = (ctx.tokens.owner as Json | undefined)?.user ?? {};
      return { id: str(person.id), email: str(person.person?.email), emailVerified: false, name: str(person.name) };
    },
  },
  oidc: oidc("OpenID Connect", fromSettings),
  okta: oidc("Okta", fromSettings),
  paypal: paypal("PayPal", "https://www.paypal.com", "https://api-m.paypal.com"),
  paypalSandbox: paypal("PayPal Sandbox", "https://www.sandbox.paypal.com", "https://api-m.sandbox.paypal.com"),
  podio: {
    kind: "oauth2",
    name: "Podio",
    scopes: [],
    pkce: false,
    authorization: () => "https://podio.com/oauth/authorize",
    token: () => "https://api.podio.com/oauth/token",
    async profile(ctx) {
      const [user, profile] = await Promise.all([ctx.json("https://api.podio.com/user"), ctx.json("https://api.podio.com/user/profile")]);
      return { id: str(user.user_id), email: str(user.mail), emailVerified: false, name: str(profile.name) };
    },
  },
  salesforce: oidc("Salesforce", (s) => s.issuer ?? "https://login.salesforce.com", ["openid", "email", "profile"]),
  slack: oidc("Slack", () => "https://slack.com"),
  spotify: simple(
    "Spotify",
    {
      authorization: "https://accounts.spotify.com/authorize",
      token: "https://accounts.spotify.com/api/token",
      profile: "https://api.spotify.com/v1/me",
    },
    ["user-read-email"],
    (u) => ({ id: str(u.id), email: str(u.email), emailVerified: false, name: str(u.display_name) }),
    // Spotify's token request requires the client credentials in an HTTP Basic header.
    { pkce: true, clientAuth: "basic" },
  ),
  stripe: {
    kind: "oauth2",
    name: "Stripe",
    scopes: ["read_write"],
    pkce: false,
    authorization: () => "https://connect.stripe.com/oauth/authorize",
    token: () => "https://connect.stripe.com/oauth/token",
    // The connected account is in the token answer; its details are read with the app's secret key.
    async profile(ctx) {
      const id = str(ctx.tokens.stripe_user_id);
      const u = await ctx.json(`https://api.stripe.com/v1/accounts/${encodeURIComponent(id)}`, {
        headers: { authorization: `Bearer ${str(ctx.settings.clientSecret)}` },
      });
      return { id, email: str(u.email), emailVerified: false, name: str(u.business_profile?.name ?? u.settings?.dashboard?.display_name) };
    },
  },
  tradeshift: tradeshift("Tradeshift", "https://api.tradeshift.com"),
  tradeshiftBox: tradeshift("Tradeshift Sandbox", "https://api-sandbox.tradeshift.com"),
  twitch: simple(
    "Twitch",
    {
      authorization: "https://id.twitch.tv/oauth2/authorize",
      token: "https://id.twitch.tv/oauth2/token",
      profile: "https://api.twitch.tv/helix/users",
    },
    ["user:read:email"],
    (u) => {
      const user = (u.data as Json[] | undefined)?.[0] ?? {};
      return { id: str(user.id), email: str(user.email), emailVerified: false, name: str(user.display_name ?? user.login) };
    },
    {
      headers: (s) => ({ "client-id": str(s.clientId) }),
      // Twitch's token answer lists `scope` as a JSON array; RFC 6749 (and oauth4webapi) want a string.
      tokenResponse: (answer) => (Array.isArray(answer.scope) ? { ...answer, scope: answer.scope.join(" ") } : answer),
    },
  ),
  wordpress: simple(
    "WordPress",
    {
      authorization: "https://public-api.wordpress.com/oauth2/authorize",
      token: "https://public-api.wordpress.com/oauth2/token",
      profile: "https://public-api.wordpress.com/rest/v1/me",
    },
    ["auth"],
    (u) => ({ id: str(u.ID), email: str(u.email), emailVerified: truthy(u.email_verified), name: str(u.display_name ?? u.username) }),
  ),
  yahoo: oidc("Yahoo", () => "https://api.login.yahoo.com"),
  yammer: {
    kind: "oauth2",
    name: "Yammer",
    scopes: [],
    pkce: false,
    authorization: () => "https://www.yammer.com/oauth2/authorize",
    token: () => "https://www.yammer.com/oauth2/access_token",
    // Yammer wraps the token in an object (`access_token.token`) beside the user and network.
    tokenResponse: (answer) =>
      answer.access_token && typeof answer.access_token === "object" ? { ...answer, access_token: str(answer.access_token.token) } : answer,
    async profile(ctx) {
      const u = await ctx.json("https://www.yammer.com/api/v1/users/current.json");
      const primaryAddress = (u.contact?.email_addresses as Json[] | undefined)?.find((e) => e.type === "primary")?.address;
      return { id: str(u.id), email: str(u.email ?? primaryAddress), emailVerified: false, name: str(u.full_name ?? u.name) };
    },
  },
  yandex: simple(
    "Yandex",
    {
      authorization: "https://oauth.yandex.com/authorize",
      token: "https://oauth.yandex.com/token",
      profile: "https://login.yandex.ru/info?format=json",
    },
    ["login:email", "login:info"],
    (u) => ({ id: str(u.id), email: str(u.default_email), emailVerified: false, name: str(u.real_name ?? u.display_name) }),
    { pkce: true, scheme: "OAuth" },
  ),
  zoho: {
    kind: "oauth2",
    name: "Zoho",
    scopes: ["aaaserver.profile.READ"],
    pkce: false,
    authParams: { access_type: "offline" },
    // Zoho keeps each account in one data centre: set `issuer` to its accounts server
    // (https://accounts.zoho.eu, .in, .com.au, …). The `accounts-server` Zoho adds to the callback
    // is not followed: it comes through the browser, and the client secret must not go where it says.
    authorization: (s) => `${zohoAccounts(s)}/oauth/v2/auth`,
    token: (s) => `${zohoAccounts(s)}/oauth/v2/token`,
    async profile(ctx) {
      const u = await ctx.json(`${zohoAccounts(ctx.settings)}/oauth/user/info`, { scheme: "Zoho-oauthtoken" });
      return { id: str(u.ZUID), email: str(u.Email), emailVerified: false, name: str(u.Display_Name) };
    },
  },
  mock: mockProvider,
  zoom: simple(
    "Zoom",
    { authorization: "https://zoom.us/oauth/authorize", token: "https://zoom.us/oauth/token", profile: "https://api.zoom.us/v2/users/me" },
    [],
    (u) => ({
      id: str(u.id),
      email: str(u.email),
      emailVerified: truthy(u.verified),
      name: str(u.display_name ?? [u.first_name, u.last_name].filter(Boolean).join(" ")),
    }),
    { pkce: true, clientAuth: "basic" },
  ),
};

/** Every name the routes accept, matched case-insensitively. */
export const PROVIDER_NAMES = Object.keys(providers).sort();

/** The canonical spelling of a provider name (`PAYPALSANDBOX` → `paypalSandbox`). */
export function canonicalProvider(name: string): string | null {
  const lower = name.toLowerCase();
  return PROVIDER_NAMES.find((p) => p.toLowerCase() === lower) ?? null;
}
