import { AppwriteError } from "../errors";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { uniqueId } from "../crypto/ids";
import type { TokenRecord, TokenTypeValue, UserRecord } from "../ports/store";
import type { Env } from "./operation";
import { attemptLimit, lifetimeMs, TOKEN_KINDS, type StoredTokenKind } from "./token-kinds";

/**
 * Stores a token of `kind` for `user` holding only the hash of its secret, and returns both. The
 * secret is the kind's fresh one unless given (a mock number's fixed code, a Users API token of
 * the requested length), the lifetime the kind's unless given.
 */
export async function issueToken(
  env: Env,
  user: UserRecord,
  kind: StoredTokenKind,
  options: { secret?: string; phrase?: string; lifetimeMs?: number; identityId?: string } = {},
): Promise<{ token: TokenRecord; secret: string }> {
  const spec = TOKEN_KINDS[kind];
  const secret = options.secret ?? spec.secret();
  const token: TokenRecord = {
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    createdAt: env.now,
    type: spec.type,
    secretHash: sha256Hex(secret),
    expire: new Date(env.now.getTime() + (options.lifetimeMs ?? lifetimeMs(env.deps.config, kind))),
    phrase: options.phrase ?? "",
    ip: env.ctx.ip ?? "",
    userAgent: env.ctx.userAgent ?? "UNKNOWN",
    attempts: 0,
    identityId: options.identityId ?? null,
  };
  await env.deps.store.tokens.create(token);
  return { token, secret };
}

/**
 * Finds and consumes the user's unexpired token matching `secret` (any of `types`, or any type).
 * Every candidate is compared in constant time. A miss counts against the user's short codes,
 * which die after their kind's attempt limit (src/core/token-kinds.ts). Consumption is the store's atomic delete, so of two
 * concurrent redemptions exactly one succeeds. Throws 401 `user_invalid_token` otherwise.
 */
export async function redeemToken(
  env: Env,
  userId: string,
  secret: string,
  types?: readonly TokenTypeValue[],
  /** Runs after the secret matched and before it is spent; throwing leaves the token usable. */
  beforeConsume?: () => Promise<void>,
): Promise<TokenRecord> {
  const { store } = env.deps;
  const hash = sha256Hex(secret);
  const candidates = (await store.tokens.list(userId, env.now)).filter((t) => t.attempts < attemptLimit(t.type));
  let match: TokenRecord | null = null;
  for (const token of candidates) if (constantTimeEqual(token.secretHash, hash)) match = token;

  if (!match || (types && !types.includes(match.type))) {
    for (const token of candidates) {
      const limit = attemptLimit(token.type);
      if (limit === Infinity || token === match) continue;
      if ((await store.tokens.addAttempt(token.id)) >= limit) await store.tokens.consume(token.id);
    }
    throw new AppwriteError("user_invalid_token");
  }
  await beforeConsume?.();
  if (!(await store.tokens.consume(match.id))) throw new AppwriteError("user_invalid_token");
  return match;
}

/**
 * Issues a token whose secret travels in a link to the app's page at `url` (recovery, e-mail
 * verification, magic URL): the link carries the user id, the secret, the expiry and `params`.
 */
export async function issueLinkToken(
  env: Env,
  user: UserRecord,
  kind: "recovery" | "verification" | "magicUrl",
  url: string,
  options: { phrase?: string; params?: Record<string, string> } = {},
): Promise<{ token: TokenRecord; secret: string; link: string }> {
  const { token, secret } = await issueToken(env, user, kind, { phrase: options.phrase ?? "" });
  const expire = token.expire.toISOString().replace("Z", "+00:00");
  return { token, secret, link: linkWith(url, { userId: user.id, secret, expire, ...options.params }) };
}

/** `url` with the given query parameters set (merged into any it already has). */
export function linkWith(url: string, params: Record<string, string>): string {
  const link = new URL(url);
  for (const [name, value] of Object.entries(params)) link.searchParams.set(name, value);
  return link.toString();
}
