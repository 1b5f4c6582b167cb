import { AppwriteError } from "../errors";
import type { MailKind } from "../ports/mailer";
import type { SmsKind } from "../ports/sms";
import type { TokenRecord, UserRecord } from "../ports/store";
import { renderMail, renderSms, type MessageVariables } from "../messages/templates";
import type { Env } from "./operation";
import { issueToken } from "./token-secrets";

/** The mailer, or 503 `general_smtp_disabled` with the route's own wording. */
export function requireMailer(env: Env, message = "SMTP disabled") {
  const mailer = env.deps.config.mailer;
  if (!mailer) throw new AppwriteError("general_smtp_disabled", message);
  return mailer;
}

export function requireSms(env: Env) {
  const sms = env.deps.config.sms;
  if (!sms) throw new AppwriteError("general_phone_disabled");
  return sms;
}

function variables(env: Env, name: string, extra: Omit<MessageVariables, "project" | "name">, expire?: Date): MessageVariables {
  return {
    project: env.deps.projectName,
    name,
    ...extra,
    ...(expire ? { expire: expire.toUTCString() } : {}),
  };
}

/**
 * Renders and sends one e-mail. A transport failure is reported as 503 (try again later), and
 * `undo` removes what the route stored for it, so a secret nobody received is not left behind.
 */
export async function deliverMail(
  env: Env,
  kind: MailKind,
  to: { email: string; name: string },
  vars: Omit<MessageVariables, "project" | "name">,
  expire: Date | undefined,
  undo: () => Promise<unknown>,
): Promise<void> {
  const mailer = requireMailer(env);
  const message = renderMail(kind, to.email, env.ctx.locale ?? "en", variables(env, to.name, vars, expire), env.deps.config.messages.mail);
  try {
    await mailer.send(message);
  } catch (cause) {
    await undo();
    throw new AppwriteError("general_server_error", "The message could not be sent. Please try again later.", { cause, status: 503 });
  }
}

export async function deliverSms(env: Env, kind: SmsKind, to: string, secret: string, undo: () => Promise<unknown>): Promise<void> {
  const sms = requireSms(env);
  const text = renderSms(kind, env.ctx.locale ?? "en", variables(env, "", { secret }), env.deps.config.messages.sms);
  try {
    await sms.send({ to, kind, text, secret });
  } catch (cause) {
    await undo();
    throw new AppwriteError("general_server_error", "The message could not be sent. Please try again later.", { cause, status: 503 });
  }
}

/**
 * Mails a token's secret or link (verification, recovery, sign-in). A token whose e-mail could not
 * be sent is used up, so no secret stays valid that nobody received.
 */
export function mailToken(
  env: Env,
  kind: MailKind,
  to: { email: string; name: string },
  vars: Omit<MessageVariables, "project" | "name">,
  token: TokenRecord,
): Promise<void> {
  return deliverMail(env, kind, to, vars, token.expire, () => env.deps.store.tokens.consume(token.id));
}

/**
 * Issues a token of `kind` for `user` whose code goes by SMS to `phone`, the token used up when the
 * SMS could not be sent. A mock number (`auth.mockNumbers`) gets its fixed code and no SMS.
 */
export async function issueTextedToken(
  env: Env,
  user: UserRecord,
  kind: "phoneOtp" | "phoneVerification",
  sms: SmsKind,
  phone: string,
): Promise<{ token: TokenRecord; secret: string }> {
  const mock = env.deps.config.auth.mockNumbers.find((m) => m.phone === phone);
  const issued = await issueToken(env, user, kind, mock ? { secret: mock.otp } : {});
  if (!mock) await deliverSms(env, sms, phone, issued.secret, () => env.deps.store.tokens.consume(issued.token.id));
  return issued;
}
