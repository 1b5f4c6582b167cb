import { parsePhoneNumberFromString } from "libphonenumber-js/min";
import { z } from "zod";
import { AppwriteError, invalidParam, missingParam } from "../errors";
import { isSafeValue } from "./input-limits";
import { BRACKETED_IPV4_PATTERN, E164_PATTERN, hostMatches, ID_PATTERN } from "./patterns";

/**
 * Appwrite's parameter validators as zod schemas. Each carries, as its zod
 * description, the exact text Appwrite prints after ``Invalid `<param>` param: ``; `parseParams`
 * reports that text rather than zod's own message.
 */

export const customIdDescription =
  "Parameter must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, period, hyphen, and underscore. Can't start with a special char";
export const uidDescription =
  "UID must contain at most 36 chars. Valid chars are a-z, A-Z, 0-9, and underscore. Can't start with a leading underscore";

/**
 * Whether the service takes `value` as an id as it is (`customId` takes it unchanged, `uid` finds
 * by it); `gatehouse import` asks before keeping a source system's id (adapters/import/create.ts).
 */
export function isValidId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** A user-chosen ID, or the literal `unique()`. */
export const customId = z
  .string()
  .refine((v) => v === "unique()" || isValidId(v))
  .describe(customIdDescription);

/** An existing record's ID. */
export const uid = z.string().refine(isValidId).describe(uidDescription);

/**
 * NFKC, trim, lowercase, on every route (the token routes too), before validation and lookup, so
 * one address has one spelling (test/http/tokens.test.ts, test/http/recovery-verification.test.ts).
 */
export function normaliseEmail(value: string): string {
  return value.normalize("NFKC").trim().toLowerCase();
}

const EMAIL_LOCAL = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const EMAIL_DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Close to PHP's FILTER_VALIDATE_EMAIL: an ASCII dot-atom local part and a dotted host name. */
export function isEmail(value: string): boolean {
  const at = value.lastIndexOf("@");
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64 || domain.length > 253) return false;
  return EMAIL_LOCAL.test(local) && (EMAIL_DOMAIN.test(domain) || BRACKETED_IPV4_PATTERN.test(domain));
}

export const email = z.string().transform(normaliseEmail).refine(isEmail).describe("Value must be a valid email address");

const byteLength = (v: string) => Buffer.byteLength(v, "utf8");

/** 8–256 bytes (byte length, not characters). */
export const password = z
  .string()
  .refine((v) => byteLength(v) >= 8 && byteLength(v) <= 256)
  .describe("Password must be between 8 and 256 characters long.");

/** The message of the PasswordDictionary validator, "265" as Appwrite prints it. */
export const passwordDictionaryDescription =
  "Password must be between 8 and 265 characters long, and should not be one of the commonly used password.";

/** Schemas that also refuse common passwords when the project's dictionary is on. */
const dictionaryChecked = new WeakSet<z.ZodType>();

/**
 * A new password (sign-up, password change, recovery): Appwrite's PasswordDictionary validator.
 * Its description is the "265" text whether or not the dictionary is on; the dictionary itself
 * is project configuration, so `parseParams` applies it.
 */
export const newPassword = z
  .string()
  .refine((v) => byteLength(v) >= 8 && byteLength(v) <= 256)
  .describe(passwordDictionaryDescription);
dictionaryChecked.add(newPassword);

/** Marks another schema of a new password (optional, or allowing `""`) for the dictionary check too. */
export function checkedAgainstDictionary<T extends z.ZodType>(schema: T): T {
  dictionaryChecked.add(schema);
  return schema;
}

/** A string of min..max characters (1..max by default), counted as code points; Appwrite's Text. */
export function text(max: number, min = 1) {
  return z
    .string()
    .refine((v) => {
      const length = [...v].length;
      return length >= min && length <= max;
    })
    .describe(`Value must be a valid string${min > 0 ? ` and at least ${min} chars` : ""} and no longer than ${max} chars`);
}

/**
 * An integer from min to max (Appwrite's Range): a JSON number, or the digits of a form or query
 * value, given to the handler as a number.
 */
export function range(min: number, max: number) {
  return z
    .union([
      z.number().int(),
      z
        .string()
        .regex(/^-?\d{1,16}$/)
        .transform(Number),
    ])
    .refine((v) => v >= min && v <= max)
    .describe(`Value must be a valid range between ${min.toLocaleString("en-US")} and ${max.toLocaleString("en-US")}`);
}

/** E.164 with 7 to 15 digits, and a country calling code libphonenumber knows. */
export const phone = z
  .string()
  .refine((v) => E164_PATTERN.test(v) && parsePhoneNumberFromString(v) !== undefined)
  .describe("Phone number must start with a '+' can have a maximum of fifteen digits.");

export const boolean = z.boolean().describe("Value must be a valid boolean");

/** Appwrite's loose Boolean: true/false, their strings, 1/0 and "1"/"0". */
export const looseBoolean = z
  .union([z.boolean(), z.literal("true"), z.literal("false"), z.literal("1"), z.literal("0"), z.literal(1), z.literal(0)])
  .transform((v) => v === true || v === "true" || v === "1" || v === 1)
  .describe("Value must be a valid boolean");

/** Bytes of the JSON encoding; a value too deeply nested to encode counts as too large. */
function encodedSize(value: unknown): number {
  try {
    return byteLength(JSON.stringify(value));
  } catch {
    return Number.POSITIVE_INFINITY;
  }
}

/** A JSON object (not a list) of at most 65 535 bytes when encoded. */
export const assoc = z
  .custom<Record<string, unknown>>((v) => typeof v === "object" && v !== null && !Array.isArray(v) && encodedSize(v) <= 65535)
  .describe("Value must be a valid object.");

/** Case-insensitive membership; the handler receives the value as sent. */
export function whiteList<const T extends readonly string[]>(values: T) {
  const lower = values.map((v) => v.toLowerCase());
  return z
    .string()
    .refine((v) => lower.includes(v.toLowerCase()))
    .describe(`Value must be one of (${lower.join(", ")})`);
}

export type ParamShape = Record<string, z.ZodType>;
export type Params<S extends ParamShape> = { [K in keyof S]: z.output<S[K]> };

/**
 * Validates raw request parameters in declaration order, the way Appwrite does: a missing
 * required parameter gives `Param "x" is not optional.`; an invalid one gives the validator's
 * description. Unknown parameters are ignored.
 */
/** Schemas whose URL must point at an allowed host (open-redirect protection). */
const hostChecked = new WeakSet<z.ZodType>();

/**
 * A redirect URL (Appwrite's Host validator): an absolute http(s) URL whose hostname is a
 * configured platform or the API's own host. The allowed list is per request, so `parseParams`
 * applies it and names the hosts in the error.
 */
export const hostUrl = z.string().refine((v) => {
  try {
    const url = new URL(v);
    return (url.protocol === "http:" || url.protocol === "https:") && url.hostname !== "";
  } catch {
    return false;
  }
});
hostChecked.add(hostUrl);

export interface ParseOptions {
  /** The common-password list when the project refuses them, else null. */
  dictionary?: ReadonlySet<string> | null;
  /** Hostnames redirect URLs may point at (`*.example.com` matches subdomains). */
  allowedHosts?: readonly string[];
}

function hostAllowed(value: string, hosts: readonly string[]): boolean {
  const host = new URL(value).hostname;
  return hosts.some((pattern) => hostMatches(host, pattern));
}

export function parseParams<S extends ParamShape>(shape: S, raw: Record<string, unknown>, options: ParseOptions = {}): Params<S> {
  const out: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(shape)) {
    const value = raw[name];
    // A present `null` is a value: required parameters then fail their validator (as Appwrite's
    // framework does); optional ones fall back to their default instead of reaching the handler.
    if (value === undefined || value === null) {
      const fallback = schema.safeParse(undefined);
      if (fallback.success) {
        out[name] = fallback.data;
        continue;
      }
      if (value === undefined) throw missingParam(name);
      throw invalidParam(name, describe(schema));
    }
    // Lone surrogates and prototype keys fail every validator: see isSafeValue.
    const result = isSafeValue(value) ? schema.safeParse(value) : ({ success: false } as const);
    if (hostChecked.has(unwrap(schema))) {
      const hosts = options.allowedHosts ?? [];
      if (!result.success || !hostAllowed(result.data as string, hosts)) {
        throw invalidParam(name, `URL host must be one of: ${hosts.join(", ")}`);
      }
    }
    if (!result.success) throw invalidParam(name, describe(schema));
    if (options.dictionary && dictionaryChecked.has(schema) && options.dictionary.has(result.data as string)) {
      throw invalidParam(name, describe(schema));
    }
    out[name] = result.data;
  }
  return out as Params<S>;
}

/** The validator inside an optional/default wrapper. */
function unwrap(schema: z.ZodType): z.ZodType {
  const inner = (schema as unknown as { _zod: { def: { innerType?: z.ZodType } } })._zod.def.innerType;
  return inner ? unwrap(inner) : schema;
}

function describe(schema: z.ZodType): string {
  return schema.description ?? new AppwriteError("general_argument_invalid").message;
}

/** An optional parameter that keeps its validator's description. */
export function optional<T extends z.ZodType>(schema: T) {
  return schema.optional().describe(schema.description ?? "");
}

/** An optional parameter with a default, keeping its validator's description. */
export function withDefault<T extends z.ZodType>(schema: T, value: z.output<T>) {
  // zod's default type wants the util.NoUndefined form; the value is the validator's own output.
  return schema.default(value as never).describe(schema.description ?? "");
}
