import { AppwriteError } from "../../errors";
import { toIdentity } from "../../models/identity";
import { queries, total } from "../../validation/queries";
import { uid } from "../../validation/validators";
import { removeIdentity } from "../identity-removal";
import { IDENTITY_ATTRIBUTES } from "../identity-attributes";
import { pageInMemory } from "../list-query";
import { noContent, ok, operation } from "../operation";

/** The in-memory list reads the wire models, whose keys are the attribute names themselves. */
const QUERYABLE: ReadonlySet<string> = new Set(Object.keys(IDENTITY_ATTRIBUTES));

export const listIdentities = operation({
  method: "GET",
  path: "/account/identities",
  model: "identityList",
  scope: "account",
  params: { queries, total },
  async run(env, input) {
    const user = env.caller.user;
    // A user has a handful of identities: the queries run on the list in memory.
    const identities = (await env.deps.store.identities.list(user.id)).map((identity) => toIdentity(identity, env.deps.seal.open));
    const { total, rows } = pageInMemory(identities, input, QUERYABLE, (id) => `Identity '${id}' for the 'cursor' value not found.`);
    return ok({ total, identities: rows });
  },
});

export const deleteIdentity = operation({
  method: "DELETE",
  path: "/account/identities/:identityId",
  scope: "account",
  params: { identityId: uid },
  async run(env, input) {
    const user = env.caller.user;
    await removeIdentity(env, input.identityId, (identity) => {
      // Identities are visible to anyone in Appwrite, but only their owner may delete them.
      if (identity.userId !== user.id) throw new AppwriteError("user_unauthorized");
      return user;
    });
    return noContent();
  },
});
