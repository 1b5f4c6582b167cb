import { AppwriteError } from "../../../errors";
import type { IdentityField, IdentityRecord, TargetRecord, UserField, UserRecord } from "../../../ports/store";
import { toIdentity } from "../../../models/identity";
import { toUser } from "../../../models/user";
import { queries } from "../../../validation/queries";
import { optional, text, uid } from "../../../validation/validators";
import { removeIdentity } from "../../identity-removal";
import { IDENTITY_ATTRIBUTES } from "../../identity-attributes";
import { listPage, listQuery, type Attributes } from "../../list-query";
import { noContent, ok, operation } from "../../operation";
import { total } from "../../../validation/queries";

/** What `queries` may name on `GET /users` (Appwrite 1.6's Users query validator). */
const USER_ATTRIBUTES: Attributes<UserField> = {
  $id: ["id", "text"],
  $createdAt: ["createdAt", "datetime"],
  $updatedAt: ["updatedAt", "datetime"],
  name: ["name", "text"],
  email: ["email", "text"],
  phone: ["phone", "text"],
  status: ["status", "boolean"],
  passwordUpdate: ["passwordUpdatedAt", "datetime"],
  registration: ["registration", "datetime"],
  emailVerification: ["emailVerification", "boolean"],
  phoneVerification: ["phoneVerification", "boolean"],
  labels: ["labels", "array"],
};

export const list = operation({
  method: "GET",
  path: "/users",
  model: "userList",
  scope: "users.read",
  params: { queries, search: optional(text(256)), total },
  async run(env, input) {
    const { store } = env.deps;
    const query = await listQuery<UserField, UserRecord>({
      queries: input.queries,
      search: input.search,
      attributes: USER_ATTRIBUTES,
      cursorRecord: (id) => store.users.get(id),
      cursorMissing: (id) => `User '${id}' for the 'cursor' value not found.`,
    });
    const { total, rows: users } = await listPage(store.users, query, input.total);
    // The page's targets in one read, not one per user, grouped once: a page may hold 5000 users.
    const targets = users.length > 0 ? await store.targets.listFor(users.map((user) => user.id)) : [];
    const byUser = new Map<string, TargetRecord[]>();
    for (const t of targets) {
      const own = byUser.get(t.userId);
      if (own) own.push(t);
      else byUser.set(t.userId, [t]);
    }
    const models = users.map((user) => toUser(user, byUser.get(user.id) ?? []));
    return ok({ total, users: models });
  },
});

export const listIdentities = operation({
  method: "GET",
  path: "/users/identities",
  model: "identityList",
  scope: "users.read",
  params: { queries, search: optional(text(256)), total },
  async run(env, input) {
    const { store } = env.deps;
    // Identities have no search text: Appwrite refuses any search on them, and so does Gatehouse.
    if (input.search)
      throw new AppwriteError("general_query_invalid", "Searching identities is not supported: query by attribute instead.");
    const query = await listQuery<IdentityField, IdentityRecord>({
      queries: input.queries,
      attributes: IDENTITY_ATTRIBUTES,
      cursorRecord: (id) => store.identities.get(id),
      // Appwrite's message says "User" here too.
      cursorMissing: (id) => `User '${id}' for the 'cursor' value not found.`,
    });
    const { total, rows } = await listPage(store.identities, query, input.total);
    return ok({ total, identities: rows.map((identity) => toIdentity(identity, env.deps.seal.open)) });
  },
});

export const deleteIdentity = operation({
  method: "DELETE",
  path: "/users/identities/:identityId",
  scope: "users.write",
  params: { identityId: uid },
  async run(env, input) {
    await removeIdentity(env, input.identityId, (identity) => env.deps.store.users.get(identity.userId));
    return noContent();
  },
});
