import * as oauth from "oauth4webapi";
import { AppwriteError } from "../errors";
import type { ProfileContext, Provider, ProviderProfile, ProviderSettings } from "./providers";

/**
 * The glue between the provider data and oauth4webapi, which does all of the protocol: discovery,
 * PKCE, the code exchange, ID-token claim checks (issuer, audience, expiry, nonce) and userinfo.
 */

/** A provider ready to talk to: its metadata, our client registration and how we authenticate. */
export interface Flow {
  provider: Provider;
  settings: ProviderSettings;
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  clientAuth: oauth.ClientAuth;
  pkce: boolean;
  /** OpenID Connect: send a nonce and check it in the ID token. */
  oidc: boolean;
  options: { [oauth.allowInsecureRequests]?: boolean };
}

/** What an authorization request must remember until the code comes back (kept in the sealed state). */
export interface PendingAuth {
  codeVerifier?: string;
  nonce?: string;
}

// Discovery documents are cached per issuer for the process; a failed lookup is not cached.
const DISCOVERY_TTL_MS = 60 * 60 * 1000;
const discovered = new Map<string, { at: number; as: Promise<oauth.AuthorizationServer> }>();

function discover(issuer: string, options: Flow["options"]): Promise<oauth.AuthorizationServer> {
  const cached = discovered.get(issuer);
  if (cached && Date.now() - cached.at < DISCOVERY_TTL_MS) return cached.as;
  const url = new URL(issuer);
  const as = oauth.discoveryRequest(url, { algorithm: "oidc", ...options }).then((response) => oauth.processDiscoveryResponse(url, response));
  as.catch(() => discovered.delete(issuer));
  discovered.set(issuer, { at: Date.now(), as });
  return as;
}

/** Builds the flow for a configured provider; provider faults become `user_oauth2_provider_error`. */
export async function flowFor(provider: Provider, settings: ProviderSettings): Promise<Flow> {
  // Plain http is only for a provider on the developer's machine (and the test suite).
  const options: Flow["options"] = settings.allowInsecureRequests === true ? { [oauth.allowInsecureRequests]: true } : {};
  const client: oauth.Client = { client_id: settings.clientId ?? "" };
  const clientAuth = provider.clientAuth === "basic" ? oauth.ClientSecretBasic(settings.clientSecret ?? "") : oauth.ClientSecretPost(settings.clientSecret ?? "");
  if (provider.kind === "oidc") {
    const issuer = provider.issuer(settings)!;
    let as: oauth.AuthorizationServer;
    try {
      as = await discover(issuer, options);
    } catch (error) {
      throw providerError(provider, `Discovery failed: ${describe(error)}`);
    }
    // PKCE where the server advertises S256 (a server that lists nothing may still accept it).
    const pkce = as.code_challenge_methods_supported?.includes("S256") ?? false;
    return { provider, settings, as, client, clientAuth, pkce, oidc: true, options };
  }
  const authorization = provider.authorization(settings);
  const as: oauth.AuthorizationServer = {
    issuer: provider.issuer ?? new URL(authorization).origin,
    authorization_endpoint: authorization,
    token_endpoint: provider.token(settings),
  };
  return { provider, settings, as, client, clientAuth, pkce: provider.pkce, oidc: false, options };
}

/** The provider's authorization URL for this request, and what to remember for the callback. */
export async function authorizationUrl(flow: Flow, request: { redirectUri: string; state: (pending: PendingAuth) => string; scopes: string[] }): Promise<string> {
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
}

/**
 * Trades the code for tokens and reads the user. `callback` holds the parameters the provider
 * sent (code, state, iss…); the state has been checked already, so it is expected as sent.
 */
export async function exchange(flow: Flow, callback: URLSearchParams, redirectUri: string, pending: PendingAuth, now: Date): Promise<Exchanged> {
  const { as, client, provider } = flow;
  let tokens: oauth.TokenEndpointResponse;
  try {
    const params = oauth.validateAuthResponse(as, client, callback, callback.get("state") ?? oauth.expectNoState);
    const response = await oauth.authorizationCodeGrantRequest(as, client, flow.clientAuth, params, redirectUri, pending.codeVerifier ?? oauth.nopkce, flow.options);
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
  };
}

/** The ID token's claims, completed by userinfo where the server has it (same `sub` required). */
async function oidcProfile(flow: Flow, tokens: oauth.TokenEndpointResponse): Promise<ProviderProfile> {
  const idClaims: Record<string, unknown> = { ...(oauth.getValidatedIdTokenClaims(tokens) ?? {}) };
  let claims = idClaims;
  if (flow.as.userinfo_endpoint) {
    const response = await oauth.userInfoRequest(flow.as, flow.client, tokens.access_token, flow.options);
    const info = await oauth.processUserInfoResponse(flow.as, flow.client, typeof idClaims.sub === "string" ? idClaims.sub : oauth.skipSubjectCheck, response);
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
    async json(url, init = {}) {
      const headers = new Headers(init.headers);
      headers.set("accept", "application/json");
      const method = init.method ?? "GET";
      let response: Response;
      if (init.scheme || headers.has("authorization")) {
        // A provider with its own authorization scheme ("OAuth", "Zoho-oauthtoken") or credential.
        if (!headers.has("authorization")) headers.set("authorization", `${init.scheme} ${tokens.access_token}`);
        response = await fetch(url, { method, headers, ...(init.body === undefined ? {} : { body: init.body }) });
      } else {
        response = await oauth.protectedResourceRequest(tokens.access_token, method, new URL(url), headers, init.body ?? null, flow.options);
      }
      if (!response.ok) throw new Error(`${new URL(url).pathname} answered ${response.status}`);
      return response.json();
    },
  };
}

/** Token endpoint failures keep the provider's status class, as Appwrite's adapters do (spec §2.38 step 7). */
function tokenError(provider: Provider, error: unknown): AppwriteError {
  const prefix = `Failed to obtain access token. The ${provider.name} OAuth2 provider returned an error: `;
  if (error instanceof oauth.ResponseBodyError) {
    const detail = error.error_description ? `${error.error}: ${error.error_description}` : error.error;
    const type = error.status === 400 ? "user_oauth2_bad_request" : error.status === 401 ? "user_oauth2_unauthorized" : "user_oauth2_provider_error";
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
