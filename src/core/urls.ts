import type { ResolvedConfig } from "../config";
import type { RequestContext } from "./context";
import type { Env } from "./operation";

// Every URL the server hands out (links in messages, OAuth2 redirect_uri and callback hops, the
// mock provider's pages) is built here, from one base: the configured `endpoint` (src/config.ts).
// Only without one (development; production refuses to start, see src/http/production-check.ts) is
// the base taken from the URL the request arrived at, which the HTTP layer puts in `ctx.endpoint`.

/** Used by direct core calls that bring neither a configured nor a request endpoint. */
const FALLBACK_ENDPOINT = "http://localhost/v1";

/** The public API base URL, without a trailing slash: `https://api.example.com/v1`. */
export function apiEndpoint(config: ResolvedConfig, ctx: RequestContext): string {
  return config.endpoint ?? ctx.endpoint ?? FALLBACK_ENDPOINT;
}

/** A URL under the API base: `apiUrl(env, "/account/sessions/oauth2/callback/github/p")`. */
export function apiUrl(env: Env, path: string): string {
  return `${apiEndpoint(env.deps.config, env.ctx)}${path}`;
}

/** The API's origin (`https://api.example.com`), for Appwrite's default console pages. */
export function apiOrigin(env: Env): string {
  return new URL(apiEndpoint(env.deps.config, env.ctx)).origin;
}

/** Worked out once per config: every request with parameters asks. */
const hostsByConfig = new WeakMap<ResolvedConfig, readonly string[]>();

/**
 * The hosts a redirect `url` parameter may point at: the configured platforms and the configured
 * endpoint's host. Never a host taken from the request: `Host` is the sender's to choose, and
 * allowing it lets anyone mail a victim's recovery secret to a host of their own.
 */
export function redirectHosts(config: ResolvedConfig): readonly string[] {
  let hosts = hostsByConfig.get(config);
  if (!hosts) {
    const own = config.endpoint ? new URL(config.endpoint).hostname : null;
    hosts = Object.freeze(own && !config.platforms.includes(own) ? [...config.platforms, own] : [...config.platforms]);
    hostsByConfig.set(config, hosts);
  }
  return hosts;
}
