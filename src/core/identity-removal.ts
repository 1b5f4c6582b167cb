import { AppwriteError } from "../errors";
import type { IdentityRecord, UserRecord } from "../ports/store";
import { audit } from "./audit";
import type { Env } from "./operation";

/**
 * Deletes an identity, for `DELETE /account/identities/{id}` (src/core/operations/identities.ts)
 * and `DELETE /users/identities/{id}` (src/core/operations/users/directory.ts): 404
 * `user_identity_not_found` when it does not exist or went meanwhile. `ownerOf` names the user
 * whose log records the deletion (none when the owner is gone), or refuses it first.
 */
export async function removeIdentity(
  env: Env,
  identityId: string,
  ownerOf: (identity: IdentityRecord) => Promise<UserRecord | null> | UserRecord,
): Promise<void> {
  const { store } = env.deps;
  const identity = await store.identities.get(identityId);
  if (!identity) throw new AppwriteError("user_identity_not_found");
  const owner = await ownerOf(identity);
  if (!(await store.identities.delete(identity.id))) throw new AppwriteError("user_identity_not_found");
  if (owner) await audit(env, "identity.delete", owner, `identity/${identity.id}`);
}
