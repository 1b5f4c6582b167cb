import { StoreConflictError } from "../../ports/store";

/*
 * The memory store's engine: tables with unique and grouped secondary indexes, and an undo log
 * that makes a transaction's writes reversible. It knows nothing of users or sessions; the
 * repositories (src/stores/memory/repositories.ts) are built on it.
 *
 * Invariant that keeps rollback trivial: a stored row is never mutated in place. Every write
 * swaps in a fresh object, so an undo entry only has to put the previous object back.
 */

type ConflictTarget = StoreConflictError["target"];

/** Inverse operations of the writes made inside a transaction, oldest first; null outside one. */
export type UndoLog = (() => void)[] | null;

/** Undoes writes newest first, back to `mark`, so each inverse sees exactly the state its write produced. */
export function rollback(log: (() => void)[], mark: number): void {
  while (log.length > mark) log.pop()!();
}

/** A unique secondary key (email, phone, ...) → row id. A null key is not indexed, like SQL NULL. */
export class Unique<T> {
  readonly map = new Map<string, string>();
  constructor(
    readonly target: ConflictTarget,
    readonly key: (row: T) => string | null,
  ) {}
}

/** A non-unique secondary key (owner, secret hash, ...) → row ids. */
export class Group<T> {
  readonly map = new Map<string, Set<string>>();
  constructor(readonly key: (row: T) => string) {}
}

export class Table<T extends { id: string }> {
  private readonly rows = new Map<string, T>();

  constructor(
    private readonly uniques: readonly Unique<T>[] = [],
    private readonly groups: readonly Group<T>[] = [],
  ) {}

  get size(): number {
    return this.rows.size;
  }

  get(id: string): T | undefined {
    return this.rows.get(id);
  }

  find(index: Unique<T>, key: string): T | undefined {
    const id = index.map.get(key);
    return id === undefined ? undefined : this.rows.get(id);
  }

  select(index: Group<T>, key: string): T[] {
    const ids = index.map.get(key);
    if (ids === undefined) return [];
    const out: T[] = [];
    for (const id of ids) {
      const row = this.rows.get(id);
      if (row !== undefined) out.push(row);
    }
    return out;
  }

  all(): T[] {
    return [...this.rows.values()];
  }

  /** All checks run before any index is touched, so a conflict leaves the table as it was. */
  insert(row: T, undo: UndoLog): void {
    if (this.rows.has(row.id)) throw new StoreConflictError("id");
    this.assertUnique(row);
    this.link(row);
    undo?.push(() => this.unlink(row));
  }

  /** Swaps the row with the same id for `next`; the caller has checked that it exists. */
  replace(next: T, undo: UndoLog): void {
    const prev = this.rows.get(next.id);
    if (prev === undefined) return;
    this.assertUnique(next);
    this.unlink(prev);
    this.link(next);
    undo?.push(() => {
      this.unlink(next);
      this.link(prev);
    });
  }

  remove(id: string, undo: UndoLog): T | undefined {
    const prev = this.rows.get(id);
    if (prev === undefined) return undefined;
    this.unlink(prev);
    undo?.push(() => this.link(prev));
    return prev;
  }

  /** Removes every row under `key` in `index` (all of an owner's rows): as many steps as there are rows. */
  removeAll(index: Group<T>, key: string, undo: UndoLog): void {
    // select copies the ids out, so removing while walking is safe.
    for (const row of this.select(index, key)) this.remove(row.id, undo);
  }

  private assertUnique(row: T): void {
    for (const index of this.uniques) {
      const key = index.key(row);
      if (key === null) continue;
      const owner = index.map.get(key);
      if (owner !== undefined && owner !== row.id) throw new StoreConflictError(index.target);
    }
  }

  private link(row: T): void {
    this.rows.set(row.id, row);
    for (const index of this.uniques) {
      const key = index.key(row);
      if (key !== null) index.map.set(key, row.id);
    }
    for (const index of this.groups) {
      const key = index.key(row);
      let ids = index.map.get(key);
      if (ids === undefined) index.map.set(key, (ids = new Set()));
      ids.add(row.id);
    }
  }

  private unlink(row: T): void {
    this.rows.delete(row.id);
    for (const index of this.uniques) {
      const key = index.key(row);
      // Only drop the entry if it is still ours; never evict a row that took the key since.
      if (key !== null && index.map.get(key) === row.id) index.map.delete(key);
    }
    for (const index of this.groups) {
      const key = index.key(row);
      const ids = index.map.get(key);
      if (ids === undefined) continue;
      ids.delete(row.id);
      // Empty sets are dropped so memory does not grow with every user that ever existed.
      if (ids.size === 0) index.map.delete(key);
    }
  }
}

/**
 * A list per owner that is replaced, never edited (recovery codes), so undo restores the previous
 * list. An empty list is dropped rather than kept.
 */
export class Lists<T> {
  private readonly lists = new Map<string, readonly T[]>();

  get(owner: string): readonly T[] {
    return this.lists.get(owner) ?? [];
  }

  set(owner: string, values: readonly T[], undo: UndoLog): void {
    const prev = this.lists.get(owner);
    if (values.length === 0) this.lists.delete(owner);
    else this.lists.set(owner, values);
    undo?.push(() => {
      if (prev === undefined) this.lists.delete(owner);
      else this.lists.set(owner, prev);
    });
  }
}

/**
 * Append-mostly entries per owner, kept sorted by time ascending and then insertion order, so
 * newest-first is a reverse walk (security logs). Ids are unique like a primary key.
 */
export class Timeline<T extends { id: string; userId: string }> {
  private readonly ids = new Set<string>();
  private readonly byOwner = new Map<string, T[]>();

  constructor(private readonly time: (row: T) => number) {}

  /** Newest first. */
  page(owner: string, offset: number, limit: number): T[] {
    const rows = this.byOwner.get(owner);
    if (rows === undefined) return [];
    const out: T[] = [];
    for (let i = rows.length - 1 - Math.max(0, offset); i >= 0 && out.length < Math.max(0, limit); i--) out.push(rows[i]!);
    return out;
  }

  count(owner: string): number {
    return this.byOwner.get(owner)?.length ?? 0;
  }

  /** Drops all of an owner's entries (their user was deleted). */
  removeOwner(owner: string, undo: UndoLog): void {
    const rows = this.byOwner.get(owner);
    if (rows === undefined) return;
    this.byOwner.delete(owner);
    for (const row of rows) this.ids.delete(row.id);
    undo?.push(() => {
      this.byOwner.set(owner, rows);
      for (const row of rows) this.ids.add(row.id);
    });
  }

  insert(row: T, undo: UndoLog): void {
    if (this.ids.has(row.id)) throw new StoreConflictError("id");
    let rows = this.byOwner.get(row.userId);
    if (rows === undefined) this.byOwner.set(row.userId, (rows = []));
    // Upper bound by time: equal times keep insertion order, and in-order appends cost O(log n).
    const time = this.time(row);
    let lo = 0;
    let hi = rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.time(rows[mid]!) <= time) lo = mid + 1;
      else hi = mid;
    }
    rows.splice(lo, 0, row);
    this.ids.add(row.id);
    const owner = rows;
    undo?.push(() => {
      const at = owner.lastIndexOf(row);
      if (at !== -1) owner.splice(at, 1);
      if (owner.length === 0 && this.byOwner.get(row.userId) === owner) this.byOwner.delete(row.userId);
      this.ids.delete(row.id);
    });
  }
}

/** Joins two key parts with a separator that cannot occur in ids, providers or types. */
export function slot(a: string, b: string): string {
  return `${a}\u0000${b}`;
}

export function byCreation(a: { createdAt: Date; id: string }, b: { createdAt: Date; id: string }): number {
  const dt = a.createdAt.getTime() - b.createdAt.getTime();
  if (dt !== 0) return dt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Merges a patch into a row. Undefined values are skipped (a Partial field that is absent and one
 * that is `undefined` mean the same), and `frozen` keys are ignored even if a caller smuggles them in
 * at runtime, because the indexes are keyed by them.
 */
export function patched<T extends object>(row: T, patch: object, frozen: readonly string[]): T {
  const next = { ...row } as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined || frozen.includes(key)) continue;
    next[key] = value;
  }
  return next as T;
}

/**
 * A queue of transactions: each waits for the previous one to settle, so one never rolls back on
 * top of another's writes.
 */
export class Lock {
  private tail: Promise<void> = Promise.resolve();

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
