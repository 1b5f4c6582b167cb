import type { Caller } from "./context";
import type { Deps } from "./deps";

/** A second factor the user can present: a verified e-mail, a verified phone or a verified TOTP app. */
export async function hasExtraFactor(deps: Deps, caller: Caller): Promise<boolean> {
  const user = caller.user;
  if (!user) return false;
  if (user.email && user.emailVerification) return true;
  if (user.phone && user.phoneVerification) return true;
  if (caller.authenticator === undefined) caller.authenticator = await deps.store.mfa.getAuthenticator(user.id, "totp");
  return caller.authenticator?.verified === true;
}
