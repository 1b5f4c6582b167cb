import type { Kysely } from "kysely";
import type { Store } from "gatehouse-auth";
import { detectDialect } from "../migrate";
import { TablePrefixPlugin } from "../prefix";
import type { SqlDialect } from "../schema";
import { rawReaderOf } from "../raw-reader";
import { CAPABILITIES, rootContext, type Db, type StoreContext } from "./context";
import { translatingErrors } from "./errors";
import { identities } from "./identities";
import { logs } from "./logs";
import { mfa } from "./mfa";
import { challenges, tokens } from "./secrets";
import { sessions } from "./sessions";
import { targets } from "./targets";
import { users } from "./users";

export interface KyselyStoreOptions {
  /** The prefix the tables were migrated with. Default "". */
  prefix?: string;
  /** Detected from the Kysely instance when omitted. */
  dialect?: SqlDialect;
}

/**
 * The `Store` port on Kysely, for SQLite (better-sqlite3), PostgreSQL (pg) and MySQL/MariaDB
 * (mysql2). Run `migrateToLatest(db)` first. Uniqueness lives in the schema; single-use secrets
 * are consumed with a `DELETE` whose affected-row count says who won, which works the same on all
 * three dialects. One file per repository (adapters/kysely/store/*.ts), one codec per table
 * (adapters/kysely/store/codecs.ts), the dialects' differences in adapters/kysely/store/context.ts.
 */
export function kyselyStore(db: Kysely<any>, options: KyselyStoreOptions = {}): Store {
  const dialect = options.dialect ?? detectDialect(db);
  const prefix = options.prefix ?? "";
  const root = (prefix ? db.withPlugin(new TablePrefixPlugin(prefix)) : db) as Db;
  return build(rootContext(root, CAPABILITIES[dialect], rawReaderOf(db)));
}

function build(ctx: StoreContext): Store {
  const translated = <T extends object>(repository: T) => translatingErrors(repository, ctx.caps);
  const root = translated({
    async purgeExpired(now: Date): Promise<number> {
      let removed = 0;
      for (const table of ["sessions", "tokens", "challenges"] as const) {
        const result = await ctx.db.deleteFrom(table).where("expire", "<=", now.getTime()).executeTakeFirst();
        removed += Number(result.numDeletedRows);
      }
      return removed;
    },
    async transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
      // Nested: runs inline in the open transaction, committing or rolling back with it.
      if (ctx.inTransaction) return fn(store);
      return ctx.db.transaction().execute((trx) => fn(build(ctx.within(trx))));
    },
  });
  const store: Store = {
    users: translated(users(ctx)),
    targets: translated(targets(ctx)),
    sessions: translated(sessions(ctx)),
    tokens: translated(tokens(ctx)),
    challenges: translated(challenges(ctx)),
    mfa: translated(mfa(ctx)),
    identities: translated(identities(ctx)),
    logs: translated(logs(ctx)),
    purgeExpired: root.purgeExpired,
    transaction: root.transaction,
  };
  return store;
}
