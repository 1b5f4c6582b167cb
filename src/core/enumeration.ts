import { createHmac } from "node:crypto";
import { uniqueId } from "../crypto/ids";
import { toToken, type TokenModel } from "../models/token";
import { TokenType, type TokenRecord } from "../ports/store";
import type { Env } from "./operation";

/**
 * `auth.enumerationProtection`: the routes that take an e-mail address from anyone answer alike
 * whether an account has it or not.
 *
 * - `POST /account/recovery` always answers 201 with a Token. An unknown or blocked address gets no
 *   token and no e-mail; the mail to a known one is sent after the answer (a slow or failing mail
 *   server would otherwise tell the two apart).
 * - `POST /account/tokens/magic-url` answers every address with the same placeholder `userId`
 *   (the link in the e-mail carries the real one). An address held only by another user's OAuth2
 *   identity, which Appwrite refuses with 409, gets the same 201 and no e-mail.
 * - `POST /account/tokens/email` must answer with the real `userId`: the SDK's
 *   `createSession(userId, secret)` needs it. Only its 400 for an address held by another user's
 *   OAuth2 identity becomes a 201 (no token, no e-mail). That it creates the account for a new
 *   address stays visible in the id (a requested custom id comes back, or a fresh timestamp).
 *
 * - `POST /account/recovery/otp` answers 201 alike, and sends mail after the answer; the `userId`
 *   is the real one for a known address (the app's `PUT` needs it) and `placeholderId` otherwise.
 *
 * What stays: a known address's recovery still writes a token and a log entry before answering
 * (milliseconds, not a mail server's seconds), and a project at `auth.userLimit` refuses only new
 * addresses on the routes that create accounts.
 *
 * The placeholder is derived from the address with the service secret, not random: repeated
 * calls for one address answer the same id, so comparing answers reveals nothing either. It is
 * used for known addresses too; a real id next to a placeholder would show which is which.
 * API-key callers are the app's own server and get Appwrite's answers.
 */
export function hidesAccounts(env: Env): boolean {
  return env.deps.config.auth.enumerationProtection && env.caller.role !== "applications";
}

/** 20 lowercase hex characters, shaped like Appwrite's ids, the same for every call about `email`. */
export function placeholderUserId(env: Env, email: string): string {
  return createHmac("sha256", env.deps.secret).update(`gatehouse/enumeration-protection/user-id\n${email}`).digest("hex").slice(0, 20);
}

/**
 * A made-up user id shaped like `ID.unique()` (src/crypto/ids.ts), the same for every call about
 * `email`: where the app needs a known address's real id (recovery by code), an unknown address
 * gets this, so the two look alike. Its time part falls between 2021 and 2026.
 */
export function placeholderId(env: Env, email: string): string {
  const digest = createHmac("sha256", env.deps.secret).update(`gatehouse/enumeration-protection/id\n${email}`).digest();
  const seconds = 1_609_459_200 + (digest.readUInt32BE(0) % 157_766_400);
  const micros = digest.readUInt32BE(4) % 1_000_000;
  return seconds.toString(16).padStart(8, "0") + micros.toString(16).padStart(5, "0") + digest.toString("hex", 8, 12).slice(0, 7);
}

/** The Token model a client sees for `email`: a real token's id and times, or made-up ones, with the placeholder user id. */
export function hiddenToken(env: Env, email: string, token: TokenRecord | null, made: { lifetimeMs: number; phrase?: string }): TokenModel {
  const model = token ? toToken(token, "") : unsavedToken(env, "", made);
  return { ...model, userId: placeholderUserId(env, email) };
}

/** A Token model for a token that is not stored: a fresh id, now, and the lifetime a real one gets. */
export function unsavedToken(env: Env, userId: string, made: { lifetimeMs: number; phrase?: string }): TokenModel {
  return toToken(
    {
      id: uniqueId(env.now.getTime()),
      userId,
      createdAt: env.now,
      type: TokenType.generic,
      secretHash: "",
      expire: new Date(env.now.getTime() + made.lifetimeMs),
      phrase: made.phrase ?? "",
      ip: "",
      userAgent: "",
      attempts: 0,
      identityId: null,
    },
    "",
  );
}

/**
 * Runs `send` after the answer, so the answer does not wait on the mail server. A failure goes
 * to `reportError` (the sender undoes what it stored, see src/core/delivery.ts).
 */
export function sendLater(env: Env, what: string, send: () => Promise<void>): void {
  const report = (error: unknown) => {
    try {
      env.deps.reportError(new Error(`The ${what} e-mail could not be sent`, { cause: error }));
    } catch {
      // A failing reporter must not turn into an unhandled rejection.
    }
  };
  try {
    void send().catch(report);
  } catch (error) {
    report(error);
  }
}
