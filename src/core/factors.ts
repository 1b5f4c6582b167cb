import type { AuthenticatorRecord, UserRecord } from "../ports/store";
import type { Caller } from "./context";
import type { Deps } from "./deps";

/** The second factors a user can present, in the order a session is credited with them. */
export interface SecondFactors {
  totp: boolean;
  email: boolean;
  phone: boolean;
}

/** The user's TOTP authenticator, looked up once per request (the MFA gate and the MFA routes share it). */
export async function totpAuthenticator(deps: Deps, caller: Caller, user: UserRecord): Promise<AuthenticatorRecord | null> {
  if (caller.authenticator === undefined) caller.authenticator = await deps.store.mfa.getAuthenticator(user.id, "totp");
  return caller.authenticator;
}

/** Which second factors `user` has: a verified TOTP app, a verified e-mail, a verified phone. */
export async function secondFactors(deps: Deps, caller: Caller, user: UserRecord): Promise<SecondFactors> {
  return {
    totp: (await totpAuthenticator(deps, caller, user))?.verified === true,
    email: Boolean(user.email && user.emailVerification),
    phone: Boolean(user.phone && user.phoneVerification),
  };
}

/** The names of the factors that are true, in declaration order (`["totp", "email"]`). */
export function factorNames(factors: SecondFactors): Array<keyof SecondFactors> {
  return (Object.keys(factors) as Array<keyof SecondFactors>).filter((name) => factors[name]);
}

/** Whether the caller's user has any second factor (the MFA gate, src/core/pipeline.ts). */
export async function hasExtraFactor(deps: Deps, caller: Caller): Promise<boolean> {
  return caller.user !== null && factorNames(await secondFactors(deps, caller, caller.user)).length > 0;
}
