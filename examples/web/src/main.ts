/**
 * The demo page: each module in ./flows wires its forms to the official `appwrite` web SDK; the
 * page then finishes whatever flow brought the user here (./flows/landing.ts) and shows who is
 * signed in (./session.ts).
 */
import "./style.css";
import { config } from "./config";
import { setUpAccount } from "./flows/account";
import { handleLanding } from "./flows/landing";
import { setUpMfaChallenge } from "./flows/mfa-challenge";
import { setUpOAuth2 } from "./flows/oauth2";
import { setUpSecurity } from "./flows/security";
import { setUpSignIn } from "./flows/sign-in";
import { refresh } from "./session";
import { byId } from "./ui";

byId("api-endpoint").textContent = config.endpoint;
byId("dev-banner").hidden = !config.outbox;
setUpSignIn();
setUpOAuth2();
setUpAccount();
setUpSecurity();
setUpMfaChallenge();
await handleLanding();
await refresh();
document.body.dataset.ready = "true";
