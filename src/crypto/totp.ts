import { randomBuffer } from "./random";
import { decodeBase32IgnorePadding, encodeBase32UpperCaseNoPadding } from "@oslojs/encoding";
import { generateHOTP, verifyHOTP } from "@oslojs/otp";

/** RFC 6238 as Appwrite uses it: SHA-1, 6 digits, 30-second steps from the epoch. */
export const TOTP_PERIOD_SECONDS = 30;
export const TOTP_DIGITS = 6;

/** A new secret: 64 CSPRNG bytes, base32 without padding (103 characters, as Appwrite makes them). */
export function newTotpSecret(): string {
  return encodeBase32UpperCaseNoPadding(randomBuffer(64));
}

/**
 * The time step of `nowMs`. Computed from the injected clock rather than `Date.now()` (which
 * @oslojs/otp's TOTP helpers read), so tests control time and the caller learns which step
 * matched — what replay protection records.
 */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code of one step; used by tests and by nothing on the request path. */
export function totpCode(secret: string, step: number): string {
  return generateHOTP(decodeBase32IgnorePadding(secret), BigInt(step), TOTP_DIGITS);
}

/** Whether `code` is the code of `step` (constant-time inside @oslojs/otp). */
export function verifyTotp(secret: string, step: number, code: string): boolean {
  if (!/^\d{6}$/.test(code)) return false;
  return verifyHOTP(decodeBase32IgnorePadding(secret), BigInt(step), TOTP_DIGITS, code);
}

/**
 * The provisioning URI authenticator apps read, as Appwrite writes it (test/http/mfa.test.ts pins
 * it): label "<issuer>:<account>" and issuer percent-encoded by RFC 3986, parameters sorted,
 * defaults (algorithm, digits, period) omitted.
 */
export function totpUri(issuer: string, account: string, secret: string): string {
  const encode = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `otpauth://totp/${encode(`${issuer}:${account}`)}?issuer=${encode(issuer)}&secret=${secret}`;
}
