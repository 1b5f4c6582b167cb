import { constantTimeEqual } from "../crypto/hash";
import type { OAuth2Provider, ProviderProfile, ProviderSettings } from "./providers";

/**
 * The test provider `mock`, as Appwrite has it: an OAuth2 provider that lives inside Gatehouse, for
 * trying the login flow and for an app's own tests without registering an app anywhere. Its
 * authorization page (`GET /mock/tests/general/oauth2` under the API base, Appwrite's path; see
 * src/core/operations/oauth2-mock.ts) sends the browser straight back with a code; its token and user endpoints are answered in-process, but still through oauth4webapi
 * like any other provider.
 *
 * Whoever opens the start URL is signed in as the one mock user: never enable it in production.
 * Settings: `clientId`, `clientSecret` (any values; the token endpoint checks them), and `user`
 * to change the mock user (`{ id, email, name, emailVerified }`).
 */

/** Relative to the API base (the configured endpoint's path, `/v1` by default). */
export const MOCK_AUTHORIZE_PATH = "/mock/tests/general/oauth2";
/** Appwrite's mock code and token. */
const CODE = "abcdef";
const ACCESS_TOKEN = "123456";

const DEFAULT_USER: ProviderProfile = { id: "1", email: "useroauth@localhost.test", emailVerified: true, name: "User Name" };

export function mockUser(settings: ProviderSettings): ProviderProfile {
  const user = (settings.user ?? {}) as Partial<ProviderProfile>;
  return { ...DEFAULT_USER, ...user };
}

/** Appwrite's fixed code: the page and the in-process token endpoint must agree on it. */
export const mockCode = () => CODE;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

/** The provider's token and user endpoints, as a fetch that never leaves the process. */
function mockFetch(settings: ProviderSettings): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    if (url.pathname.endsWith(`${MOCK_AUTHORIZE_PATH}/token`)) {
      const form = new URLSearchParams(
        typeof init?.body === "string" ? init.body : init?.body instanceof URLSearchParams ? init.body : undefined,
      );
      const idOk = constantTimeEqual(form.get("client_id") ?? "", settings.clientId ?? "");
      const secretOk = constantTimeEqual(form.get("client_secret") ?? "", settings.clientSecret ?? "");
      if (!idOk || !secretOk) return json(401, { error: "invalid_client", error_description: "Invalid client ID or secret" });
      if (form.get("grant_type") !== "authorization_code" || form.get("code") !== CODE) {
        return json(400, { error: "invalid_grant", error_description: "Invalid code" });
      }
      return json(200, { access_token: ACCESS_TOKEN, token_type: "bearer", expires_in: 3600, refresh_token: "tuvwxyz" });
    }
    if (url.pathname.endsWith(`${MOCK_AUTHORIZE_PATH}/user`)) {
      if (headers.get("authorization") !== `Bearer ${ACCESS_TOKEN}`) return json(401, { error: "invalid_token" });
      const user = mockUser(settings);
      return json(200, { id: user.id, email: user.email, email_verified: user.emailVerified, name: user.name });
    }
    return json(404, { error: "not_found" });
  };
}

export const mockProvider: OAuth2Provider = {
  kind: "oauth2",
  name: "Mock",
  scopes: ["email"],
  pkce: false,
  authorization: (_settings, api) => `${api.endpoint}${MOCK_AUTHORIZE_PATH}?project=${encodeURIComponent(api.projectId)}`,
  token: (_settings, api) => `${api.endpoint}${MOCK_AUTHORIZE_PATH}/token`,
  fetch: mockFetch,
  async profile(ctx) {
    const u = await ctx.json(`${ctx.api.endpoint}${MOCK_AUTHORIZE_PATH}/user`);
    return { id: String(u.id ?? ""), email: String(u.email ?? ""), emailVerified: u.email_verified === true, name: String(u.name ?? "") };
  },
};
