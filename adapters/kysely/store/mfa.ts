import type { MfaRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { affected, countWhere, deleteById, getWhere } from "./rows";

export function mfa(ctx: StoreContext): MfaRepository {
  const { db } = ctx;
  return {
    getAuthenticator: (userId, type) => getWhere(ctx, "authenticators", codecs.authenticators, { user_id: userId, type }),
    async putAuthenticator(authenticator) {
      await ctx.atomic(async (tx) => {
        await tx.deleteFrom("authenticators").where("user_id", "=", authenticator.userId).where("type", "=", authenticator.type).execute();
        await tx.insertInto("authenticators").values(codecs.authenticators.toRow(authenticator)).execute();
      });
    },
    async useAuthenticatorStep(id, step, patch = {}) {
      // The condition in the UPDATE makes the check and the write one atomic step.
      const result = await db
        .updateTable("authenticators")
        .set({ ...codecs.authenticators.toPatch(patch), last_used_step: step })
        .where("id", "=", id)
        .where((eb) => eb.or([eb("last_used_step", "is", null), eb("last_used_step", "<", step)]))
        .executeTakeFirst();
      return affected(result);
    },
    deleteAuthenticator: (id) => deleteById(ctx, "authenticators", id),

    async replaceRecoveryCodes(userId, codes) {
      await ctx.atomic(async (tx) => {
        await tx.deleteFrom("recovery_codes").where("user_id", "=", userId).execute();
        if (codes.length === 0) return;
        // The codes belong to `userId` by definition of this call; `position` keeps their order.
        const rows = codes.map((code, position) => Object.assign(codecs.recoveryCodes.toRow({ ...code, userId }), { position }));
        await tx.insertInto("recovery_codes").values(rows).execute();
      });
    },
    countRecoveryCodes: (userId) => countWhere(ctx, "recovery_codes", { user_id: userId }),
    async listRecoveryCodes(userId) {
      const rows = await db.selectFrom("recovery_codes").selectAll().where("user_id", "=", userId).orderBy("position").execute();
      return rows.map(codecs.recoveryCodes.fromRow);
    },
    async consumeRecoveryCode(userId, codeHash) {
      return affected(
        await db.deleteFrom("recovery_codes").where("user_id", "=", userId).where("code_hash", "=", codeHash).executeTakeFirst(),
      );
    },
  };
}
