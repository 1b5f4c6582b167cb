/** OAuth2 login buttons, one pair per provider the demo has enabled (`mock` in development mode). */
import { type OAuthProvider } from "appwrite";
import { config, returnUrl } from "../config";
import { RETURN_PATHS } from "../paths";
import { account } from "../sdk";
import { byId, el } from "../ui";

export function setUpOAuth2() {
  const list = byId("oauth2-providers");
  if (config.oauth2.length === 0) {
    list.append(el("p", "No OAuth2 provider is configured (npm run demo:dev enables the mock provider; OAUTH2_<PROVIDER> adds one)."));
    return;
  }
  for (const name of config.oauth2) {
    const provider = name as OAuthProvider;
    const session = el("button", `Log in with ${name}`, { type: "button", id: `oauth2-${name}-session` });
    // The browser leaves for the provider; the API sets its session cookie and sends it back here.
    session.addEventListener("click", () =>
      account.createOAuth2Session(provider, returnUrl(RETURN_PATHS.oauthSession), returnUrl(RETURN_PATHS.oauthFailure)),
    );
    const token = el("button", `Log in with ${name} (token)`, { type: "button", id: `oauth2-${name}-token` });
    // The token flow returns userId and secret to /oauth/token; ./landing.ts makes the session.
    token.addEventListener("click", () =>
      account.createOAuth2Token(provider, returnUrl(RETURN_PATHS.oauthToken), returnUrl(RETURN_PATHS.oauthFailure)),
    );
    const row = el("div", "", { class: "provider" });
    row.append(session, " ", token);
    list.append(row);
  }
}
