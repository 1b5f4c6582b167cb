import type { UserRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { getById, insertRow, updateById } from "./rows";

export function users(ctx: StoreContext): UserRepository {
  const { db } = ctx;
  return {
    create: (user) => insertRow(ctx, "users", codecs.users, user),
    get: (id) => getById(ctx, "users", codecs.users, id),
    async getByEmail(email) {
      const row = await db.selectFrom("users").selectAll().where("email_key", "=", email.toLowerCase()).executeTakeFirst();
      return row ? codecs.users.fromRow(row) : null;
    },
    async getByPhone(phone) {
      const row = await db.selectFrom("users").selectAll().where("phone", "=", phone).executeTakeFirst();
      return row ? codecs.users.fromRow(row) : null;
    },
    update: (id, patch) => updateById(ctx, "users", codecs.users, id, patch),
    async count() {
      const row = await db
        .selectFrom("users")
        .select((eb) => eb.fn.countAll().as("n"))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}
