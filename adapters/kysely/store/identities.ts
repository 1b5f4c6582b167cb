import type { IdentityRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { deleteById, getById, insertRow, updateById } from "./rows";

export function identities(ctx: StoreContext): IdentityRepository {
  const { db } = ctx;
  return {
    create: (identity) => insertRow(ctx, "identities", codecs.identities, identity),
    get: (id) => getById(ctx, "identities", codecs.identities, id),
    async getByProviderUid(provider, providerUid) {
      const row = await db
        .selectFrom("identities")
        .selectAll()
        .where("provider", "=", provider)
        .where("provider_uid", "=", providerUid)
        .executeTakeFirst();
      return row ? codecs.identities.fromRow(row) : null;
    },
    async findByEmail(email, exceptUserId) {
      let query = db.selectFrom("identities").selectAll().where("provider_email", "=", email);
      if (exceptUserId !== undefined) query = query.where("user_id", "!=", exceptUserId);
      return (await query.orderBy("created_at").orderBy("id").execute()).map(codecs.identities.fromRow);
    },
    async list(userId) {
      return (
        await db.selectFrom("identities").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute()
      ).map(codecs.identities.fromRow);
    },
    update: (id, patch) => updateById(ctx, "identities", codecs.identities, id, patch),
    delete: (id) => deleteById(ctx, "identities", id),
  };
}
