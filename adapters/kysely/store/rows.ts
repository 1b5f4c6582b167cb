import type { Kysely, SelectQueryBuilder } from "kysely";
import type { GatehouseDatabase } from "../schema";
import type { Codec } from "./codec";
import type { StoreContext } from "./context";

/*
 * Steps that several repositories share, by table name. Kysely cannot type a query
 * over a table chosen at run time, so these few run on an untyped handle; the codec types what
 * goes in and comes out.
 */

type Table = keyof GatehouseDatabase;
type TableWithId = Exclude<Table, "recovery_codes">;
/** Tables whose rows belong to a user and are listed oldest first. */
type OwnedTable = "targets" | "sessions" | "tokens" | "identities";

/** Columns of `T` and the values they must equal (checked against the schema's column names). */
type Equal<T extends Table> = { readonly [C in keyof GatehouseDatabase[T] & string]?: string | number };

const untyped = (ctx: StoreContext) => ctx.db as unknown as Kysely<any>;

/** SELECT … FROM `table` WHERE each column of `where` equals its value (every row when empty). */
function selectWhere<T extends Table>(ctx: StoreContext, table: T, where: Equal<T>): SelectQueryBuilder<any, any, object> {
  let query: SelectQueryBuilder<any, any, object> = untyped(ctx).selectFrom(table as Table);
  for (const [column, value] of Object.entries(where)) query = query.where(column, "=", value);
  return query;
}

/** Whether a DELETE or UPDATE touched a row: who won a race for a single-use row. */
export function affected(result: { numDeletedRows: bigint } | { numUpdatedRows: bigint }): boolean {
  return Number("numDeletedRows" in result ? result.numDeletedRows : result.numUpdatedRows) > 0;
}

export async function insertRow<R>(ctx: StoreContext, table: keyof GatehouseDatabase, codec: Codec<R, any>, record: R): Promise<void> {
  await untyped(ctx).insertInto(table).values(codec.toRow(record)).execute();
}

/** The one row whose columns equal `where` (a unique key: id, e-mail, provider uid…), or null. */
export async function getWhere<T extends Table, R>(ctx: StoreContext, table: T, codec: Codec<R, any>, where: Equal<T>): Promise<R | null> {
  const row = await selectWhere(ctx, table, where).selectAll().executeTakeFirst();
  return row ? codec.fromRow(row) : null;
}

export function getById<R>(ctx: StoreContext, table: TableWithId, codec: Codec<R, any>, id: string): Promise<R | null> {
  return getWhere(ctx, table, codec, { id });
}

/** `create` and `get` of a table of records with ids (the memory store's `byId`, src/stores/memory/repositories.ts). */
export function byId<R>(ctx: StoreContext, table: TableWithId, codec: Codec<R, any>) {
  return {
    create: (record: R) => insertRow(ctx, table, codec, record),
    get: (id: string) => getById(ctx, table, codec, id),
  };
}

/**
 * A user's rows, oldest first and by id within a millisecond (the order the port's lists promise),
 * narrowed further by `where` (e.g. tokens not yet expired).
 */
export async function listByUser<T extends OwnedTable, R>(
  ctx: StoreContext,
  table: T,
  codec: Codec<R, any>,
  userId: string,
  narrow: (query: SelectQueryBuilder<any, any, object>) => SelectQueryBuilder<any, any, object> = (query) => query,
): Promise<R[]> {
  const query = narrow(selectWhere(ctx, table, { user_id: userId } as Equal<T>));
  const rows = await query.selectAll().orderBy("created_at").orderBy("id").execute();
  return rows.map((row) => codec.fromRow(row));
}

/** Applies the patch's defined fields and returns the updated record, or null when there is no such row. */
export async function updateById<R>(
  ctx: StoreContext,
  table: TableWithId,
  codec: Codec<R, any>,
  id: string,
  patch: NoInfer<Partial<R>>,
): Promise<R | null> {
  const values = codec.toPatch(patch);
  if (Object.keys(values).length === 0) return getById(ctx, table, codec, id);
  const query = untyped(ctx).updateTable(table).set(values).where("id", "=", id);
  if (ctx.caps.returning) {
    const row = await query.returningAll().executeTakeFirst();
    return row ? codec.fromRow(row) : null;
  }
  // Read back rather than trust the affected-row count: MySQL counts only rows that changed.
  await query.execute();
  return getById(ctx, table, codec, id);
}

/** True only for the one call that deleted the row. */
export async function deleteById(ctx: StoreContext, table: TableWithId, id: string): Promise<boolean> {
  return affected(await untyped(ctx).deleteFrom(table).where("id", "=", id).executeTakeFirst());
}

/** How many rows of `table` have the columns of `where` (all of them when empty). */
export async function countWhere<T extends Table>(ctx: StoreContext, table: T, where: Equal<T>): Promise<number> {
  const row = await selectWhere(ctx, table, where)
    .select((eb) => eb.fn.countAll().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
