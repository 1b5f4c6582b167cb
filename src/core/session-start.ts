import { randomHex } from "../crypto/random";
import { sha256Hex } from "../crypto/hash";
import { uniqueId } from "../crypto/ids";
import type { SessionRecord, UserRecord } from "../ports/store";
import { toSession, type SessionModel } from "../models/session";
import type { Outcome } from "./context";
import type { Env } from "./operation";
import { audit } from "./audit";
import { clientInfo } from "../client-info/client-info";
import { encodeSessionValue } from "./session-value";
import { renderMail } from "../messages/templates";
import { countryName } from "../models/country";

export interface NewSession {
  provider: string;
  providerUid?: string;
  factors: string[];
  /** The OAuth2 provider's tokens, kept on the session as Appwrite does. */
  providerTokens?: { accessToken: string; refreshToken: string; accessTokenExpiry: Date | null };
  /** This kind of login sends a session alert when `auth.sessionAlerts` is on (src/config.ts). */
  alert?: boolean;
  /**
   * Made by the backend for a user (`POST /users/{id}/sessions`): no cookies, not the caller's
   * current session, and, as in Appwrite, outside the session limit.
   */
  server?: boolean;
  /**
   * Runs right after the session is stored, before anything announces it; when it throws, the
   * session is deleted and the error is the login's answer.
   */
  confirm?: () => Promise<void>;
}

/**
 * Creates a session for `user`, enforces the per-user session limit (oldest go first), writes the
 * `session.create` log entry and answers 201 with the cookie instructions. The secret is 128
 * CSPRNG bytes (1024 bits); only its sha256 is stored.
 */
export async function startSession(env: Env, user: UserRecord, spec: NewSession): Promise<Outcome<SessionModel>> {
  const secret = randomHex(128);
  const info = await clientInfo(env.deps.geo, env.ctx);
  const expire = new Date(env.now.getTime() + env.deps.config.auth.sessionDuration * 1000);
  const session: SessionRecord = {
    ...info,
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    createdAt: env.now,
    updatedAt: env.now,
    expire,
    provider: spec.provider,
    providerUid: spec.providerUid ?? "",
    providerAccessToken: spec.providerTokens?.accessToken ?? "",
    providerAccessTokenExpiry: spec.providerTokens?.accessTokenExpiry ?? null,
    providerRefreshToken: spec.providerTokens?.refreshToken ?? "",
    secretHash: sha256Hex(secret),
    ip: env.ctx.ip ?? "",
    userAgent: env.ctx.userAgent ?? "UNKNOWN",
    factors: spec.factors,
    mfaUpdatedAt: null,
  };
  await env.deps.store.sessions.create(session);
  if (spec.confirm) {
    try {
      await spec.confirm();
    } catch (error) {
      await env.deps.store.sessions.delete(session.id);
      throw error;
    }
  }
  if (spec.alert && env.deps.config.auth.sessionAlerts) await sendSessionAlert(env, user, session);
  if (!spec.server) await env.deps.store.sessions.trim(user.id, env.deps.config.auth.maxSessions);
  await audit(env, "session.create", user, `user/${user.id}`, info);

  const value = encodeSessionValue(user.id, secret);
  const isKey = env.caller.role === "applications";
  if (spec.server) {
    return { status: 201, body: toSession(session, { current: false, secret: value, locale: env.ctx.locale ?? "en" }), headers: {} };
  }
  return {
    status: 201,
    body: toSession(session, { current: true, secret: isKey ? value : "", locale: env.ctx.locale ?? "en" }),
    setSession: { value, expire },
    headers: {},
  };
}

/**
 * The "new session on your account" e-mail, when the account already had a session (counted
 * before the session limit trims, as Appwrite does). Appwrite queues this mail; here it is sent
 * without holding the login up, and a mail that cannot be sent goes to `reportError`: the login
 * has succeeded by then and must not fail or wait on the mail server.
 */
async function sendSessionAlert(env: Env, user: UserRecord, session: SessionRecord): Promise<void> {
  const mailer = env.deps.config.mailer;
  if (!mailer || !user.email) return;
  if ((await env.deps.store.sessions.list(user.id)).length === 1) return;
  const locale = env.ctx.locale ?? "en";
  const message = renderMail(
    "session-alert",
    user.email,
    locale,
    {
      project: env.deps.projectName,
      name: user.name,
      date: formatUtc(env.now, locale),
      device: session.clientName || session.userAgent || "UNKNOWN",
      ip: session.ip || "unknown",
      country: countryName(session.countryCode, locale),
    },
    env.deps.config.messages.mail,
  );
  const report = (error: unknown) => {
    try {
      env.deps.reportError(new Error(`The session alert for user ${user.id} could not be sent`, { cause: error }));
    } catch {
      // A failing reporter must not turn into an unhandled rejection.
    }
  };
  try {
    void mailer.send(message).catch(report);
  } catch (error) {
    report(error);
  }
}

/** The session's time in the recipient's language, always in UTC ("November 29, 2026 at 6:40:12 AM UTC"). */
function formatUtc(at: Date, locale: string): string {
  const options: Intl.DateTimeFormatOptions = { dateStyle: "long", timeStyle: "long", timeZone: "UTC" };
  try {
    return new Intl.DateTimeFormat(locale, options).format(at);
  } catch {
    return new Intl.DateTimeFormat("en", options).format(at);
  }
}
