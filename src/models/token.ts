import type { TokenRecord } from "../ports/store";
import { formatDate } from "./datetime";

/** The Token model, fields in Appwrite's order; `secret` is "" unless the caller holds an API key. */
export function toToken(token: TokenRecord, secret: string) {
  return {
    $id: token.id,
    $createdAt: formatDate(token.createdAt),
    userId: token.userId,
    secret,
    expire: formatDate(token.expire),
    phrase: token.phrase,
  };
}

export type TokenModel = ReturnType<typeof toToken>;

/**
 * The Token model as `viewer` sees it: the secret only when the viewer holds an API key (role
 * `applications`, the app's own server); a client gets it by e-mail, SMS or redirect instead.
 */
export function toTokenFor(viewer: { role: string }, token: TokenRecord, secretForKeys: string): TokenModel {
  return toToken(token, viewer.role === "applications" ? secretForKeys : "");
}
