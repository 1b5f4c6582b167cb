/**
 * Generators of hostile input for the adversarial suite: parameter trees and their JSON and
 * PHP-form encodings, bracket keys with prototype segments and sparse indices, invalid UTF-8,
 * lone surrogates, control characters, huge values and headers, wrong content types.
 */
import fc from "fast-check";
import type { OperationName } from "gatehouse-auth";
import { routes } from "../../src/http/routes";
import { API_KEY, OWNER, PROJECT, paramNames } from "./fuzz-harness";
import { printable, type FuzzRequest } from "./fuzz-wire";

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** Bytes that are not UTF-8: a lone continuation byte, overlong forms, an encoded surrogate, truncations. */
export const INVALID_UTF8: ReadonlyArray<readonly number[]> = [
  [0xff],
  [0x80],
  [0xc0, 0xaf],
  [0xe0, 0x80, 0xaf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0xe2, 0x82],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
];

/** A parameter value: a JSON-like tree, plus two kinds the encoders render specially. */
export type Value =
  | string
  | number
  | boolean
  | null
  | Value[]
  | { o: Array<[string, Value]> }
  /** `depth` levels of nesting: `[[[…]]]` in JSON, `k[x][x]…` in a form. */
  | { nest: number; leaf: string }
  /** Raw bytes that are not UTF-8, inside a string. */
  | { bytes: number[]; around: string };

const PROTO_KEYS = ["__proto__", "constructor", "prototype"] as const;
/** Operation and outcome flags a polluted prototype would switch on (src/core/operation.ts, context.ts). */
const FLAG_KEYS = [
  "mfaGroup",
  "anyOrigin",
  "redirect",
  "cookies",
  "setSession",
  "clearSession",
  "htmlErrors",
  "sessionGroup",
  "scope",
  "status",
  "headers",
  "0",
  "length",
];

export const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));
const control = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.constantFrom(0x7f, 0x85, 0xa0, 0x2028, 0x2029, 0x202e, 0xfeff, 0xfffd, 0xffff))
  .map((c) => String.fromCharCode(c));
const syntax = fc.constantFrom(
  "[",
  "]",
  "=",
  "&",
  "%",
  "+",
  "@",
  "＠",
  "\\",
  '"',
  "'",
  "{",
  "}",
  "/",
  ".",
  ";",
  ",",
  "?",
  "#",
  "<",
  ">",
  "\t",
  " ",
);

const unit = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 1 }) },
  { weight: 3, arbitrary: fc.string({ unit: "binary", minLength: 1, maxLength: 1 }) },
  { weight: 2, arbitrary: syntax },
  { weight: 1, arbitrary: loneSurrogate },
  { weight: 1, arbitrary: control },
);

const SPECIAL_STRINGS = [
  "",
  " ",
  ...PROTO_KEYS,
  "toString",
  "hasOwnProperty",
  "unique()",
  "null",
  "undefined",
  "true",
  "false",
  "0",
  "-1",
  "1e309",
  "NaN",
  "Infinity",
  "[]",
  "{}",
  OWNER.email,
  ` ${OWNER.email.toUpperCase()} `,
  OWNER.email.replace("@", "＠"),
  OWNER.password,
  "http://localhost/fuzz",
  "https://evil.example/steal",
  "//evil.example",
  "javascript:alert(1)",
  "totp",
  "mock",
  "current",
  "$SESSION_ID",
  "$USER_ID",
  "limit(1e300)",
  "offset(99999999999999999999)",
  '{"method":"limit","values":[1e300]}',
  '{"method":"offset","values":[1e20]}',
  '{"method":"and","values":[{"method":"limit","values":[1]}]}',
  "%00",
  "\u0000",
  "\ud800",
  "a\udfffb",
  "+14155550100",
  "123456",
  "\u202e\u0000\r\n",
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.string({ unit, maxLength: 24 }) },
  { weight: 4, arbitrary: fc.constantFrom(...SPECIAL_STRINGS) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 100, maxLength: 600 }) },
  // Now and then a big one: up to 60 000 UTF-16 units (at most ~180 KB of UTF-8).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom("x", "é", "😀", "\ud800", "[", "%", "a@b."), fc.integer({ min: 1_000, max: 70_000 }))
      .map(([c, n]) => c.repeat(n)),
  },
);

export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.constantFrom(1e300, -1e300, 2 ** 53, 2 ** 53 + 2, 1e20, -0, 0.5, 4294967295, 400000000, Number.MAX_VALUE, Number.MIN_VALUE),
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  { weight: 2, arbitrary: fc.constantFrom(...FLAG_KEYS) },
  { weight: 3, arbitrary: fc.string({ unit, maxLength: 12 }) },
);

const bytesValue = fc
  .tuple(fc.constantFrom(...INVALID_UTF8), fc.string({ maxLength: 6 }))
  .map(([bytes, around]): Value => ({ bytes: [...bytes], around }));

export function hostileValue(maxNest = 2_000): fc.Arbitrary<Value> {
  const leaf: fc.Arbitrary<Value> = fc.oneof(
    { weight: 8, arbitrary: hostileString },
    { weight: 2, arbitrary: hostileNumber },
    { weight: 1, arbitrary: fc.boolean() },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: bytesValue },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: maxNest }), fc.constantFrom("1", "x", "__proto__"))
        .map(([nest, l]): Value => ({ nest, leaf: l })),
    },
  );
  const { value } = fc.letrec<{ value: Value; array: Value[]; object: { o: Array<[string, Value]> } }>((tie) => ({
    value: fc.oneof({ maxDepth: 3, depthIdentifier: "value" }, leaf, tie("array"), tie("object")),
    array: fc.array(tie("value"), { maxLength: 4 }),
    object: fc.array(fc.tuple(hostileKey, tie("value")), { maxLength: 4 }).map((o) => ({ o })),
  }));
  return value;
}

// ---------------------------------------------------------------------------------------------
// Encoders
// ---------------------------------------------------------------------------------------------

/** A body under construction: text, with raw (non-UTF-8) byte runs where a value asked for them. */
type Part = string | Uint8Array;

export function joinParts(parts: Part[]): string | Uint8Array {
  if (parts.every((p) => typeof p === "string")) return parts.join("");
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? Buffer.from(p, "utf8") : Buffer.from(p))));
}

/** JSON text; lone surrogates become `\udXXX` escapes (JSON.stringify's well-formed output). */
export function jsonParts(value: Value, out: Part[] = []): Part[] {
  if (value === null || typeof value === "boolean") out.push(String(value));
  else if (typeof value === "number") out.push(Number.isFinite(value) ? String(value) : value < 0 ? "-1e999" : "1e999");
  else if (typeof value === "string") out.push(JSON.stringify(value));
  else if (Array.isArray(value)) {
    out.push("[");
    value.forEach((v, i) => {
      if (i) out.push(",");
      jsonParts(v, out);
    });
    out.push("]");
  } else if ("o" in value) {
    out.push("{");
    value.o.forEach(([k, v], i) => {
      out.push(`${i ? "," : ""}${JSON.stringify(k)}:`);
      jsonParts(v, out);
    });
    out.push("}");
  } else if ("nest" in value) out.push(`${"[".repeat(value.nest)}${JSON.stringify(value.leaf)}${"]".repeat(value.nest)}`);
  else out.push(`"${value.around}`, Uint8Array.from(value.bytes), `"`);
  return out;
}

export function jsonBody(entries: Array<[string, Value]>): string | Uint8Array {
  return joinParts(jsonParts({ o: entries }));
}

/** Percent-encodes the UTF-8 of `text` (lone surrogates become U+FFFD's bytes, as a browser sends them). */
export function pct(text: string, keepBrackets = false): string {
  let out = "";
  for (const byte of wtf8(text)) {
    const c = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-_.~]/.test(c) || (keepBrackets && (c === "[" || c === "]"))) out += c;
    else out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}

/**
 * UTF-8 bytes, except that a lone surrogate becomes its own three bytes (WTF-8) instead of U+FFFD:
 * the only way a client can put one on the wire in a form, and invalid UTF-8 the server must refuse.
 */
function wtf8(text: string): number[] {
  const bytes: number[] = [];
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff)
      bytes.push(0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f));
    else bytes.push(...Buffer.from(char, "utf8"));
  }
  return bytes;
}

const pctBytes = (bytes: readonly number[]) => bytes.map((b) => `%${b.toString(16).toUpperCase().padStart(2, "0")}`).join("");

/** PHP-form pairs for one named value: `k[a][]=v`, the way a browser or PHP client sends them. */
export function formPairs(name: string, value: Value, out: Array<[string, string]> = []): Array<[string, string]> {
  if (value === null) out.push([pct(name, true), ""]);
  else if (typeof value === "boolean" || typeof value === "number") out.push([pct(name, true), pct(String(value))]);
  else if (typeof value === "string") out.push([pct(name, true), pct(value)]);
  else if (Array.isArray(value)) value.forEach((v, i) => formPairs(`${name}[${i % 2 ? i : ""}]`, v, out));
  else if ("o" in value) for (const [k, v] of value.o) formPairs(`${name}[${k}]`, v, out);
  else if ("nest" in value) out.push([`${pct(name, true)}${"[x]".repeat(value.nest)}`, pct(value.leaf)]);
  else out.push([pct(name, true), `${pct(value.around)}${pctBytes(value.bytes)}`]);
  return out;
}

export function formText(entries: Array<[string, Value]>, raw: Array<[string, string]> = []): string {
  const pairs: Array<[string, string]> = [];
  for (const [name, value] of entries) formPairs(name, value, pairs);
  pairs.push(...raw);
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

/** A bracket key aimed at the form parser: prototype segments, sparse and huge indices, empty segments. */
export const bracketSegment = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...PROTO_KEYS) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      "",
      "0",
      "1",
      "01",
      "-1",
      "1e3",
      " ",
      "400000000",
      "4294967295",
      "4294967296",
      "99999991",
      "9007199254740993",
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(...FLAG_KEYS) },
  {
    weight: 2,
    arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 6 }).filter((s) => !s.includes("]") && !s.includes("&") && !s.includes("=")),
  },
);

export const rawBracketPair: fc.Arbitrary<[string, string]> = fc
  .tuple(
    fc.oneof(
      fc.constantFrom(...PROTO_KEYS, "queries", "email", "prefs", "scopes", "a"),
      fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 6 }),
    ),
    fc.array(bracketSegment, { minLength: 1, maxLength: 6 }),
    hostileString,
  )
  .map(([name, segments, value]): [string, string] => [`${pct(name)}${segments.map((s) => `[${pct(s)}]`).join("")}`, pct(value)]);

// ---------------------------------------------------------------------------------------------
// Parameters per route
// ---------------------------------------------------------------------------------------------

/** Plausible values by parameter name, so generated requests also get past validation now and then. */
const PLAUSIBLE: Record<string, readonly Value[]> = {
  userId: ["unique()", "$USER_ID", "new-user-1", "a".repeat(37)],
  email: [OWNER.email, "new@example.com", " Owner@Example.COM ", "owner＠example.com"],
  password: [OWNER.password, "password123!", "short"],
  oldPassword: [OWNER.password, "wrong password"],
  name: ["Jane", "", "x".repeat(129)],
  phone: ["+14155550100", "+1 415 555 0100"],
  url: ["http://localhost/cb", "https://evil.example/steal"],
  success: ["http://localhost/ok", "https://evil.example/ok"],
  failure: ["http://localhost/no", "https://evil.example/no"],
  secret: ["0".repeat(64), "123456"],
  otp: ["123456", "000000"],
  prefs: [{ o: [["theme", "dark"]] }, { o: [["nested", { o: [["a", [1, 2]]] }]] }],
  mfa: [true, false, "true"],
  factor: ["email", "totp", "phone", "recoverycode"],
  challengeId: ["abc"],
  sessionId: ["current", "$SESSION_ID"],
  provider: ["mock", "github"],
  scopes: [["openid"], []],
  queries: [
    ['{"method":"limit","values":[1]}'],
    ["limit(1e300)"],
    ['{"method":"offset","values":[1e20]}'],
    // The Users API's lists (src/core/list-query.ts): attributes, types, cursors, nesting.
    ['{"method":"cursorAfter","values":["$USER_ID"]}', '{"method":"orderDesc","attribute":"passwordUpdate"}'],
    [
      '{"method":"or","values":[{"method":"startsWith","attribute":"name","values":["%_!"]},{"method":"contains","attribute":"labels","values":["vip"]}]}',
    ],
    ['{"method":"between","attribute":"$createdAt","values":["2020-01-01","not a date"]}'],
    ['{"method":"equal","attribute":"status","values":[true,"1"]}', '{"method":"cursorBefore","values":["nobody"]}'],
  ],
  search: ["owner", "@@", '"exact phrase"', "x".repeat(257)],
  total: [false, "0", "yes"],
  labels: [["vip", "beta"], ["no-dash"], ["a".repeat(37)]],
  status: [true, "false", 2],
  number: ["+14155550100", ""],
  length: [6, "128", 3, 1.5],
  expire: [60, "31536001"],
  duration: [0, 3600, -1],
  providerType: ["email", "sms", "push", "EMAIL"],
  emailVerification: [true, "true"],
  phoneVerification: [false],
  identityId: ["nothing"],
  phrase: [true, "1"],
  targetId: ["unique()", "$USER_ID", "device-1", "_bad"],
  identifier: ["fcm-token-1", "owner@example.com", "+14155550100", "token", "x".repeat(256)],
  providerId: ["fcm", "apns", "no spaces", "provider1"],
  type: ["totp"],
  code: ["code"],
  state: ["state"],
  client_id: ["mock-client"],
  redirect_uri: ["http://localhost/v1/account/sessions/oauth2/callback/mock/fuzz-project"],
  project: [PROJECT, "other"],
  locale: ["en", "de", "xx"],
};

function paramEntry(operation: OperationName, maxNest: number): fc.Arbitrary<[string, Value]> {
  const names = [...paramNames(operation), "locale", "queries"];
  const name = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...names) }, { weight: 1, arbitrary: hostileKey });
  return name.chain((n) => {
    // Own keys only: a generated name may well be "constructor".
    const plausible = Object.hasOwn(PLAUSIBLE, n) ? PLAUSIBLE[n] : undefined;
    const value = plausible
      ? fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...plausible) }, { weight: 3, arbitrary: hostileValue(maxNest) })
      : hostileValue(maxNest);
    return value.map((v): [string, Value] => [n, v]);
  });
}

/** Only the route's own parameters, with plausible values: requests that get as far as the store. */
export function plausibleEntries(operation: OperationName): fc.Arbitrary<Array<[string, Value]>> {
  const names = paramNames(operation).filter((n) => Object.hasOwn(PLAUSIBLE, n));
  return fc
    .tuple(...names.map((n) => fc.option(fc.constantFrom(...PLAUSIBLE[n]!), { freq: 4, nil: undefined }).map((v) => [n, v] as const)))
    .map((pairs) => pairs.filter((p): p is readonly [string, Value] => p[1] !== undefined).map(([n, v]): [string, Value] => [n, v]));
}

export function paramEntries(operation: OperationName, maxNest = 2_000): fc.Arbitrary<Array<[string, Value]>> {
  return fc.array(paramEntry(operation, maxNest), { maxLength: 6 });
}

// ---------------------------------------------------------------------------------------------
// Headers
// ---------------------------------------------------------------------------------------------

/** What a header value can carry: bytes as latin1 (UTF-8 text arrives so), no CR, LF or NUL. */
export function headerValue(text: string): string {
  return Buffer.from(text, "utf8")
    .toString("latin1")
    .replace(/[\0\r\n]/g, "");
}

const cookieName = `a_session_${PROJECT}`;
const hugeHeader = fc
  .tuple(fc.constantFrom("a=b; ", "x", "[[[[", "%", "\\u0000", "é"), fc.integer({ min: 2_000, max: 64_000 }))
  .map(([c, n]) => c.repeat(Math.ceil(n / c.length)));
const hostileHeader = fc.oneof({ weight: 4, arbitrary: hostileString.map(headerValue) }, { weight: 1, arbitrary: hugeHeader });

const nestedJson = fc.integer({ min: 1, max: 20_000 }).map((n) => `${"[".repeat(n)}${"]".repeat(n)}`);
export const credentials = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("none", "cookie") },
  { weight: 2, arbitrary: fc.constantFrom("legacy-cookie", "session-header", "fallback", "jwt", "key") },
  { weight: 1, arbitrary: fc.constantFrom("jwt+cookie", "key+cookie", "garbage") },
);

export function credentialHeaders(kind: string): Array<[string, string]> {
  switch (kind) {
    case "cookie":
      return [["cookie", `${cookieName}=$SESSION`]];
    case "legacy-cookie":
      return [["cookie", `${cookieName}_legacy=$SESSION`]];
    case "session-header":
      return [["x-appwrite-session", "$SESSION"]];
    case "fallback":
      return [["x-fallback-cookies", JSON.stringify({ [cookieName]: "$SESSION" })]];
    case "jwt":
      return [["x-appwrite-jwt", "$JWT"]];
    case "key":
      return [["x-appwrite-key", API_KEY]];
    case "jwt+cookie":
      return [
        ["x-appwrite-jwt", "$JWT"],
        ["cookie", `${cookieName}=$SESSION`],
      ];
    case "key+cookie":
      return [
        ["x-appwrite-key", API_KEY],
        ["cookie", `${cookieName}=$SESSION`],
      ];
    case "garbage":
      return [["x-appwrite-session", "eyJpZCI6Il9fcHJvdG9fXyIsInNlY3JldCI6e319"]];
    default:
      return [];
  }
}

/** Each hostile header in about one request of eight, so that most requests still get past the early checks. */
const optionalHeader = (name: string, values: fc.Arbitrary<string>) =>
  fc.oneof({ weight: 7, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: values.map((v): [string, string] => [name, v]) });

/** Extra, mostly hostile, headers: every one the handler reads, and a few it should not. */
export const hostileHeaders: fc.Arbitrary<Array<[string, string]>> = fc
  .tuple(
    optionalHeader(
      "x-appwrite-response-format",
      fc.oneof(fc.constantFrom("1.4.0", "1.5.0", "1.6.0", "1.6.2", "2.0.0", "0", "", "preview", "abc", "1.4", "0.0.1"), hostileHeader),
    ),
    optionalHeader(
      "origin",
      fc.oneof(
        fc.constantFrom(
          "http://localhost",
          "https://localhost:3000",
          "http://evil.example",
          "null",
          "appwrite-ios://com.example",
          "file://",
          "http://[::1",
          "data:,",
        ),
        hostileHeader,
      ),
    ),
    optionalHeader("referer", fc.oneof(fc.constantFrom("http://localhost/page", "http://evil.example/", "not a url"), hostileHeader)),
    optionalHeader(
      "x-forwarded-for",
      fc.oneof(
        fc.array(fc.oneof(fc.ipV4(), fc.ipV6(), fc.constant("127.0.0.1")), { minLength: 1, maxLength: 5 }).map((ips) => ips.join(", ")),
        hostileHeader,
      ),
    ),
    optionalHeader("cookie", fc.oneof(hostileHeader, fc.constant(`${cookieName}=%E0%A4%A; ${cookieName}=$SESSION`))),
    optionalHeader(
      "x-fallback-cookies",
      fc.oneof(
        hostileHeader,
        nestedJson,
        fc.constant(`{"__proto__":{"${cookieName}":"$SESSION"}}`),
        fc.constant(`{"${cookieName.toUpperCase()}":"$SESSION"}`),
      ),
    ),
    optionalHeader("x-appwrite-session", hostileHeader),
    optionalHeader("x-appwrite-jwt", fc.oneof(hostileHeader, fc.constant("a.b.c"), fc.constant("$JWT.x"))),
    optionalHeader("x-appwrite-key", fc.oneof(hostileHeader, fc.constant(`${API_KEY}x`))),
    optionalHeader("x-appwrite-locale", hostileHeader),
    optionalHeader(
      "x-appwrite-timestamp",
      fc.oneof(hostileHeader, fc.constantFrom("2000-01-01T00:00:00.000+00:00", "9999-99-99", "1e309")),
    ),
    optionalHeader("user-agent", hostileHeader),
    optionalHeader("x-forwarded-proto", fc.constantFrom("https", "http", "gopher", "")),
    optionalHeader("x-forwarded-host", fc.constantFrom("evil.example", "a b", "[::1")),
    optionalHeader("host", fc.constantFrom("evil.example", "a b", "[::1", "localhost:99999", "localhost")),
  )
  .map((list) => list.filter((h): h is [string, string] => h !== null));

export const peerIp = fc.oneof(
  { weight: 2, arbitrary: fc.constant("127.0.0.1") },
  { weight: 3, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6() },
  { weight: 1, arbitrary: fc.constant("::ffff:10.0.0.1") },
);
export const urlOrigin = fc.oneof(
  { weight: 6, arbitrary: fc.constant("http://localhost") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "https://localhost",
      "http://localhost:3000",
      "http://127.0.0.1",
      "http://[::1]",
      "http://h1.localhost",
      "http://evil.example",
      "http://LOCALHOST",
      "http://xn--e1afmkfd.example",
    ),
  },
);

// ---------------------------------------------------------------------------------------------
// Whole requests
// ---------------------------------------------------------------------------------------------

export type Route = (typeof routes)[number];

/** A path segment for `:name`: a value the route knows, or something hostile (percent-encoded). */
function pathValue(name: string): fc.Arbitrary<string> {
  const known: Record<string, string[]> = {
    type: ["totp", "TOTP", "email"],
    provider: ["mock", "MOCK", "github", "oidc"],
    projectId: [PROJECT, "other"],
    sessionId: ["current", "$SESSION_ID", "unknown"],
    identityId: ["abc", "$USER_ID"],
    // The Users API's paths: the owner most of the time, so requests reach the route's own code.
    userId: ["$USER_ID", "$USER_ID", "unknown"],
    targetId: ["unknown", "$USER_ID"],
  };
  return fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(Object.hasOwn(known, name) ? known[name]! : ["x"])) },
    { weight: 2, arbitrary: hostileString.filter((s) => s.length > 0 && s.length < 5_000).map((s) => pct(s)) },
    { weight: 1, arbitrary: fc.constantFrom("%", "%E0%A4%A", "%FF", "%2F..%2F", "__proto__", "constructor", "..") },
  );
}

export function fillPath(template: string, values: string[]): string {
  let i = 0;
  return template.replace(/:([A-Za-z]+)/g, () => values[i++] ?? "x");
}

/** How a body is sent: the JSON parser, the form parser, and every way of confusing the two. */
export const ENCODINGS = [
  "json",
  "json-charset",
  "form",
  "text-plain",
  "none",
  "xml",
  "multipart",
  "json-as-form",
  "form-as-json",
  "json-array",
  "json-scalar",
  "json-broken",
  "empty",
] as const;
export type Encoding = (typeof ENCODINGS)[number];

export function encodeBody(
  encoding: Encoding,
  entries: Array<[string, Value]>,
  raw: Array<[string, string]>,
): { contentType: string | null; body: string | Uint8Array | null } {
  const json = () => jsonBody(entries);
  const form = () => formText(entries, raw);
  switch (encoding) {
    case "json":
      return { contentType: "application/json", body: json() };
    case "json-charset":
      return { contentType: "application/json; charset=latin1", body: json() };
    case "form":
      return { contentType: "application/x-www-form-urlencoded", body: form() };
    case "text-plain":
      return { contentType: "text/plain", body: form() };
    case "none":
      return { contentType: null, body: form() };
    case "xml":
      return { contentType: "application/xml", body: json() };
    case "multipart":
      return { contentType: "multipart/form-data; boundary=fuzz", body: form() };
    case "json-as-form":
      return { contentType: "application/x-www-form-urlencoded", body: json() };
    case "form-as-json":
      return { contentType: "application/json", body: form() };
    case "json-array":
      return { contentType: "application/json", body: joinParts(["[", ...jsonParts({ o: entries }), "]"]) };
    case "json-scalar":
      return { contentType: "application/json", body: '"__proto__"' };
    case "json-broken": {
      const text = json();
      return {
        contentType: "application/json",
        body: typeof text === "string" ? text.slice(0, Math.max(1, text.length - 1)) : text.subarray(0, Math.max(1, text.length - 1)),
      };
    }
    case "empty":
      return { contentType: "application/json", body: "" };
  }
}

export interface RequestShape {
  entries: Array<[string, Value]>;
  raw: Array<[string, string]>;
  encoding: Encoding;
  credential: string;
  headers: Array<[string, string]>;
  pathValues: string[];
  origin: string;
  ip: string;
  project: "header" | "param" | "none" | "wrong";
  /** A query string on a request with a body too (the handler must ignore it). */
  strayQuery: boolean;
}

export function requestShape(route: Route, options: { maxNest?: number } = {}): fc.Arbitrary<RequestShape> {
  const [, template, operation] = route;
  const pathNames = [...template.matchAll(/:([A-Za-z]+)/g)].map((m) => m[1]!);
  return fc.record({
    entries: paramEntries(operation, options.maxNest),
    raw: fc.array(rawBracketPair, { maxLength: 3 }),
    encoding: fc.constantFrom(...ENCODINGS),
    credential: credentials,
    headers: hostileHeaders,
    pathValues: fc.tuple(...pathNames.map(pathValue)),
    origin: urlOrigin,
    ip: peerIp,
    project: fc.oneof(
      { weight: 8, arbitrary: fc.constant("header" as const) },
      { weight: 1, arbitrary: fc.constantFrom("param" as const, "none" as const, "wrong" as const) },
    ),
    strayQuery: fc.boolean(),
  });
}

export function buildRequest(route: Route, shape: RequestShape): FuzzRequest {
  const [method, template, operation] = route;
  const entries = [...shape.entries];
  const headers: Array<[string, string]> = [...credentialHeaders(shape.credential), ...shape.headers];
  if (shape.project === "header") headers.push(["x-appwrite-project", PROJECT]);
  if (shape.project === "wrong") headers.push(["x-appwrite-project", "other-project"]);
  if (shape.project === "param") entries.push(["project", PROJECT]);
  let query = "";
  let contentType: string | null = null;
  let body: string | Uint8Array | null = null;
  if (method === "GET") query = formText(entries, shape.raw);
  else {
    ({ contentType, body } = encodeBody(shape.encoding, entries, shape.raw));
    if (shape.strayQuery) query = formText(shape.entries.slice(0, 2), shape.raw);
  }
  return printable({
    method,
    route: template,
    operation,
    origin: shape.origin,
    path: fillPath(template, shape.pathValues),
    query,
    contentType,
    body,
    headers,
    ip: shape.ip,
  });
}

export function routeRequest(route: Route, options: { maxNest?: number } = {}): fc.Arbitrary<FuzzRequest> {
  return requestShape(route, options).map((shape) => buildRequest(route, shape));
}

/** A plain request for the targeted properties: valid project, no origin, one IP. */
export function plainRequest(method: string, path: string, operation: OperationName, init: Partial<FuzzRequest> = {}): FuzzRequest {
  return printable({
    method,
    route: path,
    operation,
    origin: "http://localhost",
    path,
    query: "",
    contentType: null,
    body: null,
    headers: [["x-appwrite-project", PROJECT]],
    ip: "203.0.113.7",
    ...init,
  });
}

export { routes };
