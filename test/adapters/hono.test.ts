/**
 * Hono needs no adapter: its routes take and return web `Request`/`Response`, which is what
 * `createHandler(...).fetch` serves. This runs the README's mount ("Quick start: Hono") on
 * @hono/node-server with the node-appwrite SDK: its flow, cookies and CORS, under a prefix, and
 * bodies read raw or after a middleware already read them through Hono.
 */
import { readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { getConnInfo } from "@hono/node-server/conninfo";
import { Hono } from "hono";
import { afterEach, describe, expect, it } from "vitest";
import { createHandler, type AccountService } from "gatehouse-auth";
import { cookiesAndCors, mountedService, nodeSdkRoundTrip, rawBodies } from "../helpers/mounted";
import { raw } from "../helpers/sdk";

const servers: ServerType[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function listen(app: Hono): Promise<string> {
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, () => resolve(s));
  });
  servers.push(server);
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

/** The README's mount, word for word, at `path` (the API's base path). */
function mount(app: Hono, path: string, account: AccountService) {
  const handler = createHandler(account, { basePath: path, production: process.env.NODE_ENV === "production" });
  app.all(`${path}/*`, async (c) => {
    // A middleware that read the body (c.req.json(), parseBody) used up the raw request's; Hono kept the bytes.
    const request = c.req.raw.bodyUsed ? new Request(c.req.raw, { body: await c.req.arrayBuffer() }) : c.req.raw;
    return handler.fetch(request, { ip: getConnInfo(c).remote.address });
  });
}

describe("Hono", () => {
  it("the README shows this mount", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    // The route's body in this file's source: the lines of `mount` below its `app.all(`.
    const source = readFileSync(new URL(import.meta.url), "utf8").split("\n");
    const start = source.findIndex((line) => line.includes("app.all(`${path}/*`"));
    const body = source.slice(start + 1, start + 4).map((line) => line.trim());
    expect(body).toHaveLength(3);
    for (const line of body) expect(readme, line).toContain(line);
  });

  it("at /v1: node-appwrite signs up, logs in, reads the account and logs out; cookies, CORS, raw bodies", async () => {
    const app = new Hono();
    mount(app, "/v1", mountedService());
    const endpoint = `${await listen(app)}/v1`;
    const email = await nodeSdkRoundTrip(endpoint);
    await cookiesAndCors(endpoint, email);
    await rawBodies(endpoint, email);
  });

  it("after middleware that parsed the body through Hono (json, parseBody), the API still gets it", async () => {
    const app = new Hono();
    const seen: unknown[] = [];
    app.use("/v1/*", async (c, next) => {
      const type = c.req.header("content-type") ?? "";
      if (type.includes("json")) seen.push(await c.req.json().catch(() => "invalid"));
      else if (type.includes("form")) seen.push(await c.req.parseBody());
      await next();
    });
    mount(app, "/v1", mountedService());
    const endpoint = `${await listen(app)}/v1`;
    const email = await nodeSdkRoundTrip(endpoint);
    await cookiesAndCors(endpoint, email);
    // c.req.json() decoded the body leniently before the API saw it (README, "Hono").
    await rawBodies(endpoint, email, { bytesIntact: false });
    // The middleware really consumed the bodies first: the JSON log-in, the form, the invalid JSON.
    expect(seen).toContainEqual({ email, password: "password123" });
    expect(seen).toContainEqual(expect.objectContaining({ email }));
    expect(seen).toContain("invalid");
  });

  it("under a prefix (/auth/v1), the SDK works with the endpoint …/auth/v1; other paths stay the app's", async () => {
    const app = new Hono();
    app.get("/health", (c) => c.json({ ok: true }));
    mount(app, "/auth/v1", mountedService());
    const origin = await listen(app);
    const email = await nodeSdkRoundTrip(`${origin}/auth/v1`);
    await cookiesAndCors(`${origin}/auth/v1`, email);
    const unknown = await raw(`${origin}/auth/v1`, "GET", "/account/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.json?.type).toBe("general_route_not_found");
    const elsewhere = await raw(`${origin}/v1`, "GET", "/account");
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.json).toBeNull();
    expect(await (await fetch(`${origin}/health`)).json()).toEqual({ ok: true });
  });
});
