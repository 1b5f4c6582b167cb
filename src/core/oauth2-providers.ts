import { AppwriteError } from "../errors";
import { providers, type OidcProvider, type Provider, type ProviderSettings } from "../oauth/providers";
import type { Env } from "./operation";
import { apiEndpoint, apiUrl } from "./urls";

// The OAuth2 providers as this project configured them, and where their callbacks are: shared by
// the OAuth2 routes and the mock provider's authorization page.

/** `config.oauth2`'s entry for a provider, its key matched case-insensitively. */
function settingsOf(env: Env, name: string): ProviderSettings | undefined {
  const all = env.deps.config.oauth2 as Record<string, ProviderSettings>;
  const key = Object.keys(all).find((k) => k.toLowerCase() === name.toLowerCase());
  return key ? all[key] : undefined;
}

/** The provider's settings, or Appwrite's 412 `project_provider_disabled` when it is off or incomplete. */
export function configured(env: Env, name: string): { provider: Provider; settings: ProviderSettings } {
  const settings = settingsOf(env, name);
  if (!settings || !settings.enabled) {
    throw new AppwriteError(
      "project_provider_disabled",
      `This provider is disabled. Please enable it under \`oauth2.${name}\` in the Gatehouse config to continue.`,
    );
  }
  if (!settings.clientId || !settings.clientSecret) {
    throw new AppwriteError(
      "project_provider_disabled",
      `This provider is disabled. Please set \`oauth2.${name}.clientId\` and \`clientSecret\` in the Gatehouse config to continue.`,
    );
  }
  const provider = providers[name];
  if (!provider) throw new AppwriteError("project_provider_unsupported");
  if (provider.kind === "oidc" && !provider.issuer(settings)) {
    throw new AppwriteError(
      "project_provider_disabled",
      "This provider is disabled. Please configure the provider issuer URL to continue.",
    );
  }
  return { provider, settings };
}

/**
 * A provider's settings for native sign-in with an ID token (`POST /account/sessions/id-token`),
 * and the audiences its tokens may name: Appwrite's checks in Appwrite's order. Only OpenID
 * providers issue ID tokens (400 `project_provider_unsupported` otherwise); `nativeEnabled`, not
 * `enabled`, switches it on, and no client secret is needed.
 */
export function configuredForIdToken(env: Env, name: string): { provider: OidcProvider; settings: ProviderSettings; audiences: string[] } {
  const provider = providers[name];
  if (!provider || provider.kind !== "oidc") {
    throw new AppwriteError("project_provider_unsupported", "This provider does not support ID token sign-in.");
  }
  const settings = settingsOf(env, name);
  if (!settings || settings.nativeEnabled !== true) {
    throw new AppwriteError(
      "project_provider_disabled",
      `This provider is disabled. Please enable it under \`oauth2.${name}.nativeEnabled\` in the Gatehouse config to continue.`,
    );
  }
  const audiences = [settings.clientId ?? "", ...(settings.clientIds ?? [])].filter((id) => id !== "");
  if (audiences.length === 0) {
    throw new AppwriteError(
      "project_provider_disabled",
      `Configure a client ID or native client IDs for this provider to accept ID tokens (\`oauth2.${name}.clientId\` or \`clientIds\` in the Gatehouse config).`,
    );
  }
  if (!provider.idToken && !provider.issuer(settings)) {
    throw new AppwriteError(
      "project_provider_disabled",
      "This provider is disabled. Please configure the provider issuer URL to continue.",
    );
  }
  return { provider, settings, audiences };
}

/** The OAuth2 callback on this API, which the provider is told to come back to. */
export const redirectUri = (env: Env, name: string) =>
  apiUrl(env, `/account/sessions/oauth2/callback/${name}/${env.deps.config.projectId}`);
export const apiLocation = (env: Env) => ({ endpoint: apiEndpoint(env.deps.config, env.ctx), projectId: env.deps.config.projectId });
