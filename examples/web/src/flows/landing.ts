/**
 * The paths the API sends a user back to, with `userId` and `secret` in the query: the magic link,
 * e-mail verification, password reset, and the OAuth2 token and session flows. The secret is read
 * once and the address bar is cleaned, so a reload or a shared URL does not carry it.
 */
import { RETURN_PATHS } from "../paths";
import { account } from "../sdk";
import { refresh } from "../session";
import { byId, describeError, onSubmit, setStatus } from "../ui";

/** The reset link's user and secret, kept until the new password is chosen. */
let recovery: { userId: string; secret: string } | null = null;

async function land(path: string, query: URLSearchParams): Promise<string | null> {
  const userId = query.get("userId") ?? "";
  const secret = query.get("secret") ?? "";
  switch (path) {
    case RETURN_PATHS.magic:
      await account.updateMagicURLSession(userId, secret);
      return "Signed in with the magic link.";
    case RETURN_PATHS.verify:
      await account.updateVerification(userId, secret);
      return "Your e-mail address is verified.";
    case RETURN_PATHS.reset:
      recovery = { userId, secret };
      byId("recovery-complete-form").hidden = false;
      byId<HTMLInputElement>("recovery-password").focus();
      return "Choose a new password below.";
    case RETURN_PATHS.oauthToken:
      await account.createSession(userId, secret);
      return "Signed in with OAuth2 (token flow).";
    case RETURN_PATHS.oauthSession:
      return "Signed in with OAuth2 (session flow).";
    case RETURN_PATHS.oauthFailure:
      // Appwrite puts the error as JSON in the `error` parameter.
      throw new Error(`OAuth2 login failed: ${query.get("error") ?? "no reason given"}`);
    default:
      return null;
  }
}

export async function handleLanding() {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  if (path !== "/" || location.search) history.replaceState(null, "", "/");
  const banner = byId("landing");
  try {
    const text = await land(path, query);
    if (text) setStatus(banner, "ok", text);
  } catch (error) {
    setStatus(banner, "error", describeError(error));
  }

  onSubmit("recovery-complete-form", async () => {
    if (!recovery) throw new Error("Open the link from the reset e-mail first.");
    await account.updateRecovery(recovery.userId, recovery.secret, byId<HTMLInputElement>("recovery-password").value);
    recovery = null;
    await refresh();
    return "Password changed: log in with it.";
  });
}
