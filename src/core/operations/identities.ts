import { AppwriteError } from "../../errors";
import { toIdentity, type IdentityModel } from "../../models/identity";
import {
  FILTER_METHODS,
  LOGICAL_METHODS,
  ORDER_METHODS,
  PAGING_METHODS,
  matches,
  page,
  parseQueries,
  queries,
  type Query,
} from "../../validation/queries";
import { uid } from "../../validation/validators";
import { audit } from "../audit";
import { noContent, ok, operation } from "../operation";

const DEFAULT_LIMIT = 25;
const ATTRIBUTES = new Set([
  "userId",
  "provider",
  "providerUid",
  "providerEmail",
  "providerAccessTokenExpiry",
  "$id",
  "$createdAt",
  "$updatedAt",
]);

const ORDER_AND_PAGING: ReadonlySet<string> = new Set([...ORDER_METHODS, ...PAGING_METHODS]);
const IDENTITY_QUERIES = {
  methods: new Set<string>([...FILTER_METHODS, ...LOGICAL_METHODS, ...ORDER_METHODS, ...PAGING_METHODS]),
  attributes: ATTRIBUTES,
};

/**
 * A user has a handful of identities, so the queries are applied to the user's list in memory:
 * filters, then order (creation order by default), then cursor, offset and limit.
 */
function applyQueries(models: IdentityModel[], parsed: Query[]) {
  const filters = parsed.filter((q) => !(ORDER_AND_PAGING as ReadonlySet<string>).has(q.method));
  let rows = models.filter((m) => matches(m, filters));
  const total = rows.length;
  for (const order of parsed.filter((q) => q.method === "orderAsc" || q.method === "orderDesc").reverse()) {
    const key = order.attribute ?? "$createdAt";
    const dir = order.method === "orderAsc" ? 1 : -1;
    rows = [...rows].sort(
      (a, b) => dir * String((a as Record<string, unknown>)[key]).localeCompare(String((b as Record<string, unknown>)[key])),
    );
  }
  const cursor = parsed.find((q) => q.method === "cursorAfter" || q.method === "cursorBefore");
  if (cursor) {
    const id = String(cursor.values[0]);
    const at = rows.findIndex((r) => r.$id === id);
    if (at < 0) throw new AppwriteError("general_cursor_not_found", `Identity '${id}' for the 'cursor' value not found.`);
    if (cursor.method === "cursorBefore") {
      // Paging backwards: the page ends right before the cursor (less the offset).
      const { limit, offset } = page(parsed, DEFAULT_LIMIT);
      const end = Math.max(0, at - offset);
      return { total, identities: rows.slice(Math.max(0, end - limit), end) };
    }
    rows = rows.slice(at + 1);
  }
  const { limit, offset } = page(parsed, DEFAULT_LIMIT);
  return { total, identities: rows.slice(offset, offset + limit) };
}

export const listIdentities = operation({
  method: "GET",
  path: "/account/identities",
  model: "identityList",
  scope: "account",
  params: { queries },
  async run(env, input) {
    const user = env.caller.user;
    const parsed = parseQueries(input.queries, IDENTITY_QUERIES);
    const identities = (await env.deps.store.identities.list(user.id)).map(toIdentity);
    return ok(applyQueries(identities, parsed));
  },
});

export const deleteIdentity = operation({
  method: "DELETE",
  path: "/account/identities/:identityId",
  scope: "account",
  params: { identityId: uid },
  async run(env, input) {
    const user = env.caller.user;
    const identity = await env.deps.store.identities.get(input.identityId);
    if (!identity) throw new AppwriteError("user_identity_not_found");
    // Identities are visible to anyone in Appwrite, but only their owner may delete them.
    if (identity.userId !== user.id) throw new AppwriteError("user_unauthorized");
    if (!(await env.deps.store.identities.delete(identity.id))) throw new AppwriteError("user_identity_not_found");
    await audit(env, "identity.delete", user, `identity/${identity.id}`);
    return noContent();
  },
});
