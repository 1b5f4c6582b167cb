import type { OperationName } from "../core/service";
import type { Params } from "./params";

/**
 * `X-Appwrite-Response-Format` (spec §1.14): an older SDK names the server version it was built
 * for, and gets the parameters and models of that version. Appwrite 1.6's filters, as far as
 * Account routes go:
 *
 * - below 1.6.0 (request filter V18): `otp` is dropped from `deleteMfaAuthenticator`;
 * - below 1.5.0 (request filter V17): `queries` in the 1.4 string form (`limit(25)`) become the
 *   JSON form, and `passwordAgain` is dropped from `updateRecovery`; (response filter V17):
 *   Token loses `phrase`, Session loses `factors` and `secret`. Account is not the `user` model
 *   the V17 filter strips `targets`/`mfa` from, so it is left alone.
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

type Level = "1.4" | "1.5";

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

export function compatFor(format: string, serverVersion: string): Compat | null {
  // Appwrite tests the header with PHP truthiness (`if ($responseFormat)`): "" and "0" mean current.
  if (format === "" || format === "0") return null;
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
    response: (operation, body) => (level === "1.4" ? toModelOf14(operation, body) : body),
  };
}

/** The oldest filter level a format needs, or null for 1.6.0 and later. */
export function formatLevel(format: string): Level | null {
  if (versionCompare(format, "1.5.0") < 0) return "1.4";
  if (versionCompare(format, "1.6.0") < 0) return "1.5";
  return null;
}

/** Appwrite's warning to an SDK built for a newer server, or null. */
export function newerThanServer(format: string, serverVersion: string): string | null {
  if (versionCompare(format, serverVersion) <= 0) return null;
  return `The current SDK is built for Appwrite ${format}. However, the current Appwrite server version is ${serverVersion}. Please downgrade your SDK to match the Appwrite version: https://appwrite.io/docs/sdks`;
}

// ---------------------------------------------------------------------------------------------
// PHP's version_compare (ext/standard/versioning.c)
// ---------------------------------------------------------------------------------------------

/** PHP `version_compare($a, $b)`: -1, 0 or 1 (a port of `php_version_compare`). */
export function versionCompare(a: string, b: string): -1 | 0 | 1 {
  if (!a || !b) return !a && !b ? 0 : a ? 1 : -1;
  const v1 = a.startsWith("#") ? a : canonicalVersion(a);
  const v2 = b.startsWith("#") ? b : canonicalVersion(b);
  // p1/p2: where the current part starts; n1/n2: the dot that ends it (null: the last part).
  let p1 = 0;
  let p2 = 0;
  let n1: number | null = 0;
  let n2: number | null = 0;
  let compare: -1 | 0 | 1 = 0;
  while (p1 < v1.length && p2 < v2.length && n1 !== null && n2 !== null) {
    n1 = dotFrom(v1, p1);
    n2 = dotFrom(v2, p2);
    compare = comparePart(v1.slice(p1, n1 ?? undefined), v2.slice(p2, n2 ?? undefined));
    if (compare !== 0) break;
    if (n1 !== null) p1 = n1 + 1;
    if (n2 !== null) p2 = n2 + 1;
  }
  if (compare !== 0) return compare;
  if (n1 !== null) return isDigit(v1.slice(p1)) ? 1 : versionCompare(v1.slice(p1), "#N#");
  if (n2 !== null) return isDigit(v2.slice(p2)) ? -1 : versionCompare("#N#", v2.slice(p2));
  return 0;
}

function dotFrom(text: string, from: number): number | null {
  const at = text.indexOf(".", from);
  return at === -1 ? null : at;
}

function comparePart(p1: string, p2: string): -1 | 0 | 1 {
  if (isDigit(p1) && isDigit(p2)) return sign(leadingInt(p1) - leadingInt(p2));
  if (!isDigit(p1) && !isDigit(p2)) return sign(specialOrder(p1) - specialOrder(p2));
  return isDigit(p1) ? sign(specialOrder("#N#") - specialOrder(p2)) : sign(specialOrder(p1) - specialOrder("#N#"));
}

/** `-`, `_`, `+` and any other non-alphanumeric become one `.`; digit/letter changes get a `.`. */
function canonicalVersion(version: string): string {
  let out = version[0]!;
  let previous = version[0]!;
  for (let i = 1; i < version.length; i++) {
    const char = version[i]!;
    const last = out[out.length - 1];
    if (char === "-" || char === "_" || char === "+") {
      if (last !== ".") out += ".";
    } else if ((isNonDigit(previous) && isDigit(char)) || (isDigit(previous) && isNonDigit(char))) {
      if (last !== ".") out += ".";
      out += char;
    } else if (!/[A-Za-z0-9]/.test(char)) {
      if (last !== ".") out += ".";
    } else {
      out += char;
    }
    previous = char;
  }
  return out;
}

/** PHP's order of pre-release words, matched by prefix; anything else sorts below all of them. */
const SPECIAL_FORMS: ReadonlyArray<readonly [string, number]> = [
  ["dev", 0],
  ["alpha", 1],
  ["a", 1],
  ["beta", 2],
  ["b", 2],
  ["RC", 3],
  ["rc", 3],
  ["#", 4],
  ["pl", 5],
  ["p", 5],
];

function specialOrder(form: string): number {
  return SPECIAL_FORMS.find(([name]) => form.startsWith(name))?.[1] ?? -1;
}

const isDigit = (text: string) => text.charCodeAt(0) >= 48 && text.charCodeAt(0) <= 57;
const isNonDigit = (char: string) => !isDigit(char) && char !== ".";
const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);
/** C `strtol`: the leading digits, saturating like a 64-bit long (both sides saturate alike). */
const leadingInt = (text: string) => Math.min(Number(/^\d+/.exec(text)![0]), 2 ** 63);

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

/** Appwrite request filter V18 (1.5 → 1.6), its Account case: the 1.5 SDK sent `otp` (§9). */
const FROM_1_5: { [K in OperationName]?: ParamsFilter } = {
  deleteMfaAuthenticator: (params) => omit(params, "otp"),
};

/** Applies the filters in Appwrite's order: 1.4 → 1.5, then 1.5 → 1.6. */
export function toCurrentParams(operation: OperationName, params: Params, level: Level): Params {
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

/**
 * What a query that the 1.4 parser cannot read becomes: a string the current parser rejects with
 * "Invalid query: Syntax error", the answer the JSON form gives for garbage. (Appwrite throws a
 * plain exception here, which it reports as a 500.) Reporting it from the parameter check, rather
 * than here, keeps the error precedence of §1.8: a guest still gets 401 first.
 */
const UNREADABLE = "";

/**
 * `queries` in the 1.4 string form, as JSON strings. Appwrite iterates a non-array `queries` with a
 * PHP warning and ends with no queries at all; here it is left for the parameter check, which
 * answers "Queries must be an array", as it does without the header.
 */
export function convertOldQueries(queries: unknown): unknown {
  if (!Array.isArray(queries)) return queries;
  // Array.from, not map: a hole becomes an unreadable query (400), not a hole for later code.
  return Array.from(queries, (query) => (typeof query === "string" ? (oldQueryToJson(query) ?? UNREADABLE) : UNREADABLE));
}

export interface OldQuery {
  method: string;
  attribute: string;
  values: unknown[];
}

/**
 * One 1.4 query string as the current JSON form: Appwrite's `json_encode(array_filter($query->
 * toArray()))`, which leaves out an empty (or "0") method and attribute and empty values. Null
 * when the 1.4 parser fails, or when PHP's json_encode would (broken UTF-8, INF).
 */
export function oldQueryToJson(filter: string): string | null {
  const query = parseOldQuery(filter);
  if (!query) return null;
  const json: { method?: string; attribute?: string; values?: unknown[] } = {};
  if (query.method !== "" && query.method !== "0") json.method = query.method;
  if (query.attribute !== "" && query.attribute !== "0") json.attribute = query.attribute;
  if (query.values.length > 0) json.values = query.values;
  return JSON.stringify(json);
}

/**
 * The 1.4 query parser, ported from Appwrite's request filter V17 (`parseQuery`, itself
 * utopia-php/database 0.4x `Query::parse`), quirks included: it reads bytes from just after the
 * first `(` up to, not including, the last byte (whatever it is); a backslash escapes the next
 * byte (and is kept unless that byte is `, [ ] " '`); spaces and commas count only inside quotes;
 * a second array parameter also holds the first one's elements. Null where PHP throws.
 */
export function parseOldQuery(filter: string): OldQuery | null {
  const open = filter.indexOf("(");
  if (open === -1) return null;
  const method = filter.slice(0, open);
  // "Check for deprecated query syntax": the 0.x `collection.attribute` form.
  if (method.includes(".")) return null;
  // PHP finds the `(` with mb_strpos (characters) but then indexes bytes; both are kept here.
  const bytes = Buffer.from(filter, "utf8").toString("latin1");
  const start = [...method].length + 1;
  const raw = splitParams(bytes, start, bytes.length - 1);

  // Every array parameter holds all the array elements read so far (PHP's quirk). Each element is
  // decoded once, and only the parameters `toQuery` reads (the first three) are built: a copy per
  // array made `equal("a",[1],[1],…)` quadratic, a second of event loop for 16 KB.
  const elements: unknown[] = [];
  const params: Array<{ scalar: unknown } | { upTo: number }> = [];
  for (const param of raw) {
    if (Array.isArray(param)) {
      for (const element of param) elements.push(parseValue(element));
      params.push({ upTo: elements.length });
    } else {
      params.push({ scalar: parseValue(param) });
    }
  }
  const decodedElements = decodeAll(elements);
  if (decodedElements === undefined) return null;
  const decoded: unknown[] = [];
  for (const param of params) {
    const value = "upTo" in param ? decodedElements.slice(0, decoded.length < READ_PARAMS ? param.upTo : 0) : decodeOne(param.scalar);
    if (value === undefined) return null;
    decoded.push(value);
  }
  return toQuery(method, decoded);
}

/** How many parameters `toQuery` reads (`between` reads three). */
const READ_PARAMS = 3;

function splitParams(s: string, start: number, end: number): Array<string | string[]> {
  const params: Array<string | string[]> = [];
  let current = "";
  let currentArray: string[] = [];
  let depth = 0;
  let quote: string | null = null;
  const append = (inString: boolean, char: string) => {
    if (inString || (char !== " " && char !== ",")) current += char;
  };
  for (let i = start; i < end; i++) {
    const char = s[i]!;
    const inString = quote !== null;
    if (char === "\\") {
      const next = s[i + 1]!;
      if (!ESCAPABLE.has(next)) append(inString, char);
      append(inString, next);
      i++;
      continue;
    }
    // PHP reads `$filter[$i - 2]` with a negative index as counting from the end: so does `at`.
    if ((char === '"' || char === "'") && (s[i - 1] !== "\\" || s.at(i - 2) === "\\")) {
      if (!inString) quote = char;
      else if (char === quote) quote = null;
      current += char;
      continue;
    }
    if (!inString) {
      if (char === "[") {
        depth++;
        continue;
      }
      if (char === "]") {
        depth--;
        if (current.length) currentArray.push(current);
        params.push(currentArray);
        currentArray = [];
        current = "";
        continue;
      }
      if (char === ",") {
        if (depth > 0) {
          currentArray.push(current);
          current = "";
        } else if (currentArray.length === 0) {
          if (current.length) params.push(current);
          current = "";
        }
        continue;
      }
    }
    append(inString, char);
  }
  if (current.length) params.push(current);
  return params;
}

const ESCAPABLE = new Set([",", "]", "[", '"', "'"]);

/** PHP's `trim` set (not `\f`); `is_numeric` also allows `\f` and `\v` around the number. */
const TRIM = /^[ \t\n\r\0\x0B]+|[ \t\n\r\0\x0B]+$/g;
const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?[ \t\n\r\v\f]*$/;

/** V17 `parseValue`: booleans, null, numbers, then a quoted string loses its first and last byte. */
function parseValue(raw: string): unknown {
  const value = raw.replace(TRIM, "");
  if (value === "false") return false;
  if (value === "true") return true;
  if (value === "null") return null;
  if (NUMERIC.test(value)) return Number(value);
  if (value.startsWith('"') || value.startsWith("'")) return value.slice(1, -1);
  return value;
}

/** The byte strings back to text; undefined where json_encode fails (broken UTF-8, INF). */
function decodeAll(values: unknown[]): unknown[] | undefined {
  const out: unknown[] = [];
  for (const value of values) {
    const decoded = Array.isArray(value) ? decodeAll(value) : decodeOne(value);
    if (decoded === undefined) return undefined;
    out.push(decoded);
  }
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function decodeOne(value: unknown): unknown {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string") return value;
  try {
    return utf8.decode(Buffer.from(value, "latin1"));
  } catch {
    return undefined;
  }
}

const FILTERS = new Set(["equal", "notEqual", "lessThan", "lessThanEqual", "greaterThan", "greaterThanEqual", "contains", "search", "isNull", "isNotNull", "startsWith", "endsWith"]);
const PAGING = new Set(["limit", "offset", "cursorAfter", "cursorBefore"]);

/** V17's `switch ($method)`; null where `new Query(...)` throws a TypeError. */
function toQuery(method: string, p: unknown[]): OldQuery | null {
  if (FILTERS.has(method)) {
    const attribute = asAttribute(p[0] ?? "");
    if (attribute === null) return null;
    const values = p.length < 2 ? [] : Array.isArray(p[1]) ? p[1] : [p[1]];
    return { method, attribute, values };
  }
  if (method === "between") {
    const attribute = p[0] === undefined || p[0] === null ? null : asAttribute(p[0]);
    if (attribute === null) return null;
    return { method, attribute, values: [p[1] ?? null, p[2] ?? null] };
  }
  if (method === "select") return Array.isArray(p[0]) ? { method, attribute: "", values: p[0] } : null;
  if (method === "orderAsc" || method === "orderDesc") {
    const attribute = asAttribute(p[0] ?? "");
    return attribute === null ? null : { method, attribute, values: [] };
  }
  if (PAGING.has(method)) return { method, attribute: "", values: p.length > 0 ? [p[0]] : [] };
  return { method, attribute: "", values: [] };
}

/**
 * A value passed to PHP's `string $attribute` (coercive mode): arrays fail; true is "1", false
 * is ""; numbers print as numbers (PHP spells some floats differently, e.g. `1.0E+25`; such an
 * attribute is refused as unknown either way).
 */
function asAttribute(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "1" : "";
  if (typeof value === "number") return String(value);
  return null;
}

// ---------------------------------------------------------------------------------------------
// Response filters
// ---------------------------------------------------------------------------------------------

type Model = "session" | "sessionList" | "token";

/** The operations whose success body is a Session, a SessionList or a Token (spec §2, §3). */
export const RESPONSE_MODELS: { readonly [K in OperationName]?: Model } = {
  createEmailPasswordSession: "session",
  createAnonymousSession: "session",
  createSession: "session",
  updateMagicURLSession: "session",
  updatePhoneSession: "session",
  getSession: "session",
  updateSession: "session",
  updateMfaChallenge: "session",
  listSessions: "sessionList",
  createEmailToken: "token",
  createMagicURLToken: "token",
  createPhoneToken: "token",
  createVerification: "token",
  updateVerification: "token",
  createPhoneVerification: "token",
  updatePhoneVerification: "token",
  createRecovery: "token",
  updateRecovery: "token",
};

/** Appwrite response filter V17 (1.5 → 1.4), its Account models. */
const TO_1_4: { readonly [M in Model]: (body: Params) => Params } = {
  session: (body) => omit(body, "factors", "secret"),
  sessionList: (body) => (Array.isArray(body.sessions) ? { ...body, sessions: body.sessions.map((s: unknown) => (isRecord(s) ? omit(s, "factors", "secret") : s)) } : body),
  token: (body) => omit(body, "phrase"),
};

export function toModelOf14(operation: OperationName, body: unknown): unknown {
  const model = RESPONSE_MODELS[operation];
  return model && isRecord(body) ? TO_1_4[model](body) : body;
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
