/**
 * PHP's `version_compare` (ext/standard/versioning.c), which Appwrite uses to compare an SDK's
 * `X-Appwrite-Response-Format` with the server's version (src/http/response-format.ts).
 */

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
