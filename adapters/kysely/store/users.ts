import type { Kysely } from "kysely";
import type { UserField, UserRecord, UserRepository } from "gatehouse-auth";
import * as codecs from "./codecs";
import type { StoreContext } from "./context";
import { pageQuery, where, type ListTable } from "./list-query";
import { deleteById, getById, insertRow, updateById } from "./rows";

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
  const untyped = db as unknown as Kysely<any>;
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
    async find(query) {
      const page = pageQuery(USERS, ctx.caps, query);
      const rows = await untyped
        .selectFrom("users")
        .selectAll()
        .where(page.where)
        .orderBy(page.orderBy)
        .limit(query.limit)
        .offset(query.offset)
        .execute();
      const users = rows.map(codecs.users.fromRow);
      return page.reverse ? users.reverse() : users;
    },
    async countMatching(selection, cap) {
      // At most `cap` ids are read, however many rows match (a subquery would meet the table prefix twice).
      const rows = await untyped
        .selectFrom("users")
        .select("id")
        .where(where(USERS, ctx.caps, selection))
        .limit(cap)
        .execute();
      return rows.length;
    },
    // The schema's ON DELETE CASCADE removes everything the user owned (adapters/kysely/migrations.ts).
    delete: (id) => deleteById(ctx, "users", id),
  };
}
