import { toLog } from "../../models/log";
import { page, parseQueries, queries, total } from "../../validation/queries";
import { ok, operation } from "../operation";

/** Appwrite 1.6.2's default page size for logs. */
const DEFAULT_LIMIT = 25;
const LOG_QUERIES = { methods: new Set(["limit", "offset"]) };

export const listLogs = operation({
  method: "GET",
  path: "/account/logs",
  model: "logList",
  scope: "account",
  params: { queries, total },
  async run(env, input) {
    const user = env.caller.user;
    const range = page(parseQueries(input.queries, LOG_QUERIES), DEFAULT_LIMIT);
    const [logs, count] = await Promise.all([
      env.deps.store.logs.list(user.id, range),
      input.total ? env.deps.store.logs.count(user.id) : 0,
    ]);
    // `total` counts all of the user's entries, whatever the page (the SDK pages with it).
    return ok({ total: count, logs: logs.map((l) => toLog(l, env.ctx.locale ?? "en")) });
  },
});
