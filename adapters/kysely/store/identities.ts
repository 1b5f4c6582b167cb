import type { IdentityField, IdentityRecord, IdentityRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { countUpTo, findPage, type ListTable } from "./list-query";
import { byId, deleteById, getWhere, listByUser, updateById } from "./rows";

/** The identities table for lists (identities have no search text). */
const IDENTITIES: ListTable<IdentityField, IdentityRecord> = {
  columns: {
    id: ["id", "text"],
    createdAt: ["created_at", "millis"],
    updatedAt: ["updated_at", "millis"],
    userId: ["user_id", "text"],
    provider: ["provider", "text"],
    providerUid: ["provider_uid", "text"],
    providerEmail: ["provider_email", "text"],
    providerAccessTokenExpiry: ["provider_access_token_expiry", "millis"],
  },
  searchable: [],
  cursorValue(identity, field) {
    const value = identity[field];
    return value instanceof Date ? value.getTime() : value;
  },
};

export function identities(ctx: StoreContext): IdentityRepository {
  const { db } = ctx;
  return {
    ...byId(ctx, "identities", codecs.identities),
    getByProviderUid: (provider, providerUid) => getWhere(ctx, "identities", codecs.identities, { provider, provider_uid: providerUid }),
    async findByEmail(email, exceptUserId) {
      let query = db.selectFrom("identities").selectAll().where("provider_email", "=", email);
      if (exceptUserId !== undefined) query = query.where("user_id", "!=", exceptUserId);
      return (await query.orderBy("created_at").orderBy("id").execute()).map(codecs.identities.fromRow);
    },
    list: (userId) => listByUser(ctx, "identities", codecs.identities, userId),
    update: (id, patch) => updateById(ctx, "identities", codecs.identities, id, patch),
    delete: (id) => deleteById(ctx, "identities", id),
    // Identities have no search text (the core refuses a search for them, 400).
    find: (query) => findPage(ctx, "identities", IDENTITIES, codecs.identities, { ...query, search: [] }),
    countMatching: (selection, cap) => countUpTo(ctx, "identities", IDENTITIES, { ...selection, search: [] }, cap),
  };
}
