import { z } from "zod";
import { invalidParam } from "../errors";
import { looseBoolean, withDefault } from "./validators";

/**
 * Appwrite's `queries[]`: an array of JSON strings `{method, attribute?, values?}`.
 * This module parses and checks them against what a route allows; routes then apply them.
 */
export interface Query {
  method: string;
  attribute?: string;
  values: unknown[];
}

/** Appwrite's filter methods, each `method(attribute, values)`. */
export const FILTER_METHODS = [
  "equal",
  "notEqual",
  "lessThan",
  "lessThanEqual",
  "greaterThan",
  "greaterThanEqual",
  "contains",
  "search",
  "isNull",
  "isNotNull",
  "between",
  "startsWith",
  "endsWith",
] as const;
export const ORDER_METHODS = ["orderAsc", "orderDesc"] as const;
export const PAGING_METHODS = ["limit", "offset", "cursorAfter", "cursorBefore"] as const;
/** `and(...)` and `or(...)`, which hold other queries. */
export const LOGICAL_METHODS = ["and", "or"] as const;

const FILTERS: ReadonlySet<string> = new Set(FILTER_METHODS);
const KNOWN: ReadonlySet<string> = new Set([...FILTER_METHODS, "select", ...ORDER_METHODS, ...PAGING_METHODS, ...LOGICAL_METHODS]);

/** The `queries` parameter: any value, checked by `parseQueries` so its messages are Appwrite's. */
export const queries = z.unknown().optional();

/** Appwrite 1.8's `total` on lists (Users API, account identities and logs): `false` skips the count and answers 0. */
export const total = withDefault(looseBoolean, true);

export interface QueryRules {
  methods: ReadonlySet<string>;
  /** Attributes filters and orders may name; absent = no attribute allowed. */
  attributes?: ReadonlySet<string>;
}

const fail = (reason: string) => invalidParam("queries", reason);

export function parseQueries(value: unknown, rules: QueryRules): Query[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail("Queries must be an array");
  // Array.from, not map: a hole (possible only from a direct service call) is checked as
  // `undefined` and refused, where map would leave it for later code to trip over.
  return Array.from(value, (item) => parseOne(item, rules));
}

function parseOne(item: unknown, rules: QueryRules): Query {
  let raw: unknown = item;
  if (typeof item === "string") {
    try {
      raw = JSON.parse(item);
    } catch {
      throw fail("Invalid query: Syntax error");
    }
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw fail("Invalid query: Syntax error");
  const { method, attribute, values } = raw as Record<string, unknown>;
  if (typeof method !== "string") throw fail("Invalid query: Syntax error");
  if (!KNOWN.has(method) || !rules.methods.has(method)) throw fail(`Invalid query method: ${method}`);
  if (values !== undefined && !Array.isArray(values)) throw fail("Invalid query: Syntax error");
  const list = (values as unknown[] | undefined) ?? [];
  if (list.length > 500) throw fail("Invalid query: Too many values");
  const query: Query = { method, values: list, ...(typeof attribute === "string" ? { attribute } : {}) };

  if (method === "limit" || method === "offset") {
    query.values = [pageValue(method, list[0])];
  } else if (method === "cursorAfter" || method === "cursorBefore") {
    if (list.length !== 1 || typeof list[0] !== "string") throw fail("Invalid query: Invalid cursor");
  } else if (FILTERS.has(method) || method === "orderAsc" || method === "orderDesc") {
    if ((method !== "orderAsc" && method !== "orderDesc") || attribute !== undefined) {
      if (typeof attribute !== "string" || !rules.attributes?.has(attribute))
        throw fail(`Invalid query: Attribute not found in schema: ${String(attribute ?? "")}`);
    }
    if ((method === "equal" || method === "notEqual" || method === "contains") && list.length < 1)
      throw fail(`Invalid query: ${method} queries require at least one value.`);
    if (method === "between" && list.length !== 2) throw fail("Invalid query: between queries require exactly two values.");
    if (
      ["lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "search", "startsWith", "endsWith"].includes(method) &&
      list.length !== 1
    ) {
      throw fail(`Invalid query: ${method} queries require exactly one value.`);
    }
  } else if (method === "and" || method === "or") {
    query.values = list.map((nested) => parseOne(nested, rules));
  }
  return query;
}

/**
 * The largest limit or offset: every store binds it as an exact integer (SQLite and MariaDB as a
 * 64-bit integer, PostgreSQL as bigint), which a JavaScript number is only up to 2^53 - 1. Appwrite's
 * bound is PHP_INT_MAX; beyond ours, `1e20` reached SQLite as a float ("datatype mismatch", 500).
 */
export const MAX_PAGE_VALUE = Number.MAX_SAFE_INTEGER;

/** PHP's `is_numeric` for a string: optional whitespace, a sign, a decimal or exponent number. */
const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
/** A numeric string that PHP's `$value + 0` makes an integer (no fraction, no exponent). */
const INTEGER = /^[ \t\n\r\v\f]*[+-]?\d+[ \t\n\r\v\f]*$/;

/**
 * Appwrite's Limit and Offset validators: a number (else "Value must be a valid number"), then an
 * integer in range (else the Range validator's text, its bounds printed with thousands separators).
 */
function pageValue(method: "limit" | "offset", value: unknown): number {
  const numeric = typeof value === "number" ? Number.isFinite(value) : typeof value === "string" && NUMERIC.test(value);
  if (!numeric) throw fail(`Invalid query: Invalid ${method}: Value must be a valid number`);
  const n = Number(value);
  const min = method === "limit" ? 1 : 0;
  const integer = typeof value === "number" ? Number.isInteger(n) : INTEGER.test(value as string);
  if (!integer || n < min || n > MAX_PAGE_VALUE) {
    throw fail(`Invalid query: Invalid ${method}: Value must be a valid range between ${thousands(min)} and ${thousands(MAX_PAGE_VALUE)}`);
  }
  return n === 0 ? 0 : n; // -0 is 0
}

/** PHP's number_format for an integer: `9007199254740991` → `9,007,199,254,740,991`. */
const thousands = (n: number) => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** limit and offset from parsed queries, with the route's default page size. */
export function page(parsed: Query[], defaultLimit: number): { limit: number; offset: number } {
  let limit = defaultLimit;
  let offset = 0;
  for (const q of parsed) {
    if (q.method === "limit") limit = q.values[0] as number;
    if (q.method === "offset") offset = q.values[0] as number;
  }
  return { limit, offset };
}

/** Evaluates the filter queries against one record's attribute values (for small per-user lists). */
export function matches(record: Record<string, unknown>, parsed: Query[]): boolean {
  return parsed.every((q) => matchOne(record, q));
}

function matchOne(record: Record<string, unknown>, q: Query): boolean {
  if (q.method === "and") return (q.values as Query[]).every((n) => matchOne(record, n));
  if (q.method === "or") return (q.values as Query[]).some((n) => matchOne(record, n));
  if (!FILTERS.has(q.method)) return true;
  const value = record[q.attribute ?? ""];
  const [first, second] = q.values;
  const cmp = (a: unknown, b: unknown) => (String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
  switch (q.method) {
    case "equal":
      return q.values.some((v) => v === value);
    case "notEqual":
      return q.values.every((v) => v !== value);
    case "lessThan":
      return cmp(value, first) < 0;
    case "lessThanEqual":
      return cmp(value, first) <= 0;
    case "greaterThan":
      return cmp(value, first) > 0;
    case "greaterThanEqual":
      return cmp(value, first) >= 0;
    case "contains":
    case "search":
      return q.values.some((v) =>
        String(value ?? "")
          .toLowerCase()
          .includes(String(v).toLowerCase()),
      );
    case "isNull":
      return value === null || value === undefined || value === "";
    case "isNotNull":
      return !(value === null || value === undefined || value === "");
    case "between":
      return cmp(value, first) >= 0 && cmp(value, second) <= 0;
    case "startsWith":
      return String(value ?? "").startsWith(String(first));
    case "endsWith":
      return String(value ?? "").endsWith(String(first));
    default:
      return true;
  }
}
