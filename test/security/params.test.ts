/**
 * The request parsers and input validation against hostile input (issue 11, items 2, 3, 9, 11):
 * nesting, field counts, sparse array indices, body size, huge `limit`/`offset`, invalid UTF-8
 * and lone surrogates. Unit tests of src/http/params.ts and src/validation/*, then the same
 * through HTTP (a real Express server, and the fetch handler for its own body limit).
 *
 * Every refusal is a 400 `general_argument_invalid` JSON answer, and nothing is stored.
 * GATEHOUSE_TEST_STORE=sqlite|postgres|mysql runs the HTTP part on that store.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Query } from "node-appwrite";
import { createAccountService, createHandler, memoryStore } from "gatehouse-auth";
import { parseBody, parsePhpQuery } from "../../src/http/params";
import { INPUT_LIMITS, isSafeValue, isWellFormed } from "../../src/validation/input-limits";
import { MAX_PAGE_VALUE, parseQueries } from "../../src/validation/queries";
import { API_KEY, PROJECT, cheapHasher, startServer, type TestServer } from "../helpers/server";
import { expectAppwriteError, expectRawError, raw, sessionClient, type RawResult } from "../helpers/sdk";
import { uniqueEmail } from "../helpers/flows";

const PASSWORD = "password123";
const COOKIE = `a_session_${PROJECT}`;
const V14 = { "x-appwrite-response-format": "1.4.0" };
const LONE = "\uD800";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());

async function userWithSession(s: TestServer) {
  const email = uniqueEmail("params");
  const user = await s.service.create({ userId: "unique()", email, password: PASSWORD, name: "Before" }, { key: API_KEY });
  const login = await raw(s.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } });
  expect(login.status).toBe(201);
  const session = (JSON.parse(login.headers.get("x-fallback-cookies") ?? "{}") as Record<string, string>)[COOKIE]!;
  return { user, email, session, auth: { "x-appwrite-session": session } };
}

function expectRefused(res: RawResult, message?: string) {
  expectRawError(res, 400, "general_argument_invalid", message);
  expect(res.headers.get("content-type")).toBe("application/json; charset=UTF-8");
}

const refused = (fn: () => unknown) => expect(fn).toThrowError(expect.objectContaining({ type: "general_argument_invalid" }));
const nested = (levels: number) => `a${"[x]".repeat(levels)}=1`;

// ---------------------------------------------------------------------------------------------

describe("bracket parser bounds (unit)", () => {
  it(`nesting: ${INPUT_LIMITS.maxDepth} levels are read, one more is refused`, () => {
    expect(parsePhpQuery(nested(INPUT_LIMITS.maxDepth)).a).toBeTypeOf("object");
    refused(() => parsePhpQuery(nested(INPUT_LIMITS.maxDepth + 1)));
    refused(() => parsePhpQuery(nested(33_000)));
  });

  it(`fields: ${INPUT_LIMITS.maxFields} are read, one more is refused`, () => {
    const fields = (n: number) => Array.from({ length: n }, (_, i) => `f${i}=${i}`).join("&");
    expect(Object.keys(parsePhpQuery(fields(INPUT_LIMITS.maxFields)))).toHaveLength(INPUT_LIMITS.maxFields);
    refused(() => parsePhpQuery(fields(INPUT_LIMITS.maxFields + 1)));
  });

  it(`array indices: ${INPUT_LIMITS.maxIndex} is the highest, whether named or appended`, () => {
    expect(parsePhpQuery(`a[${INPUT_LIMITS.maxIndex}]=x`).a).toEqual(["x"]);
    refused(() => parsePhpQuery(`a[${INPUT_LIMITS.maxIndex + 1}]=x`));
    refused(() => parsePhpQuery("queries[400000000]=x"));
    refused(() => parsePhpQuery(`a[${INPUT_LIMITS.maxIndex}]=x&a[]=y`));
    refused(() => parsePhpQuery(`a[0][${"9".repeat(400)}]=x`));
  });

  it("arrays have no holes: elements named by index are kept in index order", () => {
    const list = parsePhpQuery("a[0]=x&a[5]=y&a[2]=z").a as unknown[];
    expect(list).toEqual(["x", "z", "y"]);
    expect(Object.keys(list)).toHaveLength(list.length);
  });

  it("a name among indices makes the list a map (PHP's array), instead of a RangeError on `length`", () => {
    expect(parsePhpQuery("a[0]=x&a[length]=y").a).toEqual({ 0: "x", length: "y" });
    // PHP's append position: one past the highest integer key so far.
    expect(parsePhpQuery("a[x]=1&a[]=2&a[7]=3&a[]=4").a).toEqual({ x: "1", 0: "2", 7: "3", 8: "4" });
  });

  it("percent-decoding: malformed escapes stay text, bytes that are not UTF-8 are refused", () => {
    expect(parsePhpQuery("a=%zz&b=50%&c=x+y&d=%E2%82%AC")).toEqual({ a: "%zz", b: "50%", c: "x y", d: "€" });
    refused(() => parsePhpQuery("name=%FF"));
    refused(() => parsePhpQuery("name=ab%C3"));
    refused(() => parsePhpQuery("name=%ED%A0%80")); // an encoded lone surrogate
    refused(() => parsePhpQuery("na%FFme=x"));
  });

  it("guard, not a regression: the largest legal form (1,000 fields of 64 levels) parses in well under a second", () => {
    const body = Array.from({ length: INPUT_LIMITS.maxFields }, (_, i) => `k${i}${"[x]".repeat(INPUT_LIMITS.maxDepth)}=1`).join("&");
    const started = performance.now();
    const parsed = parsePhpQuery(body);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(Object.keys(parsed)).toHaveLength(INPUT_LIMITS.maxFields);
  });
});

describe("JSON bodies (unit)", () => {
  it(`JSON nesting: ${INPUT_LIMITS.maxJsonDepth} levels (the body's object included) are read, deeper is refused before decoding`, () => {
    const body = (levels: number) => `{"prefs":${'{"a":'.repeat(levels - 1)}1${"}".repeat(levels - 1)}}`;
    expect(parseBody("application/json", body(INPUT_LIMITS.maxJsonDepth)).prefs).toBeTypeOf("object");
    refused(() => parseBody("application/json", body(INPUT_LIMITS.maxJsonDepth + 1)));
    // 1 MiB of `[` costs JSON.parse about half a second; refused first, it costs a scan.
    const started = performance.now();
    refused(() => parseBody("application/json", `{"a":"}]\\"[","p":${"[".repeat(INPUT_LIMITS.maxBodyBytes - 30)}}`));
    refused(() => parseBody("application/json", "[".repeat(INPUT_LIMITS.maxBodyBytes)));
    expect(performance.now() - started).toBeLessThan(200);
    expect(() => parseBody("application/json", `{"p":${"[".repeat(50_000)}`)).toThrowError(
      "Invalid `p` param: Value must be nested at most 512 levels deep",
    );
  });

  it("an already-decoded body (express.json()) is rebuilt without recursion and held to the same depth", () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = { a: deep };
    expect(() => parseBody("application/json", { prefs: deep } as Record<string, unknown>)).toThrowError(
      "Invalid `prefs` param: Value must be nested at most 512 levels deep",
    );
    const levels = (n: number) => JSON.parse(`${"[".repeat(n)}1${"]".repeat(n)}`) as unknown;
    expect(isSafeValue(levels(INPUT_LIMITS.maxJsonDepth))).toBe(true);
    expect(isSafeValue(levels(INPUT_LIMITS.maxJsonDepth + 1))).toBe(false);
  });

  it("lone surrogates, in values or keys, at any depth, fail isSafeValue; pairs do not", () => {
    expect(isWellFormed("emoji \uD83D\uDE00")).toBe(true);
    expect(isWellFormed(`a${LONE}b`)).toBe(false);
    expect(isWellFormed("\uDC00")).toBe(false);
    expect(isSafeValue({ a: [{ b: "ok \uD83D\uDE00" }] })).toBe(true);
    expect(isSafeValue({ a: [{ b: LONE }] })).toBe(false);
    expect(isSafeValue({ [`k${LONE}`]: 1 })).toBe(false);
  });

  it("a cyclic value from a direct call ends (checked once per object)", () => {
    const cyclic: Record<string, unknown> = { name: "x" };
    cyclic.self = cyclic;
    cyclic.again = cyclic;
    expect(isSafeValue(cyclic)).toBe(true);
  });
});

describe("limit and offset (unit)", () => {
  const rules = { methods: new Set(["limit", "offset"]) };
  const q = (method: string, value: unknown) => JSON.stringify({ method, values: [value] });
  const range = (method: string, min: number) =>
    `Invalid \`queries\` param: Invalid query: Invalid ${method}: Value must be a valid range between ${min} and 9,007,199,254,740,991`;

  it("values past 2^53 - 1, negative or fractional get Appwrite's range message", () => {
    for (const value of [1e300, 1e20, MAX_PAGE_VALUE + 2, 0, -1, 1.5, "1.5", "1e3", "99999999999999999999"]) {
      expect(() => parseQueries([q("limit", value)], rules), String(value)).toThrowError(range("limit", 1));
    }
    for (const value of [1e20, -1, 0.5]) {
      expect(() => parseQueries([q("offset", value)], rules), String(value)).toThrowError(range("offset", 0));
    }
  });

  it("values that are not numbers get the Numeric message", () => {
    for (const value of ["abc", true, null, [5], ""]) {
      expect(() => parseQueries([q("limit", value)], rules), String(value)).toThrowError(
        "Invalid `queries` param: Invalid query: Invalid limit: Value must be a valid number",
      );
    }
  });

  it("integers and integer strings in range are read", () => {
    expect(parseQueries([q("limit", MAX_PAGE_VALUE), q("offset", " 7 ")], rules).map((x) => x.values[0])).toEqual([MAX_PAGE_VALUE, 7]);
  });

  it("a hole in a directly passed list is a refused query, not a TypeError later", () => {
    // eslint-disable-next-line no-sparse-arrays
    expect(() => parseQueries([q("limit", 1), , q("offset", 0)], rules)).toThrowError("Invalid query: Syntax error");
  });
});

// ---------------------------------------------------------------------------------------------

describe("through HTTP: nesting and field count", () => {
  it("a 99 KB form body `a[x][x]…=1` (33,000 levels) is a 400 JSON answer, quickly", async () => {
    const body = nested(33_000);
    expect(body.length).toBeGreaterThan(99_000);
    const started = performance.now();
    const res = await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
      body,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(performance.now() - started).toBeLessThan(1000);
    expectRefused(res, `Invalid \`a\` param: Value must be nested at most ${INPUT_LIMITS.maxDepth} levels deep`);
  });

  it("an 8 KB nested query string and 1,001 fields are 400s", async () => {
    expectRefused(await raw(server.endpoint, "GET", `/account?${nested(2_600)}`));
    const many = Array.from({ length: INPUT_LIMITS.maxFields + 1 }, (_, i) => `f${i}=1`).join("&");
    expectRefused(
      await raw(server.endpoint, "POST", "/account/sessions/anonymous", {
        body: many,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      `Too many parameters: at most ${INPUT_LIMITS.maxFields} are read.`,
    );
  });
});

describe("through HTTP: sparse queries[N]", () => {
  it("GET /account/logs?queries[400000000]=x with the 1.4.0 format is a fast 400, with or without a session", async () => {
    const { auth } = await userWithSession(server);
    for (const headers of [V14, { ...V14, ...auth }]) {
      const started = performance.now();
      const res = await raw(server.endpoint, "GET", "/account/logs?queries[400000000]=x", { headers });
      expect(performance.now() - started).toBeLessThan(1000);
      expectRefused(res, `Invalid \`queries\` param: Array index must be at most ${INPUT_LIMITS.maxIndex}`);
    }
  });

  it("gaps between indices are not a 500: the 1.4 string form and the JSON form page as without gaps", async () => {
    const { auth } = await userWithSession(server);
    const old = await raw(
      server.endpoint,
      "GET",
      `/account/logs?queries[0]=${encodeURIComponent("limit(1)")}&queries[2]=${encodeURIComponent("offset(0)")}`,
      { headers: { ...V14, ...auth } },
    );
    expect(old.status, old.text).toBe(200);
    expect(old.json?.logs).toHaveLength(1);
    const json = await raw(
      server.endpoint,
      "GET",
      `/account/logs?queries[3]=${encodeURIComponent(Query.limit(1))}&queries[7]=${encodeURIComponent(Query.offset(0))}`,
      { headers: auth },
    );
    expect(json.status, json.text).toBe(200);
    expect(json.json?.logs).toHaveLength(1);
  });

  it("queries[0]=…&queries[length]=… is a 400 about queries, not a 500", async () => {
    const { auth } = await userWithSession(server);
    const res = await raw(server.endpoint, "GET", `/account/logs?queries[0]=${encodeURIComponent(Query.limit(1))}&queries[length]=x`, {
      headers: auth,
    });
    expectRefused(res, "Invalid `queries` param: Queries must be an array");
  });
});

describe("through HTTP: huge limit and offset (every store)", () => {
  const range = (method: string, min: number) =>
    `Invalid \`queries\` param: Invalid query: Invalid ${method}: Value must be a valid range between ${min} and 9,007,199,254,740,991`;

  it("Query.limit(1e300), Query.offset(1e20), negative and fractional values are 400s on listLogs and listIdentities", async () => {
    const { session } = await userWithSession(server);
    const { account } = sessionClient(server.endpoint, session);
    for (const [queries, message] of [
      [[Query.limit(1e300)], range("limit", 1)],
      [[Query.offset(1e20)], range("offset", 0)],
      [[Query.limit(-1)], range("limit", 1)],
      [[Query.offset(-5)], range("offset", 0)],
      [[Query.limit(2.5)], range("limit", 1)],
    ] as const) {
      for (const call of [() => account.listLogs([...queries]), () => account.listIdentities([...queries])]) {
        const error = await expectAppwriteError(call(), "general_argument_invalid", 400);
        expect(error.message).toBe(message);
      }
    }
  });

  it(`the largest values (${MAX_PAGE_VALUE}) reach the store and answer 200`, async () => {
    const { session } = await userWithSession(server);
    const { account } = sessionClient(server.endpoint, session);
    const queries = [Query.limit(MAX_PAGE_VALUE), Query.offset(MAX_PAGE_VALUE)];
    expect((await account.listLogs(queries)).logs).toEqual([]);
    expect((await account.listIdentities(queries)).identities).toEqual([]);
    expect((await account.listLogs([Query.limit(MAX_PAGE_VALUE)])).logs.length).toBeGreaterThan(0);
  });
});

describe("through HTTP: text must be valid Unicode", () => {
  it("a 128-character name with a lone surrogate is refused and nothing is stored", async () => {
    const { user, session } = await userWithSession(server);
    const name = `${"n".repeat(127)}${LONE}`;
    expect(name).toHaveLength(128);
    const { account } = sessionClient(server.endpoint, session);
    const error = await expectAppwriteError(account.updateName(name), "general_argument_invalid", 400);
    expect(error.message).toBe("Invalid `name` param: Value must be a valid string and at least 1 chars and no longer than 128 chars");
    expect((await server.service.config.store.users.get(user.$id))?.name).toBe("Before");
  });

  it("sign-up with a lone surrogate in the name, password, e-mail or userId creates no user", async () => {
    const before = await server.service.config.store.users.count();
    for (const body of [
      { userId: "unique()", email: uniqueEmail("lone"), password: PASSWORD, name: `x${LONE}` },
      { userId: "unique()", email: uniqueEmail("lone"), password: `${PASSWORD}${LONE}` },
      { userId: "unique()", email: `lone${LONE}@example.com`, password: PASSWORD },
      { userId: `id${LONE}`, email: uniqueEmail("lone"), password: PASSWORD },
    ]) {
      const res = await raw(server.endpoint, "POST", "/account", { body, headers: { "x-forwarded-for": "10.0.0.1" } });
      expectRefused(res);
    }
    expect(await server.service.config.store.users.count()).toBe(before);
  });

  it("prefs with a lone surrogate in a key or a nested value are refused and not stored", async () => {
    const { user, auth } = await userWithSession(server);
    for (const prefs of [{ [`k${LONE}`]: 1 }, { a: { b: [LONE] } }]) {
      expectRefused(
        await raw(server.endpoint, "PATCH", "/account/prefs", { body: { prefs }, headers: auth }),
        "Invalid `prefs` param: Value must be a valid object.",
      );
    }
    expect((await server.service.config.store.users.get(user.$id))?.prefs).toEqual({});
  });

  it("a body with bytes that are not UTF-8 is refused, not stored with U+FFFD", async () => {
    const { user, auth } = await userWithSession(server);
    const body = Buffer.concat([Buffer.from('{"name":"ab'), Buffer.from([0xff]), Buffer.from('cd"}')]);
    const response = await fetch(`${server.endpoint}/account/name`, {
      method: "PATCH",
      headers: { ...auth, "x-appwrite-project": PROJECT, "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ type: "general_argument_invalid", message: "Request body must be valid UTF-8." });
    expect((await server.service.config.store.users.get(user.$id))?.name).toBe("Before");
  });

  it("a percent-encoded form value that is not UTF-8 is refused", async () => {
    const { user, auth } = await userWithSession(server);
    const res = await raw(server.endpoint, "PATCH", "/account/name", {
      body: "name=ab%FFcd",
      headers: { ...auth, "content-type": "application/x-www-form-urlencoded" },
    });
    expectRefused(res, "Request parameters must be valid UTF-8.");
    expect((await server.service.config.store.users.get(user.$id))?.name).toBe("Before");
  });
});

describe("the fetch handler's body limit and decoding", () => {
  function fetchHandler(maxBodyBytes?: number) {
    const service = createAccountService({
      projectId: PROJECT,
      store: memoryStore(),
      platforms: ["localhost"],
      passwordHasher: cheapHasher(),
    });
    return { service, handler: createHandler(service, { onError: () => {}, ...(maxBodyBytes ? { maxBodyBytes } : {}) }) };
  }
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request("http://localhost/v1/account/sessions/anonymous", {
      method: "POST",
      headers: { "x-appwrite-project": PROJECT, "content-type": "application/json", ...headers },
      body,
    });

  it("a body over maxBodyBytes is a 400 and nothing is created (declared length or streamed)", async () => {
    const { service, handler } = fetchHandler(1024);
    const big = JSON.stringify({ padding: "x".repeat(2048) });
    const declared = await handler.fetch(post(big));
    expect(declared.status).toBe(400);
    expect(await declared.json()).toMatchObject({ type: "general_argument_invalid", message: "Request body is larger than 1024 bytes." });
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 4; i++) controller.enqueue(new TextEncoder().encode(" ".repeat(512)));
        controller.close();
      },
    });
    const streamed = await handler.fetch(
      new Request("http://localhost/v1/account/sessions/anonymous", {
        method: "POST",
        headers: { "x-appwrite-project": PROJECT, "content-type": "application/json" },
        body: stream,
        duplex: "half",
      } as RequestInit),
    );
    expect(streamed.status).toBe(400);
    expect(await service.config.store.users.count()).toBe(0);
    const small = await handler.fetch(post("{}"));
    expect(small.status).toBe(201);
  });

  it(`the default limit is ${INPUT_LIMITS.maxBodyBytes} bytes`, async () => {
    const { handler } = fetchHandler();
    const over = await handler.fetch(post(" ".repeat(INPUT_LIMITS.maxBodyBytes + 1)));
    expect(over.status).toBe(400);
    const at = await handler.fetch(post(`{}${" ".repeat(INPUT_LIMITS.maxBodyBytes - 2)}`));
    expect(at.status).toBe(201);
  });

  it("invalid UTF-8 is refused by the fetch handler too", async () => {
    const { service, handler } = fetchHandler();
    const res = await handler.fetch(post(new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x22, 0x7d])));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ message: "Request body must be valid UTF-8." });
    expect(await service.config.store.users.count()).toBe(0);
  });
});
