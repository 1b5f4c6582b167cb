import type { AddressInfo } from "node:net";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccountService, memoryStore } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { cheapHasher, PROJECT } from "../helpers/server";
import { raw } from "../helpers/sdk";

/**
 * Behind a TLS-terminating proxy the session cookie must be `secure`. On a dual-stack socket the
 * proxy's IPv4 address arrives as `::ffff:127.0.0.1`; it must still count as the trusted proxy.
 */
let server: import("node:http").Server;
let endpoint = "";
beforeAll(async () => {
  const service = createAccountService({
    projectId: PROJECT,
    store: memoryStore(),
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    trustedProxies: ["127.0.0.1"],
  });
  const app = express();
  app.use("/v1", accountRouter(service));
  server = await new Promise((resolve) => {
    const s = app.listen(0, "::", () => resolve(s));
  });
  endpoint = `http://localhost:${(server.address() as AddressInfo).port}/v1`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("X-Forwarded-Proto from a trusted proxy on a dual-stack socket", () => {
  it("marks the session cookies secure when the proxy says https", async () => {
    const response = await raw(endpoint, "POST", "/account/sessions/anonymous", { body: {}, headers: { "x-forwarded-proto": "https" } });
    expect(response.status).toBe(201);
    const cookies = response.headers.getSetCookie();
    expect(cookies).toHaveLength(2);
    for (const cookie of cookies) expect(cookie).toMatch(/; secure/);
  });

  it("leaves them without `secure` for plain http", async () => {
    const response = await raw(endpoint, "POST", "/account/sessions/anonymous", {
      body: {},
      headers: { "x-forwarded-proto": "http", "x-forwarded-for": "203.0.113.9" },
    });
    expect(response.status).toBe(201);
    for (const cookie of response.headers.getSetCookie()) expect(cookie).not.toMatch(/; secure/);
  });
});
