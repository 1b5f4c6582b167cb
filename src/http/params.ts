import { AppwriteError, invalidParam } from "../errors";
import { FORBIDDEN_KEYS, INPUT_LIMITS } from "../validation/input-limits";

/**
 * Request parameters the way Appwrite reads them: the query string for GET, the body otherwise;
 * JSON when the content type says so (an undecodable body is `{}`), PHP-style form fields
 * otherwise, with `a[]=x` and `a[0]=x` arrays.
 *
 * Every object built here inherits nothing, so no key, whatever its name, can reach
 * `Object.prototype`; the keys in FORBIDDEN_KEYS are refused anyway (src/validation/input-limits.ts
 * says why). The work is linear in the input and bounded by INPUT_LIMITS; what exceeds a bound is
 * a 400 `general_argument_invalid`, never a slow answer or a stack overflow.
 */

export type Params = Record<string, unknown>;

type Container = Params | unknown[];

/**
 * The parsers' objects: their prototype is itself prototype-less, so they inherit nothing (no
 * `__proto__` accessor, no `constructor`, nothing planted in `Object.prototype`), as with
 * `Object.create(null)`; but V8 keeps them in fast mode, where `Object.create(null)` objects start
 * as dictionaries: 64,000 of those cost several times more (Node's querystring does the same).
 */
const Bare = function Bare() {} as unknown as { new (): Params; prototype: object };
Bare.prototype = Object.freeze(Object.create(null) as object);
const emptyParams = (): Params => new Bare();

/** A JSON body's parameters; anything but a JSON object is `{}`, as in Appwrite. */
export function parseJsonBody(text: string): Params {
  if (!text) return emptyParams();
  // Before JSON.parse, which spends half a second on a 1 MiB body of `[[[[…`.
  const deep = tooDeep(text, INPUT_LIMITS.maxJsonDepth);
  if (deep === "")
    throw new AppwriteError("general_argument_invalid", `Request body must be nested at most ${INPUT_LIMITS.maxJsonDepth} levels deep.`);
  if (deep !== null) throw invalidParam(deep, `Value must be nested at most ${INPUT_LIMITS.maxJsonDepth} levels deep`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return emptyParams();
  }
  return isPlainRecord(value) ? sanitise(value) : emptyParams();
}

/** PHP's parse_str: `a=1&b[]=2&b[]=3&c[x]=4` → `{a:"1", b:["2","3"], c:{x:"4"}}`. */
export function parsePhpQuery(search: string): Params {
  const out = emptyParams();
  // The next index `[]` appends at, for containers that are objects (PHP arrays with string keys).
  const nextIndex = new WeakMap<Params, number>();
  // Arrays given explicit indices may have holes, removed at the end (see `compact`).
  const indexed = new Set<unknown[]>();
  let fields = 0;
  forEachField(search, (rawKey, value) => {
    fields += 1;
    if (fields > INPUT_LIMITS.maxFields) {
      throw new AppwriteError("general_argument_invalid", `Too many parameters: at most ${INPUT_LIMITS.maxFields} are read.`);
    }
    const open = rawKey.indexOf("[");
    if (open <= 0 || !rawKey.endsWith("]")) {
      refuseForbidden(rawKey, rawKey);
      out[rawKey] = value;
      return;
    }
    const name = rawKey.slice(0, open);
    refuseForbidden(name, name);
    const path = rawKey.slice(open + 1, -1).split("][");
    if (path.length > INPUT_LIMITS.maxDepth) {
      throw invalidParam(name, `Value must be nested at most ${INPUT_LIMITS.maxDepth} levels deep`);
    }
    // Walk down one segment at a time: `parent[key]` is where the next container (or the value) goes.
    let parent: Container = out;
    let key: string | number = name;
    for (const segment of path) {
      refuseForbidden(name, segment);
      let container = read(parent, key);
      if (typeof container !== "object" || container === null) {
        container = segment === "" || isIndex(segment) ? [] : emptyParams();
        write(parent, key, container);
      }
      if (Array.isArray(container) && segment !== "" && !isIndex(segment)) {
        // A name among indices: PHP's array is a map, so the list becomes an object.
        container = toRecord(container, nextIndex);
        write(parent, key, container);
      }
      key = childKey(name, container as Container, segment, nextIndex);
      if (Array.isArray(container) && segment !== "") indexed.add(container);
      parent = container as Container;
    }
    write(parent, key, value);
  });
  for (const array of indexed) compact(array);
  return out;
}

/**
 * The parameters of a request body. An object is a body an Express body-parser already decoded:
 * it is copied as the JSON parser would have built it.
 */
export function parseBody(contentType: string | null, body: string | Params | undefined): Params {
  if (body === undefined) return emptyParams();
  if (typeof body === "object") return isPlainRecord(body) ? sanitise(body) : emptyParams();
  if (contentType?.includes("application/json")) return parseJsonBody(body);
  if (contentType?.includes("application/x-www-form-urlencoded")) return parsePhpQuery(body);
  // Appwrite form-decodes anything that is not JSON; an empty or unreadable body is `{}`.
  return body.includes("=") ? parsePhpQuery(body) : emptyParams();
}

// ---------------------------------------------------------------------------------------------
// Form fields
// ---------------------------------------------------------------------------------------------

/**
 * `application/x-www-form-urlencoded` fields in order, as URLSearchParams splits them (`&`, the
 * first `=`, `+` for a space), stopping as soon as `visit` throws, so a huge body costs no more
 * than the fields actually read.
 */
function forEachField(search: string, visit: (key: string, value: string) => void): void {
  const text = search.startsWith("?") ? search.slice(1) : search;
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf("&", start);
    if (end === -1) end = text.length;
    if (end > start) {
      const field = text.slice(start, end);
      const eq = field.indexOf("=");
      visit(decodeComponent(eq === -1 ? field : field.slice(0, eq)), eq === -1 ? "" : decodeComponent(field.slice(eq + 1)));
    }
    start = end + 1;
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The value of an ASCII hex digit, or -1. */
function hexValue(byte: number | undefined): number {
  if (byte === undefined) return -1;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x61 + 10 : -1;
}

/**
 * Percent-decoding that keeps a malformed escape (`%zz`) as text, as PHP and URLSearchParams do,
 * but refuses bytes that are not UTF-8 (`%FF`, an encoded surrogate): URLSearchParams would turn
 * them into U+FFFD, and the value stored would not be the value sent.
 */
function decodeComponent(raw: string): string {
  const text = raw.includes("+") ? raw.replaceAll("+", " ") : raw;
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // A malformed escape or bytes that are not UTF-8: decode byte by byte to tell which.
  }
  const bytes = Buffer.from(text, "utf8");
  const out = Buffer.alloc(bytes.length);
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const high = hexValue(bytes[i + 1]);
    const low = hexValue(bytes[i + 2]);
    if (bytes[i] === 0x25 && high >= 0 && low >= 0) {
      out[length++] = high * 16 + low;
      i += 2;
    } else {
      out[length++] = bytes[i]!;
    }
  }
  try {
    return utf8.decode(out.subarray(0, length));
  } catch {
    throw new AppwriteError("general_argument_invalid", "Request parameters must be valid UTF-8.");
  }
}

// ---------------------------------------------------------------------------------------------
// Bracket keys
// ---------------------------------------------------------------------------------------------

/** A decimal array index, as the SDKs send them (`queries[0]`). */
const isIndex = (segment: string) => /^\d+$/.test(segment);

function refuseForbidden(name: string, key: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw invalidParam(name, `Key "${key}" is not allowed`);
}

function read(container: Container, key: string | number): unknown {
  return (container as Record<string | number, unknown>)[key];
}

function write(container: Container, key: string | number, value: unknown): void {
  (container as Record<string | number, unknown>)[key] = value;
}

/** The concrete key `segment` names in `container`: `[]` appends; indices are bounded. */
function childKey(name: string, container: Container, segment: string, nextIndex: WeakMap<Params, number>): string | number {
  if (Array.isArray(container)) {
    const index = segment === "" ? container.length : Number(segment);
    if (index > INPUT_LIMITS.maxIndex) throw invalidParam(name, `Array index must be at most ${INPUT_LIMITS.maxIndex}`);
    return index;
  }
  if (segment === "") {
    const next = nextIndex.get(container) ?? 0;
    nextIndex.set(container, next + 1);
    return String(next);
  }
  // As in PHP, a numeric key moves the append position past it.
  if (isIndex(segment)) {
    const after = Math.min(Number(segment) + 1, Number.MAX_SAFE_INTEGER);
    if (after > (nextIndex.get(container) ?? 0)) nextIndex.set(container, after);
  }
  return segment;
}

/** A list turned into a prototype-less object keyed by its indices. */
function toRecord(array: unknown[], nextIndex: WeakMap<Params, number>): Params {
  const record = emptyParams();
  array.forEach((item, index) => {
    record[index] = item;
  });
  nextIndex.set(record, array.length);
  return record;
}

/**
 * `a[0]=x&a[5]=y` leaves holes, which PHP's arrays do not have (its list is [0=>x, 5=>y]): the
 * elements move together, in index order, so code iterating the list never meets a hole.
 */
function compact(array: unknown[]): void {
  let count = 0;
  array.forEach(() => {
    count += 1;
  });
  if (count === array.length) return;
  const dense = array.filter(() => true);
  array.length = 0;
  array.push(...dense);
}

// ---------------------------------------------------------------------------------------------
// JSON
// ---------------------------------------------------------------------------------------------

function isPlainRecord(value: unknown): value is Params {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * When the JSON text nests deeper than `max` (the body's own object is level 1): the top-level key
 * whose value does, for the message; else null. One pass over the text, reading strings only to
 * skip them, so it costs a few milliseconds for a 1 MiB body whatever its shape.
 */
function tooDeep(text: string, max: number): string | null {
  let depth = 0;
  let keyStart = 0;
  let keyEnd = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      const start = i + 1;
      for (i = start; i < text.length && text.charCodeAt(i) !== 0x22; i++) if (text.charCodeAt(i) === 0x5c) i++;
      // At depth 1, the last string before a deep value is that value's key.
      if (depth === 1) [keyStart, keyEnd] = [start, i];
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return jsonString(text.slice(keyStart, keyEnd));
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    }
  }
  return null;
}

function jsonString(raw: string): string {
  try {
    return String(JSON.parse(`"${raw}"`));
  } catch {
    return raw;
  }
}

type Pending = { name: string; from: object; to: Container; depth: number };

/**
 * A decoded JSON body rebuilt from objects that inherit nothing, with forbidden keys refused at
 * any depth. JSON.parse keeps `"__proto__"` as an own key, harmless until a later `Object.assign`
 * or merge copies it into an ordinary object and so sets that object's prototype. The walk keeps
 * its own stack, so depth costs no call stack; the depth bound applies here too, for bodies an
 * Express body-parser decoded (they skip `tooDeep`).
 */
function sanitise(body: Params): Params {
  const root = emptyParams();
  const pending: Pending[] = [{ name: "", from: body, to: root, depth: 1 }];
  while (pending.length > 0) {
    const { name, from, to, depth } = pending.pop()!;
    if (depth > INPUT_LIMITS.maxJsonDepth)
      throw invalidParam(name, `Value must be nested at most ${INPUT_LIMITS.maxJsonDepth} levels deep`);
    if (Array.isArray(from)) {
      // A decoded body's arrays are dense and shorter than the body; a pre-parsed one may be sparse.
      if (from.length > INPUT_LIMITS.maxBodyBytes) throw invalidParam(name, "Value is too long");
      const list = to as unknown[];
      from.forEach((item) => list.push(copyOf(item, name, depth, pending)));
      continue;
    }
    for (const key of Object.keys(from)) {
      const param = name || key;
      refuseForbidden(param, key);
      (to as Params)[key] = copyOf((from as Params)[key], param, depth, pending);
    }
  }
  return root;
}

/** A primitive as it is; an object or array as an empty container, queued to be filled. */
function copyOf(value: unknown, name: string, depth: number, pending: Pending[]): unknown {
  if (typeof value !== "object" || value === null) return value;
  const to: Container = Array.isArray(value) ? [] : emptyParams();
  pending.push({ name, from: value, to, depth: depth + 1 });
  return to;
}
