/** Field lists of the wire models (spec §3), in order, for tests that check a model's exact shape. */

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

/** Spec §3.2: the Session model. */
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

/** Spec §3.7: the Log model. */
export const LOG_FIELDS: readonly string[] = ["event", "userId", "userEmail", "userName", "mode", "ip", "time", ...CLIENT_FIELDS];
