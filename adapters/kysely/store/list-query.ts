import { sql, type Expression, type Kysely, type SqlBool } from "kysely";
import type { Condition, Filter, ListQuery, Selection } from "gatehouse-auth";
import type { Codec } from "./codec";
import type { Capabilities, StoreContext } from "./context";

/*
 * The port's list queries (src/ports/store.ts) as SQL, for any table: a field map says which
 * column holds a field and how it is typed. Text matching is case-insensitive
 * (lower(column) LIKE lower(pattern)), equality exact; nulls sort first ascending and last
 * descending; creation order breaks ties. The memory store does the same
 * (src/stores/memory/list-query.ts); the contract suite (test/store/contract.ts) holds both to it.
 */

export type ColumnKind = "text" | "millis" | "flag" | "json-array";

export interface ListTable<F extends string, R> {
  columns: Record<F, readonly [column: string, kind: ColumnKind]>;
  /** Text columns a free-text search looks in (JSON arrays as their text). */
  searchable: readonly F[];
  /** Reads a field of a record for the cursor, encoded as its column holds it. */
  cursorValue(record: R, field: F): string | number | null;
}

type Bool = Expression<SqlBool>;
const TRUE = sql<SqlBool>`1 = 1`;
const FALSE = sql<SqlBool>`1 = 0`;

function encode(kind: ColumnKind, value: string | boolean | Date): string | number {
  if (value instanceof Date) return value.getTime();
  if (typeof value === "boolean") return value ? 1 : 0;
  return kind === "millis" || kind === "flag" ? Number.NaN : value;
}

/** `!` escapes LIKE's wildcards; it is the one escape character every dialect reads the same way. */
const likeEscape = (value: string) => value.replace(/[!%_]/g, (c) => `!${c}`);

function join(parts: Bool[], word: "and" | "or"): Bool {
  if (parts.length === 0) return word === "and" ? TRUE : FALSE;
  return sql<SqlBool>`(${sql.join(parts, sql` ${sql.raw(word)} `)})`;
}

function like(target: Expression<unknown>, pattern: string): Bool {
  return sql<SqlBool>`lower(${target}) like lower(${pattern}) escape '!'`;
}

function condition<F extends string, R>(table: ListTable<F, R>, caps: Capabilities, c: Condition<F>): Bool {
  const [column, kind] = table.columns[c.field];
  const ref = sql.ref(column);
  if (kind === "json-array") {
    // An array is never null (as in src/stores/memory/list-query.ts); only `contains` looks inside.
    if (c.op === "isNotNull") return TRUE;
    if (c.op !== "contains") return FALSE;
    return join(
      c.values.map((v) => caps.jsonArrayHas(column, String(v)) as Bool),
      "or",
    );
  }
  const values = c.values.map((v) => encode(kind, v));
  // A value of the wrong type for the column (the core checks types) matches nothing.
  if (values.some((v) => typeof v === "number" && Number.isNaN(v))) return FALSE;
  const [v0, v1] = values;
  switch (c.op) {
    case "isNull":
      return sql<SqlBool>`${ref} is null`;
    case "isNotNull":
      return sql<SqlBool>`${ref} is not null`;
    case "equal":
      return sql<SqlBool>`${ref} in (${sql.join(values)})`;
    case "notEqual":
      return sql<SqlBool>`${ref} not in (${sql.join(values)})`;
    case "lessThan":
      return sql<SqlBool>`${ref} < ${v0}`;
    case "lessThanEqual":
      return sql<SqlBool>`${ref} <= ${v0}`;
    case "greaterThan":
      return sql<SqlBool>`${ref} > ${v0}`;
    case "greaterThanEqual":
      return sql<SqlBool>`${ref} >= ${v0}`;
    case "between":
      return sql<SqlBool>`${ref} between ${v0} and ${v1}`;
    case "contains":
      return kind === "text"
        ? join(
            values.map((v) => like(ref, `%${likeEscape(String(v))}%`)),
            "or",
          )
        : FALSE;
    case "startsWith":
      return kind === "text" ? like(ref, `${likeEscape(String(v0))}%`) : FALSE;
    case "endsWith":
      return kind === "text" ? like(ref, `%${likeEscape(String(v0))}`) : FALSE;
  }
}

function filter<F extends string, R>(table: ListTable<F, R>, caps: Capabilities, f: Filter<F>): Bool {
  if ("or" in f)
    return join(
      f.or.map((n) => filter(table, caps, n)),
      "or",
    );
  if ("and" in f)
    return join(
      f.and.map((n) => filter(table, caps, n)),
      "and",
    );
  return condition(table, caps, f);
}

/** The WHERE condition of a selection: every filter, and any search word in any searchable column. */
export function where<F extends string, R>(table: ListTable<F, R>, caps: Capabilities, selection: Selection<F>): Bool {
  const parts = selection.filters.map((f) => filter(table, caps, f));
  if (selection.search.length > 0) {
    const targets = table.searchable.map((field) => {
      const [column, kind] = table.columns[field];
      return kind === "json-array" ? caps.jsonText(column) : sql.ref(column);
    });
    const words = selection.search.map((word) =>
      join(
        targets.map((t) => like(t, `%${likeEscape(word)}%`)),
        "or",
      ),
    );
    parts.push(join(words, "or"));
  }
  return join(parts, "and");
}

interface Key {
  expr: Expression<unknown>;
  desc: boolean;
  value: string | number | null;
  nullable: boolean;
}

/** The sort keys: the requested fields, then creation time and id. */
function keys<F extends string, R>(table: ListTable<F, R>, caps: Capabilities, query: ListQuery<F, R>, record: R | null): Key[] {
  const key = (field: F, desc: boolean): Key => {
    const [column, kind] = table.columns[field];
    return {
      expr: kind === "text" ? caps.bytewise(column) : sql.ref(column),
      desc,
      value: record ? table.cursorValue(record, field) : null,
      nullable: true,
    };
  };
  return [
    ...query.order.map((o) => key(o.field, o.desc)),
    { ...key("createdAt" as F, false), nullable: false },
    { ...key("id" as F, false), nullable: false },
  ];
}

/** ORDER BY clauses, nulls first ascending and last descending on every dialect. */
export function orderBy(ks: Key[], reverse: boolean) {
  return sql.join(
    ks.flatMap((k) => {
      const desc = k.desc !== reverse;
      const dir = sql.raw(desc ? "desc" : "asc");
      // (x is null) is 1 for nulls: ascending puts them last, so nulls-first ascending needs desc.
      const nulls = k.nullable ? [sql`(case when ${k.expr} is null then 1 else 0 end) ${sql.raw(desc ? "asc" : "desc")}`] : [];
      return [...nulls, sql`${k.expr} ${dir}`];
    }),
  );
}

/**
 * Rows strictly after the cursor's values in the key order (or before, reversed): the
 * lexicographic keyset condition. The cursor's own values are never null (the core refuses
 * that cursor), so only the rows' nulls need care: they come first ascending.
 */
function after(ks: Key[], reverse: boolean): Bool {
  const alternatives: Bool[] = [];
  for (let i = 0; i < ks.length; i++) {
    const equalBefore = ks.slice(0, i).map((k) => sql<SqlBool>`${k.expr} = ${k.value}`);
    const k = ks[i]!;
    const desc = k.desc !== reverse;
    // Nulls are "smaller" than every value: after a value descending, before it ascending.
    const beyond = desc
      ? k.nullable
        ? sql<SqlBool>`(${k.expr} < ${k.value} or ${k.expr} is null)`
        : sql<SqlBool>`${k.expr} < ${k.value}`
      : sql<SqlBool>`${k.expr} > ${k.value}`;
    alternatives.push(join([...equalBefore, beyond], "and"));
  }
  return join(alternatives, "or");
}

/** The parts of a page query: the WHERE condition, ORDER BY, and whether to reverse the rows read. */
function pageQuery<F extends string, R>(table: ListTable<F, R>, caps: Capabilities, query: ListQuery<F, R>) {
  const reverse = query.cursor?.before ?? false;
  const ks = keys(table, caps, query, query.cursor?.record ?? null);
  const conditions = [where(table, caps, query)];
  if (query.cursor) conditions.push(after(ks, reverse));
  return { where: join(conditions, "and"), orderBy: orderBy(ks, reverse), reverse };
}

/** One page of `table`'s records for `query`, in the query's order (the users and identities lists). */
export async function findPage<F extends string, R>(
  ctx: StoreContext,
  name: "users" | "identities",
  table: ListTable<F, R>,
  codec: Codec<R, any>,
  query: ListQuery<F, R>,
): Promise<R[]> {
  const page = pageQuery(table, ctx.caps, query);
  const rows = await (ctx.db as unknown as Kysely<any>)
    .selectFrom(name)
    .selectAll()
    .where(page.where)
    .orderBy(page.orderBy)
    .limit(query.limit)
    .offset(query.offset)
    .execute();
  const found = rows.map((row) => codec.fromRow(row));
  return page.reverse ? found.reverse() : found;
}

/** How many of `table`'s rows match, counting no further than `cap`. */
export async function countUpTo<F extends string, R>(
  ctx: StoreContext,
  name: "users" | "identities",
  table: ListTable<F, R>,
  selection: Selection<F>,
  cap: number,
): Promise<number> {
  // At most `cap` ids are read, however many rows match (a subquery would meet the table prefix twice).
  const rows = await (ctx.db as unknown as Kysely<any>)
    .selectFrom(name)
    .select("id")
    .where(where(table, ctx.caps, selection))
    .limit(cap)
    .execute();
  return rows.length;
}
