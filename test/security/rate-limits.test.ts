/**
 * Rate limits as an attacker meets them (issue 11, items 4 and 6), over HTTP against the Express
 * server: keys come from the route template and validated, normalised values (src/core/rate-limit-key.ts),
 * never from `Host` or a raw parameter; login, e-mail OTP, magic URL, phone and recovery count
 * per (IP, identifier) with a per-identifier ceiling (src/core/rate-limits.ts); the in-memory
 * limiter holds a bounded number of keys (src/limiters/memory.ts).
 */
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { IDENTIFIER_CEILING, memoryRateLimiter, type RateLimiter, type RateLimitRule } from "gatehouse-auth";
import { operations } from "../../src/core/service";
import { API_KEY, PROJECT, startServer, type TestServer } from "../helpers/server";
import { expectRawError, raw, serverClient, type RawResult } from "../helpers/sdk";
import { expectRateHeaders, freshWindow, nextIp, startWithOutbox, uniqueEmail, uniquePhone } from "../helpers/flows";

const PASSWORD = "password123";
/** Longest key the pipeline may make: a route template plus three parts of at most 71 characters. */
const MAX_KEY = 320;

/** A RateLimiter that counts in memory and records every key it is asked about, and every reset. */
function recordingLimiter(maxKeys?: number) {
  const inner = memoryRateLimiter(maxKeys === undefined ? {} : { maxKeys });
  const keys: string[] = [];
  const resets: string[] = [];
  const limiter: RateLimiter = {
    hit: (key, ...rest) => {
      keys.push(key);
      return inner.hit(key, ...rest);
    },
    peek: (key, ...rest) => {
      keys.push(key);
      return inner.peek(key, ...rest);
    },
    reset: (key, ...rest) => {
      resets.push(key);
      return inner.reset!(key, ...rest);
    },
  };
  return { limiter, keys, resets, inner };
}

/** A raw POST with a chosen `Host` header (fetch does not let a caller set it). */
function postWithHost(s: TestServer, host: string, path: string, body: object): Promise<{ status: number; type: string | undefined }> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: s.port,
        method: "POST",
        path: `/v1${path}`,
        headers: {
          host: `${host}:${s.port}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
          "x-appwrite-project": PROJECT,
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, type: (JSON.parse(text || "{}") as { type?: string }).type }));
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function post(s: TestServer, path: string, body: string | object, ip?: string, headers: Record<string, string> = {}): Promise<RawResult> {
  return raw(s.endpoint, "POST", path, { body, headers: { ...headers, ...(ip ? { "x-forwarded-for": ip } : {}) } });
}

async function signUp(s: TestServer, email: string) {
  return serverClient(s.endpoint, API_KEY).account.create(ID.unique(), email, PASSWORD);
}

describe("login keys use the route template and the normalised e-mail", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  it("rotating the Host header (h1.localhost, h2.localhost, …) does not give a fresh login counter", async () => {
    const email = uniqueEmail("host");
    await signUp(s, email);
    const statuses: number[] = [];
    for (let i = 1; i <= 12; i++) {
      statuses.push((await postWithHost(s, `h${i}.localhost`, "/account/sessions/email", { email, password: "wrong-password" })).status);
    }
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
    // The right password from yet another Host is refused too.
    expect(await postWithHost(s, "h99.localhost", "/account/sessions/email", { email, password: PASSWORD })).toEqual({
      status: 429,
      type: "general_rate_limit_exceeded",
    });
  });

  it("spellings of one address (case, surrounding spaces, fullwidth ＠ and letters) share one counter", async () => {
    const local = `jane-${Math.random().toString(36).slice(2, 8)}`;
    const email = `${local}@example.com`;
    await signUp(s, email);
    const variants = [
      `${local.toUpperCase()}@Example.COM`,
      `  ${email}`,
      `${email}\t `,
      `${local}＠example.com`,
      `${[...local].map((c) => (/[a-z]/.test(c) ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c)).join("")}@example.com`,
    ];
    for (let i = 0; i < 10; i++) {
      const res = await post(s, "/account/sessions/email", { email: variants[i % variants.length], password: "wrong-password" });
      // Each spelling reaches the same account, so each is a wrong password for it.
      expectRawError(res, 401, "user_invalid_credentials");
      expect(res.headers.get("x-ratelimit-remaining")).toBe(String(9 - i));
    }
    for (const variant of [...variants, email]) {
      expectRawError(await post(s, "/account/sessions/email", { email: variant, password: PASSWORD }), 429, "general_rate_limit_exceeded");
    }
  });
});

describe("login limits an attacker cannot turn against the owner", () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ trustedProxies: ["127.0.0.1"] });
  });
  afterAll(() => s.close());

  it("10 wrong passwords from 10 IPs do not lock the owner out: an 11th IP logs in", async () => {
    const email = uniqueEmail("owner");
    const user = await signUp(s, email);
    for (let i = 0; i < 10; i++)
      expectRawError(
        await post(s, "/account/sessions/email", { email, password: "wrong-password" }, nextIp()),
        401,
        "user_invalid_credentials",
      );
    const owner = await post(s, "/account/sessions/email", { email, password: PASSWORD }, nextIp());
    expect(owner.status).toBe(201);
    expect(owner.json?.userId).toBe(user.$id);
    expectRateHeaders(owner, 10, 9, s);
  });

  it("one IP gets Appwrite's 10 per address; an IP already refused does not use up the address's ceiling", async () => {
    const email = uniqueEmail("one-ip");
    await signUp(s, email);
    const ip = nextIp();
    for (let i = 0; i < 10; i++)
      expectRawError(await post(s, "/account/sessions/email", { email, password: "wrong-password" }, ip), 401, "user_invalid_credentials");
    // Forty more from the same IP are refused before the ceiling counts them...
    for (let i = 0; i < 40; i++)
      expectRawError(await post(s, "/account/sessions/email", { email, password: PASSWORD }, ip), 429, "general_rate_limit_exceeded");
    // ...so 9 more IPs still get their full 10 each (ceiling: 10 + 90 = 100).
    for (let n = 0; n < 9; n++) {
      const other = nextIp();
      for (let i = 0; i < 10; i++)
        expectRawError(
          await post(s, "/account/sessions/email", { email, password: "wrong-password" }, other),
          401,
          "user_invalid_credentials",
        );
    }
    const over = await post(s, "/account/sessions/email", { email, password: PASSWORD }, nextIp());
    expectRawError(over, 429, "general_rate_limit_exceeded");
    expectRateHeaders(over, IDENTIFIER_CEILING, 0, s);
  });

  it(`the per-e-mail ceiling (${IDENTIFIER_CEILING} an hour, whatever the IP) bounds a distributed guesser; the next window starts afresh`, async () => {
    const email = uniqueEmail("ceiling");
    await signUp(s, email);
    for (let i = 0; i < IDENTIFIER_CEILING; i++) {
      const res = await post(s, "/account/sessions/email", { email, password: "wrong-password" }, nextIp());
      expectRawError(res, 401, "user_invalid_credentials");
      // The tightest counter is reported: the IP's own (9 left) until the ceiling has fewer.
      const ceilingLeft = IDENTIFIER_CEILING - 1 - i;
      if (ceilingLeft < 9) expectRateHeaders(res, IDENTIFIER_CEILING, ceilingLeft, s);
      else expectRateHeaders(res, 10, 9, s);
    }
    const refused = await post(s, "/account/sessions/email", { email: ` ${email.toUpperCase()}`, password: PASSWORD }, nextIp());
    expectRawError(refused, 429, "general_rate_limit_exceeded");
    expectRateHeaders(refused, IDENTIFIER_CEILING, 0, s);
    // Another address is not affected.
    const other = uniqueEmail("ceiling-other");
    await signUp(s, other);
    expect((await post(s, "/account/sessions/email", { email: other, password: PASSWORD }, nextIp())).status).toBe(201);
    freshWindow(s);
    expect((await post(s, "/account/sessions/email", { email, password: PASSWORD }, nextIp())).status).toBe(201);
  });
});

describe("a successful login resets its own counters (Appwrite's abuse-reset)", () => {
  const recorder = recordingLimiter();
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ trustedProxies: ["127.0.0.1"], rateLimiter: recorder.limiter });
  });
  afterAll(() => s.close());

  it("nine wrong passwords, then the right one, then ten more attempts are allowed; the eleventh is 429", async () => {
    const email = uniqueEmail("reset");
    await signUp(s, email);
    const ip = nextIp();
    const wrong = () => post(s, "/account/sessions/email", { email, password: "wrong-password" }, ip);
    for (let i = 0; i < 9; i++) expectRawError(await wrong(), 401, "user_invalid_credentials");
    recorder.resets.length = 0;
    expect((await post(s, "/account/sessions/email", { email, password: PASSWORD }, ip)).status).toBe(201);
    for (let i = 0; i < 10; i++) expectRawError(await wrong(), 401, "user_invalid_credentials");
    expectRawError(await wrong(), 429, "general_rate_limit_exceeded");
    // Only the (IP, e-mail) counter: the per-IP one and the e-mail's ceiling bound attempts on
    // other accounts and from other addresses, and a login must not refill them.
    expect(recorder.resets).toEqual([`url:/account/sessions/email,ip:${ip},email:${email}`]);
  });

  it("the /account/sessions alias shares the counter and resets it too", async () => {
    const email = uniqueEmail("reset-alias");
    await signUp(s, email);
    const ip = nextIp();
    for (let i = 0; i < 9; i++)
      expectRawError(await post(s, "/account/sessions", { email, password: "wrong-password" }, ip), 401, "user_invalid_credentials");
    expect((await post(s, "/account/sessions", { email, password: PASSWORD }, ip)).status).toBe(201);
    for (let i = 0; i < 10; i++)
      expectRawError(await post(s, "/account/sessions/email", { email, password: "wrong-password" }, ip), 401, "user_invalid_credentials");
    expectRawError(await post(s, "/account/sessions/email", { email, password: "wrong-password" }, ip), 429, "general_rate_limit_exceeded");
  });

  it("a failed login, an API key's login and other 201s reset nothing", async () => {
    const email = uniqueEmail("no-reset");
    await signUp(s, email);
    recorder.resets.length = 0;
    expectRawError(
      await post(s, "/account/sessions/email", { email, password: "wrong-password" }, nextIp()),
      401,
      "user_invalid_credentials",
    );
    expect((await post(s, "/account/sessions/email", { email, password: PASSWORD }, nextIp(), { "x-appwrite-key": API_KEY })).status).toBe(
      201,
    );
    expect((await post(s, "/account", { userId: "unique()", email: uniqueEmail("other"), password: PASSWORD }, nextIp())).status).toBe(201);
    expect(recorder.resets).toEqual([]);
  });

  it("token sessions (POST /account/sessions/token, PUT /account/sessions/magic-url): nine wrong secrets, the right one, ten more", async () => {
    const email = uniqueEmail("reset-token");
    const user = await signUp(s, email);
    const ip = nextIp();
    const wrong = (method: "POST" | "PUT", path: string) =>
      raw(s.endpoint, method, path, { body: { userId: user.$id, secret: "a".repeat(64) }, headers: { "x-forwarded-for": ip } });
    for (let i = 0; i < 9; i++) expectRawError(await wrong("POST", "/account/sessions/token"), 401, "user_invalid_token");
    // The application's own server makes the token (service.users.*, as the Users API would).
    const { secret } = await s.service.users.createToken({ userId: user.$id });
    const ok = await raw(s.endpoint, "PUT", "/account/sessions/magic-url", {
      body: { userId: user.$id, secret },
      headers: { "x-forwarded-for": ip },
    });
    expect(ok.status).toBe(201);
    for (let i = 0; i < 10; i++) expectRawError(await wrong("POST", "/account/sessions/token"), 401, "user_invalid_token");
    expectRawError(await wrong("POST", "/account/sessions/token"), 429, "general_rate_limit_exceeded");
  });

  it("a limiter without reset (one written before the port had it) keeps counting: no reset, no error", async () => {
    const inner = memoryRateLimiter();
    const old: RateLimiter = { hit: (...args) => inner.hit(...args), peek: (...args) => inner.peek(...args) };
    const plain = await startServer({ trustedProxies: ["127.0.0.1"], rateLimiter: old });
    try {
      const email = uniqueEmail("old-port");
      await signUp(plain, email);
      const ip = nextIp();
      for (let i = 0; i < 9; i++)
        expectRawError(
          await post(plain, "/account/sessions/email", { email, password: "wrong-password" }, ip),
          401,
          "user_invalid_credentials",
        );
      expect((await post(plain, "/account/sessions/email", { email, password: PASSWORD }, ip)).status).toBe(201);
      expectRawError(
        await post(plain, "/account/sessions/email", { email, password: "wrong-password" }, ip),
        429,
        "general_rate_limit_exceeded",
      );
    } finally {
      await plain.close();
    }
  });

  it("a reset that fails is reported and the login still succeeds", async () => {
    const inner = memoryRateLimiter();
    const reported: unknown[] = [];
    const broken: RateLimiter = {
      hit: (...args) => inner.hit(...args),
      peek: (...args) => inner.peek(...args),
      reset: () => Promise.reject(new Error("limiter down")),
    };
    const flaky = await startServer({ rateLimiter: broken, reportError: (error) => reported.push(error) });
    try {
      const email = uniqueEmail("flaky");
      await signUp(flaky, email);
      expect((await post(flaky, "/account/sessions/email", { email, password: PASSWORD })).status).toBe(201);
      expect(reported).toEqual([new Error("limiter down")]);
    } finally {
      await flaky.close();
    }
  });
});

describe("the same rule on e-mail OTP, magic URL, phone and recovery", () => {
  let s: TestServer;
  beforeAll(async () => {
    ({ s } = await startWithOutbox());
  });
  afterAll(() => s.close());

  type Route = { name: string; path: string; perIp: number; body: (id: string) => object; identifier: () => Promise<string> };
  const byEmail = async () => {
    const email = uniqueEmail("route");
    await signUp(s, email);
    return email;
  };
  const routes: Route[] = [
    {
      name: "POST /account/tokens/email",
      path: "/account/tokens/email",
      perIp: 10,
      body: (email) => ({ userId: "unique()", email }),
      identifier: byEmail,
    },
    {
      name: "POST /account/tokens/magic-url",
      path: "/account/tokens/magic-url",
      perIp: 60,
      body: (email) => ({ userId: "unique()", email }),
      identifier: byEmail,
    },
    {
      name: "POST /account/recovery",
      path: "/account/recovery",
      perIp: 10,
      body: (email) => ({ email, url: "http://localhost/reset" }),
      identifier: byEmail,
    },
    {
      name: "POST /account/tokens/phone",
      path: "/account/tokens/phone",
      perIp: 10,
      body: (phone) => ({ userId: "unique()", phone }),
      identifier: async () => uniquePhone(),
    },
  ];

  for (const route of routes) {
    it(`${route.name}: Appwrite's ${route.perIp} from as many IPs do not lock the owner out; the ceiling of ${IDENTIFIER_CEILING} does refuse`, async () => {
      freshWindow(s);
      const id = await route.identifier();
      for (let i = 0; i < route.perIp; i++) expect((await post(s, route.path, route.body(id), nextIp())).status).toBe(201);
      // Appwrite would refuse this one (its key is the identifier alone).
      expect((await post(s, route.path, route.body(id), nextIp())).status).toBe(201);
      for (let i = route.perIp + 1; i < IDENTIFIER_CEILING; i++)
        expect((await post(s, route.path, route.body(id), nextIp())).status).toBe(201);
      const refused = await post(s, route.path, route.body(id), nextIp());
      expectRawError(refused, 429, "general_rate_limit_exceeded");
      expectRateHeaders(refused, IDENTIFIER_CEILING, 0, s);
      // One IP alone still gets only Appwrite's figure for one identifier.
      const fresh = await route.identifier();
      const ip = nextIp();
      for (let i = 0; i < route.perIp; i++) expect((await post(s, route.path, route.body(fresh), ip)).status).toBe(201);
      expectRawError(await post(s, route.path, route.body(fresh), ip), 429, "general_rate_limit_exceeded");
    });
  }
});

describe("rate-limit keys are bounded whatever the request holds", () => {
  const recorder = recordingLimiter();
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ rateLimiter: recorder.limiter });
  });
  afterAll(() => s.close());

  it("`email[99999991]=1&password=x` (40 bytes) is refused by the parser before any key is made", async () => {
    recorder.keys.length = 0;
    const res = await raw(s.endpoint, "POST", "/account/sessions/email", {
      body: "email[99999991]=1&password=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    // The index is past the parser's bound (src/validation/input-limits.ts): 400, and nothing counted.
    expect(res.status).toBe(400);
    expect(recorder.keys).toEqual([]);
  });

  it("an array e-mail within the parser's bounds (`email[999]=1`) reaches the limiter as a short key", async () => {
    recorder.keys.length = 0;
    const res = await raw(s.endpoint, "POST", "/account/sessions/email", {
      body: "email[999]=1&password=x",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(res.status).toBe(400);
    expect(recorder.keys.length).toBeGreaterThan(0);
    for (const key of recorder.keys) expect(key.length).toBeLessThanOrEqual(MAX_KEY);
  });

  it("non-string e-mails (arrays, objects, numbers, nested) never reach a key; they share the missing-value counter", async () => {
    recorder.keys.length = 0;
    const values = [["a@example.com"], { a: "b".repeat(10_000) }, 12345, [[[["x".repeat(5_000)]]]], true];
    for (const email of values)
      expectRawError(await post(s, "/account/sessions/email", { email, password: PASSWORD }), 400, "general_argument_invalid");
    expect(new Set(recorder.keys)).toEqual(
      new Set([
        "url:/account/sessions/email,ip:127.0.0.1,email:{param-email}",
        "url:/account/sessions/email,ip:127.0.0.1",
        "url:/account/sessions/email,email:{param-email}",
      ]),
    );
  });

  it("150 logins with a 1 MB e-mail keep every key short; a long valid address is hashed", async () => {
    recorder.keys.length = 0;
    const huge = `${"a".repeat(1_000_000)}@example.com`;
    const padded = `${" ".repeat(1_000_000)}someone@example.com`;
    for (let i = 0; i < 150; i++) {
      const res = await post(s, "/account/sessions/email", { email: i % 2 ? huge : padded, password: PASSWORD });
      expect(res.status).toBeLessThan(500);
    }
    expect(recorder.keys.length).toBeGreaterThanOrEqual(150);
    expect(Math.max(...recorder.keys.map((k) => k.length))).toBeLessThanOrEqual(MAX_KEY);
    // The padded address is a valid one once trimmed: it is counted under its normalised form.
    expect(recorder.keys).toContain("url:/account/sessions/email,ip:127.0.0.1,email:someone@example.com");

    recorder.keys.length = 0;
    const long = `${"l".repeat(64)}@${"d".repeat(60)}.${"e".repeat(60)}.example.com`;
    await post(s, "/account/sessions/email", { email: long, password: PASSWORD });
    expect(recorder.keys).toEqual([
      expect.stringMatching(/^url:\/account\/sessions\/email,ip:127\.0\.0\.1,email:sha256:[0-9a-f]{64}$/),
      "url:/account/sessions/email,ip:127.0.0.1",
      expect.stringMatching(/^url:\/account\/sessions\/email,email:sha256:[0-9a-f]{64}$/),
    ]);
    expect(recorder.keys.join()).not.toContain("lll");
  });

  it("every `{param-…}` in a route's keys names one of its own parameters (else the key would never hold a value)", () => {
    const specs = Object.entries(operations) as [string, { rateLimit?: RateLimitRule; params: object }][];
    let checked = 0;
    for (const [name, op] of specs) {
      for (const { key } of [...(op.rateLimit?.keys ?? []), ...(op.rateLimit?.before?.keys ?? [])]) {
        for (const [, param] of key.matchAll(/\{param-([A-Za-z0-9_]+)\}/g)) {
          expect(Object.keys(op.params), `${name}: ${key}`).toContain(param);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(10);
  });
});

describe("the in-memory limiter holds a bounded number of keys", () => {
  const HOUR = 3600;
  const t0 = Date.UTC(2030, 0, 1);

  it("after 200 000 distinct keys it holds at most maxKeys (default 100 000), in linear time, and keeps counting", async () => {
    const limiter = memoryRateLimiter();
    const fill = async (from: number) => {
      const started = performance.now();
      for (let i = from; i < from + 100_000; i++)
        await limiter.hit(`url:/account/sessions/email,ip:10.0.0.1,email:user${i}@example.com`, 10, HOUR, t0);
      return performance.now() - started;
    };
    const filling = await fill(0);
    expect(limiter.size).toBe(100_000);
    // The next 100 000 each evict: no slower than filling (evicting one entry at a time from a
    // Map's front is quadratic and took ten times as long).
    const evicting = await fill(100_000);
    expect(limiter.size).toBeLessThanOrEqual(100_000);
    expect(evicting).toBeLessThan(4 * filling + 1_000);
    expect(limiter.size).toBeGreaterThan(0);
    const first = await limiter.hit("fresh", 2, HOUR, t0);
    await limiter.hit("fresh", 2, HOUR, t0);
    expect([first.allowed, (await limiter.hit("fresh", 2, HOUR, t0)).allowed]).toEqual([true, false]);
  });

  it("the number held does not grow with the number of distinct hostile keys", async () => {
    const limiter = memoryRateLimiter({ maxKeys: 1_000 });
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5_000; i++) await limiter.hit(`k${round}-${i}-${"x".repeat(200)}`, 10, HOUR, t0);
      sizes.push(limiter.size);
    }
    // Full, it evicts a hundredth of maxKeys at a time.
    for (const size of sizes) expect(size).toBeGreaterThan(980);
    for (const size of sizes) expect(size).toBeLessThanOrEqual(1_000);
  });

  it("evicts ended windows first, then the window that started longest ago", async () => {
    const limiter = memoryRateLimiter({ maxKeys: 3 });
    await limiter.hit("short", 5, 60, t0); // a one-minute window
    await limiter.hit("a", 5, HOUR, t0);
    await limiter.hit("b", 5, HOUR, t0);
    // Two minutes on, "short" has ended: it goes, "a" and "b" keep their counts.
    await limiter.hit("c", 5, HOUR, t0 + 120_000);
    expect(limiter.size).toBe(3);
    expect((await limiter.peek("a", 5, HOUR, t0 + 120_000)).remaining).toBe(3);
    // Nothing has ended now: the oldest ("a") goes and its count starts again.
    await limiter.hit("d", 5, HOUR, t0 + 120_000);
    expect(limiter.size).toBe(3);
    expect((await limiter.peek("a", 5, HOUR, t0 + 120_000)).remaining).toBe(4);
    expect((await limiter.peek("b", 5, HOUR, t0 + 120_000)).remaining).toBe(3);
  });

  it("through HTTP: logins with ever new e-mail addresses leave at most maxKeys counters", async () => {
    const limiter = memoryRateLimiter({ maxKeys: 50 });
    const s = await startServer({ rateLimiter: limiter });
    try {
      for (let i = 0; i < 200; i++)
        await post(s, "/account/sessions/email", { email: `hostile-${i}@example.com`, password: "wrong-password" });
      expect(limiter.size).toBe(50);
    } finally {
      await s.close();
    }
  });

  it("reset forgets one key's count in the current window, and nothing else", async () => {
    const limiter = memoryRateLimiter();
    for (let i = 0; i < 3; i++) await limiter.hit("r", 3, HOUR, t0);
    await limiter.hit("other", 3, HOUR, t0);
    expect((await limiter.hit("r", 3, HOUR, t0)).allowed).toBe(false);
    await limiter.reset!("r", HOUR, t0 + 5_000);
    expect(await limiter.peek("r", 3, HOUR, t0)).toMatchObject({ allowed: true, remaining: 2 });
    expect((await limiter.peek("other", 3, HOUR, t0)).remaining).toBe(1);
    expect(limiter.size).toBe(1);
    // A reset that names another window's instant leaves this window's count alone.
    await limiter.hit("r", 3, HOUR, t0);
    await limiter.reset!("r", HOUR, t0 + HOUR * 1000);
    expect((await limiter.peek("r", 3, HOUR, t0)).remaining).toBe(1);
    await limiter.reset!("never-counted", HOUR, t0);
    expect(limiter.size).toBe(2);
  });

  it("refuses a maxKeys that is not a positive integer", () => {
    for (const maxKeys of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => memoryRateLimiter({ maxKeys })).toThrow(TypeError);
  });
});
