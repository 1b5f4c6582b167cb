import { toLog } from "../models/log";
import { page, parseQueries } from "../validation/queries";
import { DEFAULT_LIMIT } from "./list-query";
import { ok, type Env } from "./operation";

const LOG_QUERIES = { methods: new Set(["limit", "offset"]) };

/**
 * A page of a user's log (`GET /account/logs` and the Users API's `GET /users/{id}/logs`): only
 * `limit` and `offset` queries; `total` counts all of the user's entries, whatever the page (the
 * SDK pages with it), or is 0 when the client asks for no count.
 */
export async function logList(env: Env, userId: string, input: { queries?: unknown; total: boolean }) {
  const range = page(parseQueries(input.queries, LOG_QUERIES), DEFAULT_LIMIT);
  const [logs, count] = await Promise.all([env.deps.store.logs.list(userId, range), input.total ? env.deps.store.logs.count(userId) : 0]);
  return ok({ total: count, logs: logs.map((l) => toLog(l, env.ctx.locale ?? "en")) });
}
