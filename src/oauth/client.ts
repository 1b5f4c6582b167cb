import * as oauth from "oauth4webapi";
import { AppwriteError } from "../errors";
import { ASYMMETRIC_ALGORITHMS } from "./id-token";
import type { ApiLocation, IdTokenProfile, OidcProvider, ProfileContext, Provider, ProviderProfile, ProviderSettings } from "./providers";

/**
 * The glue between the provider data and oauth4webapi, which does all of the protocol: discovery,
 * PKCE, the code exchange, ID-token claim checks (issuer, audience, expiry, nonce) and userinfo.
 */

/** A provider ready to talk to: its metadata, our client registration and how we authenticate. */
export interface Flow {
  provider: Provider;
  settings: ProviderSettings;
  api: ApiLocation;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  pkce: boolean;
  /** OpenID Connect: send a nonce and check it in the ID token. */
  oidc: boolean;
  fetch: typeof fetch;
  options: Options;
}

/** Every oauth4webapi request goes through the configured fetch (its request shapes are all fetch-compatible). */
type AnyFetch = (url: string, init: any) => Promise<Response>;
type Options = { [oauth.allowInsecureRequests]?: boolean; [oauth.customFetch]: AnyFetch };

/** What an authorization request must remember until the code comes back (kept in the sealed state). */
export interface PendingAuth {
  codeVerifier?: string;
  nonce?: string;
}

// Discovery documents are cached per fetch function and issuer; a failed lookup is not cached.
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const caches = new WeakMap<typeof fetch, Map<string, { at: number; as: Promise<oauth.AuthorizationServer> }>>();

function discover(issuer: string, fetchFn: typeof fetch, options: Options): Promise<oauth.AuthorizationServer> {
  let discovered = caches.get(fetchFn);
  if (!discovered) caches.set(fetchFn, (discovered = new Map()));
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
  const url = new URL(issuer);
  const as = oauth
    .discoveryRequest(url, { algorithm: "oidc", ...options })
    .then((response) => oauth.processDiscoveryResponse(url, response));
  as.catch(() => discovered!.delete(issuer));
  discovered.set(issuer, { at: Date.now(), as });
  return as;
}

/** Builds the flow for a configured provider; provider faults become `user_oauth2_provider_error`. */
export async function flowFor(
  provider: Provider,
  settings: ProviderSettings,
  api: ApiLocation,
  configuredFetch: typeof fetch,
): Promise<Flow> {
  const inProcess = provider.kind === "oauth2" ? provider.fetch?.(settings) : undefined;
  const fetchFn = inProcess ?? configuredFetch;
  const options: Options = { [oauth.customFetch]: fetchFn };
  // Plain http is only for a provider on the developer's machine (and the test suite), or one
  // answered in-process, whose requests never reach a network.
  if (settings.allowInsecureRequests === true || inProcess) options[oauth.allowInsecureRequests] = true;
  const client: oauth.Client = { client_id: settings.clientId ?? "" };
  const secret = settings.clientSecret ?? "";
  if (provider.kind === "oidc") {
    const issuer = provider.issuer(settings)!;
    let as: oauth.AuthorizationServer;
    try {
      as = await discover(issuer, fetchFn, options);
    } catch (error) {
      throw providerError(provider, `Discovery failed: ${describe(error)}`);
    }
    // PKCE where the server advertises S256 (a server that lists nothing may still accept it).
    const pkce = as.code_challenge_methods_supported?.includes("S256") ?? false;
    // The server's own list decides; OpenID Discovery's default, when it lists none, is Basic.
    const methods = as.token_endpoint_auth_methods_supported ?? ["client_secret_basic"];
    const basic = provider.clientAuth === "basic" || !methods.includes("client_secret_post");
    const clientAuth = basic ? basicAuth(client.client_id, secret) : oauth.ClientSecretPost(secret);
    return { provider, settings, api, as, client, clientAuth, pkce, oidc: true, fetch: fetchFn, options };
  }
  const authorization = provider.authorization(settings, api);
  const as: oauth.AuthorizationServer = {
    issuer: provider.issuer ?? new URL(authorization).origin,
    authorization_endpoint: authorization,
    token_endpoint: provider.token(settings, api),
  };
  const clientAuth = provider.clientAuth === "basic" ? basicAuth(client.client_id, secret) : oauth.ClientSecretPost(secret);
  return { provider, settings, api, as, client, clientAuth, pkce: provider.pkce, oidc: false, fetch: fetchFn, options };
}

/**
 * Where an OpenID provider's ID tokens are checked for native sign-in: its fixed profile, or what
 * discovery of its configured issuer says (issuer, `jwks_uri`, asymmetric signing algorithms;
 * RS256, OpenID Discovery's default, when it lists none). Throws `user_oauth2_provider_error`.
 */
export async function idTokenProfile(
  provider: OidcProvider,
  settings: ProviderSettings,
  configuredFetch: typeof fetch,
): Promise<IdTokenProfile> {
  if (provider.idToken) return provider.idToken;
  const options: Options = { [oauth.customFetch]: configuredFetch };
  if (settings.allowInsecureRequests === true) options[oauth.allowInsecureRequests] = true;
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(provider.issuer(settings)!, configuredFetch, options);
  } catch (error) {
    throw providerError(provider, `Discovery failed: ${describe(error)}`);
  }
  const jwksUri = as.jwks_uri;
  if (!jwksUri) throw providerError(provider, "Discovery names no jwks_uri.");
  if (new URL(jwksUri).protocol !== "https:" && settings.allowInsecureRequests !== true) {
    throw providerError(provider, "The jwks_uri is not https.");
  }
  const listed = as.id_token_signing_alg_values_supported ?? ["RS256"];
  return { issuers: [as.issuer], jwksUri, algorithms: listed.filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg)), nonceRequired: false };
}

/**
 * HTTP Basic client authentication. RFC 6749 §2.3.1 form-encodes the id and secret first, and
 * oauth4webapi does so even for `-`, `_` and `.`; several providers (PayPal, Notion, Tradeshift)
 * document plain `base64(id:secret)` and do not decode. Credentials made only of characters that
 * need no encoding in either reading are sent plain; anything else is encoded as the RFC says.
 */
export function basicAuth(clientId: string, clientSecret: string): oauth.ClientAuth {
  const plain = /^[A-Za-z0-9\-._~]*$/;
  if (!plain.test(clientId) || !plain.test(clientSecret)) return oauth.ClientSecretBasic(clientSecret);
  const credentials = Buffer.from(`${clientId}:${clientSecret}`).toString("base64");
  return (_as, _client, _body, headers) => {
    headers.set("authorization", `Basic ${credentials}`);
  };
}

/** The provider's authorization URL for this request, and what to remember for the callback. */
export async function authorizationUrl(
  flow: Flow,
  request: { redirectUri: string; state: (pending: PendingAuth) => string; scopes: string[] },
): Promise<string> {
  const pending: PendingAuth = {};
  const url = new URL(flow.as.authorization_endpoint!);
  url.searchParams.set("client_id", flow.client.client_id);
  url.searchParams.set("redirect_uri", request.redirectUri);
  url.searchParams.set("response_type", "code");
  if (request.scopes.length) url.searchParams.set("scope", request.scopes.join(" "));
  if (flow.pkce) {
    pending.codeVerifier = oauth.generateRandomCodeVerifier();
    url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(pending.codeVerifier));
    url.searchParams.set("code_challenge_method", "S256");
  }
  if (flow.oidc) {
    pending.nonce = oauth.generateRandomNonce();
    url.searchParams.set("nonce", pending.nonce);
  }
  for (const [name, value] of Object.entries(flow.provider.authParams ?? {})) url.searchParams.set(name, value);
  url.searchParams.set("state", request.state(pending));
  return url.toString();
}

export interface Exchanged {
  profile: ProviderProfile;
  accessToken: string;
  refreshToken: string;
  accessTokenExpiry: Date | null;
  /** The token answer's `id_token` (OpenID providers), "" when it had none. */
  idToken: string;
}

/**
 * Trades the code for tokens and reads the user. `callback` holds the parameters the provider
 * sent (code, state, iss…); the state has been checked already, so it is expected as sent.
 */
export async function exchange(
  flow: Flow,
  callback: URLSearchParams,
  redirectUri: string,
  pending: PendingAuth,
  now: Date,
): Promise<Exchanged> {
  const { as, client, provider } = flow;
  let tokens: oauth.TokenEndpointResponse;
  try {
    const params = oauth.validateAuthResponse(as, client, callback, callback.get("state") ?? oauth.expectNoState);
    // Token answers are brought into RFC 6749 shape first (see `tokenAnswer`).
    const options = { ...flow.options, [oauth.customFetch]: tokenAnswer(flow.fetch, provider) };
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      client,
      flow.clientAuth,
      params,
      redirectUri,
      pending.codeVerifier ?? oauth.nopkce,
      options,
    );
    tokens = await oauth.processAuthorizationCodeResponse(as, client, response, {
      expectedNonce: pending.nonce ?? oauth.expectNoNonce,
      requireIdToken: flow.oidc && provider.scopes.includes("openid"),
    });
  } catch (error) {
    throw tokenError(provider, error);
  }
  let profile: ProviderProfile;
  try {
    profile = provider.kind === "oidc" ? await oidcProfile(flow, tokens) : await provider.profile(profileContext(flow, tokens));
  } catch (error) {
    throw error instanceof AppwriteError ? error : providerError(provider, `Failed to read the user profile: ${describe(error)}`);
  }
  return {
    profile,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? "",
    accessTokenExpiry: typeof tokens.expires_in === "number" ? new Date(now.getTime() + tokens.expires_in * 1000) : null,
    idToken: typeof tokens.id_token === "string" ? tokens.id_token : "",
  };
}

/** The ID token's claims, completed by userinfo where the server has it (same `sub` required). */
async function oidcProfile(flow: Flow, tokens: oauth.TokenEndpointResponse): Promise<ProviderProfile> {
  const idClaims: Record<string, unknown> = { ...(oauth.getValidatedIdTokenClaims(tokens) ?? {}) };
  let claims = idClaims;
  if (flow.as.userinfo_endpoint) {
    const response = await oauth.userInfoRequest(flow.as, flow.client, tokens.access_token, flow.options);
    const info = await oauth.processUserInfoResponse(
      flow.as,
      flow.client,
      typeof idClaims.sub === "string" ? idClaims.sub : oauth.skipSubjectCheck,
      response,
    );
    claims = { ...idClaims, ...info };
  }
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    id: str(claims.sub),
    email: str(claims.email),
    // Apple sends "true" as a string.
    emailVerified: claims.email_verified === true || claims.email_verified === "true",
    name: str(claims.name) || [str(claims.given_name), str(claims.family_name)].filter(Boolean).join(" ") || str(claims.preferred_username),
  };
}

function profileContext(flow: Flow, tokens: oauth.TokenEndpointResponse): ProfileContext {
  return {
    accessToken: tokens.access_token,
    tokens,
    settings: flow.settings,
    api: flow.api,
    async json(url, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("accept", "application/json");
      const method = init.method ?? "GET";
      let response: Response;
      if (init.scheme || headers.has("authorization")) {
        // A provider with its own authorization scheme ("OAuth", "Zoho-oauthtoken") or credential.
        if (!headers.has("authorization")) headers.set("authorization", `${init.scheme} ${tokens.access_token}`);
        response = await flow.fetch(url, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
      } else {
        response = await oauth.protectedResourceRequest(
          tokens.access_token,
          method,
          new URL(url),
          headers,
          init.body ?? null,
          flow.options,
        );
      }
      if (!response.ok) throw new Error(`${new URL(url).pathname} answered ${response.status}`);
      return response.json();
    },
  };
}

/**
 * Many providers answer the token request in ways oauth4webapi rightly refuses: no `token_type`
 * (Bitly), form encoding or `text/plain` (older GitHub and Facebook apps), an error with status
 * 200 (GitHub, and Slack's `{"ok":false,"error":…}` even on its OpenID endpoint), or a token
 * wrapped in an object (Yammer). This fetch wrapper rewrites such an answer into the RFC 6749
 * shape, so the protocol checks themselves stay oauth4webapi's.
 */
function tokenAnswer(fetchFn: typeof fetch, provider: Provider): Options[typeof oauth.customFetch] {
  return async (url, init) => {
    const response = await fetchFn(url, init as RequestInit);
    const text = await response.clone().text();
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      const type = response.headers.get("content-type") ?? "";
      // Only a form-encoded answer is read as a form; anything else is left for oauth4webapi to refuse.
      if (!type.includes("application/x-www-form-urlencoded") && !(type.includes("text/plain") && text.includes("="))) return response;
      body = Object.fromEntries(new URLSearchParams(text));
    }
    if (!body || typeof body !== "object" || Array.isArray(body)) return response;
    let answer = body as Record<string, unknown>;
    let status = response.status;
    if (status === 200 && typeof answer.error === "string") status = 400;
    if (status === 200) {
      if (provider.kind === "oauth2") answer = provider.tokenResponse?.(answer) ?? answer;
      // RFC 6749 requires token_type; the providers that leave it out issue bearer tokens.
      if (typeof answer.access_token === "string" && typeof answer.token_type !== "string") answer = { ...answer, token_type: "bearer" };
    }
    const headers = new Headers(response.headers);
    headers.delete("content-length");
    headers.delete("content-encoding");
    headers.set("content-type", "application/json");
    return new Response(JSON.stringify(answer), { status, statusText: response.statusText, headers });
  };
}

/**
 * Token endpoint failures keep the provider's status class, as Appwrite's adapters do: a 400 or 401
 * from the provider becomes `user_oauth2_bad_request` or `user_oauth2_unauthorized`, anything else
 * `user_oauth2_provider_error`.
 */
function tokenError(provider: Provider, error: unknown): AppwriteError {
  const prefix = `Failed to obtain access token. The ${provider.name} OAuth2 provider returned an error: `;
  if (error instanceof oauth.ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    const type =
      error.status === 400 ? "user_oauth2_bad_request" : error.status === 401 ? "user_oauth2_unauthorized" : "user_oauth2_provider_error";
    return new AppwriteError(type, prefix + detail, { cause: error });
  }
  return new AppwriteError("user_oauth2_provider_error", prefix + describe(error), { cause: error });
}

export function providerError(provider: Provider, detail: string): AppwriteError {
  return new AppwriteError("user_oauth2_provider_error", `The ${provider.name} OAuth2 provider returned an error: ${detail}`);
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
