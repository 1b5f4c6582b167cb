import { userBlocked } from "../behaviour";
import { AppwriteError } from "../../errors";
import { idTokenProfile } from "../../oauth/client";
import { IdTokenError, verifyIdToken } from "../../oauth/id-token";
import { JwksUnavailableError } from "../../oauth/jwks";
import { canonicalProvider, PROVIDER_NAMES, type IdTokenProfile, type ProviderProfile } from "../../oauth/providers";
import { range, text, whiteList, withDefault } from "../../validation/validators";
import { configuredForIdToken } from "../oauth2-providers";
import { operation, type Env } from "../operation";
import { fillProfile, resolveUser, saveIdentity, type LinkPolicy } from "../provider-login";
import { RATE_LIMITS } from "../rate-limits";
import { rebindPushTargets } from "../push-targets";
import { startSession } from "../session-start";

/**
 * Native sign-in (`createIdTokenSession`): an app that signed the user in with the platform's own
 * UI (Sign in with Apple, Google Credential Manager or One Tap) sends the provider's ID token; no
 * browser, redirect or client secret is involved. The token is checked against the provider's
 * published keys (src/oauth/id-token.ts), then the login is linked exactly as a browser OAuth2
 * login is (src/core/provider-login.ts) and a session starts, replacing the caller's if any.
 *
 * Parameters, checks and error types are Appwrite's.
 * One deliberate difference: a key set that cannot be fetched answers 503 (retry later) where
 * Appwrite sends 500. The ID token is stored on the identity sealed (src/ports/store.ts).
 */

/**
 * Appwrite's ID-token rules: an unverified e-mail of an existing account is a bad request, and a
 * token without an e-mail still signs a user up (an Apple user may hide theirs on a later login).
 */
const LINKING: LinkPolicy = { unverifiedEmailMatch: "general_bad_request", allowsNoEmail: true };

export const createIdTokenSession = operation({
  method: "POST",
  path: "/account/sessions/id-token",
  scope: "sessions.write",
  model: "session",
  rateLimit: RATE_LIMITS.createIdTokenSession,
  params: {
    provider: whiteList(PROVIDER_NAMES),
    // Empty passes validation and fails as "Malformed token", as in Appwrite.
    idToken: text(8192, 0),
    nonce: withDefault(text(256, 0), ""),
    accessToken: withDefault(text(4096, 0), ""),
    accessTokenExpiry: withDefault(range(0, 31_536_000), 0),
    name: withDefault(text(128, 0), ""),
  },
  async run(env, input) {
    const name = canonicalProvider(input.provider)!;
    const { provider, settings, audiences } = configuredForIdToken(env, name);
    const profile = await unavailableAs503(() => idTokenProfile(provider, settings, env.deps.fetch));
    const verified = await verify(env, input.idToken, { profile, audiences, nonce: input.nonce });
    // The token's name wins; the app's is for Apple, whose tokens never carry one. Either only
    // fills an empty name, so it counts on the first login only.
    const login: ProviderProfile = { ...verified, name: verified.name || input.name };

    const owner = await resolveUser(env, name, login, LINKING);
    const { user } = owner;
    if (!user.status) throw userBlocked(env.ctx);
    // No refresh token exists in this flow; an access token the app passes is only stored. The
    // ID token is the verified one, kept on the identity as Appwrite's `providerIdToken`.
    const tokens = {
      accessToken: input.accessToken,
      refreshToken: "",
      accessTokenExpiry:
        input.accessToken && input.accessTokenExpiry > 0 ? new Date(env.now.getTime() + input.accessTokenExpiry * 1000) : null,
      idToken: input.idToken,
    };
    await saveIdentity(env, owner, name, login, tokens);
    const current = await fillProfile(env, user, login);

    // A session upgrade replaces the caller's session, as the OAuth2 flow does.
    const upgraded = env.caller.session;
    if (upgraded) {
      // The push targets are held apart while the old session goes (it would take them along),
      // then bound to the new one, as the OAuth2 flow does (src/core/operations/oauth2.ts).
      await rebindPushTargets(env, current.id, null);
      await env.deps.store.sessions.delete(upgraded.id);
    }
    // The oauth2 factor passes the MFA gate, as a browser OAuth2 session does.
    const session = await startSession(env, current, {
      provider: name,
      providerUid: login.id,
      factors: ["email", "oauth2"],
      providerTokens: tokens,
      alert: true,
    });
    if (upgraded) await rebindPushTargets(env, current.id, session.body.$id);
    return session;
  },
});

async function verify(
  env: Env,
  token: string,
  check: { profile: IdTokenProfile; audiences: string[]; nonce: string },
): Promise<ProviderProfile> {
  try {
    return (await verifyIdToken(token, { ...check, now: env.now, keys: env.deps.jwks })).profile;
  } catch (error) {
    if (error instanceof IdTokenError) throw new AppwriteError("user_oauth2_token_invalid", error.message, { cause: error });
    if (error instanceof JwksUnavailableError) throw keysUnavailable(error);
    throw error;
  }
}

/** Appwrite's message for a key set it cannot fetch, as 503: the client may retry. */
function keysUnavailable(cause: unknown): AppwriteError {
  return new AppwriteError("user_oauth2_provider_error", "Failed to fetch the provider signing keys. Please try again.", {
    cause,
    status: 503,
  });
}

/** Discovery of a provider's issuer failing is the same outage as its keys failing. */
async function unavailableAs503<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof AppwriteError && error.type === "user_oauth2_provider_error") throw keysUnavailable(error);
    throw error;
  }
}
