import type { UserField, UserRecord, UserRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { countUpTo, findPage, type ListTable } from "./list-query";
import { affected, byId, countWhere, deleteById, getById, getWhere, updateById } from "./rows";

/** The users table for lists: column and kind of each filterable field. */
const USERS: ListTable<UserField, UserRecord> = {
  columns: {
    id: ["id", "text"],
    createdAt: ["created_at", "millis"],
    updatedAt: ["updated_at", "millis"],
    name: ["name", "text"],
    email: ["email_key", "text"],
    phone: ["phone", "text"],
    status: ["status", "flag"],
    passwordUpdatedAt: ["password_updated_at", "millis"],
    registration: ["registration", "millis"],
    emailVerification: ["email_verification", "flag"],
    phoneVerification: ["phone_verification", "flag"],
    labels: ["labels", "json-array"],
  },
  searchable: ["id", "email", "name", "phone", "labels"],
  cursorValue(user, field) {
    const value = user[field];
    if (value instanceof Date) return value.getTime();
    if (typeof value === "boolean") return value ? 1 : 0;
    if (field === "email") return user.email?.toLowerCase() ?? null;
    return value as string | null;
  },
};

export function users(ctx: StoreContext): UserRepository {
  const { db } = ctx;
  return {
    ...byId(ctx, "users", codecs.users),
    getByEmail: (email) => getWhere(ctx, "users", codecs.users, { email_key: email.toLowerCase() }),
    getByPhone: (phone) => getWhere(ctx, "users", codecs.users, { phone }),
    update: (id, patch) => updateById(ctx, "users", codecs.users, id, patch),
    async updatePasswordIf(id, expected, patch) {
      // One conditional UPDATE: the database decides, so a reset committed meanwhile wins.
      const query = db.updateTable("users").set(codecs.users.toPatch(patch)).where("id", "=", id).where("password_hash", "=", expected);
      if (ctx.caps.returning) {
        // The updated row in the same round trip, as updateById reads it (store/rows.ts).
        const row = await query.returningAll().executeTakeFirst();
        return row ? codecs.users.fromRow(row) : null;
      }
      // MySQL counts only rows that changed, which a new hash always does (fresh salt).
      return affected(await query.executeTakeFirst()) ? getById(ctx, "users", codecs.users, id) : null;
    },
    count: () => countWhere(ctx, "users", {}),
    find: (query) => findPage(ctx, "users", USERS, codecs.users, query),
    countMatching: (selection, cap) => countUpTo(ctx, "users", USERS, selection, cap),
    // The schema's ON DELETE CASCADE removes everything the user owned (adapters/kysely/migrations.ts).
    delete: (id) => deleteById(ctx, "users", id),
  };
}
