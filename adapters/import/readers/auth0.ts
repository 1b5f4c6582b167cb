import { z } from "zod";
import { baseRecord, type Mapped } from "../record";
import { BCRYPT, e164, firstIssue, flag, text } from "./fields";

/**
 * A line of an Auth0 export, in either shape:
 * - the bulk user export job (NDJSON, often gzipped): `user_id` ("auth0|…"), `email`,
 *   `email_verified`, `name`, `given_name`, `family_name`, `phone_number`, `blocked`, … — no
 *   password hashes, so these users get no password (they reset it by recovery);
 * - the password hash export Auth0 support hands out: `_id: {"$oid": …}`, optional `alt_id`,
 *   `email`, `email_verified`, `passwordHash` (bcrypt). Its users' Auth0 id is "auth0|" + the
 *   alt_id, or the oid without one; when `email` is missing at the root, the `identifiers` entry
 *   of type "email" has it (and `verified`).
 */
const Auth0User = z.object({
  user_id: text(256),
  _id: z.object({ $oid: z.string().min(1).max(64) }).nullish(),
  alt_id: text(256),
  identifiers: z
    .array(z.object({ type: z.unknown(), value: z.unknown(), verified: z.unknown() }).partial())
    .max(100)
    .nullish(),
  email: text(512),
  email_verified: flag,
  name: text(4096),
  given_name: text(4096),
  family_name: text(4096),
  phone_number: text(64),
  phone_verified: flag,
  blocked: flag,
  passwordHash: text(1024),
});

export function fromAuth0(value: unknown): Mapped {
  const parsed = Auth0User.safeParse(value);
  if (!parsed.success) return { skip: firstIssue(parsed.error) };
  const user = parsed.data;
  const local = user.alt_id ?? user._id?.$oid;
  const sourceId = user.user_id ?? (local ? `auth0|${local}` : null);
  if (!sourceId) return { skip: "no user_id (nor _id.$oid)" };
  const record = baseRecord(sourceId);
  const identifier = user.identifiers?.find((entry) => entry.type === "email" && typeof entry.value === "string");
  record.email = user.email ?? (identifier ? (identifier.value as string) : null);
  record.emailVerification = user.email ? user.email_verified : identifier?.verified === true;
  record.phone = e164(user.phone_number);
  record.phoneVerification = user.phone_verified;
  record.status = !user.blocked;
  record.name = displayName(user);
  if (user.passwordHash) {
    if (!BCRYPT.test(user.passwordHash)) return { skip: "unsupported password hash (expected bcrypt $2a$/$2b$)", sourceId };
    record.password = { kind: "bcrypt", hash: user.passwordHash };
  }
  return record;
}

/** Auth0 fills `name` with the e-mail address when a sign-up gave none: that is no name. */
function displayName(user: z.infer<typeof Auth0User>): string {
  const parts = [user.given_name, user.family_name].filter(Boolean).join(" ");
  if (parts) return parts;
  return user.name && user.name !== user.email ? user.name : "";
}
