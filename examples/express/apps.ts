/**
 * The demo's two Express apps, built from an `AccountService`: the API (the Account API at /v1)
 * and the web app (the page, its return paths and, in development mode, the outbox). server.ts
 * builds the service from the environment and starts both; test/examples/demo-app-kit.test.ts
 * builds them on `createTestAccountService()` from `gatehouse-auth/testing`, as an app's own tests would.
 */
import express from "express";
import type { AccountService, GatehouseConfig, Outbox } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { outboxRoutes } from "./outbox";
import { MOCK_PHONE } from "./settings";
import { webAppRouter, type Asset } from "./web-app";

/**
 * The demo's own options of `createAccountService`, besides the store and what the environment
 * sets (server.ts): `dev` is the development mode of `npm run demo:dev`.
 */
export function demoAccountOptions({ dev }: { dev: boolean }): Pick<GatehouseConfig, "platforms" | "auth" | "oauth2"> {
  return {
    // The web app's origin is http(s)://localhost:PORT; the API is another origin on the same host.
    platforms: ["localhost", "127.0.0.1"],
    // The phone form's number: its fixed code signs in, and no SMS is sent.
    auth: { mockNumbers: [MOCK_PHONE] },
    // The built-in test provider (anyone is signed in as its one user) in development mode only.
    oauth2: dev ? { mock: { clientId: "demo", clientSecret: "demo" } } : {},
  };
}

/** The API's origin: the Account API at /v1 and a line of text at /. */
export function demoApi(account: AccountService): express.Express {
  const api = express();
  api.use("/v1", accountRouter(account));
  api.get("/", (_req, res) => {
    res.type("text/plain").send(`Gatehouse demo: the Appwrite Account API is at /v1 (project "${account.config.projectId}").\n`);
  });
  return api;
}

export interface DemoWebAppOptions {
  /** The page's files (./web-app.ts, `buildWebApp`). */
  files: Map<string, Asset>;
  /** The API's URL as the page's SDK calls it, e.g. http://localhost:3001/v1. */
  endpoint: string;
  /** The development outbox the service sends to, shown at /dev/outbox; null outside `demo:dev`. */
  outbox: Outbox | null;
}

/** The web app's origin: the page at "/" and its return paths, and the development outbox. */
export function demoWebApp(account: AccountService, options: DemoWebAppOptions): express.Express {
  const app = express();
  if (options.outbox) app.use("/dev/outbox", outboxRoutes(options.outbox));
  app.use(
    webAppRouter(options.files, {
      endpoint: options.endpoint,
      projectId: account.config.projectId,
      outbox: options.outbox ? "/dev/outbox/messages.json" : null,
      mockPhone: MOCK_PHONE,
      oauth2: Object.keys(account.config.oauth2),
    }),
  );
  return app;
}
