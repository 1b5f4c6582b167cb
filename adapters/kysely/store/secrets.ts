import { sql } from "kysely";
import type { ChallengeRepository, SecretRecord, SecretRepository, TokenRepository } from "gatehouse-auth";
import type { Codec } from "./codec";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { byId, deleteById, listByUser } from "./rows";

/** The single-use secret shape over one table (tokens, challenges). */
function secrets<T extends SecretRecord>(ctx: StoreContext, table: "tokens" | "challenges", codec: Codec<T, any>): SecretRepository<T> {
  const { db } = ctx;
  return {
    ...byId(ctx, table, codec),
    // A DELETE whose affected-row count says who won: works the same on all three dialects.
    consume: (id) => deleteById(ctx, table, id),
    async addAttempt(id) {
      // The increment and the read of the new count are one atomic step.
      if (ctx.caps.returning) {
        const row = await db
          .updateTable(table)
          .set({ attempts: sql`attempts + 1` })
          .where("id", "=", id)
          .returning("attempts")
          .executeTakeFirst();
        return row ? Number(row.attempts) : 0;
      }
      return ctx.atomic(async (tx) => {
        const row = await tx.selectFrom(table).select("attempts").where("id", "=", id).forUpdate().executeTakeFirst();
        if (!row) return 0;
        await tx
          .updateTable(table)
          .set({ attempts: sql`attempts + 1` })
          .where("id", "=", id)
          .execute();
        return Number(row.attempts) + 1;
      });
    },
  };
}

export function tokens(ctx: StoreContext): TokenRepository {
  return {
    ...secrets(ctx, "tokens", codecs.tokens),
    list: (userId, now) => listByUser(ctx, "tokens", codecs.tokens, userId, (query) => query.where("expire", ">", now.getTime())),
  };
}

export function challenges(ctx: StoreContext): ChallengeRepository {
  return secrets(ctx, "challenges", codecs.challenges);
}
