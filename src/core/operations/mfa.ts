import { AppwriteError } from "../../errors";
import { constantTimeEqual, sha256Hex } from "../../crypto/hash";
import { uniqueId } from "../../crypto/ids";
import { newTotpSecret, totpStep, totpUri, verifyTotp } from "../../crypto/totp";
import type { AuthSessionRecord, ChallengeRecord, SessionRecord, UserRecord } from "../../ports/store";
import { toChallenge, toMfaFactors } from "../../models/mfa";
import { toSession } from "../../models/session";
import { boolean, text, whiteList } from "../../validation/validators";
import { audit } from "../audit";
import { deliverMail, deliverSms, requireMailer, requireSms } from "../delivery";
import { noContent, ok, operation, type Env } from "../operation";
import { lifetimeMs, TOKEN_KINDS } from "../token-kinds";
import { RATE_LIMITS } from "../rate-limits";
import { factorNames, secondFactors, totpAuthenticator } from "../factors";
import { userUpdated } from "../users";
import { issueRecoveryCodes, shownRecoveryCodes } from "../recovery-codes";

const MFA = "/account/mfa";

/** The session that authenticated the request; MFA state lives on it (not reachable under JWT). */
function currentSession(env: Env): AuthSessionRecord {
  const session = env.caller.session;
  if (!session) throw new AppwriteError("user_session_not_found");
  return session;
}

const authenticator = (env: Env, user: UserRecord) => totpAuthenticator(env.deps, env.caller, user);

/** Adds factors to the current session without duplicates; a session deleted meanwhile is not found. */
async function addFactors(env: Env, session: AuthSessionRecord, factors: string[], challenged: boolean): Promise<SessionRecord> {
  const merged = [...new Set([...session.factors, ...factors])];
  const patch = { factors: merged, updatedAt: env.now, ...(challenged ? { mfaUpdatedAt: env.now } : {}) };
  const updated = await env.deps.store.sessions.update(session.id, patch);
  if (!updated) throw new AppwriteError("user_session_not_found");
  return updated;
}

export const updateMFA = operation({
  method: "PATCH",
  path: MFA,
  model: "account",
  scope: "account",
  checksTimestamp: true,
  params: { mfa: boolean },
  async run(env, input) {
    const current = env.caller.user;
    const user = (await env.deps.store.users.update(current.id, { mfa: input.mfa, updatedAt: env.now })) ?? current;
    if (input.mfa && env.caller.session) {
      // The session that turns MFA on keeps working: it is credited with every factor the user has.
      const factors = factorNames(await secondFactors(env.deps, env.caller, user));
      if (factors.length) await addFactors(env, env.caller.session, factors, false);
    }
    return userUpdated(env, user);
  },
});

export const createMfaAuthenticator = operation({
  method: "POST",
  path: `${MFA}/authenticators/:type`,
  scope: "account",
  params: { type: whiteList(["totp"]) },
  async run(env) {
    const user = env.caller.user;
    const existing = await authenticator(env, user);
    if (existing?.verified) throw new AppwriteError("user_authenticator_already_verified");
    const secret = newTotpSecret();
    // An unverified authenticator is replaced: the user scans a new code.
    await env.deps.store.mfa.putAuthenticator({
      id: uniqueId(env.now.getTime()),
      userId: user.id,
      createdAt: env.now,
      updatedAt: env.now,
      type: "totp",
      verified: false,
      secret,
      lastUsedStep: null,
    });
    // Appwrite fails for users without an e-mail; their id names the account instead.
    const uri = totpUri(env.deps.projectName, user.email || user.id, secret);
    return ok({ secret, uri });
  },
});

export const updateMfaAuthenticator = operation({
  method: "PUT",
  path: `${MFA}/authenticators/:type`,
  model: "account",
  scope: "account",
  params: { type: whiteList(["totp"]), otp: text(256) },
  async run(env, input) {
    const user = env.caller.user;
    const found = await authenticator(env, user);
    if (!found) throw new AppwriteError("user_authenticator_not_found");
    if (found.verified) throw new AppwriteError("user_authenticator_already_verified");
    const step = totpStep(env.now.getTime());
    // Only the current step's code is accepted, as in Appwrite, and (unlike Appwrite) that step only once.
    if (
      !verifyTotp(found.secret, step, input.otp) ||
      !(await env.deps.store.mfa.useAuthenticatorStep(found.id, step, { verified: true, updatedAt: env.now }))
    ) {
      throw new AppwriteError("user_invalid_token");
    }
    if (env.caller.session) await addFactors(env, env.caller.session, ["totp"], false);
    return userUpdated(env, user);
  },
});

export const deleteMfaAuthenticator = operation({
  method: "DELETE",
  path: `${MFA}/authenticators/:type`,
  scope: "account",
  needsRecentChallenge: true,
  params: { type: whiteList(["totp"]) },
  async run(env) {
    const user = env.caller.user;
    const found = await authenticator(env, user);
    if (!found || !(await env.deps.store.mfa.deleteAuthenticator(found.id))) throw new AppwriteError("user_authenticator_not_found");
    return noContent();
  },
});

export const createMfaChallenge = operation({
  method: "POST",
  path: `${MFA}/challenge`,
  aliases: ["POST /account/mfa/challenges"],
  scope: "account",
  skipsMfaGate: true,
  rateLimit: RATE_LIMITS.createMfaChallenge,
  params: { factor: whiteList(["email", "phone", "totp", "recoverycode"]) },
  async run(env, input) {
    const user = env.caller.user;
    const factor = input.factor.toLowerCase();
    // Checked before anything is stored, so a refused challenge leaves nothing behind.
    if (factor === "phone") {
      requireSms(env);
      if (!user.phone) throw new AppwriteError("user_phone_not_found");
      if (!user.phoneVerification) throw new AppwriteError("user_phone_not_verified");
    } else if (factor === "email") {
      requireMailer(env);
      if (!user.email) throw new AppwriteError("user_email_not_found");
      if (!user.emailVerification) throw new AppwriteError("user_email_not_verified");
    }
    const kind = TOKEN_KINDS.mfaChallenge;
    const code = kind.secret();
    const challenge: ChallengeRecord = {
      id: uniqueId(env.now.getTime()),
      userId: user.id,
      createdAt: env.now,
      type: factor,
      codeHash: sha256Hex(code),
      expire: new Date(env.now.getTime() + lifetimeMs(env.deps.config, "mfaChallenge")),
      attempts: 0,
    };
    const { store } = env.deps;
    await store.challenges.create(challenge);
    const undo = () => store.challenges.consume(challenge.id);
    if (factor === "phone") await deliverSms(env, "mfa-otp", user.phone!, code, undo);
    if (factor === "email")
      await deliverMail(env, "mfa-otp", { email: user.email!, name: user.name }, { secret: code }, challenge.expire, undo);
    await audit(env, "challenge.create", user, `user/${user.id}`);
    return ok(toChallenge(challenge));
  },
});

export const updateMfaChallenge = operation({
  method: "PUT",
  path: `${MFA}/challenge`,
  aliases: ["PUT /account/mfa/challenges"],
  model: "session",
  scope: "account",
  skipsMfaGate: true,
  rateLimit: RATE_LIMITS.updateMfaChallenge,
  params: { challengeId: text(256), otp: text(256) },
  async run(env, input) {
    const user = env.caller.user;
    const session = currentSession(env);
    const { store } = env.deps;
    const challenge = await store.challenges.get(input.challengeId);
    // Expiry, ownership and an attempt limit are enforced (Appwrite checks none of them).
    if (
      !challenge ||
      challenge.userId !== user.id ||
      challenge.expire.getTime() <= env.now.getTime() ||
      challenge.attempts >= TOKEN_KINDS.mfaChallenge.attempts
    ) {
      throw new AppwriteError("user_invalid_token");
    }
    if (!(await passesChallenge(env, user, challenge, input.otp))) {
      if ((await store.challenges.addAttempt(challenge.id)) >= TOKEN_KINDS.mfaChallenge.attempts)
        await store.challenges.consume(challenge.id);
      throw new AppwriteError("user_invalid_token");
    }
    if (!(await store.challenges.consume(challenge.id))) throw new AppwriteError("user_invalid_token");
    const updated = await addFactors(env, session, [challenge.type], true);
    await audit(env, "challenges.update", user, `user/${user.id}`);
    // `current` and `countryName` are computed and datetimes are ISO, where Appwrite gets them wrong.
    return ok(toSession(updated, { current: true, secret: "", locale: env.ctx.locale ?? "en" }));
  },
});

async function passesChallenge(env: Env, user: UserRecord, challenge: ChallengeRecord, otp: string): Promise<boolean> {
  const { store } = env.deps;
  switch (challenge.type) {
    case "totp": {
      const found = await authenticator(env, user);
      if (!found?.verified) return false;
      const step = totpStep(env.now.getTime());
      // A code accepted once is refused for the rest of its step (replay protection).
      return verifyTotp(found.secret, step, otp) && store.mfa.useAuthenticatorStep(found.id, step, { updatedAt: env.now });
    }
    case "email":
    case "phone":
      return constantTimeEqual(challenge.codeHash, sha256Hex(otp));
    case "recoverycode":
      return store.mfa.consumeRecoveryCode(user.id, sha256Hex(otp.trim().toLowerCase()));
    default:
      return false;
  }
}

export const listMfaFactors = operation({
  method: "GET",
  path: `${MFA}/factors`,
  model: "mfaFactors",
  scope: "account",
  skipsMfaGate: true,
  params: {},
  async run(env) {
    const user = env.caller.user;
    const factors = await secondFactors(env.deps, env.caller, user);
    return ok(toMfaFactors(factors, (await env.deps.store.mfa.countRecoveryCodes(user.id)) > 0));
  },
});

export const createMfaRecoveryCodes = operation({
  method: "POST",
  path: `${MFA}/recovery-codes`,
  scope: "account",
  params: {},
  run: (env) => issueRecoveryCodes(env, env.caller.user, "create"),
});

export const getMfaRecoveryCodes = operation({
  method: "GET",
  path: `${MFA}/recovery-codes`,
  scope: "account",
  needsRecentChallenge: true,
  params: {},
  run: (env) => shownRecoveryCodes(env, env.caller.user.id),
});

export const updateMfaRecoveryCodes = operation({
  method: "PATCH",
  path: `${MFA}/recovery-codes`,
  scope: "account",
  needsRecentChallenge: true,
  params: {},
  run: (env) => issueRecoveryCodes(env, env.caller.user, "update"),
});
