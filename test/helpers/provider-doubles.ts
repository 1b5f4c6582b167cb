import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";

/**
 * Provider doubles: one fetch function that answers the OAuth2 providers' endpoints in-process, for
 * Gatehouse's `fetch` option. Each route is a handler the test registers with an answer copied in
 * shape from the provider's documentation. The double also plays the authorization server's part
 * of the protocol, strictly: it issues a code bound to the authorization request (client, redirect
 * URI, PKCE challenge, nonce) and its token endpoint refuses a request that does not match it.
 * Every request it gets is recorded, for the test to assert on.
 */

export interface Recorded {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

/** A handler's answer: a ready Response, or a value sent as a 200 JSON body. */
export type Answer = Response | Record<string, unknown> | unknown[];
export type Handler = (request: Recorded) => Answer | Promise<Answer>;

/** What the authorization request asked for, remembered under the code it was given. */
export interface Grant {
  code: string;
  clientId: string;
  redirectUri: string;
  scope: string | null;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
}

export interface ClientCredentials {
  clientId: string;
  clientSecret: string;
  /** How the provider's documentation says the client authenticates at the token endpoint. */
  auth: "basic" | "post";
}

export const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json; charset=utf-8", ...headers } });

/** `application/x-www-form-urlencoded` decoding (RFC 6749 appendix B). */
const formDecode = (value: string) => decodeURIComponent(value.replace(/\+/g, " "));

/** The client id and secret of an HTTP Basic `Authorization` header, or null. */
export function basicCredentials(header: string | null): { id: string; secret: string } | null {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? "");
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, "base64").toString("utf8");
  const at = decoded.indexOf(":");
  if (at < 0) return null;
  return { id: formDecode(decoded.slice(0, at)), secret: formDecode(decoded.slice(at + 1)) };
}

export const s256 = (verifier: string) => createHash("sha256").update(verifier).digest("base64url");

/** The discovery URL of an issuer, as OpenID Connect Discovery 1.0 §4 builds it. */
export const discoveryUrl = (issuer: string) => `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;

export class ProviderDouble {
  readonly requests: Recorded[] = [];
  private readonly routes = new Map<string, Handler>();
  private readonly once = new Map<string, Handler[]>();
  private readonly grants = new Map<string, Grant>();
  private readonly keys = generateKeyPairSync("rsa", { modulusLength: 2048 });
  readonly kid = "double-key-1";

  /** The fetch to pass as Gatehouse's `fetch` option. */
  readonly fetch: typeof fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = init?.body;
    const request: Recorded = {
      method: (init?.method ?? "GET").toUpperCase(),
      url,
      headers: new Headers(init?.headers),
      body: typeof body === "string" ? body : body instanceof URLSearchParams ? body.toString() : "",
    };
    this.requests.push(request);
    const key = routeKey(request.method, url);
    const handler = this.once.get(key)?.shift() ?? this.routes.get(key);
    if (!handler) return json({ error: "not_found", error_description: `the double has no ${key}` }, 404);
    const answer = await handler(request);
    return answer instanceof Response ? answer : json(answer);
  };

  /** Answers `method url` (query ignored: the handler checks it) until replaced. */
  route(method: string, url: string, handler: Handler): void {
    this.routes.set(routeKey(method, new URL(url)), handler);
  }

  /** Answers the next request to `method url` with `handler`, then the usual route again. */
  answerOnce(method: string, url: string, handler: Handler): void {
    const key = routeKey(method, new URL(url));
    this.once.set(key, [...(this.once.get(key) ?? []), handler]);
  }

  /** The user "logs in" at the provider: a code bound to this authorization request. */
  authorize(url: URL): string {
    const q = url.searchParams;
    const code = `code-${randomBytes(9).toString("base64url")}`;
    this.grants.set(code, {
      code,
      clientId: q.get("client_id") ?? "",
      redirectUri: q.get("redirect_uri") ?? "",
      scope: q.get("scope"),
      nonce: q.get("nonce"),
      codeChallenge: q.get("code_challenge"),
      codeChallengeMethod: q.get("code_challenge_method"),
    });
    return code;
  }

  /**
   * Checks a token request as the provider would: POST, form-encoded, the authorization_code
   * grant, a code this double issued (once), the same redirect URI, the client authenticated the
   * documented way, and the PKCE verifier exactly when a challenge was sent. Answers the refusal
   * (as a Response) or the grant it redeems.
   */
  redeem(request: Recorded, client: ClientCredentials): Grant | Response {
    const refuse = (error: string, description: string, status = 400) => json({ error, error_description: description }, status);
    if (request.method !== "POST") return refuse("invalid_request", `token endpoint wants POST, got ${request.method}`);
    if (!(request.headers.get("content-type") ?? "").startsWith("application/x-www-form-urlencoded"))
      return refuse("invalid_request", "token request is not form-encoded");
    const form = new URLSearchParams(request.body);
    const basic = basicCredentials(request.headers.get("authorization"));
    if (client.auth === "basic") {
      if (!basic || basic.id !== client.clientId || basic.secret !== client.clientSecret)
        return refuse("invalid_client", "HTTP Basic client authentication failed", 401);
      if (form.has("client_secret")) return refuse("invalid_request", "client_secret must not be in the body");
    } else {
      if (request.headers.has("authorization")) return refuse("invalid_request", "client credentials belong in the body");
      if (form.get("client_id") !== client.clientId || form.get("client_secret") !== client.clientSecret)
        return refuse("invalid_client", "client_id/client_secret in the body are wrong", 401);
    }
    if (form.get("grant_type") !== "authorization_code") return refuse("unsupported_grant_type", `grant_type ${form.get("grant_type")}`);
    const grant = this.grants.get(form.get("code") ?? "");
    if (!grant) return refuse("invalid_grant", "unknown or used code");
    this.grants.delete(grant.code);
    if (grant.clientId !== client.clientId) return refuse("invalid_grant", "code issued to another client");
    if (form.get("redirect_uri") !== grant.redirectUri)
      return refuse("invalid_grant", "redirect_uri does not match the authorization request");
    const verifier = form.get("code_verifier");
    if (grant.codeChallenge) {
      if (grant.codeChallengeMethod !== "S256" || !verifier || s256(verifier) !== grant.codeChallenge)
        return refuse("invalid_grant", "PKCE verification failed");
    } else if (verifier !== null) {
      return refuse("invalid_request", "code_verifier sent without a code_challenge");
    }
    return grant;
  }

  /** An RS256 ID token signed with the double's key. */
  idToken(claims: Record<string, unknown>): string {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    const input = `${encode({ alg: "RS256", typ: "JWT", kid: this.kid })}.${encode(claims)}`;
    return `${input}.${sign("sha256", Buffer.from(input), this.keys.privateKey).toString("base64url")}`;
  }

  /** The public key set the ID tokens verify against. */
  jwks(): { keys: Record<string, unknown>[] } {
    return { keys: [{ ...this.keys.publicKey.export({ format: "jwk" }), kid: this.kid, alg: "RS256", use: "sig" }] };
  }
}

function routeKey(method: string, url: URL): string {
  return `${method.toUpperCase()} ${url.origin}${url.pathname}`;
}
