import { queries, total } from "../../validation/queries";
import { logList } from "../log-list";
import { operation } from "../operation";

export const listLogs = operation({
  method: "GET",
  path: "/account/logs",
  model: "logList",
  scope: "account",
  params: { queries, total },
  run: (env, input) => logList(env, env.caller.user.id, input),
});
