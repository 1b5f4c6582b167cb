import type { LogRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";

export function logs(ctx: StoreContext): LogRepository {
  const { db } = ctx;
  return {
    async append(log) {
      await db.insertInto("logs").values(codecs.logs.toRow(log)).execute();
    },
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
    async count(userId) {
      const row = await db
        .selectFrom("logs")
        .select((eb) => eb.fn.countAll().as("n"))
        .where("user_id", "=", userId)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
