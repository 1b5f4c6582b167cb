import type { ResolvedConfig } from "../config";

/**
 * Settings that must never serve real users, as messages (empty when there are none). The HTTP
 * handler refuses to start with any of them when told it runs in production; the Express and
 * Next adapters tell it so when `NODE_ENV=production` (the core itself reads no environment).
 */
export function productionRefusals(config: ResolvedConfig): string[] {
  const refusals: string[] = [];
  // Without it links would be built from the request's Host, which the sender chooses (core/urls.ts).
  if (!config.endpoint) {
    refusals.push(
      'endpoint is not set: give the public API base URL, e.g. endpoint: "https://api.example.com/v1". Links in e-mails and the OAuth2 redirect_uri are built from it.',
    );
  }
  const mock = Object.entries(config.oauth2).some(([name, settings]) => name.toLowerCase() === "mock" && settings.enabled);
  if (mock)
    refusals.push(
      "oauth2.mock is enabled: the test OAuth2 provider signs anyone in as its mock user. Remove it from the production config.",
    );
  return refusals;
}

/** Throws when `production` and the config holds something `productionRefusals` names. */
export function assertProductionSafe(config: ResolvedConfig, production: boolean): void {
  if (!production) return;
  const refusals = productionRefusals(config);
  if (refusals.length) throw new TypeError(`Refusing to serve in production:\n  ${refusals.join("\n  ")}`);
}
