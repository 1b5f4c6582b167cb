import { z } from "zod";
import { baseRecord, type Mapped } from "../record";
import { BCRYPT, e164, firstIssue, jsonObject, ownString, sourceIdOf, text, timestamp } from "./fields";

/**
 * A row of Supabase's `auth.users` table, exported as JSON (`select json_agg(u) from auth.users u`)
 * or CSV (`\copy auth.users to 'users.csv' csv header`). Passwords are bcrypt (`encrypted_password`,
 * "" for users without one); the display name lives in `raw_user_meta_data`.
 */
const SupabaseUser = z.object({
  id: z.preprocess((v) => (typeof v === "number" ? String(v) : v), z.string().min(1).max(256)),
  email: text(512),
  encrypted_password: text(1024),
  email_confirmed_at: timestamp,
  phone: text(64),
  phone_confirmed_at: timestamp,
  raw_user_meta_data: jsonObject(64 * 1024),
  banned_until: timestamp,
  deleted_at: timestamp,
});

export function fromSupabase(value: unknown, now: Date): Mapped {
  const parsed = SupabaseUser.safeParse(value);
  if (!parsed.success) return { skip: firstIssue(parsed.error), ...sourceIdOf(value, "id") };
  const row = parsed.data;
  if (row.deleted_at) return { skip: "deleted in Supabase (deleted_at is set)", sourceId: row.id };
  const record = baseRecord(row.id);
  record.email = row.email;
  record.phone = e164(row.phone);
  record.emailVerification = row.email_confirmed_at !== null;
  record.phoneVerification = row.phone_confirmed_at !== null;
  record.status = !(row.banned_until && row.banned_until > now);
  const meta = row.raw_user_meta_data;
  record.name = ownString(meta, "full_name") ?? ownString(meta, "name") ?? "";
  if (row.encrypted_password) {
    if (!BCRYPT.test(row.encrypted_password)) return { skip: "unsupported password hash (expected bcrypt $2a$…)", sourceId: row.id };
    record.password = { kind: "bcrypt", hash: row.encrypted_password };
  }
  return record;
}
