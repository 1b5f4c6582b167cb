import { AppwriteError } from "../errors";
import { providers, type Provider, type ProviderSettings } from "../oauth/providers";
import type { Env } from "./operation";
import { apiEndpoint, apiUrl } from "./urls";

// The OAuth2 providers as this project configured them, and where their callbacks are: shared by
// the OAuth2 routes and the mock provider's authorization page.

/** The provider's settings, or Appwrite's 412 `project_provider_disabled` when it is off or incomplete. */
export function configured(env: Env, name: string): { provider: Provider; settings: ProviderSettings } {
  const all = env.deps.config.oauth2 as Record<string, ProviderSettings>;
  const key = Object.keys(all).find((k) => k.toLowerCase() === name.toLowerCase());
  const settings = key ? all[key] : undefined;
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

/** The OAuth2 callback on this API, which the provider is told to come back to. */
export const redirectUri = (env: Env, name: string) =>
  apiUrl(env, `/account/sessions/oauth2/callback/${name}/${env.deps.config.projectId}`);
export const apiLocation = (env: Env) => ({ endpoint: apiEndpoint(env.deps.config, env.ctx), projectId: env.deps.config.projectId });
