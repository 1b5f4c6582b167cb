import { userBlocked } from "../behaviour";
import { z } from "zod";
import { AppwriteError } from "../../errors";
import { randomHex } from "../../crypto/random";
import { constantTimeEqual, sha256Hex } from "../../crypto/hash";
import { authorizationUrl, exchange, flowFor, type PendingAuth } from "../../oauth/client";
import { canonicalProvider, PROVIDER_NAMES } from "../../oauth/providers";
import { apiLocation, configured, redirectUri } from "../oauth2-providers";
import { apiOrigin, apiUrl } from "../urls";
import { hostUrl, optional, text, whiteList } from "../../validation/validators";
import { audit } from "../audit";
import type { Outcome } from "../context";
import { operation, redirect, type Env } from "../operation";
import { rebindPushTargets } from "../push-targets";
import { startSession } from "../session-start";
import { issueToken, linkWith } from "../token-secrets";
import { fillProfile, resolveUser, saveIdentity, type LinkPolicy } from "../provider-login";
import { RATE_LIMITS } from "../rate-limits";

/**
 * OAuth2 login: the start routes redirect to the provider, the provider comes back to
 * the callback, which hands over to the redirect route; that one exchanges the code, finds or
 * creates the user and the identity, and redirects to the app with a session or a token.
 *
 * No server-side storage: what the redirect route needs (success/failure URLs, token mode, PKCE
 * verifier, nonce) travels in the OAuth `state`, sealed (AES-GCM) under the service secret, so it
 * can be neither read nor altered by anyone else.
 */

const ACCOUNT = "/account";
const RATE = RATE_LIMITS.oauth2;
/**
 * An unverified e-mail of an existing account is refused as a conflict (Appwrite would link it);
 * a provider must name an e-mail (src/core/provider-login.ts).
 */
const LINKING: LinkPolicy = { unverifiedEmailMatch: "user_already_exists", allowsNoEmail: false };
/** How long a started login may take before its state is refused. */
const STATE_LIFETIME_MS = 60 * 60 * 1000;

const provider = whiteList(PROVIDER_NAMES);
const scopes = z
  .array(z.string().max(4096))
  .max(100)
  .describe("Value must be a valid array no longer than 100 items and Value must be a valid string and no longer than 4096 chars");
const callbackText = optional(text(2048));

interface SealedState {
  /** provider, success, failure, token mode, PKCE verifier, nonce, expiry (ms), starting session id. */
  p: string;
  s: string;
  f: string;
  t: boolean;
  v?: string;
  n?: string;
  e: number;
  u: string;
  /** sha256 of the browser-binding cookie's value set by the start route. */
  b?: string;
}

/** The cookie that ties a login to the browser that started it (see `oauth2Redirect`). */
const bindingCookie = (env: Env) => `a_oauth2_${env.deps.config.projectId.toLowerCase()}`;

const startRoute = (path: string, token: boolean) =>
  operation({
    method: "GET",
    path,
    scope: "sessions.write",
    rateLimit: RATE,
    htmlErrors: true,
    params: { provider, success: optional(hostUrl), failure: optional(hostUrl), scopes: optional(scopes) },
    async run(env, input): Promise<Outcome<null>> {
      const name = canonicalProvider(input.provider)!;
      const { provider, settings } = configured(env, name);
      const flow = await flowFor(provider, settings, apiLocation(env), env.deps.fetch);
      const binding = randomHex(16);
      // Bound to the browser when a browser starts the login. A server that starts it with its API
      // key (node-appwrite's createOAuth2Token, then a redirect of the user's browser to the URL)
      // cannot pass a cookie on, so its logins are not bound, as none are in Appwrite.
      const bound = Boolean(env.ctx.cookie) && env.caller.role !== "applications";
      const url = await authorizationUrl(flow, {
        redirectUri: redirectUri(env, name),
        scopes: [...new Set([...(settings.scopes ?? provider.scopes), ...(input.scopes ?? [])])],
        state: (pending: PendingAuth) =>
          env.deps.seal.seal(
            JSON.stringify({
              p: name,
              s: input.success ?? `${apiOrigin(env)}/console/auth/oauth2/success`,
              f: input.failure ?? `${apiOrigin(env)}/console/auth/oauth2/failure`,
              t: token,
              ...(pending.codeVerifier ? { v: pending.codeVerifier } : {}),
              ...(pending.nonce ? { n: pending.nonce } : {}),
              e: env.now.getTime() + STATE_LIFETIME_MS,
              u: env.caller.session?.id ?? "",
              // Only over HTTP can a cookie come back; direct core calls are not bound.
              ...(bound ? { b: sha256Hex(binding) } : {}),
            } satisfies SealedState),
          ),
      });
      const cookies = bound ? [{ name: bindingCookie(env), value: binding, maxAge: STATE_LIFETIME_MS / 1000 }] : [];
      return redirect(url, { cookies });
    },
  });

export const createOAuth2Token = startRoute(`${ACCOUNT}/tokens/oauth2/:provider`, true);
export const createOAuth2Session = startRoute(`${ACCOUNT}/sessions/oauth2/:provider`, false);

/**
 * The provider's return (GET, or a form POST from Apple): forwards everything it received to the
 * redirect route on the API's own origin, adding the project, as Appwrite's callback does.
 */
export const oauth2Callback = operation({
  method: "GET",
  path: `${ACCOUNT}/sessions/oauth2/callback/:provider/:projectId`,
  aliases: ["POST /account/sessions/oauth2/callback/:provider/:projectId"],
  scope: "public",
  htmlErrors: true,
  // Apple posts the answer from its own origin; nothing here acts on the caller's credentials.
  anyOrigin: true,
  params: { provider, projectId: text(36), code: callbackText, state: callbackText, error: callbackText, error_description: callbackText },
  async run(env, input): Promise<Outcome<null>> {
    const name = canonicalProvider(input.provider)!;
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(env.raw)) {
      if (key === "provider" || key === "projectId" || key === "project" || typeof value !== "string") continue;
      query.set(key, value);
    }
    query.set("project", input.projectId);
    return redirect(apiUrl(env, `${ACCOUNT}/sessions/oauth2/${name}/redirect?${query}`));
  },
});

/** Reads the sealed state; null when it was altered, sealed by another secret or is not ours. */
function openState(env: Env, value: string | undefined): SealedState | null {
  if (!value) return null;
  const plain = env.deps.seal.open(value);
  if (!plain) return null;
  try {
    const state = JSON.parse(plain) as SealedState;
    return typeof state.s === "string" && typeof state.f === "string" && typeof state.p === "string" ? state : null;
  } catch {
    return null;
  }
}

export const oauth2Redirect = operation({
  method: "GET",
  path: `${ACCOUNT}/sessions/oauth2/:provider/redirect`,
  scope: "public",
  rateLimit: RATE,
  htmlErrors: true,
  params: { provider, code: callbackText, state: callbackText, error: callbackText, error_description: callbackText },
  async run(env, input): Promise<Outcome<null>> {
    const name = canonicalProvider(input.provider)!;
    // A state we cannot open names no failure URL we could trust: the error is shown as a page.
    // (Appwrite answers 500 for a state that does not parse; an altered state is the caller's fault.)
    const state = openState(env, input.state);
    if (!state) throw new AppwriteError("general_argument_invalid", "Invalid `state` param: the OAuth2 state is not valid.");
    try {
      if (state.p !== name)
        throw new AppwriteError("general_argument_invalid", "Invalid `state` param: the OAuth2 state belongs to another provider.");
      if (state.e < env.now.getTime())
        throw new AppwriteError("general_argument_invalid", "Invalid `state` param: the OAuth2 login took too long; please start again.");
      // Bound to the session (or guest) that started the login: a callback link made by someone
      // else cannot link their provider account to a victim who is signed in (OAuth login CSRF).
      if (state.u !== (env.caller.session?.id ?? "")) {
        throw new AppwriteError("general_argument_invalid", "Invalid `state` param: the OAuth2 login was started by another session.");
      }
      // ...and to the browser that started it, so an attacker's callback link cannot sign a guest
      // victim into the attacker's account either.
      if (state.b) {
        const cookie = env.ctx.cookie?.(bindingCookie(env));
        if (!cookie || !constantTimeEqual(sha256Hex(cookie), state.b)) {
          throw new AppwriteError("general_argument_invalid", "Invalid `state` param: the OAuth2 login was started in another browser.");
        }
      }
      const outcome = await complete(env, name, state, input);
      return { ...outcome, cookies: [{ name: bindingCookie(env), value: "", maxAge: 0 }] };
    } catch (thrown) {
      if (!state.f) throw thrown;
      const error = thrown instanceof AppwriteError ? thrown : new AppwriteError("general_unknown", undefined, { cause: thrown });
      // The failure URL gets the error with its declared code (424 for provider errors).
      const detail = JSON.stringify({ message: error.message, type: error.type, code: error.declaredCode });
      return redirect(linkWith(state.f, { error: detail }));
    }
  },
});

async function complete(
  env: Env,
  name: string,
  state: SealedState,
  input: { code?: string; error?: string; error_description?: string; state?: string },
): Promise<Outcome<null>> {
  const { provider, settings } = configured(env, name);
  if (input.error) {
    const detail = input.error_description ? `${input.error}: ${input.error_description}` : input.error;
    throw new AppwriteError("user_oauth2_provider_error", `The ${provider.name} OAuth2 provider returned an error: ${detail}`);
  }
  if (!input.code) {
    throw new AppwriteError("user_oauth2_provider_error", "Missing OAuth2 code. Please contact the Appwrite team for additional support.");
  }
  const flow = await flowFor(provider, settings, apiLocation(env), env.deps.fetch);
  // The provider's own answer, as oauth4webapi validates it (code, state and, where sent, iss).
  const callback = new URLSearchParams();
  for (const key of ["code", "state", "iss"]) {
    const value = env.raw[key];
    if (typeof value === "string") callback.set(key, value);
  }
  const result = await exchange(
    flow,
    callback,
    redirectUri(env, name),
    { ...(state.v ? { codeVerifier: state.v } : {}), ...(state.n ? { nonce: state.n } : {}) },
    env.now,
  );
  if (!result.profile.id) throw new AppwriteError("user_missing_id");
  if (!result.profile.name && provider.nameFromCallback) result.profile.name = provider.nameFromCallback(env.raw);

  const owner = await resolveUser(env, name, result.profile, LINKING);
  const { user } = owner;
  if (!user.status) throw userBlocked(env.ctx);
  const identityId = await saveIdentity(env, owner, name, result.profile, result);
  const current = await fillProfile(env, user, result.profile);

  // A session upgrade replaces the caller's session, as in Appwrite.
  const upgraded = env.caller.session;

  if (state.t) {
    if (upgraded) await env.deps.store.sessions.delete(upgraded.id);
    // The token names the identity, so that its session can carry the provider's details.
    const { secret } = await issueToken(env, current, "oauth2", { identityId });
    await audit(env, "session.create", current, `user/${current.id}`);
    return redirect(linkWith(state.s, { userId: current.id, secret }), upgraded ? { clearSession: true } : {});
  }
  if (upgraded) {
    // The user's push targets are held apart while the old session goes (it would take them
    // along) and the new one starts (its session limit may trim), then bound to the new one.
    await rebindPushTargets(env, current.id, null);
    await env.deps.store.sessions.delete(upgraded.id);
  }
  // startSession writes the session.create audit entry.
  const session = await startSession(env, current, {
    provider: name,
    providerUid: result.profile.id,
    factors: ["email", "oauth2"],
    providerTokens: { accessToken: result.accessToken, refreshToken: result.refreshToken, accessTokenExpiry: result.accessTokenExpiry },
  });
  if (upgraded) await rebindPushTargets(env, current.id, session.body.$id);
  return redirect(state.s, session.setSession ? { setSession: session.setSession } : {});
}
