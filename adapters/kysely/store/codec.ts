import type { Insertable, Updateable } from "kysely";

/*
 * Declarative row <-> record <-> patch mapping: each table is described once, as a map from record
 * field to column with the column's encoding (the records of src/ports/store.ts use Dates, booleans and arrays;
 * the schema in adapters/kysely/schema.ts uses BIGINT milliseconds, 0/1 flags and JSON text).
 *
 * Decoding is on the hot path (every authenticated request decodes a session, a user and the
 * user's targets), so each codec compiles its decoders once, per column set (its own columns, or
 * the precomputed aliases of a join): an object literal, no object spreads (V8 made a spread-built
 * session some 50× slower here, ≈50 µs against ≈1 µs) and no per-row string building.
 */

/** How one column holds a record field's value. */
export interface ColumnType<V> {
  encode(value: V): unknown;
  decode(raw: unknown): V;
}

export const text: ColumnType<string> = { encode: (v) => v, decode: (raw) => raw as string };
export const nullableText: ColumnType<string | null> = { encode: (v) => v, decode: (raw) => (raw ?? null) as string | null };
/** A nullable text column read as "" when null (a column added to rows that existed before it). */
export const textOrEmpty: ColumnType<string> = { encode: (v) => v, decode: (raw) => (raw ?? "") as string };
/** A text column holding one of a closed set of values. */
export const textOf = <T extends string>(): ColumnType<T> => text as ColumnType<T>;

/** Drivers return BIGINT as number, string or bigint depending on dialect and size. */
export const integer: ColumnType<number> = { encode: (v) => v, decode: (raw) => Number(raw) };
export const nullableInteger: ColumnType<number | null> = {
  encode: (v) => v,
  decode: (raw) => (raw === null || raw === undefined ? null : Number(raw)),
};
/** An integer column holding one of a closed set of values. */
export const integerOf = <T extends number>(): ColumnType<T> => integer as ColumnType<T>;

/** Times are milliseconds since the epoch on every dialect. */
export const millis: ColumnType<Date> = { encode: (d) => d.getTime(), decode: (raw) => new Date(Number(raw)) };
export const nullableMillis: ColumnType<Date | null> = {
  encode: (d) => (d ? d.getTime() : null),
  decode: (raw) => (raw === null || raw === undefined ? null : new Date(Number(raw))),
};

/** Flags are 0/1 integers: SQLite has no boolean, and better-sqlite3 cannot bind one. */
export const flag: ColumnType<boolean> = { encode: (b) => (b ? 1 : 0), decode: (raw) => Boolean(Number(raw)) };

/** JSON columns come back parsed from PostgreSQL and MySQL and as text from SQLite. */
export function json<T>(fallback: () => T): ColumnType<T> {
  return {
    encode: (v) => JSON.stringify(v),
    decode(raw) {
      if (raw === null || raw === undefined) return fallback();
      if (typeof raw !== "string") return raw as T;
      try {
        return JSON.parse(raw) as T;
      } catch {
        return fallback();
      }
    },
  };
}

type Column<Row> = keyof Row & string;

/** A record field's column and encoding. */
export type Field<V, Row> = readonly [column: Column<Row>, type: ColumnType<V>];

/** A column computed from a field and written with it (the lowercased e-mail key). */
export interface Derived<V, Row> {
  column: Column<Row>;
  encode(value: V): unknown;
}

export interface CodecSpec<R, Row> {
  fields: { [K in keyof R]-?: Field<R[K], Row> };
  derived?: { [K in keyof R]?: Derived<R[K], Row> };
  /** Fields a patch never sets (ids, owners, keys), even if a caller smuggles them in at runtime. */
  frozen?: readonly (keyof R & string)[];
}

/** Decodes a record (or the chosen fields of one) from a row whose columns carry an alias prefix (one table of a join). */
export interface AliasedReader<R> {
  /** `table.column as alias` for every column, in the order of the codec's fields. */
  readonly selections: readonly string[];
  read(row: Record<string, unknown>): R;
  /**
   * The same record from a row fetched as an array (better-sqlite3's `raw` mode, which builds no
   * object per row), whose columns `offset`… are this reader's `selections` in order.
   */
  readAt(offset: number): (row: readonly unknown[]) => R;
}

export interface Codec<R, Row> {
  /** The whole row for an INSERT. */
  toRow(record: R): Insertable<Row>;
  /** The columns of the fields a patch defines (an explicit null is kept: it clears the column). */
  toPatch(patch: Partial<R>): Updateable<Row>;
  fromRow(row: unknown): R;
  /** `only`: some fields, in that order (a join selects no column it does not read); default all. */
  aliased<K extends keyof R & string = keyof R & string>(table: string, prefix: string, only?: readonly K[]): AliasedReader<Pick<R, K>>;
}

export function codec<R, Row>(spec: CodecSpec<R, Row>): Codec<R, Row> {
  const keys = Object.keys(spec.fields) as (keyof R & string)[];
  const columns = keys.map((k) => (spec.fields[k] as Field<unknown, Row>)[0] as string);
  const decoders = keys.map((k) => (spec.fields[k] as Field<unknown, Row>)[1].decode);
  const encoders = keys.map((k) => (spec.fields[k] as Field<unknown, Row>)[1].encode);
  const derived = keys.map((k) => (spec.derived?.[k] as Derived<unknown, Row> | undefined) ?? null);
  const frozen = new Set<string>(spec.frozen ?? []);
  const n = keys.length;

  const decode = (names: readonly (string | number)[]) => compileDecoder<R>(keys, names, decoders);
  const fromRow = decode(columns);

  return {
    toRow(record) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const value = record[keys[i]!];
        row[columns[i]!] = encoders[i]!(value);
        const extra = derived[i];
        if (extra) row[extra.column] = extra.encode(value);
      }
      return row as Insertable<Row>;
    },
    toPatch(patch) {
      const row: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) {
        const key = keys[i]!;
        const value = (patch as Record<string, unknown>)[key];
        if (value === undefined || frozen.has(key)) continue;
        row[columns[i]!] = encoders[i]!(value);
        const extra = derived[i];
        if (extra) row[extra.column] = extra.encode(value);
      }
      return row as Updateable<Row>;
    },
    fromRow: fromRow as (row: unknown) => R,
    aliased<K extends keyof R & string>(table: string, prefix: string, only?: readonly K[]) {
      const picked = only ? only.map((key) => keys.indexOf(key)) : keys.map((_, i) => i);
      const aliases = picked.map((i) => `${prefix}${columns[i]}`);
      const pickedKeys = picked.map((i) => keys[i]!);
      const pickedDecoders = picked.map((i) => decoders[i]!);
      return {
        selections: picked.map((i, j) => `${table}.${columns[i]} as ${aliases[j]}`),
        read: compileDecoder<R>(pickedKeys, aliases, pickedDecoders) as (row: Record<string, unknown>) => Pick<R, K>,
        readAt: (offset: number) =>
          compileDecoder<R>(
            pickedKeys,
            picked.map((_, j) => offset + j),
            pickedDecoders,
          ) as unknown as (row: readonly unknown[]) => Pick<R, K>,
      };
    },
  };
}

/**
 * Builds `(row) => ({ key0: decoders[0](row["column0"]), … })` as one function: an object literal
 * with fixed keys and one property access per column, which V8 compiles like the hand-written
 * mappings it replaces. A loop over the field list (`out[keys[i]] = …`) measured twice as slow on
 * the findAuth path, since every access there is megamorphic. The generated source holds only the
 * codec's own field and column names (string literals via JSON.stringify) or column positions
 * (array rows), never data.
 */
function compileDecoder<R>(
  keys: readonly string[],
  names: readonly (string | number)[],
  decoders: readonly ((raw: unknown) => unknown)[],
): (row: Record<string, unknown>) => R {
  const body = keys.map((key, i) => `${JSON.stringify(key)}: d[${i}](row[${JSON.stringify(names[i])}])`).join(",\n");
  return new Function("d", `return function decode(row) {\n  return {\n${body}\n  };\n};`)(decoders) as (row: Record<string, unknown>) => R;
}
