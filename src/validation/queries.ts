import { z } from "zod";
import { invalidParam } from "../errors";

/**
 * Appwrite's `queries[]` (spec §6): an array of JSON strings `{method, attribute?, values?}`.
 * This module parses and checks them against what a route allows; routes then apply them.
 */
export interface Query {
  method: string;
  attribute?: string;
  values: unknown[];
}

const FILTERS = new Set([
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
]);
const KNOWN = new Set([...FILTERS, "select", "orderAsc", "orderDesc", "limit", "offset", "cursorAfter", "cursorBefore", "and", "or"]);

/** The `queries` parameter: any value, checked by `parseQueries` so its messages are Appwrite's. */
export const queries = z.unknown().optional();

export interface QueryRules {
  methods: ReadonlySet<string>;
  /** Attributes filters and orders may name; absent = no attribute allowed. */
  attributes?: ReadonlySet<string>;
}

const fail = (reason: string) => invalidParam("queries", reason);

export function parseQueries(value: unknown, rules: QueryRules): Query[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw fail("Queries must be an array");
  return value.map((item) => parseOne(item, rules));
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
    const n = Number(list[0]);
    const min = method === "limit" ? 1 : 0;
    if (list.length !== 1 || !Number.isInteger(n) || n < min) {
      throw fail(`Invalid query: Invalid ${method}: Value must be a valid range between ${min} and ${Number.MAX_SAFE_INTEGER}`);
    }
    query.values = [n];
  } else if (method === "cursorAfter" || method === "cursorBefore") {
    if (list.length !== 1 || typeof list[0] !== "string") throw fail("Invalid query: Invalid cursor");
  } else if (FILTERS.has(method) || method === "orderAsc" || method === "orderDesc") {
    if (method !== "orderAsc" && method !== "orderDesc" || attribute !== undefined) {
      if (typeof attribute !== "string" || !rules.attributes?.has(attribute)) throw fail(`Invalid query: Attribute not found in schema: ${String(attribute ?? "")}`);
    }
    if ((method === "equal" || method === "notEqual" || method === "contains") && list.length < 1) throw fail(`Invalid query: ${method} queries require at least one value.`);
    if (method === "between" && list.length !== 2) throw fail("Invalid query: between queries require exactly two values.");
    if (["lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "search", "startsWith", "endsWith"].includes(method) && list.length !== 1) {
      throw fail(`Invalid query: ${method} queries require exactly one value.`);
    }
  } else if (method === "and" || method === "or") {
    query.values = list.map((nested) => parseOne(nested, rules));
  }
  return query;
}

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
      return q.values.some((v) => String(value ?? "").toLowerCase().includes(String(v).toLowerCase()));
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

