import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { outbox } from "gatehouse-auth";
import { createTestAccountService, type TestAccountService } from "gatehouse-auth/testing";
import { demoAccountOptions, demoApi, demoWebApp } from "../../examples/express/apps";
import type { Asset } from "../../examples/express/web-app";
import type { OutboxRow } from "../../examples/express/outbox";
import { RETURN_PATHS } from "../../examples/web/src/paths";
import { followRedirects } from "../helpers/navigate";

/**
 * The demo's unit tests, written the way an app developer writes theirs with
 * `gatehouse-auth/testing` (README, "Testing your app"): the demo's own Express apps
 * (examples/express/apps.ts) built on `createTestAccountService()` instead of the SQLite service
 * server.ts makes, in this process, on two origins as the demo runs. Each test is a user's story
 * through the routes the page (examples/web) calls: the e-mail comes from `t.lastEmail`, time from
 * `t.clock`, authenticator codes from `t.totp`. The page's script is not built here (Vite is
 * test/examples/demo.test.ts's and test/browser/demo.test.ts's job): the web app serves the page's
 * source index.html, which is enough for its return paths and its config block.
 */
const PAGE: Map<string, Asset> = new Map([
  ["/index.html", { type: "text/html", body: readFileSync(new URL("../../examples/web/index.html", import.meta.url), "utf8") }],
]);

const servers: Server[] = [];
/** Listens on a free port of this process; closed after the file. */
async function serve(app: Express): Promise<string> {
  const server = createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}
afterAll(() => Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve)))));

interface Demo {
  /** The page's origin (web app). */
  app: string;
  /** The API's URL, as the page's SDK has it. */
  endpoint: string;
}

/** Both apps of the demo on `t.service`, started as server.ts starts them. */
async function startDemo(t: TestAccountService, box: ReturnType<typeof outbox> | null = null): Promise<Demo> {
  const endpoint = `${await serve(demoApi(t.service))}/v1`;
  const app = await serve(demoWebApp(t.service, { files: PAGE, endpoint, outbox: box }));
  return { app, endpoint };
}

/**
 * What the page's SDK sends from the browser: JSON, the project, the page's Origin, and the
 * API's session cookie back once it has one.
 */
function browser(demo: Demo, projectId: string) {
  const cookies = new Map<string, string>();
  return async (method: string, path: string, body?: Record<string, unknown>) => {
    const res = await fetch(`${demo.endpoint}${path}`, {
      method,
      headers: {
        "content-type": "application/json",
        "x-appwrite-project": projectId,
        origin: demo.app,
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(";");
      const [name, value] = pair!.split("=") as [string, string];
      if (value && !/max-age=0\b|expires=Thu, 01 Jan 1970/i.test(line)) cookies.set(name, value);
      else cookies.delete(name);
    }
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
}

/** Opening a link from an e-mail: the page is served at its return path, uncached. */
async function open(link: string) {
  const res = await fetch(link);
  return { status: res.status, cache: res.headers.get("cache-control"), html: await res.text() };
}

describe("the demo's apps on the testing kit", () => {
  // The demo's own options (server.ts passes the same), on the kit's memory store, outbox and clock.
  const t = createTestAccountService(demoAccountOptions({ dev: false }));
  let demo: Demo;
  let call: ReturnType<typeof browser>;
  beforeAll(async () => {
    demo = await startDemo(t);
  });
  beforeEach(async () => {
    await t.reset();
    call = browser(demo, t.projectId);
  });
  afterAll(() => t.close());

  it("serves the page with the API's URL and the service's project, at its return paths only", async () => {
    const home = await open(`${demo.app}/`);
    expect(home.status).toBe(200);
    const config = JSON.parse(/<script id="gatehouse-demo" type="application\/json">(.*?)<\/script>/.exec(home.html)![1]!);
    expect(config).toMatchObject({ endpoint: demo.endpoint, projectId: t.projectId, outbox: null, oauth2: [] });
    for (const path of Object.values(RETURN_PATHS)) expect((await open(`${demo.app}${path}`)).status, path).toBe(200);
    expect((await open(`${demo.app}/elsewhere`)).status).toBe(404);
    const apiHome = await fetch(`${new URL(demo.endpoint).origin}/`);
    expect(await apiHome.text()).toContain(`"${t.projectId}"`);
  });

  it("sign-up sends a verification e-mail whose link, opened on the page, verifies the address", async () => {
    expect((await call("POST", "/account", { userId: "unique()", email: "jane@example.com", password: "jane's passphrase" })).status).toBe(
      201,
    );
    expect((await call("POST", "/account/sessions/email", { email: "jane@example.com", password: "jane's passphrase" })).status).toBe(201);
    // What the account flow of the page sends (examples/web/src/flows/account.ts).
    expect((await call("POST", "/account/verification", { url: `${demo.app}${RETURN_PATHS.verify}` })).status).toBe(201);

    const mail = t.lastEmail("jane@example.com", "verification");
    expect(mail.link.startsWith(`${demo.app}${RETURN_PATHS.verify}?`)).toBe(true);
    const landing = await open(mail.link);
    expect([landing.status, landing.cache]).toEqual([200, "no-store"]);
    // What the page does there (examples/web/src/flows/landing.ts): userId and secret from its query.
    const query = new URL(mail.link).searchParams;
    const done = await call("PUT", "/account/verification", { userId: query.get("userId"), secret: query.get("secret") });
    expect(done.status).toBe(200);
    expect((await call("GET", "/account")).body).toMatchObject({ email: "jane@example.com", emailVerification: true });
  });

  it("a magic link signs in through /magic, and not once its hour is up", async () => {
    const send = () =>
      call("POST", "/account/tokens/magic-url", { userId: "unique()", email: "sam@example.com", url: `${demo.app}${RETURN_PATHS.magic}` });
    expect((await send()).status).toBe(201);
    const { link, userId, secret } = t.lastEmail("sam@example.com", "magic-url");
    expect(link.startsWith(`${demo.app}${RETURN_PATHS.magic}?`)).toBe(true);
    expect((await open(link)).status).toBe(200);
    expect((await call("PUT", "/account/sessions/magic-url", { userId, secret })).status).toBe(201);
    expect((await call("GET", "/account")).body).toMatchObject({ $id: userId, email: "sam@example.com", emailVerification: true });

    call = browser(demo, t.projectId); // signed out: another browser
    await send();
    const late = t.lastEmail("sam@example.com", "magic-url");
    expect(late.secret).not.toBe(secret);
    t.clock.advance("61m");
    const refused = await call("PUT", "/account/sessions/magic-url", { userId: late.userId, secret: late.secret });
    expect([refused.status, refused.body.type]).toEqual([401, "user_invalid_token"]);
  });

  it("a recovery link opens /reset and the new password replaces the old", async () => {
    const jane = await t.signUp({ email: "jane@example.com" });
    expect((await call("POST", "/account/recovery", { email: jane.email, url: `${demo.app}${RETURN_PATHS.reset}` })).status).toBe(201);
    const { link, userId, secret } = t.lastEmail(jane.email, "recovery");
    expect((await open(link)).status).toBe(200);
    expect(new URL(link).pathname).toBe(RETURN_PATHS.reset);
    const reset = await call("PUT", "/account/recovery", { userId, secret, password: "a brand new passphrase" });
    expect(reset.status).toBe(200);

    const old = await call("POST", "/account/sessions/email", { email: jane.email, password: jane.password });
    expect([old.status, old.body.type]).toEqual([401, "user_invalid_credentials"]);
    expect((await call("POST", "/account/sessions/email", { email: jane.email, password: "a brand new passphrase" })).status).toBe(201);
  });

  it("with TOTP on, sign-in asks for the authenticator's code before the account opens", async () => {
    const jane = await t.signUp();
    const login = () => call("POST", "/account/sessions/email", { email: jane.email, password: jane.password });
    await login();
    const { body: authenticator } = await call("POST", "/account/mfa/authenticators/totp");
    expect((await call("PUT", "/account/mfa/authenticators/totp", { otp: t.totp.code(authenticator.secret) })).status).toBe(200);
    expect((await call("PATCH", "/account/mfa", { mfa: true })).status).toBe(200);

    t.clock.advance("30s"); // a code is accepted once per 30-second step
    call = browser(demo, t.projectId); // another browser
    await login();
    const blocked = await call("GET", "/account");
    expect([blocked.status, blocked.body.type]).toEqual([401, "user_more_factors_required"]);
    const { body: challenge } = await call("POST", "/account/mfa/challenge", { factor: "totp" });
    expect(
      (await call("PUT", "/account/mfa/challenge", { challengeId: challenge.$id, otp: t.totp.code(authenticator.secret) })).status,
    ).toBe(200);
    expect((await call("GET", "/account")).body.$id).toBe(jane.id);
  });
});

describe("the demo's apps in development mode (GATEHOUSE_DEV_OUTBOX=1), on the testing kit", () => {
  // server.ts gives the development outbox's mailer and SMS port to the service; so does this test.
  const box = outbox();
  const t = createTestAccountService({ ...demoAccountOptions({ dev: true }), mailer: box.mailer, sms: box.sms });
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo(t, box);
  });
  afterEach(() => box.clear());
  afterAll(() => t.close());

  it("the outbox page lists the e-mail code, and the code signs in", async () => {
    const call = browser(demo, t.projectId);
    const token = await call("POST", "/account/tokens/email", { userId: "unique()", email: "ana@example.com" });
    expect(token.status).toBe(201);

    const home = await open(`${demo.app}/`);
    expect(home.html).toContain('"outbox":"/dev/outbox/messages.json"');
    const rows = (await fetch(`${demo.app}/dev/outbox/messages.json`).then((r) => r.json())) as OutboxRow[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: "mail", to: "ana@example.com", kind: "email-otp" });
    expect(rows[0]!.secret).toMatch(/^\d{6}$/);
    const page = await fetch(`${demo.app}/dev/outbox/`).then((r) => r.text());
    expect(page).toContain(`<code>${rows[0]!.secret}</code>`);

    expect((await call("POST", "/account/sessions/token", { userId: token.body.userId, secret: rows[0]!.secret })).status).toBe(201);
    expect((await call("GET", "/account")).body.email).toBe("ana@example.com");
  });

  it("the mock OAuth2 provider's login ends on the page's /oauth/token, whose token signs in", async () => {
    const config = JSON.parse(
      /<script id="gatehouse-demo" type="application\/json">(.*?)<\/script>/.exec((await open(`${demo.app}/`)).html)![1]!,
    );
    expect(config.oauth2).toEqual(["mock"]);
    const success = `${demo.app}${RETURN_PATHS.oauthToken}`;
    const start = `${demo.endpoint}/account/tokens/oauth2/mock?project=${t.projectId}&success=${encodeURIComponent(success)}`;
    const { final } = await followRedirects(start, `${success}?`);
    expect((await open(final!.href)).status).toBe(200);
    // What the page does there (examples/web/src/flows/landing.ts).
    const call = browser(demo, t.projectId);
    const userId = final!.searchParams.get("userId");
    expect((await call("POST", "/account/sessions/token", { userId, secret: final!.searchParams.get("secret") })).status).toBe(201);
    expect((await call("GET", "/account")).body).toMatchObject({ $id: userId, email: "useroauth@localhost.test" });
  });

  it("the mock phone number signs in with its fixed code and sends no SMS", async () => {
    const call = browser(demo, t.projectId);
    // The mock number server.ts configures (examples/express/settings.ts) is not the kit's default.
    const config = JSON.parse(
      /<script id="gatehouse-demo" type="application\/json">(.*?)<\/script>/.exec((await open(`${demo.app}/`)).html)![1]!,
    );
    const token = await call("POST", "/account/tokens/phone", { userId: "unique()", phone: config.mockPhone.phone });
    expect(token.status).toBe(201);
    expect(box.entries).toEqual([]);
    // What the phone form sends (examples/web/src/flows/sign-in.ts).
    expect((await call("POST", "/account/sessions/token", { userId: token.body.userId, secret: config.mockPhone.otp })).status).toBe(201);
    expect((await call("GET", "/account")).body.phone).toBe(config.mockPhone.phone);
  });
});
