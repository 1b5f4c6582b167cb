import type { Store } from "../../ports/store";
import { Database } from "./database";
import { rollback, type Table, type UndoLog } from "./engine";
import * as repositories from "./repositories";

/**
 * An in-memory `Store` for tests, demos and single-process deployments that can afford to lose
 * everything on restart. The engine (tables, indexes, undo) is src/stores/memory/engine.ts, the
 * port's repositories over it src/stores/memory/repositories.ts.
 */
export function memoryStore(): Store {
  return view(new Database(), null);
}

/** The store bound to an undo log: `null` for the root store, a fresh log per transaction. */
function view(db: Database, undo: UndoLog): Store {
  const store: Store = {
    users: repositories.users(db, undo),
    targets: repositories.targets(db, undo),
    sessions: repositories.sessions(db, undo),
    tokens: repositories.tokens(db, undo),
    challenges: repositories.challenges(db, undo),
    mfa: repositories.mfa(db, undo),
    identities: repositories.identities(db, undo),
    logs: repositories.logs(db, undo),

    async purgeExpired(now) {
      const at = now.getTime();
      const purge = <T extends { id: string; expire: Date }>(
        table: Table<T>,
        remove = (id: string) => table.remove(id, undo) !== undefined,
      ): number => {
        let removed = 0;
        for (const row of table.all()) {
          if (row.expire.getTime() <= at && remove(row.id)) removed++;
        }
        return removed;
      };
      // A session goes with its push targets, as everywhere (repositories.removeSession).
      const sessions = purge(db.sessions, (id) => repositories.removeSession(db, id, undo));
      return sessions + purge(db.tokens) + purge(db.challenges);
    },

    async transaction(fn) {
      if (undo !== null) {
        // Already inside a transaction (and holding the lock): run inline, like a savepoint.
        const mark = undo.length;
        try {
          return await fn(store);
        } catch (error) {
          rollback(undo, mark);
          throw error;
        }
      }
      // Plain calls outside a transaction do not queue (a core that mistakenly used the root store
      // inside a transaction would otherwise deadlock); they see uncommitted writes, like READ
      // UNCOMMITTED.
      return db.lock.run(async () => {
        const log: (() => void)[] = [];
        try {
          return await fn(view(db, log));
        } catch (error) {
          rollback(log, 0);
          throw error;
        }
      });
    },
  };
  return store;
}
