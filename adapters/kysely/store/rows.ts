import type { Kysely } from "kysely";
import type { GatehouseDatabase } from "../schema";
import type { Codec } from "./codec";
import type { StoreContext } from "./context";

/*
 * Single-row steps that several repositories share, by table name. Kysely cannot type a query
 * over a table chosen at run time, so these few run on an untyped handle; the codec types what
 * goes in and comes out.
 */

type TableWithId = Exclude<keyof GatehouseDatabase, "recovery_codes">;

const untyped = (ctx: StoreContext) => ctx.db as unknown as Kysely<any>;

/** Whether a DELETE or UPDATE touched a row: who won a race for a single-use row. */
export function affected(result: { numDeletedRows: bigint } | { numUpdatedRows: bigint }): boolean {
  return Number("numDeletedRows" in result ? result.numDeletedRows : result.numUpdatedRows) > 0;
}

export async function insertRow<R>(ctx: StoreContext, table: keyof GatehouseDatabase, codec: Codec<R, any>, record: R): Promise<void> {
  await untyped(ctx).insertInto(table).values(codec.toRow(record)).execute();
}

export async function getById<R>(ctx: StoreContext, table: TableWithId, codec: Codec<R, any>, id: string): Promise<R | null> {
  const row = await untyped(ctx).selectFrom(table).selectAll().where("id", "=", id).executeTakeFirst();
  return row ? codec.fromRow(row) : null;
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

/** How many rows of `table` belong to the user. */
export async function countByUser(ctx: StoreContext, table: "logs" | "recovery_codes", userId: string): Promise<number> {
  const row = await untyped(ctx)
    .selectFrom(table)
    .select((eb) => eb.fn.countAll().as("n"))
    .where("user_id", "=", userId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
