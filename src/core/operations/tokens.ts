import { AppwriteError } from "../../errors";
import { uniqueId } from "../../crypto/ids";
import { StoreConflictError, type UserRecord } from "../../ports/store";
import type { SessionModel } from "../../models/session";
import { securityPhrase } from "../../messages/phrases";
import { boolean, customId, email, hostUrl, optional, phone, text, withDefault } from "../../validation/validators";
import { audit } from "../audit";
import { issueTextedToken, mailToken, requireMailer, requireSms } from "../delivery";
import type { Outcome } from "../context";
import { ok, operation, type Env } from "../operation";
import { encodeSessionValue } from "../session-value";
import { startSession } from "../session-start";
import { behavesAsOf } from "../behaviour";
import { identitySession } from "../provider-login";
import { hiddenToken, hidesAccounts, unsavedToken } from "../enumeration";
import { checkUserLimit, newTarget, newUser } from "../users";
import { issueLinkToken, issueToken, redeemToken } from "../token-secrets";
import { toTokenFor } from "../../models/token";
import { lifetimeMs, SESSION_BY_TOKEN_TYPE } from "../token-kinds";
import { apiOrigin } from "../urls";
import { RATE_LIMITS } from "../rate-limits";

const ACCOUNT = "/account";

type Contact = { email: string; phone?: undefined } | { phone: string; email?: undefined };

const userWith = (env: Env, contact: Contact) =>
  contact.email !== undefined ? env.deps.store.users.getByEmail(contact.email) : env.deps.store.users.getByPhone(contact.phone);

/**
 * The account a passwordless token is for: the one with this address or number, else a new one.
 * Null when no account has the address but another account's OAuth2 identity does: each route
 * answers that its own way.
 */
async function tokenUser(env: Env, requestedId: string, contact: { email: string }): Promise<UserRecord | null>;
async function tokenUser(env: Env, requestedId: string, contact: { phone: string }): Promise<UserRecord>;
async function tokenUser(env: Env, requestedId: string, contact: Contact): Promise<UserRecord | null> {
  const existing = await userWith(env, contact);
  if (existing) return existing;
  if (contact.email !== undefined && (await env.deps.store.identities.findByEmail(contact.email)).length > 0) return null;
  return passwordlessUser(env, requestedId, contact);
}

/** A user for an address or number nobody has yet: no password, nothing verified, as Appwrite makes one. */
async function passwordlessUser(env: Env, requestedId: string, contact: Contact): Promise<UserRecord> {
  const { store } = env.deps;
  await checkUserLimit(env);
  const user = newUser(env, {
    id: requestedId === "unique()" ? uniqueId(env.now.getTime()) : requestedId,
    email: contact.email ?? null,
    phone: contact.phone ?? null,
  });
  try {
    await store.transaction(async (tx) => {
      await tx.users.create(user);
      if (contact.phone !== undefined) {
        // Phone sign-up creates an SMS messaging target, as Appwrite does; e-mail token sign-up does not.
        const target = newTarget(env, user.id, "sms", contact.phone);
        // A target with this number can only be left over from an account that no longer has
        // the number; it is not attached (and a failed insert would abort a PostgreSQL transaction).
        if (!(await tx.targets.getByIdentifier(contact.phone))) await tx.targets.create(target);
      }
    });
  } catch (error) {
    if (!(error instanceof StoreConflictError)) throw error;
    // Someone registered the same address a moment ago: use that account, as the lookup would have.
    const existing = await userWith(env, contact);
    if (existing && error.target !== "id") return existing;
    throw new AppwriteError("document_already_exists");
  }
  return user;
}

export const createEmailToken = operation({
  method: "POST",
  path: `${ACCOUNT}/tokens/email`,
  model: "token",
  scope: "sessions.write",
  authMethod: "emailOtp",
  rateLimit: RATE_LIMITS.createEmailToken,
  params: { userId: customId, email, phrase: withDefault(boolean, false) },
  async run(env, input) {
    requireMailer(env);
    const phrase = input.phrase ? securityPhrase() : "";
    const user = await tokenUser(env, input.userId, { email: input.email });
    if (!user) {
      // With enumeration protection, the answer a new address gets (its id, as yet unused):
      // no account, no token, no e-mail (src/core/enumeration.ts).
      if (hidesAccounts(env)) {
        const id = input.userId === "unique()" ? uniqueId(env.now.getTime()) : input.userId;
        return ok(unsavedToken(env, id, { lifetimeMs: lifetimeMs(env.deps.config, "emailOtp"), phrase }), 201);
      }
      throw new AppwriteError("general_bad_request");
    }
    const { token, secret: code } = await issueToken(env, user, "emailOtp", { phrase });
    await mailToken(env, "email-otp", { email: input.email, name: user.name }, { secret: code, phrase }, token);
    await audit(env, "session.create", user, `user/${user.id}`);
    return ok(toTokenFor(env.caller, token, code), 201);
  },
});

export const createMagicURLToken = operation({
  method: "POST",
  path: `${ACCOUNT}/tokens/magic-url`,
  aliases: ["POST /account/sessions/magic-url"],
  model: "token",
  scope: "sessions.write",
  authMethod: "magicUrl",
  rateLimit: RATE_LIMITS.createMagicURLToken,
  params: { userId: customId, email, url: optional(hostUrl), phrase: withDefault(boolean, false) },
  async run(env, input) {
    requireMailer(env);
    const hidden = hidesAccounts(env);
    const lifetime = lifetimeMs(env.deps.config, "magicUrl");
    const phrase = input.phrase ? securityPhrase() : "";
    // With enumeration protection, the answer every address gets; no token, no e-mail.
    const hiddenAnswer = () => ok(hiddenToken(env, input.email, null, { lifetimeMs: lifetime, phrase }), 201);
    let user: UserRecord | null;
    try {
      user = await tokenUser(env, input.userId, { email: input.email });
    } catch (error) {
      // A requested id that is taken would tell a free address (409) from a registered one
      // (201, the id ignored): with enumeration protection both get the answer every address gets.
      if (hidden && error instanceof AppwriteError && error.type === "document_already_exists") return hiddenAnswer();
      throw error;
    }
    if (!user) {
      if (hidden) return hiddenAnswer();
      throw new AppwriteError("user_email_already_exists");
    }
    // The link carries the secret to the app's page, which exchanges it with a POST (a mail
    // scanner following a GET logs nobody in).
    const base = input.url ?? `${apiOrigin(env)}/console/auth/magic-url`;
    const {
      token,
      secret,
      link: url,
    } = await issueLinkToken(env, user, "magicUrl", base, {
      phrase,
      params: { project: env.deps.config.projectId },
    });
    await mailToken(env, "magic-url", { email: input.email, name: user.name }, { url, phrase }, token);
    await audit(env, "session.create", user, `user/${user.id}`);
    // The link carries the real user id; the answer need not (src/core/enumeration.ts).
    return ok(hidden ? hiddenToken(env, input.email, token, { lifetimeMs: lifetime }) : toTokenFor(env.caller, token, secret), 201);
  },
});

export const createPhoneToken = operation({
  method: "POST",
  path: `${ACCOUNT}/tokens/phone`,
  aliases: ["POST /account/sessions/phone"],
  model: "token",
  scope: "sessions.write",
  authMethod: "phone",
  rateLimit: RATE_LIMITS.createPhoneToken,
  params: { userId: customId, phone },
  async run(env, input) {
    requireSms(env);
    const user = await tokenUser(env, input.userId, { phone: input.phone });
    const { token, secret: code } = await issueTextedToken(env, user, "phoneOtp", "phone-login", input.phone);
    await audit(env, "session.create", user, `user/${user.id}`);
    // API-key callers get the session-style encoding of {userId, code} (src/core/session-value.ts).
    return ok(toTokenFor(env.caller, token, encodeSessionValue(user.id, code)), 201);
  },
});

/** The token types that sign in, each with its session rule (src/core/token-kinds.ts). */
const SESSION_TOKEN_TYPES = [...SESSION_BY_TOKEN_TYPE.keys()];

async function sessionFromToken(env: Env, input: { userId: string; secret: string }): Promise<Outcome<SessionModel>> {
  const { store } = env.deps;
  const user = await store.users.get(input.userId);
  if (!user) throw new AppwriteError("user_invalid_token");
  const token = await redeemToken(env, user.id, input.secret, SESSION_TOKEN_TYPES);
  const kind = SESSION_BY_TOKEN_TYPE.get(token.type)!;
  let current = user;
  if (kind.verifies === "email" && !user.emailVerification) {
    current = (await store.users.update(user.id, { emailVerification: true, updatedAt: env.now })) ?? user;
  } else if (kind.verifies === "phone" && !user.phoneVerification) {
    current = (await store.users.update(user.id, { phoneVerification: true, updatedAt: env.now })) ?? user;
  }
  const fromIdentity =
    kind.fromIdentity && behavesAsOf(env.ctx, "oauth2TokenSession") ? await identitySession(env, user.id, token.identityId) : null;
  // A blocked user gets the session, but every later request with it answers user_blocked.
  return startSession(env, current, { ...(fromIdentity ?? { provider: kind.provider, factors: [kind.factor] }), alert: kind.alert });
}

const tokenSessionRoute = (method: "POST" | "PUT", path: string) =>
  operation({
    method,
    path,
    model: "session",
    scope: "sessions.write",
    guestOnly: true,
    rateLimit: RATE_LIMITS.createSession,
    params: { userId: customId, secret: text(256) },
    run: sessionFromToken,
  });

export const createSession = tokenSessionRoute("POST", `${ACCOUNT}/sessions/token`);
/** Deprecated aliases of createSession, kept because older SDK methods call them. */
export const updateMagicURLSession = tokenSessionRoute("PUT", `${ACCOUNT}/sessions/magic-url`);
export const updatePhoneSession = tokenSessionRoute("PUT", `${ACCOUNT}/sessions/phone`);
