/**
 * The providers' key-set cache (src/oauth/jwks.ts) against a loopback HTTP server: what it keeps
 * of an answer, what it refuses, and how often it lets anyone make it fetch.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jwksCache, JwksUnavailableError, MAX_JWKS_BYTES, MAX_JWKS_KEYS } from "../../src/oauth/jwks";
import { manualClock } from "../helpers/clock";

const RSA = { kty: "RSA", n: "sXch", e: "AQAB" };
let server: Server;
let base: string;
const hits = new Map<string, number>();
let answer: (path: string, res: ServerResponse, req: IncomingMessage) => void = () => {};

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.set(path, (hits.get(path) ?? 0) + 1);
    answer(path, res, req);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const json = (res: ServerResponse, body: unknown) => {
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(body));
};

describe("jwksCache", () => {
  it("keeps only public signing keys with a key id, at most MAX_JWKS_KEYS of them", async () => {
    answer = (_p, res) =>
      json(res, {
        keys: [
          { ...RSA, kid: "good", use: "sig" },
          { ...RSA, kid: "no-use" },
          { ...RSA, kid: "enc", use: "enc" },
          { ...RSA, kid: "private", d: "secret" },
          { kty: "oct", kid: "shared", k: "c2VjcmV0" },
          { ...RSA },
          { ...RSA, kid: "" },
          "not a key",
          null,
          ...Array.from({ length: 200 }, (_, i) => ({ ...RSA, kid: `k${i}` })),
        ],
      });
    const keys = await jwksCache(fetch, manualClock()).keys(`${base}/filter`);
    expect(keys.keys.slice(0, 3).map((k) => k.kid)).toEqual(["good", "no-use", "k0"]);
    expect(keys.keys).toHaveLength(MAX_JWKS_KEYS);
  });

  it("concurrent requests share one fetch", async () => {
    answer = (_p, res) => setTimeout(() => json(res, { keys: [{ ...RSA, kid: "a" }] }), 50);
    const cache = jwksCache(fetch, manualClock());
    const all = await Promise.all(Array.from({ length: 20 }, () => cache.keys(`${base}/shared`)));
    expect(new Set(all).size).toBe(1);
    expect(hits.get("/shared")).toBe(1);
  });

  it("refuses redirects, other statuses, non-JSON, a document without keys and an oversized answer", async () => {
    answer = (path, res) => {
      if (path === "/redirect") {
        res.writeHead(302, { location: `${base}/elsewhere` });
        res.end();
      } else if (path === "/status") {
        res.statusCode = 500;
        res.end("down");
      } else if (path === "/text") res.end("<html>");
      else if (path === "/nokeys") json(res, { keys: "nope" });
      else if (path === "/big") {
        // No content-length: the size is found while reading.
        res.write(`{"keys":[],"pad":"`);
        res.end(`${"x".repeat(MAX_JWKS_BYTES)}"}`);
      } else json(res, { keys: [{ ...RSA, kid: "followed" }] });
    };
    const cache = jwksCache(fetch, manualClock());
    for (const path of ["/redirect", "/status", "/text", "/nokeys", "/big"]) {
      await expect(cache.keys(`${base}${path}`), path).rejects.toBeInstanceOf(JwksUnavailableError);
    }
    expect(hits.get("/elsewhere")).toBeUndefined();
  });

  it("a failure is not cached but not retried for 10 s; the TTL and the refetch cooldown run on the clock port", async () => {
    let up = false;
    answer = (_p, res) => {
      if (!up) {
        res.statusCode = 503;
        res.end();
      } else json(res, { keys: [{ ...RSA, kid: "x" }] });
    };
    const clock = manualClock();
    const cache = jwksCache(fetch, clock);
    const url = `${base}/flaky`;
    await expect(cache.keys(url)).rejects.toBeInstanceOf(JwksUnavailableError);
    up = true;
    await expect(cache.keys(url)).rejects.toBeInstanceOf(JwksUnavailableError);
    expect(hits.get("/flaky")).toBe(1);
    clock.advance(10_000);
    await expect(cache.keys(url)).resolves.toMatchObject({ keys: [{ kid: "x" }] });
    expect(hits.get("/flaky")).toBe(2);

    // refresh: one fetch, then none for a minute however often it is asked.
    expect(await cache.refresh(url)).not.toBeNull();
    for (let i = 0; i < 10; i++) expect(await cache.refresh(url)).toBeNull();
    expect(hits.get("/flaky")).toBe(3);
    clock.advance(60_000);
    expect(await cache.refresh(url)).not.toBeNull();
    expect(hits.get("/flaky")).toBe(4);

    // The set is kept 6 hours.
    clock.advance(6 * 3600_000 - 1);
    await cache.keys(url);
    expect(hits.get("/flaky")).toBe(4);
    clock.advance(1);
    await cache.keys(url);
    expect(hits.get("/flaky")).toBe(5);
  });
});
