/**
 * The Fastify plugin (adapters/fastify/index.ts), on a real listening server (Fastify's `inject`
 * pulls in a cookie package for Node 22): the node-appwrite SDK's flow, cookies and CORS, under a
 * prefix, and bodies: the API reads every body itself even where the app has Fastify parsers,
 * which keep working on the app's own routes.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { accountPlugin } from "gatehouse-auth/fastify";
import { cookiesAndCors, mountedService, nodeSdkRoundTrip, rawBodies } from "../helpers/mounted";
import { raw } from "../helpers/sdk";

const apps: FastifyInstance[] = [];
afterEach(async () => {
  await Promise.all(apps.splice(0).map((app) => app.close()));
});

async function listen(app: FastifyInstance): Promise<string> {
  apps.push(app);
  await app.listen({ port: 0, host: "127.0.0.1" });
  return `http://localhost:${(app.server.address() as AddressInfo).port}`;
}

describe("Fastify", () => {
  it("registered at /v1: node-appwrite signs up, logs in, reads the account and logs out; cookies and CORS", async () => {
    const app = Fastify();
    const account = mountedService();
    // The README's quick start, word for word.
    await app.register(accountPlugin(account), { prefix: "/v1" });
    expect(readFileSync(new URL("../../README.md", import.meta.url), "utf8")).toContain(
      'await app.register(accountPlugin(account), { prefix: "/v1" });',
    );
    const endpoint = `${await listen(app)}/v1`;
    const email = await nodeSdkRoundTrip(endpoint);
    await cookiesAndCors(endpoint, email);
  });

  it("reads bodies raw (forms, invalid JSON, too large, not UTF-8 get Appwrite's errors) while the app's routes keep Fastify's parsers", async () => {
    const app = Fastify();
    app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (_request, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });
    app.post("/echo", async (request) => ({ parsed: request.body }));
    await app.register(accountPlugin(mountedService(), { onError: () => {} }), { prefix: "/v1" });
    const origin = await listen(app);
    const endpoint = `${origin}/v1`;
    const email = await nodeSdkRoundTrip(endpoint);
    await rawBodies(endpoint, email);

    // Outside the plugin, Fastify parsed the bodies: JSON by default, forms with the app's parser.
    const json = await fetch(`${origin}/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"a":1}' });
    expect(await json.json()).toEqual({ parsed: { a: 1 } });
    const form = await fetch(`${origin}/echo`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "a=1&b=2",
    });
    expect(await form.json()).toEqual({ parsed: { a: "1", b: "2" } });
    // And invalid JSON there is Fastify's own answer, not an Appwrite error.
    const bad = await fetch(`${origin}/echo`, { method: "POST", headers: { "content-type": "application/json" }, body: "{oops" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).code).toMatch(/^FST_/);
  });

  it("nested under a prefix (/auth then /v1), the SDK works with the endpoint …/auth/v1; nothing answers at /v1", async () => {
    const app = Fastify();
    await app.register(
      async (auth) => {
        await auth.register(accountPlugin(mountedService(), { onError: () => {} }), { prefix: "/v1" });
      },
      { prefix: "/auth" },
    );
    app.get("/health", async () => ({ ok: true }));
    const origin = await listen(app);
    const email = await nodeSdkRoundTrip(`${origin}/auth/v1`);
    await cookiesAndCors(`${origin}/auth/v1`, email);
    const unknown = await raw(`${origin}/auth/v1`, "GET", "/account/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json?.type).toBe("general_route_not_found");
    const elsewhere = await raw(`${origin}/v1`, "GET", "/account");
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json?.type).toBeUndefined();
    expect(await (await fetch(`${origin}/health`)).json()).toEqual({ ok: true });
  });

  it("refuses to start in production without an endpoint", () => {
    expect(() => accountPlugin(mountedService(), { production: true })).toThrow(/endpoint is not set/);
  });
});
