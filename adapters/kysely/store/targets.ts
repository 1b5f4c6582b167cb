import type { TargetRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { byId, deleteById, getWhere, listByUser, updateById } from "./rows";

export function targets(ctx: StoreContext): TargetRepository {
  const { db } = ctx;
  return {
    ...byId(ctx, "targets", codecs.targets),
    getByIdentifier: (identifier) => getWhere(ctx, "targets", codecs.targets, { identifier }),
    list: (userId) => listByUser(ctx, "targets", codecs.targets, userId),
    async listFor(userIds) {
      const ids = [...new Set(userIds)];
      const found = [];
      // In slices, well under every dialect's limit on bound parameters.
      for (let at = 0; at < ids.length; at += 1000) {
        const slice = ids.slice(at, at + 1000);
        found.push(...(await db.selectFrom("targets").selectAll().where("user_id", "in", slice).execute()).map(codecs.targets.fromRow));
      }
      return found.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    },
    update: (id, patch) => updateById(ctx, "targets", codecs.targets, id, patch),
    delete: (id) => deleteById(ctx, "targets", id),
  };
}
