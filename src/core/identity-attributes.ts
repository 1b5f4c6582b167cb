import type { IdentityField } from "../ports/store";
import type { Attributes } from "./list-query";

/**
 * What identity queries may name (Appwrite's Identities query validator), with the record field
 * and type each reads: `GET /users/identities` (src/core/operations/users/directory.ts) queries
 * the store with them, `GET /account/identities` (src/core/operations/identities.ts) the caller's
 * few identities in memory.
 */
export const IDENTITY_ATTRIBUTES: Attributes<IdentityField> = {
  $id: ["id", "text"],
  $createdAt: ["createdAt", "datetime"],
  $updatedAt: ["updatedAt", "datetime"],
  userId: ["userId", "text"],
  provider: ["provider", "text"],
  providerUid: ["providerUid", "text"],
  providerEmail: ["providerEmail", "text"],
  providerAccessTokenExpiry: ["providerAccessTokenExpiry", "datetime"],
};
