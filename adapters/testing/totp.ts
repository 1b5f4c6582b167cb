import { totpCode, totpStep } from "gatehouse-auth";

/** The base32 secret of an `otpauth://` URI, or the secret itself. */
function secretOf(secretOrUri: string): string {
  if (!secretOrUri.startsWith("otpauth://")) return secretOrUri;
  const secret = new URL(secretOrUri).searchParams.get("secret");
  if (!secret) throw new TypeError("totp: the otpauth:// URI has no secret parameter");
  return secret;
}

export interface Totp {
  /**
   * The 6-digit code an authenticator app shows for `secretOrUri` (the `secret` or the `uri` of
   * `createMfaAuthenticator`) at `at`, by default now on the clock this helper was made with.
   */
  code(secretOrUri: string, at?: Date | number): string;
}

/** TOTP codes on the given clock (a test service's `totp` uses its test clock). */
export function totpOn(now: () => number): Totp {
  return {
    code(secretOrUri, at = now()) {
      const ms = at instanceof Date ? at.getTime() : at;
      return totpCode(secretOf(secretOrUri), totpStep(ms));
    },
  };
}

/** TOTP codes on the real clock; `testService.totp` follows the test clock instead. */
export const totp: Totp = totpOn(() => Date.now());
