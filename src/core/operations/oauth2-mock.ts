import { AppwriteError } from "../../errors";
import { constantTimeEqual } from "../../crypto/hash";
import { MOCK_AUTHORIZE_PATH, mockCode } from "../../oauth/mock-provider";
import { optional, text } from "../../validation/validators";
import { linkWith } from "../token-secrets";
import type { Outcome } from "../context";
import { operation, redirect } from "../operation";
import { configured, redirectUri } from "../oauth2-providers";

/**
 * The authorization page of the test provider `mock` (see `oauth/mock-provider.ts`): no login and
 * no consent, straight back to the callback with a code. Only while `oauth2.mock` is enabled.
 */
export const oauth2MockAuthorize = operation({
  method: "GET",
  path: MOCK_AUTHORIZE_PATH,
  scope: "public",
  htmlErrors: true,
  params: { client_id: text(100), redirect_uri: text(2048), scope: optional(text(4096)), state: optional(text(4096)) },
  async run(env, input): Promise<Outcome<null>> {
    const { settings } = configured(env, "mock");
    if (!constantTimeEqual(input.client_id, settings.clientId ?? ""))
      throw new AppwriteError("general_argument_invalid", "Invalid `client_id` param: unknown client.");
    // Only back to this API's own callback: anything else would make the page an open redirect.
    if (input.redirect_uri !== redirectUri(env, "mock")) {
      throw new AppwriteError(
        "general_argument_invalid",
        "Invalid `redirect_uri` param: the mock provider only redirects to this API's OAuth2 callback.",
      );
    }
    return redirect(linkWith(input.redirect_uri, { code: mockCode(), ...(input.state ? { state: input.state } : {}) }));
  },
});
