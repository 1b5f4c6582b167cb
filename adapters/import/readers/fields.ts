import { z } from "zod";

/*
 * Field types the readers share. Exports differ in how they spell a value (a CSV has only
 * strings, "" for NULL; JSON has booleans and nulls), so each type accepts the spellings and
 * yields one JavaScript value. Sizes are capped here only to bound the work: the service
 * validates the values themselves as it validates a request.
 */

const blankToNull = (value: unknown) => (value === "" ? null : value);

/** A string, or null when absent, null or "". */
export const text = (max: number) => z.preprocess(blankToNull, z.string().max(max).nullish()).transform((value) => value ?? null);

/** true / false, or the CSV spellings t / f, true / false, 1 / 0; absent is false. */
export const flag = z
  .preprocess((value) => {
    if (typeof value !== "string") return value;
    const lower = value.toLowerCase();
    return lower === "t" || lower === "true" || lower === "1"
      ? true
      : lower === "f" || lower === "false" || lower === "0" || lower === ""
        ? false
        : value;
  }, z.boolean().nullish())
  .transform((value) => value ?? false);

/** A timestamp (ISO string or epoch milliseconds), or null. */
export const timestamp = z.preprocess(blankToNull, z.union([z.string().max(64), z.number()]).nullish()).transform((value) => {
  if (value === null || value === undefined) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
});

/** A JSON object, as an object or as JSON text (a CSV cell); anything else is null. */
export const jsonObject = (maxTextLength: number) =>
  z
    .unknown()
    .optional()
    .transform((value): Record<string, unknown> | null => {
      let parsed = value;
      if (typeof value === "string" && value.length <= maxTextLength) {
        try {
          parsed = JSON.parse(value) as unknown;
        } catch {
          return null;
        }
      }
      return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
    });

/** The first issue of a failed parse, for the report: "email: expected string". */
export function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid record";
  const path = issue.path.map(String).join(".");
  return `invalid record: ${path ? `${path}: ` : ""}${issue.message}`;
}

/** A phone number as E.164: exports that drop the leading "+" (Supabase) get it back. */
export function e164(phone: string | null): string | null {
  if (!phone) return null;
  const trimmed = phone.trim();
  return /^\d+$/.test(trimmed) ? `+${trimmed}` : trimmed;
}

/** A string property of an object, if it is one. */
export function ownString(object: Record<string, unknown> | null, key: string): string | null {
  if (!object || !Object.hasOwn(object, key)) return null;
  const value = object[key];
  return typeof value === "string" ? value : null;
}

/** bcrypt's modular crypt prefixes ($2a$, $2b$, $2y$, $2x$). */
export const BCRYPT = /^\$2[abxy]\$/;

/** The source id of a row that failed to parse, when it has a readable one, for the report. */
export function sourceIdOf(value: unknown, key: string): { sourceId?: string } {
  const id = typeof value === "object" && value !== null && !Array.isArray(value) ? ownString(value as Record<string, unknown>, key) : null;
  return id ? { sourceId: id.slice(0, 256) } : {};
}
