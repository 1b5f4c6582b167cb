import type { IdentityRecord } from "../ports/store";
import { formatDate } from "./datetime";

/**
 * The Identity model: an OAuth2 provider account linked to the user. `openSealed` opens the
 * stored ID token (src/ports/store.ts `providerIdToken`); one sealed under another secret shows as "".
 */
export function toIdentity(identity: IdentityRecord, openSealed: (sealed: string) => string | null) {
  return {
    $id: identity.id,
    $createdAt: formatDate(identity.createdAt),
    $updatedAt: formatDate(identity.updatedAt),
    userId: identity.userId,
    provider: identity.provider,
    providerUid: identity.providerUid,
    providerEmail: identity.providerEmail,
    providerAccessToken: identity.providerAccessToken,
    providerAccessTokenExpiry: formatDate(identity.providerAccessTokenExpiry),
    providerRefreshToken: identity.providerRefreshToken,
    providerIdToken: identity.providerIdToken ? (openSealed(identity.providerIdToken) ?? "") : "",
  };
}

export type IdentityModel = ReturnType<typeof toIdentity>;
