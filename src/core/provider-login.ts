import { AppwriteError, type ErrorType } from "../errors";
import { uniqueId } from "../crypto/ids";
import type { IdentityRecord, UserRecord } from "../ports/store";
import type { ProviderProfile } from "../oauth/providers";
import { isEmail, normaliseEmail } from "../validation/validators";
import type { Env } from "./operation";
import { conflictAs } from "./store-conflicts";
import type { NewSession } from "./session-start";
import { checkUserLimit, newTarget, newUser } from "./users";

/**
 * Who a provider login belongs to, and what it writes: the identity-linking rules shared by the
 * browser OAuth2 flow (operations/oauth2.ts) and native sign-in with an ID token
 * (operations/id-token.ts). Stricter than Appwrite's OAuth2 flow (test/http/oauth2.test.ts):
 * an existing account is found by e-mail only when the provider says it verified that e-mail,
 * and never through another identity's e-mail.
 */

/** Where the two flows differ, as Appwrite's do. */
export interface LinkPolicy {
  /**
   * The refusal when a guest's login names an existing account's e-mail that the provider does
   * not vouch for, or that the account itself never verified (it is neither linked, which would be
   * a takeover, nor duplicated).
   */
  unverifiedEmailMatch: ErrorType;
  /** A provider login without an e-mail can sign a new user up (an ID token's e-mail is optional). */
  allowsNoEmail: boolean;
}

/** The provider's tokens kept on the identity (and, but for the ID token, on the session). */
export interface ProviderTokens {
  accessToken: string;
  refreshToken: string;
  accessTokenExpiry: Date | null;
  /** The ID token of this login, "" when it brought none; stored sealed (src/ports/store.ts). */
  idToken: string;
}

/** A user's name is at most 128 characters (Appwrite's `name` parameter); a provider's may be longer. */
const NAME_MAX = 128;
const nameOf = (profile: ProviderProfile) => [...profile.name].slice(0, NAME_MAX).join("");

/** The provider's e-mail, normalised, or "" when it sent none or no valid one. */
export function providerEmail(profile: ProviderProfile): string {
  const email = normaliseEmail(profile.email);
  return isEmail(email) ? email : "";
}

/**
 * Whom a login is for, and the (provider, id) identity it came through when that exists already:
 * `resolveUser` looks the identity up once and `saveIdentity` refreshes it, or creates it when null.
 */
export interface LoginOwner {
  user: UserRecord;
  identity: IdentityRecord | null;
}

/**
 * The user this login is for: the signed-in caller (whom no other account's identity or e-mail
 * may be linked to), the identity's owner, the owner of a verified e-mail, or a new user.
 */
export async function resolveUser(env: Env, provider: string, profile: ProviderProfile, policy: LinkPolicy): Promise<LoginOwner> {
  const identity = await env.deps.store.identities.getByProviderUid(provider, profile.id);
  return { user: await ownerOf(env, identity, profile, policy), identity };
}

async function ownerOf(env: Env, identity: IdentityRecord | null, profile: ProviderProfile, policy: LinkPolicy): Promise<UserRecord> {
  const { store } = env.deps;
  const email = providerEmail(profile);

  const caller = env.caller.user;
  if (caller) {
    if (identity && identity.userId !== caller.id) throw new AppwriteError("user_already_exists");
    if (email) {
      const owner = await store.users.getByEmail(email);
      if (owner && owner.id !== caller.id) throw new AppwriteError("user_already_exists");
      if ((await store.identities.findByEmail(email, caller.id)).length > 0) throw new AppwriteError("user_already_exists");
    }
    return caller;
  }

  if (identity) {
    const owner = await store.users.get(identity.userId);
    if (owner) return owner;
  }
  if (!email) {
    if (!policy.allowsNoEmail) throw new AppwriteError("user_unauthorized", "OAuth provider failed to return email.");
    return createUser(env, "", profile);
  }
  const byEmail = await store.users.getByEmail(email);
  if (byEmail) {
    // Both sides must vouch for the address. An account that never verified it may belong to
    // someone who signed up with another person's address and a password of their own: linking
    // the owner's provider login to it would sign the owner into an account the squatter still
    // holds. The owner proves the address (a recovery or verification) and links afterwards.
    if (!profile.emailVerified || !byEmail.emailVerification) throw new AppwriteError(policy.unverifiedEmailMatch);
    return byEmail;
  }
  if ((await store.identities.findByEmail(email)).length > 0) throw new AppwriteError("general_bad_request");
  return createUser(env, email, profile);
}

async function createUser(env: Env, email: string, profile: ProviderProfile): Promise<UserRecord> {
  const { store } = env.deps;
  await checkUserLimit(env);
  // Appwrite's OAuth2 flow marks every such user verified; Gatehouse only when the provider says so.
  const user = newUser(env, {
    id: uniqueId(env.now.getTime()),
    name: nameOf(profile),
    email: email || null,
    emailVerification: email !== "" && profile.emailVerified,
  });
  await conflictAs("user_already_exists", () =>
    store.transaction(async (tx) => {
      await tx.users.create(user);
      if (email && !(await tx.targets.getByIdentifier(email))) await tx.targets.create(newTarget(env, user.id, "email", email));
    }),
  );
  return user;
}

/**
 * Refreshes the tokens and e-mail of the identity the login came through, or creates the
 * (provider, id) identity for the user `resolveUser` found; its id.
 */
export async function saveIdentity(
  env: Env,
  { user, identity: existing }: LoginOwner,
  provider: string,
  profile: ProviderProfile,
  tokens: ProviderTokens,
): Promise<string> {
  const { store } = env.deps;
  const email = providerEmail(profile);
  const stored = {
    providerAccessToken: tokens.accessToken,
    providerRefreshToken: tokens.refreshToken,
    providerAccessTokenExpiry: tokens.accessTokenExpiry,
    // Each login replaces the ID token as it replaces the access token: a stale one is no use.
    providerIdToken: tokens.idToken ? env.deps.seal.seal(tokens.idToken) : "",
  };
  if (existing) {
    await store.identities.update(existing.id, { ...stored, providerEmail: email, updatedAt: env.now });
    return existing.id;
  }
  if (email && (await store.identities.findByEmail(email, user.id)).length > 0) throw new AppwriteError("general_bad_request");
  const identity: IdentityRecord = {
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    createdAt: env.now,
    updatedAt: env.now,
    provider,
    providerUid: profile.id,
    providerEmail: email,
    ...stored,
  };
  // A conflict: the same identity linked a moment ago by a concurrent login.
  await conflictAs("user_already_exists", () => store.identities.create(identity));
  return identity.id;
}

/**
 * The session an OAuth2 token starts when the client's format is 1.9.0 or later: the provider's
 * name, the user's id there and the provider's tokens, copied from the identity the login came
 * through, and the `oauth2` factor, which passes the MFA gate as a session-mode OAuth2 login does.
 * Null when the token names no identity of this user any more (it was deleted meanwhile): the
 * session is then the 1.6 one, which the MFA gate still stops.
 */
export async function identitySession(env: Env, userId: string, identityId: string | null): Promise<NewSession | null> {
  const identity = identityId ? await env.deps.store.identities.get(identityId) : null;
  if (!identity || identity.userId !== userId) return null;
  return {
    provider: identity.provider,
    providerUid: identity.providerUid,
    factors: ["email", "oauth2"],
    providerTokens: {
      accessToken: identity.providerAccessToken,
      refreshToken: identity.providerRefreshToken,
      accessTokenExpiry: identity.providerAccessTokenExpiry,
    },
  };
}

/**
 * An empty e-mail or name is filled from the provider, as in Appwrite: this is what converts an
 * anonymous account, and where a name the app passed on the first login lands. The e-mail counts
 * as verified only if the provider says so.
 */
export async function fillProfile(env: Env, user: UserRecord, profile: ProviderProfile): Promise<UserRecord> {
  const email = providerEmail(profile);
  const patch: Partial<UserRecord> = {};
  if (!user.email && email) Object.assign(patch, { email, emailVerification: profile.emailVerified });
  if (!user.name && profile.name) patch.name = nameOf(profile);
  if (Object.keys(patch).length === 0) return user;
  return conflictAs("user_already_exists", async () => {
    const updated = await env.deps.store.users.update(user.id, { ...patch, updatedAt: env.now });
    if (patch.email && !(await env.deps.store.targets.getByIdentifier(email)))
      await env.deps.store.targets.create(newTarget(env, user.id, "email", email));
    return updated ?? user;
  });
}
