/** Field lists of the wire models, in Appwrite's order, for tests that check a model's exact shape. */

/** The client and location fields Session and Log share. */
export const CLIENT_FIELDS = [
  "osCode",
  "osName",
  "osVersion",
  "clientType",
  "clientCode",
  "clientName",
  "clientVersion",
  "clientEngine",
  "clientEngineVersion",
  "deviceName",
  "deviceBrand",
  "deviceModel",
  "countryCode",
  "countryName",
] as const;

/** The Session model (src/models/session.ts). */
export const SESSION_FIELDS: readonly string[] = [
  "$id",
  "$createdAt",
  "$updatedAt",
  "userId",
  "expire",
  "provider",
  "providerUid",
  "providerAccessToken",
  "providerAccessTokenExpiry",
  "providerRefreshToken",
  "ip",
  ...CLIENT_FIELDS,
  "current",
  "factors",
  "secret",
  "mfaUpdatedAt",
];

/** The Log model. */
export const LOG_FIELDS: readonly string[] = ["event", "userId", "userEmail", "userName", "mode", "ip", "time", ...CLIENT_FIELDS];
