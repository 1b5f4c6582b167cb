import { z } from "zod";
import { checkedAgainstDictionary, email, newPassword, optional, phone } from "./validators";

/*
 * The validators only the Users API uses (src/core/operations/users/), each with Appwrite's
 * exact description.
 */

const LABEL_CHARS = [..."0123456789", ..."ABCDEFGHIJKLMNOPQRSTUVWXYZ", ..."abcdefghijklmnopqrstuvwxyz"].join(", ");

/** At most 1000 labels, each 1–36 characters of [A-Za-z0-9]. */
export const labels = z
  .array(z.string().regex(/^[A-Za-z0-9]{1,36}$/))
  .max(1000)
  .describe(
    `Value must a valid array no longer than 1000 items and Value must be a valid string and at least 1 chars and no longer than 36 chars and only consist of '${LABEL_CHARS}' chars`,
  );

/** An e-mail address, or `""` to remove it. */
export const emailOrEmpty = z.union([z.literal(""), email]).describe(email.description ?? "");
/** A phone number, or `""` to remove it. */
export const phoneOrEmpty = z.union([z.literal(""), phone]).describe(phone.description ?? "");
/** A new password (the PasswordDictionary validator), or `""` to remove it. */
export const newPasswordOrEmpty = checkedAgainstDictionary(z.union([z.literal(""), newPassword]).describe(newPassword.description ?? ""));
/** An optional new password, checked against the dictionary like a required one. */
export const optionalNewPassword = checkedAgainstDictionary(optional(newPassword));
