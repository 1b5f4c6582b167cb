/**
 * Request parameters the way Appwrite reads them (spec §1.2): the query string for GET, the body
 * otherwise; JSON when the content type says so (an invalid body is `{}`), PHP-style form fields
 * otherwise, with `a[]=x` and `a[0]=x` arrays.
 */

export type Params = Record<string, unknown>;

export function parseJsonBody(text: string): Params {
  if (!text) return {};
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Params) : {};
  } catch {
    return {};
  }
}

/** PHP's parse_str: `a=1&b[]=2&b[]=3&c[x]=4` → `{a:"1", b:["2","3"], c:{x:"4"}}`. */
export function parsePhpQuery(search: string): Params {
  const out: Params = {};
  for (const [rawKey, value] of new URLSearchParams(search)) {
    const open = rawKey.indexOf("[");
    if (open <= 0 || !rawKey.endsWith("]")) {
      out[rawKey] = value;
      continue;
    }
    const name = rawKey.slice(0, open);
    const path = rawKey
      .slice(open + 1, -1)
      .split("][");
    let container = out[name];
    if (typeof container !== "object" || container === null) container = out[name] = path[0] === "" || /^\d+$/.test(path[0] ?? "") ? [] : {};
    assign(container as Params | unknown[], path, value);
  }
  return out;
}

function assign(container: Params | unknown[], path: string[], value: string): void {
  const [head = "", ...rest] = path;
  if (rest.length === 0) {
    if (Array.isArray(container)) {
      if (head === "") container.push(value);
      else container[Number(head)] = value;
    } else {
      container[head === "" ? String(Object.keys(container).length) : head] = value;
    }
    return;
  }
  const key = head === "" ? (Array.isArray(container) ? container.length : Object.keys(container).length) : head;
  const record = container as Record<string | number, unknown>;
  let next = record[key];
  if (typeof next !== "object" || next === null) next = record[key] = rest[0] === "" || /^\d+$/.test(rest[0] ?? "") ? [] : {};
  assign(next as Params | unknown[], rest, value);
}

export function parseBody(contentType: string | null, body: string | Params | undefined): Params {
  if (body === undefined) return {};
  if (typeof body === "object") return body;
  if (contentType?.includes("application/json")) return parseJsonBody(body);
  if (contentType?.includes("application/x-www-form-urlencoded")) return parsePhpQuery(body);
  // Appwrite form-decodes anything that is not JSON; an empty or unreadable body is `{}`.
  return body.includes("=") ? parsePhpQuery(body) : {};
}
