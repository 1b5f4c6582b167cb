import type { LogRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { countWhere, insertRow } from "./rows";

export function logs(ctx: StoreContext): LogRepository {
  const { db } = ctx;
  return {
    append: (log) => insertRow(ctx, "logs", codecs.logs, log),
    async list(userId, page) {
      // Insertion order breaks ties between entries of the same millisecond.
      const rows = await db
        .selectFrom("logs")
        .selectAll()
        .where("user_id", "=", userId)
        .orderBy("time", "desc")
        .orderBy(ctx.caps.insertionOrder, "desc")
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map(codecs.logs.fromRow);
    },
    count: (userId) => countWhere(ctx, "logs", { user_id: userId }),
  };
}
