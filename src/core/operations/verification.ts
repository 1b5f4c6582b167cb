import { AppwriteError } from "../../errors";
import { TokenType, type TokenRecord, type UserRecord } from "../../ports/store";
import { boolean, hostUrl, text, uid, withDefault } from "../../validation/validators";
import { securityPhrase } from "../../messages/phrases";
import { audit } from "../audit";
import { issueTextedToken, mailToken, requireMailer, requireSms } from "../delivery";
import { ok, operation, type Env, type SignedInEnv } from "../operation";
import { issueLinkToken, issueToken, redeemToken } from "../token-secrets";
import { toTokenFor } from "../../models/token";
import { RATE_LIMITS } from "../rate-limits";

const ACCOUNT = "/account";

/**
 * What differs between confirming an e-mail address and a phone number. Appwrite checks a phone
 * code against the *caller's* tokens, so only that user, signed in, can confirm a phone;
 * a guest or another user gets 401 whatever the code. An e-mail link works in any browser.
 */
const CONFIRMS = {
  email: { type: TokenType.verification, verified: "emailVerification", callerOnly: false },
  /** The code a user reads in the e-mail: a type of its own, so a link secret is not a code. */
  emailCode: { type: TokenType.verificationCode, verified: "emailVerification", callerOnly: false },
  phone: { type: TokenType.phone, verified: "phoneVerification", callerOnly: true },
} as const;

/** Redeems a verification secret of the user `userId` and marks the contact verified. */
async function confirmContact(env: Env, input: { userId: string; secret: string }, contact: keyof typeof CONFIRMS) {
  const rule = CONFIRMS[contact];
  const { store } = env.deps;
  const user = await store.users.get(input.userId);
  if (!user) throw new AppwriteError("user_not_found");
  if (rule.callerOnly && env.caller.user?.id !== user.id) throw new AppwriteError("user_invalid_token");
  const token = await redeemToken(env, user.id, input.secret, [rule.type]);
  const updated = (await store.users.update(user.id, { [rule.verified]: true, updatedAt: env.now })) ?? user;
  await audit(env, "verification.update", updated, `user/${user.id}`);
  return ok(toTokenFor(env.caller, token, ""));
}

/** The caller an e-mail verification (a link or a code) goes to, after the checks both make in this order. */
function emailToVerify(env: SignedInEnv): UserRecord & { email: string } {
  requireMailer(env, "SMTP Disabled");
  const user = env.caller.user;
  if (user.emailVerification) throw new AppwriteError("user_email_already_verified");
  if (!user.email) throw new AppwriteError("user_email_not_found");
  return { ...user, email: user.email };
}

/** The answer of the three routes that send a verification secret: its audit entry and the token. */
async function sent(env: SignedInEnv, user: UserRecord, token: TokenRecord, secret: string) {
  await audit(env, "verification.create", user, `user/${user.id}`);
  return ok(toTokenFor(env.caller, token, secret), 201);
}

export const createVerification = operation({
  method: "POST",
  path: `${ACCOUNT}/verification`,
  aliases: ["POST /account/verifications/email"],
  model: "token",
  scope: "account",
  rateLimit: RATE_LIMITS.createVerification,
  params: { url: hostUrl },
  async run(env, input) {
    const user = emailToVerify(env);
    const { token, secret, link: url } = await issueLinkToken(env, user, "verification", input.url);
    await mailToken(env, "verification", { email: user.email, name: user.name }, { url }, token);
    return sent(env, user, token, secret);
  },
});

export const updateVerification = operation({
  method: "PUT",
  path: `${ACCOUNT}/verification`,
  aliases: ["PUT /account/verifications/email"],
  model: "token",
  scope: "public",
  rateLimit: RATE_LIMITS.updateVerification,
  params: { userId: uid, secret: text(256) },
  run: (env, input) => confirmContact(env, input, "email"),
});

/**
 * `POST /account/verifications/email/otp`: the link verification's checks, with a six-digit code
 * in the e-mail instead of a link (for apps that cannot open one).
 */
export const createEmailVerificationOtp = operation({
  method: "POST",
  path: `${ACCOUNT}/verifications/email/otp`,
  model: "token",
  scope: "account",
  rateLimit: RATE_LIMITS.createVerification,
  params: { phrase: withDefault(boolean, false) },
  async run(env, input) {
    const user = emailToVerify(env);
    const phrase = input.phrase ? securityPhrase() : "";
    const { token, secret: code } = await issueToken(env, user, "verificationCode", { phrase });
    await mailToken(env, "verification-otp", { email: user.email, name: user.name }, { secret: code, phrase }, token);
    return sent(env, user, token, code);
  },
});

export const updateEmailVerificationOtp = operation({
  method: "PUT",
  path: `${ACCOUNT}/verifications/email/otp`,
  model: "token",
  scope: "public",
  rateLimit: RATE_LIMITS.updateVerification,
  params: { userId: uid, secret: text(256) },
  run: (env, input) => confirmContact(env, input, "emailCode"),
});

export const createPhoneVerification = operation({
  method: "POST",
  path: `${ACCOUNT}/verification/phone`,
  aliases: ["POST /account/verifications/phone"],
  model: "token",
  scope: "account",
  rateLimit: RATE_LIMITS.createPhoneVerification,
  params: {},
  async run(env) {
    requireSms(env);
    const user = env.caller.user;
    if (!user.phone) throw new AppwriteError("user_phone_not_found");
    if (user.phoneVerification) throw new AppwriteError("user_phone_already_verified");
    const { token, secret: code } = await issueTextedToken(env, user, "phoneVerification", "phone-verification", user.phone);
    return sent(env, user, token, code);
  },
});

export const updatePhoneVerification = operation({
  method: "PUT",
  path: `${ACCOUNT}/verification/phone`,
  aliases: ["PUT /account/verifications/phone"],
  model: "token",
  scope: "public",
  rateLimit: RATE_LIMITS.updatePhoneVerification,
  params: { userId: uid, secret: text(256) },
  run: (env, input) => confirmContact(env, input, "phone"),
});
