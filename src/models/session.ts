import type { SessionRecord } from "../ports/store";
import { countryName } from "./country";
import { formatDate } from "./datetime";

export interface SessionView {
  /** True for the session that authenticated the request. */
  current: boolean;
  /** The session value, shown only to API-key callers on the create routes; "" otherwise. */
  secret: string;
  locale: string;
}

/** The Session model, fields in Appwrite's order (pinned by `SESSION_FIELDS` in test/helpers/models.ts). */
export function toSession(session: SessionRecord, view: SessionView) {
  return {
    $id: session.id,
    $createdAt: formatDate(session.createdAt),
    $updatedAt: formatDate(session.updatedAt),
    userId: session.userId,
    expire: formatDate(session.expire),
    provider: session.provider,
    providerUid: session.providerUid,
    providerAccessToken: session.providerAccessToken,
    providerAccessTokenExpiry: formatDate(session.providerAccessTokenExpiry),
    providerRefreshToken: session.providerRefreshToken,
    ip: session.ip,
    osCode: session.osCode,
    osName: session.osName,
    osVersion: session.osVersion,
    clientType: session.clientType,
    clientCode: session.clientCode,
    clientName: session.clientName,
    clientVersion: session.clientVersion,
    clientEngine: session.clientEngine,
    clientEngineVersion: session.clientEngineVersion,
    deviceName: session.deviceName,
    deviceBrand: session.deviceBrand,
    deviceModel: session.deviceModel,
    countryCode: session.countryCode,
    countryName: countryName(session.countryCode, view.locale),
    current: view.current,
    factors: session.factors,
    secret: view.secret,
    mfaUpdatedAt: formatDate(session.mfaUpdatedAt),
  };
}

export type SessionModel = ReturnType<typeof toSession>;
