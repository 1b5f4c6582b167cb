import { userBlocked } from "../behaviour";
import { AppwriteError } from "../../errors";
import { TokenType, type TokenTypeValue } from "../../ports/store";
import { boolean, email, hostUrl, newPassword, text, uid, withDefault } from "../../validation/validators";
import { audit } from "../audit";
import { mailToken, requireMailer } from "../delivery";
import { ok, operation, type Env } from "../operation";
import { checkHistory, nextHistory } from "../passwords";
import { hidesAccounts, hiddenToken, placeholderId, sendLater, unsavedToken } from "../enumeration";
import { endSessionsAfterPasswordChange } from "../session-invalidation";
import { issueLinkToken, issueToken, redeemToken } from "../token-secrets";
import { toTokenFor } from "../../models/token";
import { lifetimeMs } from "../token-kinds";
import { RATE_LIMITS } from "../rate-limits";
import { securityPhrase } from "../../messages/phrases";

const ACCOUNT = "/account";

export const createRecovery = operation({
  method: "POST",
  path: `${ACCOUNT}/recovery`,
  model: "token",
  scope: "sessions.write",
  rateLimit: RATE_LIMITS.createRecovery,
  params: { email, url: hostUrl },
  async run(env, input) {
    requireMailer(env, "SMTP Disabled");
    const user = await env.deps.store.users.getByEmail(input.email);
    const hidden = hidesAccounts(env);
    const lifetime = lifetimeMs(env.deps.config, "recovery");
    // With enumeration protection an unknown or blocked address gets the answer a known one gets,
    // and nothing is stored or sent (src/core/enumeration.ts).
    if (hidden && (!user || !user.status)) return ok(hiddenToken(env, input.email, null, { lifetimeMs: lifetime }), 201);
    // Appwrite answers 404 for an unknown address (kept: the SDKs' apps rely on it; see
    // `auth.enumerationProtection` for the alternative).
    if (!user) throw new AppwriteError("user_not_found");
    if (!user.status) throw userBlocked(env.ctx);
    const { token, secret, link: url } = await issueLinkToken(env, user, "recovery", input.url);
    const send = () => mailToken(env, "recovery", { email: input.email, name: user.name }, { url }, token);
    if (hidden) sendLater(env, "recovery", send);
    else await send();
    await audit(env, "recovery.create", user, `user/${user.id}`);
    return ok(hidden ? hiddenToken(env, input.email, token, { lifetimeMs: lifetime }) : toTokenFor(env.caller, token, secret), 201);
  },
});

export const updateRecovery = operation({
  method: "PUT",
  path: `${ACCOUNT}/recovery`,
  model: "token",
  scope: "sessions.write",
  rateLimit: RATE_LIMITS.updateRecovery,
  params: { userId: uid, secret: text(256), password: newPassword },
  run: (env, input) => resetPassword(env, input, TokenType.recovery),
});

/**
 * `POST /account/recovery/otp`: recovery by a six-digit code in the e-mail, for apps that cannot
 * host a recovery page. The link recovery's rate limits and answers, with one difference under
 * `auth.enumerationProtection`: the app needs the real `userId` for the `PUT`, so a known address
 * gets it, and an unknown or blocked one a made-up id of the same shape, the same on every call
 * (src/core/enumeration.ts). A custom user id therefore shows, as on `POST /account/tokens/email`.
 */
export const createRecoveryOtp = operation({
  method: "POST",
  path: `${ACCOUNT}/recovery/otp`,
  model: "token",
  scope: "sessions.write",
  rateLimit: RATE_LIMITS.createRecovery,
  params: { email, phrase: withDefault(boolean, false) },
  async run(env, input) {
    requireMailer(env, "SMTP Disabled");
    const user = await env.deps.store.users.getByEmail(input.email);
    const phrase = input.phrase ? securityPhrase() : "";
    if (hidesAccounts(env) && (!user || !user.status)) {
      return ok(
        unsavedToken(env, placeholderId(env, input.email), { lifetimeMs: lifetimeMs(env.deps.config, "recoveryCode"), phrase }),
        201,
      );
    }
    if (!user) throw new AppwriteError("user_not_found");
    if (!user.status) throw userBlocked(env.ctx);
    const { token, secret: code } = await issueToken(env, user, "recoveryCode", { phrase });
    const send = () => mailToken(env, "recovery-otp", { email: input.email, name: user.name }, { secret: code, phrase }, token);
    if (hidesAccounts(env)) sendLater(env, "recovery code", send);
    else await send();
    await audit(env, "recovery.create", user, `user/${user.id}`);
    return ok(toTokenFor(env.caller, token, code), 201);
  },
});

/** `PUT /account/recovery/otp`: the link recovery's `PUT`, redeeming a code instead of a link secret. */
export const updateRecoveryOtp = operation({
  method: "PUT",
  path: `${ACCOUNT}/recovery/otp`,
  model: "token",
  scope: "sessions.write",
  rateLimit: RATE_LIMITS.updateRecovery,
  params: { userId: uid, secret: text(256), password: newPassword },
  run: (env, input) => resetPassword(env, input, TokenType.recoveryCode),
});

/** Redeems a recovery secret of `type` and sets the new password: both recovery routes' `PUT`. */
async function resetPassword(env: Env, input: { userId: string; secret: string; password: string }, type: TokenTypeValue) {
  const { store, hasher } = env.deps;
  const user = await store.users.get(input.userId);
  if (!user) throw new AppwriteError("user_not_found");
  // The history is checked once the secret matched but before it is spent, so a refused
  // password leaves the link or code usable.
  const token = await redeemToken(env, user.id, input.secret, [type], () => checkHistory(env.deps, input.password, user.passwordHistory));
  const hash = await hasher.hash(input.password);
  const updated =
    (await store.users.update(user.id, {
      passwordHash: hash,
      passwordUpdatedAt: env.now,
      passwordHistory: nextHistory(env.deps, user.passwordHistory, hash),
      // Receiving the link or code proves the address, as in Appwrite.
      emailVerification: true,
      updatedAt: env.now,
    })) ?? user;
  // Whoever else held the old password, or a session, is logged out: recovery means the owner
  // lost control of the account (auth.invalidateSessions).
  const ended = await endSessionsAfterPasswordChange(env, user.id, null);
  await audit(env, "recovery.update", updated, `user/${user.id}`);
  return { ...ok(toTokenFor(env.caller, token, "")), clearSession: env.caller.session !== null && ended.includes(env.caller.session.id) };
}
