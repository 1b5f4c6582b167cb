import { AppwriteError } from "../errors";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import { uniqueId } from "../crypto/ids";
import { TokenType, type TokenRecord, type TokenTypeValue, type UserRecord } from "../ports/store";
import { toToken } from "../models/token";
import type { Env } from "./operation";

/** A six-digit code can be guessed offline from its hash, so each may be tried only this often. */
export const MAX_CODE_ATTEMPTS = 5;
const SHORT_CODES: ReadonlySet<number> = new Set([TokenType.phone, TokenType.email]);

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;

/** Stores a token for `user` holding only the hash of `secret`. */
export async function issueToken(
  env: Env,
  user: UserRecord,
  spec: { type: TokenTypeValue; secret: string; lifetimeMs: number; phrase?: string },
): Promise<TokenRecord> {
  const token: TokenRecord = {
    id: uniqueId(env.now.getTime()),
    userId: user.id,
    createdAt: env.now,
    type: spec.type,
    secretHash: sha256Hex(spec.secret),
    expire: new Date(env.now.getTime() + spec.lifetimeMs),
    phrase: spec.phrase ?? "",
    ip: env.ctx.ip ?? "",
    userAgent: env.ctx.userAgent ?? "UNKNOWN",
    attempts: 0,
  };
  await env.deps.store.tokens.create(token);
  return token;
}

/**
 * Finds and consumes the user's unexpired token matching `secret` (any of `types`, or any type).
 * Every candidate is compared in constant time. A miss counts against the user's short codes,
 * which die after MAX_CODE_ATTEMPTS. Consumption is the store's atomic delete, so of two
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
  const candidates = (await store.tokens.list(userId, env.now)).filter((t) => t.attempts < MAX_CODE_ATTEMPTS);
  let match: TokenRecord | null = null;
  for (const token of candidates) if (constantTimeEqual(token.secretHash, hash)) match = token;

  if (!match || (types && !types.includes(match.type))) {
    for (const token of candidates) {
      if (!SHORT_CODES.has(token.type) || token === match) continue;
      if ((await store.tokens.addAttempt(token.id)) >= MAX_CODE_ATTEMPTS) await store.tokens.consume(token.id);
    }
    throw new AppwriteError("user_invalid_token");
  }
  await beforeConsume?.();
  if (!(await store.tokens.consume(match.id))) throw new AppwriteError("user_invalid_token");
  return match;
}

/** The Token model: the secret only for API-key callers, as in Appwrite. */
export function tokenModel(env: Env, token: TokenRecord, secretForKeys: string) {
  return toToken(token, env.caller.role === "applications" ? secretForKeys : "");
}

/** `url` with the given query parameters set (merged into any it already has). */
export function linkWith(url: string, params: Record<string, string>): string {
  const link = new URL(url);
  for (const [name, value] of Object.entries(params)) link.searchParams.set(name, value);
  return link.toString();
}
