import type { IdentityRecord } from "../ports/store";
import { formatDate } from "./datetime";

/** The Identity model: an OAuth2 provider account linked to the user. */
export function toIdentity(identity: IdentityRecord) {
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
    /** The ID token of the latest native sign-in; "" for identities made by the browser flow. */
    providerIdToken: "",
  };
}

export type IdentityModel = ReturnType<typeof toIdentity>;
