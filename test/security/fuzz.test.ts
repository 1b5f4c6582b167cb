/**
 * The adversarial suite of issue 11: property-based fuzzing of the whole Account API, in process
 * (createHandler(...).fetch over the memory store, see fuzz-harness.ts). Seeded: FUZZ_SEED picks
 * the seed (default below), FUZZ_RUNS the number of runs of the per-route property (the others
 * scale with it); `npm run fuzz` runs it longer. A failure prints the route, the request and
 * fast-check's seed and path; replay it with FUZZ_REPLAY="<seed>:<path>" and `-t "<test name>"`.
 *
 * Properties, and what each protects:
 *
 *  P1  every route (taken from src/http/routes.ts, so a new route is fuzzed automatically) ×
 *      hostile parameters through the JSON parser, the form/query parser and every confusing
 *      content type, hostile headers and credentials: no status ≥ 500, an Appwrite error body
 *      {message, code, type, version} (the HTML page on the OAuth2 browser routes), no stack
 *      trace, no prototype changed, an answer within the time bound, and no store write on a
 *      request refused as 400 general_argument_invalid.                           (items 1–3, 9–11)
 *  P2  `__proto__`, `constructor`, `prototype` in every position of bracket keys and JSON bodies
 *      change no prototype, and cannot make an answer redirect or set a cookie the attacker chose
 *      (the MFA-gate, origin-check, redirect and session-fixation attacks of item 1).
 *  P3  nested bracket keys `a[x][x]…` parse in linear time and beyond the nesting cap (PHP's 64,
 *      plus slack: 72 levels and more) are refused with 400 general_argument_invalid; many keys
 *      cost bounded time.                                                          (item 2)
 *  P4  sparse or huge array indices (`queries[N]`, N ≥ 100 000), with and without the 1.4
 *      request filters (X-Appwrite-Response-Format: 1.4.0), are refused quickly with 400; gaps in
 *      an array never give a 500.                                                  (item 3)
 *  P5  Query.limit/offset beyond the safe-integer range are refused with 400.     (item 9)
 *  P6  lone surrogates and invalid UTF-8 in text fields are refused with 400, nothing stored. (item 11)
 *  P7  no link, redirect or message points at a host the request chose (URL host, Host,
 *      X-Forwarded-Host, Origin, Referer).                                        (item 5)
 *  P8  a malformed Host / request URL answers a JSON 4xx, never a 500 or an HTML stack trace,
 *      both through the handler and through the Express adapter.                  (item 10)
 *  P9  the login-type limits count per client IP and normalised identifier: rotating the Host,
 *      the route alias or e-mail spelling buys no extra attempts; failures from many IPs do not
 *      lock the owner out.                                                         (item 6)
 *  P10 rate-limit memory does not grow with hostile keys: every limiter key is at most 512
 *      characters whatever the input (measured through a recording RateLimiter at N and 10N
 *      distinct hostile requests), and the in-memory limiter holds at most 100 000 keys; and
 *      the heap is measured too, with a full collection before each reading.         (item 4)
 *  P11 a store outage at any point of any route answers 503 general_server_error, never 500;
 *      a SQLite file locked by another process neither stalls the event loop nor answers 500. (items 7, 8)
 *  P12 a huge value (16–160 KB) in any header the handler reads costs bounded time and never a 500:
 *      the in-process handler (Next, fetch runtimes) has no header-size limit of its own.
 *  P13 a six-digit recovery or verification code (`/account/recovery/otp`,
 *      `/account/verifications/email/otp`) is redeemed by itself only: a look-alike (spaces,
 *      full-width digits, a JSON number, a list, another code, a link secret) is refused with 400 or
 *      401 and changes no password or verification.
 *  P14 every Users API route (`/users…`) with the API key, so hostile queries, search terms,
 *      labels, ranges and target identifiers get past the scope check: the checks of P1.
 *  P15 the imported-hash parsers (src/crypto/bcrypt-hash.ts, phpass.ts, scrypt-hashes.ts): an
 *      import (`service.users.createBcryptUser` …) of any string or number either succeeds or
 *      is refused with 400 general_argument_invalid, nothing else; verifying any stored string
 *      (near-misses of every stored form included) resolves to a boolean in bounded time.
 *  P16 hostile export files for `gatehouse import`: in test/security/fuzz-import.test.ts.
 *  P17 a successful login resets only its own (IP, e-mail) counter: logins
 *      to an attacker's own account, interleaved with guesses at the owner's password from the
 *      same IP, never get more than 10 of those guesses through, and never reset a per-IP counter
 *      or another address's.
 *  P18 the password hasher's concurrency limit: in test/security/fuzz-hasher-gate.test.ts.
 *
 * In a printed counterexample `$SESSION`, `$SESSION_ID`, `$JWT` and `$USER_ID` stand for the
 * owner's credentials (fuzz-harness.ts OWNER), filled in when the request is sent.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import type { Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type BetterSqlite3 from "better-sqlite3";
import express from "express";
import fc from "fast-check";
import type { Kysely } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryRateLimiter, type RawRequest, type RawResponse } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { argon2Hasher } from "../../src/crypto/argon2-hasher";
import { withImportedHashes } from "../../src/crypto/imported-hashes";
import { AppwriteError } from "../../src/errors";
import { createRouter } from "../../src/http/routes";
import { createHarness, OWNER, PLATFORM_HOST, PROJECT, type Harness } from "./fuzz-harness";
import {
  buildRequest,
  credentialHeaders,
  headerValue,
  hostileNumber,
  hostileString,
  fillPath,
  formPairs,
  formText,
  INVALID_UTF8,
  joinParts,
  jsonBody,
  loneSurrogate,
  pct,
  plainRequest,
  paramEntries,
  plausibleEntries,
  requestShape,
  routeRequest,
  routes,
  type Value,
} from "./fuzz-inputs";
import {
  answerProblems,
  errorType,
  fail,
  restorePrototypes,
  send,
  sendChecked,
  snapshotPrototypes,
  TIME_BOUND_MS,
  type Answer,
  type FuzzRequest,
} from "./fuzz-wire";

const SEED = Number(process.env.FUZZ_SEED ?? 0x11_5ec);
/** Runs of P1 per route; every other property scales from it. */
const CI_RUNS = 20;
const RUNS = Number(process.env.FUZZ_RUNS ?? CI_RUNS);
const scaled = (ciRuns: number) => Math.max(1, Math.round((ciRuns * RUNS) / CI_RUNS));
const TEST_TIMEOUT = 60_000 * Math.max(1, RUNS / CI_RUNS);

/**
 * fast-check options: seeded (each property and route adds its own offset to FUZZ_SEED), or, to
 * replay one printed counterexample, FUZZ_REPLAY="<printed seed>:<printed path>" together with
 * `-t "<test name>"`.
 */
function params(runs: number, offset = 0): fc.Parameters<unknown> {
  const replay = /^(-?\d+):([\d:]+)$/.exec(process.env.FUZZ_REPLAY ?? "");
  return {
    ...(replay ? { seed: Number(replay[1]), path: replay[2]! } : { seed: SEED + offset }),
    numRuns: runs,
    // Shrinking a slow counterexample can take minutes: stop and report what was found by then.
    // An interrupted run fails, so that an input which stalls the server cannot pass by timing out.
    interruptAfterTimeLimit: TEST_TIMEOUT * 0.75,
    markInterruptAsFailure: true,
  };
}

let h: Harness;
beforeAll(async () => {
  h = await createHarness();
});

describe("P1: every route answers hostile input safely", () => {
  routes.forEach((route, index) => {
    const [method, template] = route;
    it(
      `${method} ${template}`,
      async () => {
        await fc.assert(
          fc.asyncProperty(routeRequest(route), async (spec) => {
            await h.reset();
            await sendChecked(h, spec);
          }),
          params(RUNS, index),
        );
      },
      TEST_TIMEOUT,
    );
  });
});

describe("P14: the Users API with a key answers hostile input safely", () => {
  routes
    .filter(([, template]) => template.startsWith("/users"))
    .forEach((route, index) => {
      const [method, template] = route;
      it(
        `${method} ${template}`,
        async () => {
          // Half the requests carry only plausible parameters, so that the routes' own code runs too.
          const entries = fc.oneof(plausibleEntries(route[2]), paramEntries(route[2]));
          const request = fc
            .tuple(requestShape(route), entries)
            .map(([shape, params]) => buildRequest(route, { ...shape, entries: params, credential: "key" }));
          await fc.assert(
            fc.asyncProperty(request, async (spec) => {
              await h.reset();
              await sendChecked(h, spec);
            }),
            params(Math.max(10, Math.ceil(RUNS / 2)), 5_000 + index),
          );
        },
        TEST_TIMEOUT,
      );
    });
});

// ---------------------------------------------------------------------------------------------
// P2: prototype keys
// ---------------------------------------------------------------------------------------------

/** What an attacker would like a polluted prototype to carry (issue 11, item 1). */
const SENTINEL_URL = "https://evil.example/pwn";
const SENTINEL_COOKIE = "ATTACKERSESSION";
const protoPayload = fc.constantFrom<[string, Value]>(
  ["redirect", SENTINEL_URL],
  ["mfaGroup", "1"],
  ["anyOrigin", "1"],
  ["sessionGroup", ""],
  [
    "cookies",
    [
      {
        o: [
          ["name", `a_session_${PROJECT}`],
          ["value", SENTINEL_COOKIE],
          ["maxAge", "3600"],
        ],
      },
    ],
  ],
  [
    "setSession",
    {
      o: [
        ["value", SENTINEL_COOKIE],
        ["expire", "2030-01-01"],
      ],
    },
  ],
  ["0", "x"],
  ["toString", "x"],
  ["length", "1"],
);
const protoPath = fc
  .array(fc.constantFrom("__proto__", "constructor", "prototype", "prefs", "queries", "email", "", "0", "a"), {
    minLength: 1,
    maxLength: 4,
  })
  .filter((segments) => segments.some((s) => s === "__proto__" || s === "constructor" || s === "prototype") && segments[0] !== "");

/** The payload at `path`, as one form pair and as a JSON entry. */
function protoEntry(path: string[], [flag, value]: [string, Value]): { pairs: Array<[string, string]>; entry: [string, Value] } {
  const pairs = formPairs(
    `${path[0]}${path
      .slice(1)
      .map((s) => `[${s}]`)
      .join("")}[${flag}]`,
    value,
  );
  let nested: Value = { o: [[flag, value]] };
  for (const segment of path.slice(1).reverse()) nested = { o: [[segment, nested]] };
  return { pairs, entry: [path[0]!, nested] };
}

describe("P2: prototype keys change no prototype and no answer", () => {
  const shape = fc.record({
    route: fc.constantFrom(...routes),
    payloads: fc.array(fc.tuple(protoPath, protoPayload), { minLength: 1, maxLength: 3 }),
    encoding: fc.constantFrom("json", "form", "text-plain", "none"),
    signedIn: fc.boolean(),
  });
  it(
    "in bracket keys and JSON bodies, on every route",
    async () => {
      await fc.assert(
        fc.asyncProperty(shape, async ({ route, payloads, encoding, signedIn }) => {
          await h.reset();
          const [method, template, operation] = route;
          const built = payloads.map(([path, payload]) => protoEntry(path, payload));
          // The owner's own credentials where the route takes them, so the success path runs too.
          const entries: Array<[string, Value]> =
            operation === "createEmailPasswordSession"
              ? [
                  ["email", OWNER.email],
                  ["password", OWNER.password],
                ]
              : [];
          const pairs = entries.flatMap(([n, v]) => formPairs(n, v)).concat(built.flatMap((b) => b.pairs));
          const form = pairs.map(([k, v]) => `${k}=${v}`).join("&");
          const spec = plainRequest(method, fillPath(template, pathDefaults(template)), operation, {
            route: template,
            headers: [["x-appwrite-project", PROJECT], ...(signedIn ? credentialHeaders("cookie") : [])],
          });
          if (method === "GET") spec.query = form;
          else if (encoding === "json")
            Object.assign(spec, { contentType: "application/json", body: jsonBody([...entries, ...built.map((b) => b.entry)]) });
          else
            Object.assign(spec, {
              contentType: encoding === "form" ? "application/x-www-form-urlencoded" : encoding === "text-plain" ? "text/plain" : null,
              body: form,
            });
          const answer = await sendChecked(h, spec);
          const location = answer.headers.get("location") ?? "";
          const cookies = answer.headers.getSetCookie().join("\n");
          const problems: string[] = [];
          if (location.includes("evil.example")) problems.push(`redirected to the attacker's URL: ${location}`);
          if (cookies.includes(SENTINEL_COOKIE) || (answer.headers.get("x-fallback-cookies") ?? "").includes(SENTINEL_COOKIE))
            problems.push("set the attacker's session cookie");
          if (problems.length) fail(spec, answer, problems);
        }),
        params(scaled(300), 1000),
      );
    },
    TEST_TIMEOUT,
  );
});

/** Path parameters that reach the route's own logic. */
function pathDefaults(template: string): string[] {
  const known: Record<string, string> = { type: "totp", provider: "mock", projectId: PROJECT, sessionId: "current", identityId: "abc" };
  return [...template.matchAll(/:([A-Za-z]+)/g)].map((m) => (Object.hasOwn(known, m[1]!) ? known[m[1]!]! : "x"));
}

// ---------------------------------------------------------------------------------------------
// P3: nested bracket keys
// ---------------------------------------------------------------------------------------------

/** PHP's max_input_nesting_level default; the fixed parser refuses deeper keys (issue 11, item 2). */
const NESTING_CAP = 64;
/** The shallowest key P3 expects refused: a few levels of slack, so that how a level is counted does not matter. */
const TOO_DEEP = NESTING_CAP + 8;

describe("P3: nested bracket keys", () => {
  const nested = fc.record({
    get: fc.boolean(),
    depth: fc.integer({ min: TOO_DEEP, max: 6_000 }),
    segment: fc.constantFrom("[x]", "[]", "[0]", "[__proto__]", "[a][]"),
    name: fc.constantFrom("a", "email", "queries", "prefs"),
    contentType: fc.constantFrom<string | null>("application/x-www-form-urlencoded", "text/plain", null),
  });
  it(
    `${TOO_DEEP} levels and deeper are refused with 400 in linear time`,
    async () => {
      await fc.assert(
        fc.asyncProperty(nested, async ({ get, depth, segment, name, contentType }) => {
          await h.reset();
          const key = `${name}${segment.repeat(Math.ceil(depth / (segment === "[a][]" ? 2 : 1)))}`;
          const spec = get
            ? plainRequest("GET", "/account", "get", { query: `${key}=1` })
            : plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
                contentType,
                body: `${key}=1&email=${pct(OWNER.email)}&password=${pct(OWNER.password)}`,
              });
          const answer = await sendChecked(h, spec);
          if (answer.status !== 400 || errorType(answer) !== "general_argument_invalid")
            fail(spec, answer, [`a key ${depth} levels deep was not refused with 400 general_argument_invalid`]);
        }),
        params(scaled(12), 2000),
      );
    },
    TEST_TIMEOUT,
  );

  const many = fc.record({
    count: fc.integer({ min: 1_000, max: 40_000 }),
    form: fc.constantFrom("a[]=1", "a[$i]=1", "k$i=1", "a[$i][b]=1", "__proto__[$i]=1"),
  });
  it(
    "many keys cost bounded time and never a 500",
    async () => {
      await fc.assert(
        fc.asyncProperty(many, async ({ count, form }) => {
          await h.reset();
          const body = Array.from({ length: count }, (_, i) => form.replace("$i", String(i))).join("&");
          await sendChecked(
            h,
            plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
              contentType: "application/x-www-form-urlencoded",
              body,
            }),
          );
        }),
        params(scaled(6), 2100),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P4: sparse indices
// ---------------------------------------------------------------------------------------------

/**
 * The smallest index the suite expects refused. The fixed parser bounds indices (issue 11, item 3)
 * far below this; today's `queries[400000000]` blocks for 8 s, so the suite stays under ~5e7.
 */
const SPARSE_INDEX = 100_000;

describe("P4: sparse array indices", () => {
  const sparse = fc.record({
    target: fc.constantFrom("logs", "identities", "login", "oauth2"),
    // Up to 5e7 where the array is only walked; up to 5e6 where today's code would also encode it
    // (the login's rate-limit key) or validate every hole (OAuth2 scopes), which costs memory.
    index: fc.integer({ min: SPARSE_INDEX, max: 50_000_000 }),
    format: fc.constantFrom<string | null>("1.4.0", null),
    signedIn: fc.boolean(),
  });
  it(
    `indices ≥ ${SPARSE_INDEX} are refused with 400, quickly`,
    async () => {
      await fc.assert(
        fc.asyncProperty(sparse, async ({ target, index: drawn, format, signedIn }) => {
          await h.reset();
          const index = target === "login" || target === "oauth2" ? SPARSE_INDEX + (drawn % 4_900_000) : drawn;
          const headers: Array<[string, string]> = [
            ["x-appwrite-project", PROJECT],
            ...(format ? ([["x-appwrite-response-format", format]] as Array<[string, string]>) : []),
            ...(signedIn ? credentialHeaders("cookie") : []),
          ];
          const spec =
            target === "login"
              ? plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
                  headers,
                  contentType: "application/x-www-form-urlencoded",
                  body: `email[${index}]=1&password=x`,
                })
              : target === "oauth2"
                ? plainRequest("GET", "/account/tokens/oauth2/mock", "createOAuth2Token", { headers, query: `scopes[${index}]=openid` })
                : plainRequest("GET", `/account/${target}`, target === "logs" ? "listLogs" : "listIdentities", {
                    headers,
                    query: `queries[${index}]=${pct("limit(1)")}`,
                  });
          const answer = await sendChecked(h, spec);
          if (answer.status !== 400 || errorType(answer) !== "general_argument_invalid")
            fail(spec, answer, [`index ${index} was not refused with 400 general_argument_invalid`]);
        }),
        params(scaled(12), 3000),
      );
    },
    TEST_TIMEOUT,
  );

  const gaps = fc.record({
    indices: fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 4 }),
    format: fc.constantFrom<string | null>("1.4.0", "1.5.0", null),
    route: fc.constantFrom("logs", "identities"),
  });
  it(
    "gaps in an array never give a 500",
    async () => {
      await fc.assert(
        fc.asyncProperty(gaps, async ({ indices, format, route }) => {
          await h.reset();
          const query = indices
            .map((i) => `queries[${i}]=${pct(format === "1.4.0" ? "limit(1)" : '{"method":"limit","values":[1]}')}`)
            .join("&");
          const headers: Array<[string, string]> = [
            ["x-appwrite-project", PROJECT],
            ...credentialHeaders("cookie"),
            ...(format ? ([["x-appwrite-response-format", format]] as Array<[string, string]>) : []),
          ];
          await sendChecked(
            h,
            plainRequest("GET", `/account/${route}`, route === "logs" ? "listLogs" : "listIdentities", { headers, query }),
          );
        }),
        params(scaled(20), 3100),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P5: limit / offset
// ---------------------------------------------------------------------------------------------

describe("P5: Query.limit / Query.offset beyond the safe-integer range", () => {
  const huge = fc.record({
    method: fc.constantFrom("limit", "offset"),
    value: fc.oneof(
      fc.constantFrom("1e300", "1e20", "9007199254740992", "9007199254740993", "1e309", "18446744073709551616"),
      fc.double({ min: 2 ** 53, max: 1e308, noNaN: true }).map(String),
    ),
    old: fc.boolean(),
    route: fc.constantFrom("logs", "identities"),
  });
  it(
    "are refused with 400 general_argument_invalid",
    async () => {
      await fc.assert(
        fc.asyncProperty(huge, async ({ method, value, old, route }) => {
          await h.reset();
          const query = old ? `${method}(${value})` : `{"method":"${method}","values":[${value}]}`;
          const headers: Array<[string, string]> = [
            ["x-appwrite-project", PROJECT],
            ...credentialHeaders("cookie"),
            ...(old ? ([["x-appwrite-response-format", "1.4.0"]] as Array<[string, string]>) : []),
          ];
          const spec = plainRequest("GET", `/account/${route}`, route === "logs" ? "listLogs" : "listIdentities", {
            headers,
            query: `queries[]=${pct(query)}`,
          });
          const answer = await sendChecked(h, spec);
          if (answer.status !== 400 || errorType(answer) !== "general_argument_invalid")
            fail(spec, answer, [`${method}(${value}) was not refused with 400 general_argument_invalid`]);
        }),
        params(scaled(20), 4000),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P6: lone surrogates and invalid UTF-8
// ---------------------------------------------------------------------------------------------

describe("P6: lone surrogates and invalid UTF-8 in text fields", () => {
  const bad = fc.record({
    route: fc.constantFrom("updateName", "create"),
    before: fc.string({ unit: "grapheme-ascii", maxLength: 8 }),
    after: fc.string({ unit: "grapheme-ascii", maxLength: 8 }),
    flaw: fc.oneof(
      loneSurrogate.map((s) => ({ surrogate: s })),
      fc.constantFrom(...INVALID_UTF8).map((b) => ({ bytes: [...b] })),
    ),
    encoding: fc.constantFrom("json", "form-pct", "form-raw"),
  });
  it(
    "are refused with 400 and nothing is stored",
    async () => {
      await fc.assert(
        fc.asyncProperty(bad, async ({ route, before, after, flaw, encoding }) => {
          await h.reset();
          const name: Value = "surrogate" in flaw ? `${before}${flaw.surrogate}${after}` : { bytes: flaw.bytes, around: before };
          const others: Array<[string, Value]> =
            route === "create"
              ? [
                  ["userId", "unique()"],
                  ["email", "fresh@example.com"],
                  ["password", "password123!"],
                ]
              : [];
          const entries: Array<[string, Value]> = [...others, ["name", name]];
          let body: string | Uint8Array;
          let contentType: string;
          if (encoding === "json") {
            body = jsonBody(entries);
            contentType = "application/json";
          } else if (encoding === "form-pct" || "surrogate" in flaw) {
            body = formText(entries);
            contentType = "application/x-www-form-urlencoded";
          } else {
            body = joinParts([formText(others), others.length ? "&" : "", `name=${pct(before)}`, Uint8Array.from(flaw.bytes), pct(after)]);
            contentType = "application/x-www-form-urlencoded";
          }
          const spec =
            route === "create"
              ? plainRequest("POST", "/account", "create", { contentType, body })
              : plainRequest("PATCH", "/account/name", "updateName", {
                  contentType,
                  body,
                  headers: [["x-appwrite-project", PROJECT], ...credentialHeaders("cookie")],
                });
          const answer = await sendChecked(h, spec);
          if (answer.status !== 400 || errorType(answer) !== "general_argument_invalid")
            fail(spec, answer, ["a name that is not well-formed UTF-8 was not refused with 400 general_argument_invalid"]);
          if (answer.writes.length) fail(spec, answer, [`wrote ${answer.writes.join(", ")}`]);
        }),
        params(scaled(30), 5000),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P13: six-digit codes
// ---------------------------------------------------------------------------------------------

describe("P13: a recovery or verification code is redeemed by itself only", () => {
  const attempt = fc.record({
    route: fc.constantFrom("recovery", "verification"),
    secret: fc.oneof(
      fc.constant<"code">("code"),
      fc.constantFrom<Array<(code: string) => Value>>(
        (c) => ` ${c}`,
        (c) => `${c} `,
        (c) => c.replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d))),
        (c) => Number(c),
        (c) => [c],
        (c) => `${c}\u0000`,
        (c) => String((Number(c) + 1) % 1_000_000).padStart(6, "0"),
        (c) => c.slice(0, 5),
        () => "0".repeat(256),
      ),
      hostileString,
    ),
  });
  it(
    "a look-alike is refused with 400 or 401 and changes nothing",
    async () => {
      await fc.assert(
        fc.asyncProperty(attempt, async ({ route, secret }) => {
          await h.reset();
          const session: Array<[string, string]> = [["x-appwrite-project", PROJECT], ...credentialHeaders("cookie")];
          const json = (entries: Array<[string, Value]>) => ({ contentType: "application/json", body: jsonBody(entries) });
          const start =
            route === "recovery"
              ? plainRequest("POST", "/account/recovery/otp", "createRecoveryOtp", json([["email", OWNER.email]]))
              : plainRequest("POST", "/account/verifications/email/otp", "createEmailVerificationOtp", { ...json([]), headers: session });
          const started = await sendChecked(h, start);
          if (started.status !== 201) fail(start, started, ["the code was not sent"]);
          const code = h.box.lastMail(OWNER.email)!.secret!;
          const value: Value = secret === "code" ? code : typeof secret === "function" ? secret(code) : secret;
          const redeem =
            route === "recovery"
              ? plainRequest(
                  "PUT",
                  "/account/recovery/otp",
                  "updateRecoveryOtp",
                  json([
                    ["userId", OWNER.userId],
                    ["secret", value],
                    ["password", "a fresh password 1"],
                  ]),
                )
              : plainRequest(
                  "PUT",
                  "/account/verifications/email/otp",
                  "updateEmailVerificationOtp",
                  json([
                    ["userId", OWNER.userId],
                    ["secret", value],
                  ]),
                );
          const answer = await sendChecked(h, redeem);
          if (value === code) {
            if (answer.status !== 200) fail(redeem, answer, ["the right code was refused"]);
            return;
          }
          if (answer.status !== 400 && answer.status !== 401) fail(redeem, answer, [`a look-alike of ${code} answered ${answer.status}`]);
          if (answer.writes.includes("users.update")) fail(redeem, answer, ["a look-alike changed the account"]);
        }),
        params(scaled(30), 13_000),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P12: huge headers
// ---------------------------------------------------------------------------------------------

/** Every header the handler or the service reads. */
const READ_HEADERS = [
  "cookie",
  "x-fallback-cookies",
  "x-appwrite-session",
  "x-appwrite-jwt",
  "x-appwrite-key",
  "x-appwrite-response-format",
  "origin",
  "referer",
  "x-forwarded-for",
  "user-agent",
  "x-forwarded-user-agent",
  "x-appwrite-locale",
  "x-appwrite-timestamp",
  "x-forwarded-proto",
  "x-appwrite-project",
] as const;

describe("P12: huge headers cost bounded time and never a 500 (the in-process handler has no header-size limit of its own)", () => {
  const huge = fc.record({
    unit: fc.constantFrom("a", "a1", "1.", "a@b.", "[", '{"a":', "Mozilla/5.0 (", "1.2.3.4, ", "é", "a_session_fuzz-project=x; "),
    size: fc.integer({ min: 16_000, max: 160_000 }),
    target: fc.constantFrom("anonymous", "account", "login"),
    trustedPeer: fc.boolean(),
  });
  READ_HEADERS.forEach((name, index) => {
    it(
      name,
      async () => {
        await fc.assert(
          fc.asyncProperty(huge, async ({ unit, size, target, trustedPeer }) => {
            await h.reset();
            const value = headerValue(unit.repeat(Math.ceil(size / unit.length)));
            const headers: Array<[string, string]> = [
              ["x-appwrite-project", PROJECT],
              ...(target === "account" ? credentialHeaders("cookie") : []),
              [name, value],
            ];
            const ip = trustedPeer ? "127.0.0.1" : "203.0.113.7";
            const spec =
              target === "anonymous"
                ? plainRequest("POST", "/account/sessions/anonymous", "createAnonymousSession", { headers, ip })
                : target === "account"
                  ? plainRequest("GET", "/account", "get", { headers, ip })
                  : plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
                      headers,
                      ip,
                      contentType: "application/json",
                      body: jsonBody([
                        ["email", OWNER.email],
                        ["password", OWNER.password],
                      ]),
                    });
            await sendChecked(h, spec);
          }),
          params(scaled(8), 12_000 + index),
        );
      },
      TEST_TIMEOUT,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// P7: links
// ---------------------------------------------------------------------------------------------

describe("P7: no link points at a host the request chose", () => {
  const hostile = fc.record({
    host: fc.constantFrom("evil.example", "attacker.test", "evil.example:8443"),
    via: fc.subarray(["url", "host", "x-forwarded-host", "origin", "referer"] as const, { minLength: 1 }),
    trustedPeer: fc.boolean(),
    target: fc.constantFrom(
      "recovery",
      "magic-url",
      "magic-url-default",
      "verification",
      "email-otp",
      "oauth2-session",
      "oauth2-token",
      "oauth2-callback",
    ),
    linkToAttacker: fc.boolean(),
  });
  it(
    "in e-mails, SMS, redirects and bodies",
    async () => {
      await fc.assert(
        fc.asyncProperty(hostile, async ({ host, via, trustedPeer, target, linkToAttacker }) => {
          await h.reset();
          const hostname = host.split(":")[0]!;
          const link = linkToAttacker ? `https://${host}/steal` : "http://localhost/landing";
          const headers: Array<[string, string]> = [["x-appwrite-project", PROJECT]];
          if (via.includes("host")) headers.push(["host", host]);
          if (via.includes("x-forwarded-host")) headers.push(["x-forwarded-host", host], ["x-forwarded-proto", "https"]);
          if (via.includes("origin")) headers.push(["origin", `https://${host}`]);
          if (via.includes("referer")) headers.push(["referer", `https://${host}/page`]);
          const origin = via.includes("url") ? `http://${host}` : "http://localhost";
          const ip = trustedPeer ? "127.0.0.1" : "198.51.100.20";
          const json = (entries: Array<[string, Value]>) => ({ contentType: "application/json", body: jsonBody(entries) });
          let spec: FuzzRequest;
          switch (target) {
            case "recovery":
              spec = plainRequest("POST", "/account/recovery", "createRecovery", {
                ...json([
                  ["email", OWNER.email],
                  ["url", link],
                ]),
              });
              break;
            case "magic-url":
              spec = plainRequest("POST", "/account/tokens/magic-url", "createMagicURLToken", {
                ...json([
                  ["userId", "unique()"],
                  ["email", OWNER.email],
                  ["url", link],
                ]),
              });
              break;
            case "magic-url-default":
              spec = plainRequest("POST", "/account/tokens/magic-url", "createMagicURLToken", {
                ...json([
                  ["userId", "unique()"],
                  ["email", OWNER.email],
                ]),
              });
              break;
            case "verification":
              spec = plainRequest("POST", "/account/verification", "createVerification", { ...json([["url", link]]) });
              headers.push(...credentialHeaders("cookie"));
              break;
            case "email-otp":
              spec = plainRequest("POST", "/account/tokens/email", "createEmailToken", {
                ...json([
                  ["userId", "unique()"],
                  ["email", OWNER.email],
                ]),
              });
              break;
            case "oauth2-session":
            case "oauth2-token":
              spec = plainRequest(
                "GET",
                `/account/${target === "oauth2-session" ? "sessions" : "tokens"}/oauth2/mock`,
                target === "oauth2-session" ? "createOAuth2Session" : "createOAuth2Token",
                {
                  query: `success=${pct(link)}&failure=${pct("http://localhost/failed")}`,
                },
              );
              break;
            default:
              spec = plainRequest("GET", `/account/sessions/oauth2/callback/mock/${PROJECT}`, "oauth2Callback", {
                query: "code=abc&state=xyz",
              });
          }
          Object.assign(spec, { origin, ip, headers });
          const answer = await sendChecked(h, spec);
          const problems: string[] = [];
          const location = answer.headers.get("location") ?? "";
          if (location.toLowerCase().includes(hostname)) problems.push(`redirects to ${location}`);
          for (const entry of h.box.entries) {
            if (JSON.stringify(entry.message).toLowerCase().includes(hostname))
              problems.push(`${entry.channel} to ${entry.message.to} carries a link to ${hostname}`);
          }
          if (answer.status < 300 && answer.text.toLowerCase().includes(hostname)) problems.push(`the answer names ${hostname}`);
          if (problems.length) fail(spec, answer, problems);
        }),
        params(scaled(80), 6000),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P8: malformed Host
// ---------------------------------------------------------------------------------------------

const malformedHost = fc.oneof(
  fc.constantFrom(
    "a b",
    "[::1",
    "localhost:99999",
    "localhost:-1",
    "[::1]:99999",
    "",
    "%",
    "%zz",
    "é.example",
    "a\tb",
    "user@host",
    "local_host",
    "[fe80::1%25eth0]",
    "1.2.3.4.5",
    "..",
    "xn--",
    "a".repeat(300),
    "localhost:",
    ":80",
  ),
  fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 20 }).filter((s) => !/[/?#\\\r\n\0]/.test(s)),
);

describe("P8: malformed Host or request URL", () => {
  it(
    "through the handler: a JSON answer, never a throw or a 500",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          malformedHost,
          fc.constantFrom("GET /account", "POST /account/recovery", "GET /account/sessions/oauth2/mock"),
          async (host, target) => {
            await h.reset();
            const [method, path] = target.split(" ") as [string, string];
            const operation = createRouter().match(method, path)!.operation;
            const spec = plainRequest(method, path, operation, { origin: `http://${host}` });
            const raw: RawRequest = {
              method,
              url: `http://${host}/v1${path}`,
              headers: {
                get: (name) =>
                  name === "host" ? host : name === "x-appwrite-project" ? PROJECT : name === "content-type" ? "application/json" : null,
              },
              body: async () => (method === "GET" ? undefined : JSON.stringify({ email: OWNER.email, url: "http://localhost/reset" })),
              ip: "203.0.113.7",
            };
            const before = snapshotPrototypes();
            const started = performance.now();
            let response: RawResponse;
            try {
              response = await h.handler.handle(raw);
            } catch (thrown) {
              return fail(spec, null, [`the handler threw on Host ${JSON.stringify(host)}: ${String(thrown)}`]);
            } finally {
              restorePrototypes(before);
            }
            const headers = new Headers();
            for (const [name, value] of response.headers) headers.append(name, value);
            const answer: Answer = {
              status: response.status,
              headers,
              text: response.body ?? "",
              ms: performance.now() - started,
              writes: [...h.store.writes],
              faults: [...h.faults],
            };
            const problems = answerProblems(spec, answer);
            // A malformed Host is the client's mistake, not a fault for onError (issue 11, item 10).
            if (answer.faults.length) problems.push("reported to onError");
            if (problems.length) fail(spec, answer, problems);
          },
        ),
        params(scaled(30), 7000),
      );
    },
    TEST_TIMEOUT,
  );

  describe("through the Express adapter", () => {
    let server: Server;
    let port = 0;
    const expressFaults: unknown[] = [];
    beforeAll(async () => {
      const app = express();
      app.use("/v1", accountRouter(h.service, { onError: (error) => expressFaults.push(error) }));
      server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, "127.0.0.1", () => resolve(s));
      });
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it(
      "a JSON 4xx (or Node's bare 400), never a 500 or an HTML stack trace",
      async () => {
        await fc.assert(
          fc.asyncProperty(malformedHost, fc.constantFrom("GET /v1/account", "POST /v1/account/recovery"), async (host, target) => {
            await h.reset();
            expressFaults.length = 0;
            const [method, path] = target.split(" ") as [string, string];
            const body = method === "POST" ? JSON.stringify({ email: OWNER.email, url: "http://localhost/reset" }) : "";
            const answer = await rawHttp(
              port,
              `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nX-Appwrite-Project: ${PROJECT}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
            );
            const problems: string[] = [];
            if (answer.status >= 500 || answer.status === 0) problems.push(`status ${answer.status}`);
            if (/<html|<pre>|\bat\s+\S+\s+\(/i.test(answer.body)) problems.push("HTML or a stack trace in the body");
            if (answer.body && !(answer.headers["content-type"] ?? "").includes("application/json"))
              problems.push(`body of type ${answer.headers["content-type"] ?? "(none)"}`);
            // A malformed Host is the client's mistake, not a fault to log (issue 11, item 10).
            if (expressFaults.length) problems.push(`reported to onError: ${String(expressFaults[0])}`);
            if (problems.length)
              throw new Error(
                `${problems.join("; ")}\n${method} ${path} with Host: ${JSON.stringify(host)}\n→ ${answer.status} ${JSON.stringify(answer.body.slice(0, 300))}`,
              );
          }),
          params(scaled(20), 7100),
        );
      },
      TEST_TIMEOUT,
    );
  });
});

/** One raw HTTP/1.1 exchange, so that headers no client library would send reach the server. */
async function rawHttp(port: number, request: string): Promise<{ status: number; headers: Record<string, string>; body: string }> {
  const text = await new Promise<string>((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", (error) => (chunks.length ? resolve(Buffer.concat(chunks).toString("latin1")) : reject(error)));
    socket.setTimeout(TIME_BOUND_MS * 2, () => socket.destroy(new Error("no answer")));
    socket.write(request, "latin1");
  });
  const [head = "", ...rest] = text.split("\r\n\r\n");
  const [statusLine = "", ...lines] = head.split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const at = line.indexOf(":");
    if (at > 0) headers[line.slice(0, at).toLowerCase()] = line.slice(at + 1).trim();
  }
  let body = rest.join("\r\n\r\n");
  if (headers["transfer-encoding"] === "chunked") body = dechunk(body);
  return { status: Number(statusLine.split(" ")[1] ?? 0), headers, body };
}

function dechunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const eol = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, eol), 16);
    if (!size) return out;
    out += rest.slice(eol + 2, eol + 2 + size);
    rest = rest.slice(eol + 4 + size);
  }
}

// ---------------------------------------------------------------------------------------------
// P9: login limits
// ---------------------------------------------------------------------------------------------

/** Spellings that normalise (NFKC, trim, lowercase) to the owner's address. */
const EMAIL_VARIANTS: Array<(email: string) => string> = [
  (e) => e,
  (e) => e.toUpperCase(),
  (e) => e[0]!.toUpperCase() + e.slice(1),
  (e) => `  ${e}`,
  (e) => `${e}\t`,
  (e) => e.replace("@", "＠"),
  (e) => e.replace("o", "ｏ"),
  (e) => `\u00a0${e}`,
];

/** The login-type routes and Appwrite's per-hour figures for them (issue 11, item 6). */
const LOGIN_ROUTES = [
  {
    paths: ["/account/sessions/email", "/account/sessions"],
    operation: "createEmailPasswordSession",
    limit: 10,
    body: (email: string): Array<[string, Value]> => [
      ["email", email],
      ["password", "wrong password!"],
    ],
  },
  {
    paths: ["/account/tokens/email"],
    operation: "createEmailToken",
    limit: 10,
    body: (email: string): Array<[string, Value]> => [
      ["userId", "unique()"],
      ["email", email],
    ],
  },
  {
    paths: ["/account/tokens/magic-url", "/account/sessions/magic-url"],
    operation: "createMagicURLToken",
    limit: 60,
    body: (email: string): Array<[string, Value]> => [
      ["userId", "unique()"],
      ["email", email],
      ["url", "http://localhost/landing"],
    ],
  },
  {
    paths: ["/account/recovery"],
    operation: "createRecovery",
    limit: 10,
    body: (email: string): Array<[string, Value]> => [
      ["email", email],
      ["url", "http://localhost/reset"],
    ],
  },
] as const;

describe("P9: login limits", () => {
  const attempts = fc.record({
    operation: fc.constantFrom(...LOGIN_ROUTES.map((r) => r.operation)),
    tries: fc.array(
      fc.record({
        variant: fc.nat({ max: EMAIL_VARIANTS.length - 1 }),
        host: fc.constantFrom("localhost", "h1.localhost", "h2.localhost", "127.0.0.1", "LOCALHOST", "localhost:3000"),
        alias: fc.nat({ max: 1 }),
      }),
      { minLength: 12, maxLength: 20 },
    ),
  });
  it(
    "rotating Host, route alias and e-mail spelling buys no extra attempts from one IP",
    async () => {
      await fc.assert(
        fc.asyncProperty(attempts, async ({ operation, tries }) => {
          const route = LOGIN_ROUTES.find((r) => r.operation === operation)!;
          await h.reset();
          const extra = Math.max(0, route.limit + 1 - tries.length);
          const all = [...tries, ...Array.from({ length: extra }, (_, i) => tries[i % tries.length]!)];
          let passed = 0;
          let last: { spec: FuzzRequest; answer: Answer } | null = null;
          for (const attempt of all) {
            const path = route.paths[attempt.alias % route.paths.length]!;
            const spec = plainRequest("POST", path, route.operation, {
              origin: `http://${attempt.host}`,
              contentType: "application/json",
              body: jsonBody(route.body(EMAIL_VARIANTS[attempt.variant]!(OWNER.email))),
              ip: "198.51.100.9",
            });
            const answer = await sendChecked(h, spec);
            if (answer.status !== 429) passed += 1;
            last = { spec, answer };
          }
          if (passed > route.limit)
            fail(last!.spec, last!.answer, [
              `${passed} of ${all.length} attempts for one account from one IP got through; the limit is ${route.limit} an hour`,
            ]);
        }),
        params(scaled(8), 8000),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "ten failed logins from ten IPs do not lock the owner out",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.uniqueArray(
            fc.ipV4().filter((ip) => ip !== "192.0.2.1"),
            { minLength: 10, maxLength: 10 },
          ),
          async (ips) => {
            await h.reset();
            for (const ip of ips) {
              await sendChecked(
                h,
                plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
                  ip,
                  contentType: "application/json",
                  body: jsonBody([
                    ["email", OWNER.email],
                    ["password", "wrong password!"],
                  ]),
                }),
              );
            }
            const spec = plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
              ip: "192.0.2.1",
              contentType: "application/json",
              body: jsonBody([
                ["email", OWNER.email],
                ["password", OWNER.password],
              ]),
            });
            const answer = await sendChecked(h, spec);
            if (answer.status !== 201)
              fail(spec, answer, ["the owner, from their own IP and with the right password, could not log in after others failed"]);
          },
        ),
        params(scaled(3), 8100),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P17: reset on success
// ---------------------------------------------------------------------------------------------

const ATTACKER = { email: "attacker@example.com", password: "the attacker's own password" } as const;

describe("P17: a successful login resets only its own counter", () => {
  const step = fc.oneof(
    { weight: 3, arbitrary: fc.constant("guess" as const) },
    { weight: 2, arbitrary: fc.constant("own" as const) },
    { weight: 1, arbitrary: fc.constant("ownWrong" as const) },
  );
  it(
    "logins to an own account between guesses at the owner's password refill nothing that bounds the guesses",
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(step, { minLength: 15, maxLength: 40 }),
          fc.ipV4().filter((ip) => ip !== "127.0.0.1"),
          async (steps, ip) => {
            await h.reset();
            await h.service.execute("create", { ip: "127.0.0.1", hostname: PLATFORM_HOST }, { userId: "attacker", ...ATTACKER });
            let guessesThrough = 0;
            let last: { spec: FuzzRequest; answer: Answer } | null = null;
            for (const kind of steps) {
              const email = kind === "guess" ? OWNER.email : ATTACKER.email;
              const password = kind === "own" ? ATTACKER.password : "wrong password!";
              const spec = plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
                ip,
                contentType: "application/json",
                body: jsonBody([
                  ["email", email],
                  ["password", password],
                ]),
              });
              const answer = await sendChecked(h, spec);
              if (kind === "guess" && answer.status !== 429) guessesThrough += 1;
              last = { spec, answer };
            }
            if (guessesThrough > 10)
              fail(last!.spec, last!.answer, [
                `${guessesThrough} guesses at the owner's password got through from one IP; the limit is 10`,
              ]);
            const own = `url:/account/sessions/email,ip:${ip},email:${ATTACKER.email}`;
            const foreign = h.limiter.resets.filter((key) => key !== own);
            if (foreign.length > 0) fail(last!.spec, last!.answer, [`a login reset counters that are not its own: ${foreign.join(", ")}`]);
          },
        ),
        params(scaled(6), 8200),
      );
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P10: rate-limit memory
// ---------------------------------------------------------------------------------------------

/** Longest rate-limit key the suite accepts: a route, an IP and a hashed or short identifier fit well within it. */
const KEY_BOUND = 512;
/**
 * How many distinct keys the in-memory limiter may hold at most, as the suite assumes: the fix
 * caps it (issue 11, item 4) at a figure of its choosing; any cap below this passes.
 */
const LIMITER_KEYS_CEILING = 100_000;

/** A request whose rate-limit keys an attacker controls, made distinct by `n`. */
function hostileKeyRequest(n: number, size: number, kind: number): FuzzRequest {
  const pad = "x".repeat(size);
  const unique = `${n}-${pad}`;
  switch (kind % 5) {
    case 0:
      return plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
        contentType: "application/json",
        body: jsonBody([
          ["email", `${unique}@example.com`],
          ["password", "x"],
        ]),
      });
    case 1:
      return plainRequest("POST", "/account/sessions/email", "createEmailPasswordSession", {
        contentType: "application/x-www-form-urlencoded",
        body: `email[${Math.min(size, 5_000)}]=${n}&password=x`,
      });
    case 2:
      return plainRequest("POST", "/account/recovery", "createRecovery", {
        contentType: "application/json",
        body: jsonBody([
          [
            "email",
            {
              o: [
                ["a", unique],
                ["b", [unique]],
              ],
            },
          ],
          ["url", "http://localhost/r"],
        ]),
      });
    case 3:
      return plainRequest("PUT", "/account/sessions/magic-url", "updateMagicURLSession", {
        contentType: "application/json",
        body: jsonBody([
          ["userId", unique],
          ["secret", "x"],
        ]),
      });
    default:
      return plainRequest("POST", "/account/tokens/phone", "createPhoneToken", {
        contentType: "application/json",
        body: jsonBody([
          ["userId", "unique()"],
          ["phone", `+1${unique}`],
        ]),
      });
  }
}

describe("P10: rate-limit memory does not grow with hostile keys", () => {
  it(
    "every key stays short, at N and at 10N distinct hostile requests",
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 8, max: 24 }), fc.integer({ min: 1_000, max: 64_000 }), async (n, size) => {
          await h.reset();
          const measure = async (count: number, from: number) => {
            for (let i = from; i < from + count; i++) await sendChecked(h, hostileKeyRequest(i, size, i));
            const retained = await h.limiter.retained(h.clock.now());
            return {
              keys: retained.length,
              bytes: retained.reduce((sum, k) => sum + k.length, 0),
              longest: Math.max(0, ...[...h.limiter.keys.keys()].map((k) => k.length)),
            };
          };
          const small = await measure(n, 0);
          const large = await measure(9 * n, n);
          const problems: string[] = [];
          if (large.longest > KEY_BOUND)
            problems.push(`a limiter key of ${large.longest} characters (bound ${KEY_BOUND}) for ${size}-character input`);
          if (large.bytes > large.keys * KEY_BOUND) problems.push(`retained ${large.bytes} bytes of keys for ${large.keys} keys`);
          if (problems.length)
            throw new Error(`${problems.join("; ")}\nafter ${n}: ${JSON.stringify(small)}; after ${10 * n}: ${JSON.stringify(large)}`);
        }),
        params(scaled(4), 9000),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    `the in-memory limiter holds at most ${LIMITER_KEYS_CEILING} keys however many it is shown`,
    async () => {
      const limiter = memoryRateLimiter();
      const now = Date.parse("2026-01-01T00:30:00.000Z");
      const shown = Math.round(LIMITER_KEYS_CEILING * 1.5);
      for (let i = 0; i < shown; i++) await limiter.hit(`url:/v1/account/sessions/email,email:user${i}@example.com`, 10, 3600, now);
      let retained = 0;
      for (let i = 0; i < shown; i++)
        if ((await limiter.peek(`url:/v1/account/sessions/email,email:user${i}@example.com`, 10, 3600, now)).remaining < 9) retained += 1;
      expect(retained, `the limiter kept ${retained} of ${shown} keys`).toBeLessThanOrEqual(LIMITER_KEYS_CEILING);
      // A cap that forgot the newest key would stop limiting at all.
      expect((await limiter.peek(`url:/v1/account/sessions/email,email:user${shown - 1}@example.com`, 10, 3600, now)).remaining).toBe(8);
    },
    TEST_TIMEOUT,
  );

  it(
    "the heap does not grow with 10N hostile requests",
    async () => {
      await h.reset();
      // A full collection before each reading; without --expose-gc, V8 is asked for one at run time.
      if (typeof globalThis.gc !== "function") setFlagsFromString("--expose-gc");
      const gc = (globalThis.gc ?? runInNewContext("gc")) as () => void;
      const n = 30;
      for (let i = 0; i < n; i++) await sendChecked(h, hostileKeyRequest(i, 64_000, 0));
      gc();
      const before = process.memoryUsage().heapUsed;
      for (let i = n; i < 11 * n; i++) await sendChecked(h, hostileKeyRequest(i, 64_000, 0));
      gc();
      const grown = process.memoryUsage().heapUsed - before;
      // 300 requests of 64 KB each would retain ~19 MB if the keys kept the input.
      expect(grown, `heap grew by ${grown} bytes`).toBeLessThan(10 * n * 8 * 1024);
    },
    TEST_TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// P11: store outages
// ---------------------------------------------------------------------------------------------

describe("P11: store outages", () => {
  it(
    "an outage at any store call of any route answers 503, never 500",
    async () => {
      const outage = fc
        .record({
          route: fc.constantFrom(...routes),
          at: fc.nat({ max: 8 }),
          all: fc.boolean(),
          credential: fc.constantFrom("cookie", "jwt", "key", "none"),
        })
        .chain((o) => plausibleEntries(o.route[2]).map((entries) => ({ ...o, entries })));
      await fc.assert(
        fc.asyncProperty(outage, async ({ route, at, all, credential, entries }) => {
          await h.reset();
          // Plausible parameters, the owner's credentials, the project, no origin: requests that reach the store.
          const spec = buildRequest(route, {
            entries,
            raw: [],
            encoding: "json",
            credential,
            headers: [],
            pathValues: pathDefaults(route[1]),
            origin: "http://localhost",
            ip: "203.0.113.7",
            project: "header",
            strayQuery: false,
          });
          await sendChecked(h, spec, { allowUnavailable: true, fault: { at, all } });
        }),
        params(scaled(300), 10_000),
      );
    },
    TEST_TIMEOUT,
  );

  describe("a SQLite file locked by another process", () => {
    let dir: string;
    let sqlite: Harness;
    let db: Kysely<any>;
    let locker: BetterSqlite3.Database;
    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "gatehouse-fuzz-"));
      const file = join(dir, "fuzz.sqlite");
      db = await openDatabase(`sqlite:${file}`);
      await migrateToLatest(db);
      sqlite = await createHarness({ store: kyselyStore(db) });
      locker = new Database(file);
    });
    afterAll(async () => {
      locker?.close();
      await db?.destroy();
      rmSync(dir, { recursive: true, force: true });
    });

    it(
      "answers writes with 503 without blocking the event loop",
      async () => {
        const writes = fc.record({
          target: fc.constantFrom("anonymous", "signup", "name"),
          n: fc.nat({ max: 1_000_000 }),
        });
        await fc.assert(
          fc.asyncProperty(writes, async ({ target, n }) => {
            const spec =
              target === "anonymous"
                ? plainRequest("POST", "/account/sessions/anonymous", "createAnonymousSession", { ip: `10.9.${n % 250}.${n % 200}` })
                : target === "signup"
                  ? plainRequest("POST", "/account", "create", {
                      ip: `10.8.${n % 250}.${n % 200}`,
                      contentType: "application/json",
                      body: jsonBody([
                        ["userId", "unique()"],
                        ["email", `locked-${n}@example.com`],
                        ["password", "password123!"],
                      ]),
                    })
                  : plainRequest("PATCH", "/account/name", "updateName", {
                      contentType: "application/json",
                      body: jsonBody([["name", `Locked ${n}`]]),
                      headers: [["x-appwrite-project", PROJECT], ...credentialHeaders("cookie")],
                    });
            locker.exec("BEGIN IMMEDIATE");
            let worstLag = 0;
            let last = performance.now();
            const probe = setInterval(() => {
              const now = performance.now();
              worstLag = Math.max(worstLag, now - last - 10);
              last = now;
            }, 10);
            try {
              const answer = await send(sqlite, spec);
              // Let the probe run once more: a stall shows as the gap before its next tick.
              await new Promise((resolve) => setTimeout(resolve, 30));
              const problems = answerProblems(spec, answer, { allowUnavailable: true, timeBoundMs: 15_000 });
              if (answer.status !== 503) problems.push(`status ${answer.status} while the database was locked (expected 503)`);
              // Generous (the machine is shared): the defect blocks for the whole 5 s busy timeout.
              if (worstLag > 1000) problems.push(`the event loop stalled for ${Math.round(worstLag)} ms`);
              if (problems.length) fail(spec, answer, problems);
            } finally {
              clearInterval(probe);
              locker.exec("ROLLBACK");
            }
          }),
          { ...params(scaled(2), 11_000), endOnFailure: true },
        );
      },
      TEST_TIMEOUT * 2,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// P15: imported-hash parsers

/** Valid stored and imported forms of every algorithm (password `appwrite`), to mutate. */
const HASH_SEEDS = [
  "$2b$04$L8Ng4awMMDW53TLcMqVI4OKI5Xyt1LuaGbAC.1auTf3zaCwSacLfa",
  "$2a$15$xX/myGbFU.ZSKHSi6EHdBOySTdYm8QxBLXmOPHrYMwV0mHRBBSBOq",
  "$P$Br387rwferoKN7uwHZqNMu98q3U8RO.",
  "$H$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0",
  "$gh-scrypt$16384$13$2$YXBwd3JpdGU$3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b",
  "$gh-scrypt-modified$UxLMreBr6tYyjQ==$Bw==$XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==$UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==",
  "$gh-md5$144fa7eaa4904e8ee120651997f70dcc",
  "$gh-sha$sha512-256$00",
  "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b",
  "UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==",
];
const PARAM_CHARS = ["$", "9", "z", "=", "-", "_", "/", ".", "\u0000", "\ud800", "😀", "99999999", "$gh-"];

/** A seed with a piece replaced, cut, or a hostile string: the near-misses a parser must survive. */
const hashLike: fc.Arbitrary<string> = fc.oneof(
  hostileString,
  fc.constantFrom(...HASH_SEEDS),
  fc
    .tuple(fc.constantFrom(...HASH_SEEDS), fc.nat(), fc.nat({ max: 12 }), fc.oneof(fc.constantFrom(...PARAM_CHARS), hostileString))
    .map(([seed, at, cut, piece]) => {
      const i = at % (seed.length + 1);
      return seed.slice(0, i) + piece + seed.slice(Math.min(seed.length, i + cut));
    }),
  fc.tuple(fc.constantFrom(...HASH_SEEDS), fc.nat()).map(([seed, n]) => seed.slice(0, n % (seed.length + 1))),
);

describe("P15: imported-hash parsers refuse with 400 or accept, and verification never throws or hangs", () => {
  it(
    "imports of hostile hashes and parameters",
    async () => {
      const methods = ["createBcryptUser", "createPHPassUser", "createScryptUser", "createScryptModifiedUser"] as const;
      const number = fc.oneof(hostileNumber, fc.integer({ min: 0, max: 2 ** 21 }), fc.constantFrom(16384, 8, 1, 64, 2 ** 20));
      const field = fc.oneof(hashLike, fc.constantFrom("Bw==", "appwrite", "UxLMreBr6tYyjQ=="));
      let n = 0;
      let accepted = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...methods),
          hashLike,
          fc.record({ passwordSalt: field, passwordSaltSeparator: field, passwordSignerKey: field }),
          fc.record({ passwordCpu: number, passwordMemory: number, passwordParallel: number, passwordLength: number }),
          async (method, password, fields, costs) => {
            const input = { userId: "unique()", email: `p15-${n++}@example.com`, password, ...fields, ...costs };
            // A direct call, not a request: clear the store fault an earlier property's request left set.
            h.store.beginRequest();
            const started = performance.now();
            try {
              await (h.service.users[method] as (p: object) => Promise<unknown>)(input);
              accepted++;
            } catch (error) {
              if (!(error instanceof AppwriteError) || error.code !== 400 || error.type !== "general_argument_invalid") {
                throw new Error(`${method}(${JSON.stringify(input)}) threw ${String(error)}`, { cause: error });
              }
            }
            expect(performance.now() - started).toBeLessThan(TIME_BOUND_MS);
          },
        ),
        params(scaled(200), 15_000),
      );
      // The seeds themselves come up too, so the accepting path ran as well as the refusing one.
      expect(accepted).toBeGreaterThan(0);
    },
    TEST_TIMEOUT,
  );

  it(
    "verification of hostile stored strings",
    async () => {
      const hasher = withImportedHashes(argon2Hasher({ memoryCost: 256, timeCost: 1 }));
      await fc.assert(
        fc.asyncProperty(hashLike, fc.oneof(fc.constant("appwrite"), hostileString), async (stored, password) => {
          const started = performance.now();
          let outcome: unknown;
          try {
            outcome = await hasher.verify(stored, password);
          } catch (error) {
            throw new Error(`verify(${JSON.stringify(stored)}) threw ${String(error)}`, { cause: error });
          }
          expect(typeof outcome).toBe("boolean");
          // The costliest accepted form is bcrypt at cost 14, about a second here.
          expect(performance.now() - started).toBeLessThan(5_000);
          expect(typeof hasher.needsRehash(stored)).toBe("boolean");
        }),
        params(scaled(300), 15_500),
      );
    },
    TEST_TIMEOUT,
  );
});
