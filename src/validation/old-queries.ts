/**
 * Appwrite 1.4's string queries (`limit(25)`, `equal("provider", ["github"])`), which 1.4 SDKs send,
 * converted to today's JSON form: a port of Appwrite's request filter V17 grammar. Used by the
 * response-format filters for older SDKs (src/http/response-format.ts).
 */

import { FILTER_METHODS, PAGING_METHODS } from "./queries";

/**
 * What a query that the 1.4 parser cannot read becomes: a string the current parser rejects with
 * "Invalid query: Syntax error", the answer the JSON form gives for garbage. (Appwrite throws a
 * plain exception here, which it reports as a 500.) Reporting it from the parameter check, rather
 * than here, keeps the order of checks of src/core/pipeline.ts: a guest still gets 401 first.
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
// PHP's trim set includes the vertical tab (\x0B) and NUL, on purpose.
// eslint-disable-next-line no-control-regex
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

// `between` reads three parameters in the 1.4 grammar and has its own case below.
const FILTERS: ReadonlySet<string> = new Set(FILTER_METHODS.filter((method) => method !== "between"));
const PAGING: ReadonlySet<string> = new Set(PAGING_METHODS);

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
