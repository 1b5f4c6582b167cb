import type { LogRecord } from "../ports/store";
import { countryName } from "./country";
import { formatDate } from "./datetime";

/** The Log model: one audit entry, its country named in the reader's language. */
export function toLog(log: LogRecord, locale: string) {
  return {
    event: log.event,
    userId: log.userId,
    userEmail: log.userEmail,
    userName: log.userName,
    mode: log.mode,
    /** Who acted; the Account API logs only the user's own actions. */
    userType: "user",
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
