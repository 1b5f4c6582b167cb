import { AppwriteError } from "../errors";
import { invalidParam } from "../errors";
import type { Condition, Filter, ListQuery, Selection } from "../ports/store";
import {
  FILTER_METHODS,
  LOGICAL_METHODS,
  ORDER_METHODS,
  PAGING_METHODS,
  matches,
  page,
  parseQueries,
  type Query,
} from "../validation/queries";

/*
 * Appwrite's `queries[]` and `search` for the Users API lists, turned into the store's list query
 * (src/ports/store.ts): each route names its attributes, the record field each one reads and its
 * type, and the store does the filtering, so a list never loads a table into memory.
 */

/** Appwrite's page size when a list names no limit. */
export const DEFAULT_LIMIT = 25;
/** Appwrite counts matches up to this many (`total` says 5000 when more match). */
const TOTAL_CAP = 5000;
/**
 * The largest page a Users API list returns. Appwrite sets none; Gatehouse bounds what one
 * request may load (each user comes with its targets), and a client pages with cursors.
 */
export const MAX_PAGE = 5000;

export type AttributeKind = "text" | "datetime" | "boolean" | "array";

/** One list route's attributes: query name → record field and type. */
export type Attributes<F extends string> = Record<string, readonly [field: F, kind: AttributeKind]>;

const fail = (reason: string) => invalidParam("queries", `Invalid query: ${reason}`);
const ORDER_AND_PAGING: ReadonlySet<string> = new Set([...ORDER_METHODS, ...PAGING_METHODS]);
/** Every list takes filters, `and`/`or`, order and paging (no `select`). */
const LIST_METHODS: ReadonlySet<string> = new Set([...FILTER_METHODS, ...LOGICAL_METHODS, ...ORDER_METHODS, ...PAGING_METHODS]);

export function queryRules(attributes: Attributes<string>) {
  return { methods: LIST_METHODS, attributes: new Set(Object.keys(attributes)) };
}

function value(kind: AttributeKind, attribute: string, raw: unknown): string | boolean | Date {
  if (kind === "boolean" && typeof raw === "boolean") return raw;
  if ((kind === "text" || kind === "array") && typeof raw === "string") return raw;
  if (kind === "datetime" && typeof raw === "string") {
    const at = new Date(raw);
    if (!Number.isNaN(at.getTime())) return at;
  }
  throw fail(`Query value is invalid for attribute "${attribute}"`);
}

function toFilter<F extends string>(q: Query, attributes: Attributes<F>): Filter<F> {
  if (q.method === "and") return { and: (q.values as Query[]).map((n) => toFilter(n, attributes)) };
  if (q.method === "or") return { or: (q.values as Query[]).map((n) => toFilter(n, attributes)) };
  const attribute = q.attribute!;
  const [field, kind] = attributes[attribute]!;
  if (q.method === "search")
    throw new AppwriteError("general_query_invalid", `Searching by attribute "${attribute}" requires a fulltext index.`);
  if (kind === "array" && !["contains", "isNull", "isNotNull"].includes(q.method)) {
    throw fail(`Cannot query ${q.method} on attribute "${attribute}" because it is an array.`);
  }
  if (q.method === "contains" && kind !== "array" && kind !== "text") {
    throw fail(`Cannot query contains on attribute "${attribute}" because it is not an array or string.`);
  }
  const values = q.method === "isNull" || q.method === "isNotNull" ? [] : q.values.map((v) => value(kind, attribute, v));
  return { field, op: q.method as Condition<F>["op"], values };
}

/**
 * The search term as the words to look for: Appwrite's full-text rewrite drops `@ + - * ( ) < > ~ "`
 * and splits at whitespace; a user matches when any word occurs (src/ports/store.ts).
 */
export function searchWords(term: string | undefined): string[] {
  if (!term) return [];
  return term
    .replace(/[@+\-*()<>~"]/g, " ")
    .split(/\s+/)
    .filter((word) => word !== "")
    .slice(0, 32);
}

export interface ListRequest<F extends string, R> {
  queries: unknown;
  search?: string;
  attributes: Attributes<F>;
  /** Reads the cursor's record, or null when it does not exist. */
  cursorRecord(id: string): Promise<R | null>;
  /** The `general_cursor_not_found` message for a missing cursor. */
  cursorMissing(id: string): string;
}

/** Parses and checks a list request into the store's query. */
export async function listQuery<F extends string, R extends object>(request: ListRequest<F, R>): Promise<ListQuery<F, R>> {
  const parsed = parseQueries(request.queries, queryRules(request.attributes));
  const filters = parsed.filter((q) => !ORDER_AND_PAGING.has(q.method)).map((q) => toFilter(q, request.attributes));
  const order = parsed
    .filter((q) => q.method === "orderAsc" || q.method === "orderDesc")
    .map((q) => {
      const [field, kind] = q.attribute ? request.attributes[q.attribute]! : (["createdAt", "datetime"] as [F, AttributeKind]);
      if (kind === "array") throw fail(`Cannot order by attribute "${q.attribute}" because it is an array.`);
      return { field, desc: q.method === "orderDesc", attribute: q.attribute ?? "$sequence" };
    });
  const { limit, offset } = page(parsed, DEFAULT_LIMIT);
  if (limit > MAX_PAGE) throw fail(`Invalid limit: Value must be a valid range between 1 and ${MAX_PAGE.toLocaleString("en")}`);
  const query: ListQuery<F, R> = {
    filters,
    search: searchWords(request.search),
    order: order.map(({ field, desc }) => ({ field, desc })),
    limit,
    offset,
  };
  const cursor = parsed.find((q) => q.method === "cursorAfter" || q.method === "cursorBefore");
  if (cursor) {
    const id = String(cursor.values[0]);
    const record = await request.cursorRecord(id);
    if (!record) throw new AppwriteError("general_cursor_not_found", request.cursorMissing(id));
    for (const o of order) {
      const at = (record as Record<string, unknown>)[o.field];
      if (at === null || at === undefined) {
        throw new AppwriteError(
          "database_query_order_null",
          `The order attribute '${o.attribute}' had a null value. Cursor pagination requires all documents order attribute values are non-null.`,
        );
      }
    }
    query.cursor = { record, before: cursor.method === "cursorBefore" };
  }
  return query;
}

/** What a store list reads through (`store.users`, `store.identities`). */
export interface Listable<F extends string, R> {
  find(query: ListQuery<F, R>): Promise<R[]>;
  countMatching(selection: Selection<F>, cap: number): Promise<number>;
}

/**
 * A store list's page, with how many match in all when the client asks for it (`total`, counted
 * up to TOTAL_CAP as Appwrite does), else 0.
 */
export async function listPage<F extends string, R>(
  repo: Listable<F, R>,
  query: ListQuery<F, R>,
  total: boolean,
): Promise<{ total: number; rows: R[] }> {
  const [rows, count] = await Promise.all([repo.find(query), total ? repo.countMatching(query, TOTAL_CAP) : 0]);
  return { total: count, rows };
}

/**
 * The same queries over a short list already in memory (a user's identities or targets), on the
 * wire models: filters, then order (creation order by default), then cursor, offset and limit;
 * `total` as a store list counts it (0 when the client asks for no count).
 */
export function pageInMemory<M extends { $id: string }>(
  models: M[],
  { queries, total: counts }: { queries?: unknown; total: boolean },
  attributes: ReadonlySet<string>,
  cursorMissing: (id: string) => string,
): { total: number; rows: M[] } {
  const parsed = parseQueries(queries, { methods: LIST_METHODS, attributes });
  const filters = parsed.filter((q) => !ORDER_AND_PAGING.has(q.method));
  let rows = models.filter((m) => matches(m, filters));
  const total = counts ? rows.length : 0;
  for (const order of parsed.filter((q) => q.method === "orderAsc" || q.method === "orderDesc").reverse()) {
    const key = order.attribute ?? "$createdAt";
    const dir = order.method === "orderAsc" ? 1 : -1;
    rows = [...rows].sort(
      (a, b) => dir * String((a as Record<string, unknown>)[key]).localeCompare(String((b as Record<string, unknown>)[key])),
    );
  }
  const { limit, offset } = page(parsed, DEFAULT_LIMIT);
  const cursor = parsed.find((q) => q.method === "cursorAfter" || q.method === "cursorBefore");
  if (cursor) {
    const id = String(cursor.values[0]);
    const at = rows.findIndex((r) => r.$id === id);
    if (at < 0) throw new AppwriteError("general_cursor_not_found", cursorMissing(id));
    if (cursor.method === "cursorBefore") {
      // Paging backwards: the page ends right before the cursor (less the offset).
      const end = Math.max(0, at - offset);
      return { total, rows: rows.slice(Math.max(0, end - limit), end) };
    }
    rows = rows.slice(at + 1);
  }
  return { total, rows: rows.slice(offset, offset + limit) };
}
