import type { TargetRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { deleteById, getById, updateById } from "./rows";

export function targets(ctx: StoreContext): TargetRepository {
  const { db } = ctx;
  return {
    async create(target) {
      await db.insertInto("targets").values(codecs.targets.toRow(target)).execute();
    },
    get: (id) => getById(ctx, "targets", codecs.targets, id),
    async getByIdentifier(identifier) {
      const row = await db.selectFrom("targets").selectAll().where("identifier", "=", identifier).executeTakeFirst();
      return row ? codecs.targets.fromRow(row) : null;
    },
    async list(userId) {
      const rows = await db.selectFrom("targets").selectAll().where("user_id", "=", userId).orderBy("created_at").orderBy("id").execute();
      return rows.map(codecs.targets.fromRow);
    },
    update: (id, patch) => updateById(ctx, "targets", codecs.targets, id, patch),
    delete: (id) => deleteById(ctx, "targets", id),
  };
}
