import type { OperationName } from "../core/service";
import type { ResponseModel } from "../core/operation";
import type { Params } from "./params";
import { versionCompare } from "./version-compare";
import { convertOldQueries } from "../validation/old-queries";
import { operations } from "../core/service";

/**
 * `X-Appwrite-Response-Format`: an older SDK names the server version it was built
 * for, and gets the parameters and models of that version. Appwrite 1.6's filters, as far as
 * Account routes go:
 *
 * - below 1.6.0 (request filter V18): `otp` is dropped from `deleteMfaAuthenticator`;
 * - below 1.5.0 (request filter V17): `queries` in the 1.4 string form (`limit(25)`) become the
 *   JSON form, and `passwordAgain` is dropped from `updateRecovery`; (response filter V17):
 *   Token loses `phrase`, Session loses `factors` and `secret`. Account is not the `user` model
 *   the V17 filter strips `targets`/`mfa` from, so it is left alone.
 *
 * Models grew after 1.6 (the fields today's SDKs declare, `MODEL_FIELDS_AFTER_1_6`). Appwrite
 * strips only `impersonator*` below 1.9.0 (its response filter V21) and sends the rest to every
 * SDK; Gatehouse strips them all below 1.9.0, so an SDK built for 1.6 or older gets exactly the
 * models of its server, and one built for 1.9 or later (node-appwrite 27: 1.9.5, appwrite 28:
 * 2.3.0) gets today's. A request without the header is current, as in Appwrite.
 *
 * A format above the server's version adds an `X-Appwrite-Warning` header, and nothing else.
 */

/** How an older SDK's request and response are adapted; `null` from `compatibility` = nothing to do. */
export interface Compat {
  /** The `X-Appwrite-Warning` value (the SDK is newer than the server), or null. */
  readonly warning: string | null;
  /** The SDK's parameters in the current form (a copy when anything changed). */
  request(operation: OperationName, params: Params): Params;
  /** A success body in the shape the SDK expects. */
  response(operation: OperationName, body: unknown): unknown;
}

type Level = "1.4" | "1.5" | "1.6";

/**
 * The adapter for a header value, against the server's version. Remembers the last value, since
 * a deployment's clients send one or two; a header value needs nothing when it is current.
 */
export function compatibility(serverVersion: string): (format: string) => Compat | null {
  let lastFormat: string | null = null;
  let last: Compat | null = null;
  return (format) => {
    if (format !== lastFormat) {
      last = compatFor(format, serverVersion);
      lastFormat = format;
    }
    return last;
  };
}

/**
 * Longest header value compared. A version is a dozen characters; PHP's comparison canonicalises
 * the whole string first, and a client could send megabytes of it to the fetch handler (which,
 * unlike Node's HTTP server, may have no header size limit): a longer value is treated as absent.
 */
export const MAX_FORMAT_LENGTH = 64;

/** Appwrite tests the header with PHP truthiness (`if ($responseFormat)`): "" and "0" mean current. */
function isCurrent(format: string | null): boolean {
  return format === null || format === "" || format === "0" || format.length > MAX_FORMAT_LENGTH;
}

/**
 * Whether a request's format is at least `version` (no header: the newest). The core's behaviour
 * changes ask this through the request context (src/core/behaviour.ts).
 */
export function formatAtLeast(format: string | null, version: string): boolean {
  return format === null || isCurrent(format) || versionCompare(format, version) >= 0;
}

export function compatFor(format: string, serverVersion: string): Compat | null {
  if (isCurrent(format)) return null;
  // Malformed values are compared as PHP's version_compare compares them: "abc" is below any
  // dotted number ("a" sorts as "alpha"; an unknown word sorts lowest), so it gets the 1.4
  // filters; a leading "p"/"pl" ("patch level") sorts above any number, so "preview" is *newer*
  // than the server and draws the warning instead. Appwrite does exactly this; we do the same.
  const level = formatLevel(format);
  const warning = newerThanServer(format, serverVersion);
  if (!level && !warning) return null;
  return {
    warning,
    request: (operation, params) => (level ? toCurrentParams(operation, params, level) : params),
    response: (operation, body) => (level ? toOlderModel(operation, body, level) : body),
  };
}

/** The oldest filter level a format needs, or null for 1.9.0 and later (today's models). */
export function formatLevel(format: string): Level | null {
  if (versionCompare(format, "1.5.0") < 0) return "1.4";
  if (versionCompare(format, "1.6.0") < 0) return "1.5";
  if (versionCompare(format, "1.9.0") < 0) return "1.6";
  return null;
}

/** Appwrite's warning to an SDK built for a newer server, or null. */
export function newerThanServer(format: string, serverVersion: string): string | null {
  if (versionCompare(format, serverVersion) <= 0) return null;
  return `The current SDK is built for Appwrite ${format}. However, the current Appwrite server version is ${serverVersion}. Please downgrade your SDK to match the Appwrite version: https://appwrite.io/docs/sdks`;
}

// ---------------------------------------------------------------------------------------------
// Request filters
// ---------------------------------------------------------------------------------------------

type ParamsFilter = (params: Params) => Params;

/** Appwrite request filter V17 (1.4 → 1.5), its Account cases. */
const FROM_1_4: { [K in OperationName]?: ParamsFilter } = {
  updateRecovery: (params) => omit(params, "passwordAgain"),
  listIdentities: withCurrentQueries,
  listLogs: withCurrentQueries,
};

/** Appwrite request filter V18 (1.5 → 1.6), its Account case: the 1.5 SDK sent `otp`. */
const FROM_1_5: { [K in OperationName]?: ParamsFilter } = {
  deleteMfaAuthenticator: (params) => omit(params, "otp"),
};

/** Applies the filters in Appwrite's order: 1.4 → 1.5, then 1.5 → 1.6. */
export function toCurrentParams(operation: OperationName, params: Params, level: Level): Params {
  if (level === "1.6") return params;
  const from14 = level === "1.4" ? FROM_1_4[operation] : undefined;
  const from15 = FROM_1_5[operation];
  const upgraded = from14 ? from14(params) : params;
  return from15 ? from15(upgraded) : upgraded;
}

function withCurrentQueries(params: Params): Params {
  // As in Appwrite: an absent (or null) `queries` is left as it is.
  if (params.queries === undefined || params.queries === null) return params;
  return copyWith(params, { queries: convertOldQueries(params.queries) });
}

// ---------------------------------------------------------------------------------------------
// Response filters
// ---------------------------------------------------------------------------------------------

/**
 * The fields each model gained after 1.6, as appwrite 28 and node-appwrite 27 declare them
 * (`Models` in their type declarations; test/http/models-latest.test.ts compares the two).
 */
export const MODEL_FIELDS_AFTER_1_6 = {
  account: [
    "emailCanonical",
    "emailIsFree",
    "emailIsDisposable",
    "emailIsCorporate",
    "emailIsCanonical",
    "passwordPwned",
    "impersonator",
    "impersonatorUserId",
  ],
  identity: ["providerIdToken"],
  log: ["userType"],
  mfaFactors: ["custom"],
} as const;

type BodyFilter = (body: Params) => Params;
const same: BodyFilter = (body) => body;
const each =
  (key: string, filter: BodyFilter): BodyFilter =>
  (body) =>
    Array.isArray(body[key]) ? copyWith(body, { [key]: body[key].map((item: unknown) => (isRecord(item) ? filter(item) : item)) }) : body;
const without =
  (keys: readonly string[]): BodyFilter =>
  (body) =>
    omit(body, ...keys);

/** Today's models → 1.6's: the fields added since go. */
const TO_1_6: { readonly [M in ResponseModel]: BodyFilter } = {
  account: without(MODEL_FIELDS_AFTER_1_6.account),
  // The Users API's admin User model carries the Account model's fields (src/models/user.ts).
  user: without(MODEL_FIELDS_AFTER_1_6.account),
  userList: each("users", without(MODEL_FIELDS_AFTER_1_6.account)),
  identityList: each("identities", without(MODEL_FIELDS_AFTER_1_6.identity)),
  logList: each("logs", without(MODEL_FIELDS_AFTER_1_6.log)),
  mfaFactors: without(MODEL_FIELDS_AFTER_1_6.mfaFactors),
  session: same,
  sessionList: same,
  token: same,
};

/** Appwrite response filter V17 (1.5 → 1.4), its Account models. */
const TO_1_4: { readonly [M in ResponseModel]: BodyFilter } = {
  account: same,
  user: same,
  userList: same,
  identityList: same,
  logList: same,
  mfaFactors: same,
  session: without(["factors", "secret"]),
  sessionList: each("sessions", without(["factors", "secret"])),
  token: without(["phrase"]),
};

/** A success body as an SDK built for `level` parses it. */
export function toOlderModel(operation: OperationName, body: unknown, level: Level): unknown {
  // Each operation names its model where it is declared (src/core/operations/*.ts).
  const op = operations[operation];
  const model = Object.hasOwn(op, "model") ? op.model : undefined;
  if (!model || !isRecord(body)) return body;
  const of16 = TO_1_6[model](body);
  return level === "1.4" ? TO_1_4[model](of16) : of16;
}

function omit(record: Params, ...keys: string[]): Params {
  const copy = copyWith(record, {});
  for (const key of keys) delete copy[key];
  return copy;
}

/**
 * A copy with some keys replaced, as prototype-less as the parsers' output (src/http/params.ts),
 * so a filtered request is no easier to pollute than an unfiltered one.
 */
function copyWith(record: Params, changes: Params): Params {
  return Object.assign(Object.create(null) as Params, record, changes);
}

const isRecord = (value: unknown): value is Params => typeof value === "object" && value !== null && !Array.isArray(value);
