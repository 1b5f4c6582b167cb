import type { LogRecord } from "../../ports/store";
import { countryName } from "../../models/country";
import { formatDate } from "../../models/datetime";
import { page, parseQueries, queries } from "../../validation/queries";
import { ok, operation, requireUser } from "../operation";

/** Appwrite 1.6.2's default page size for logs. */
const DEFAULT_LIMIT = 25;
const LOG_QUERIES = { methods: new Set(["limit", "offset"]) };

function toLog(log: LogRecord, locale: string) {
  return {
    event: log.event,
    userId: log.userId,
    userEmail: log.userEmail,
    userName: log.userName,
    mode: log.mode,
    ip: log.ip,
    time: formatDate(log.time),
    osCode: log.osCode,
    osName: log.osName,
    osVersion: log.osVersion,
    clientType: log.clientType,
    clientCode: log.clientCode,
    clientName: log.clientName,
    clientVersion: log.clientVersion,
    clientEngine: log.clientEngine,
    clientEngineVersion: log.clientEngineVersion,
    deviceName: log.deviceName,
    deviceBrand: log.deviceBrand,
    deviceModel: log.deviceModel,
    countryCode: log.countryCode,
    countryName: countryName(log.countryCode, locale),
  };
}

export const listLogs = operation({
  method: "GET",
  path: "/account/logs",
  scope: "account",
  params: { queries },
  async run(env, input) {
    const user = requireUser(env);
    const range = page(parseQueries(input.queries, LOG_QUERIES), DEFAULT_LIMIT);
    const [logs, total] = await Promise.all([env.deps.store.logs.list(user.id, range), env.deps.store.logs.count(user.id)]);
    // `total` counts all of the user's entries, whatever the page (the SDK pages with it).
    return ok({ total, logs: logs.map((l) => toLog(l, env.ctx.locale ?? "en")) });
  },
});
