import type { Condition, Filter, ListQuery, Selection } from "../../ports/store";
import { byCreation } from "./engine";

/*
 * The port's list queries (src/ports/store.ts) over rows in memory: a linear scan, which is what
 * the memory store is for (tests, demos, small deployments). Ordering follows the SQL stores:
 * nulls first ascending, last descending; creation order breaks ties.
 */

type Value = string | number | boolean | null | string[];

/** How a field of a row reads for comparison: Dates as milliseconds. */
export type Reader<F extends string, R> = (row: R, field: F) => Value;

function scalar(value: string | boolean | Date): string | number | boolean {
  return value instanceof Date ? value.getTime() : value;
}

function compare(a: Value, b: Value): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function test<F extends string, R>(row: R, c: Condition<F>, read: Reader<F, R>): boolean {
  const value = read(row, c.field);
  const values = c.values.map(scalar);
  // An array is never null (an empty one is empty, not null), and only `contains` looks inside it.
  if (Array.isArray(value)) return c.op === "contains" ? values.some((v) => value.includes(String(v))) : c.op === "isNotNull";
  switch (c.op) {
    case "isNull":
      return value === null;
    case "isNotNull":
      return value !== null;
    case "equal":
      return values.some((v) => v === value);
    case "notEqual":
      return value !== null && values.every((v) => v !== value);
    // Text matching is case-insensitive, as the SQL stores' lower(column) LIKE lower(pattern).
    case "contains":
      return typeof value === "string" && values.some((v) => value.toLowerCase().includes(String(v).toLowerCase()));
    case "startsWith":
      return typeof value === "string" && value.toLowerCase().startsWith(String(values[0]).toLowerCase());
    case "endsWith":
      return typeof value === "string" && value.toLowerCase().endsWith(String(values[0]).toLowerCase());
  }
  if (value === null) return false;
  const v0 = values[0]!;
  switch (c.op) {
    case "lessThan":
      return value < v0;
    case "lessThanEqual":
      return value <= v0;
    case "greaterThan":
      return value > v0;
    case "greaterThanEqual":
      return value >= v0;
    case "between":
      return value >= v0 && value <= values[1]!;
  }
}

function passes<F extends string, R>(row: R, filter: Filter<F>, read: Reader<F, R>): boolean {
  if ("or" in filter) return filter.or.some((f) => passes(row, f, read));
  if ("and" in filter) return filter.and.every((f) => passes(row, f, read));
  return test(row, filter, read);
}

/** Whether `row` is selected: every filter holds and, when words are given, one of them occurs. */
export function selects<F extends string, R>(row: R, selection: Selection<F>, read: Reader<F, R>, searchText: (row: R) => string): boolean {
  if (!selection.filters.every((f) => passes(row, f, read))) return false;
  if (selection.search.length === 0) return true;
  const text = searchText(row).toLowerCase();
  return selection.search.some((word) => text.includes(word.toLowerCase()));
}

/** The page the query asks for. */
export function runList<F extends string, R extends { id: string; createdAt: Date }>(
  rows: R[],
  query: ListQuery<F, R>,
  read: Reader<F, R>,
  searchText: (row: R) => string,
): R[] {
  const order = (a: R, b: R): number => {
    for (const { field, desc } of query.order) {
      const c = compare(read(a, field), read(b, field));
      if (c !== 0) return desc ? -c : c;
    }
    return byCreation(a, b);
  };
  let selected = rows.filter((row) => selects(row, query, read, searchText)).sort(order);
  const cursor = query.cursor;
  if (cursor) {
    if (cursor.before) {
      selected = selected.filter((row) => order(row, cursor.record) < 0 && row.id !== cursor.record.id);
      const end = Math.max(0, selected.length - query.offset);
      return selected.slice(Math.max(0, end - query.limit), end);
    }
    selected = selected.filter((row) => order(row, cursor.record) > 0 && row.id !== cursor.record.id);
  }
  return selected.slice(query.offset, query.offset + query.limit);
}
