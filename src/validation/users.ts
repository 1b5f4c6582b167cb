import { z } from "zod";
import { checkedAgainstDictionary, email, newPassword, optional, phone } from "./validators";

/*
 * The validators only the Users API uses (src/core/operations/users/), each with Appwrite's
 * exact description.
 */

/** 0..max characters: `""` is allowed (it clears the name). */
export function textUpTo(max: number) {
  return z
    .string()
    .refine((v) => [...v].length <= max)
    .describe(`Value must be a valid string and no longer than ${max} chars`);
}

/** PHP's number_format for an integer: 31536000 → "31,536,000". */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** Appwrite's Range: an integer within bounds, also as a numeric string; fractions fail. */
export function range(min: number, max: number) {
  return z
    .union([z.number(), z.string().regex(/^-?\d+$/)])
    .transform((v) => Number(v))
    .refine((v) => Number.isInteger(v) && v >= min && v <= max)
    .describe(`Value must be a valid range between ${thousands(min)} and ${thousands(max)}`);
}

/** Appwrite's loose Boolean: true/false, their strings, 1/0 and "1"/"0". */
export const looseBoolean = z
  .union([z.boolean(), z.literal("true"), z.literal("false"), z.literal("1"), z.literal("0"), z.literal(1), z.literal(0)])
  .transform((v) => v === true || v === "true" || v === "1" || v === 1)
  .describe("Value must be a valid boolean");

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
