import { join } from "node:path";
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { browser } from "../helpers/sdk";
import { runScript, startDemo, stopDemos, tempDir, type Demo } from "../helpers/demo";

/** A port nothing listens on now, for API_PORT. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The README's run command, `npm run demo`, as a user runs it: a process serving the page and the SDKs. */
let demo: Demo;

beforeAll(async () => {
  demo = await startDemo("demo");
}, 50_000);

afterAll(stopDemos);

describe("npm run demo", () => {
  it("prints its two URLs: the web app and the API, on different origins", () => {
    expect(demo.app).toMatch(/^http:\/\/localhost:\d+$/);
    expect(demo.endpoint).toMatch(/^http:\/\/localhost:\d+\/v1$/);
    expect(new URL(demo.endpoint).origin).not.toBe(demo.app);
  });

  it("serves the web SDK on a SQLite file", async () => {
    const b = browser(demo.endpoint, "demo");
    const me = await b.use(async (account) => {
      await account.create(ID.unique(), "demo-user@example.com", "password123", "Demo");
      await account.createEmailPasswordSession("demo-user@example.com", "password123");
      return account.get();
    });
    expect(me.email).toBe("demo-user@example.com");
    expect(me.name).toBe("Demo");
  });

  it("serves the web app: the page with the API's URL in its config, its built script, and 404 elsewhere", async () => {
    const page = await fetch(`${demo.app}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toMatch(/^text\/html/);
    expect(page.headers.get("cache-control")).toBe("no-store");
    expect(page.headers.get("content-security-policy")).toContain(`connect-src 'self' ${new URL(demo.endpoint).origin}`);
    const html = await page.text();
    const config = JSON.parse(/<script id="gatehouse-demo" type="application\/json">(.*?)<\/script>/.exec(html)![1]!);
    expect(config).toEqual({
      endpoint: demo.endpoint,
      projectId: "demo",
      outbox: null,
      mockPhone: { phone: "+14155550100", otp: "123456" },
      oauth2: [],
    });
    const script = /<script type="module" crossorigin src="(\/assets\/[^"]+\.js)">/.exec(html)![1]!;
    const js = await fetch(`${demo.app}${script}`);
    expect(js.status).toBe(200);
    expect(js.headers.get("content-type")).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain("X-Appwrite-Project");
    // The paths e-mails send users back to open the page; anything else does not.
    expect((await fetch(`${demo.app}/magic?userId=a&secret=b`)).status).toBe(200);
    expect((await fetch(`${demo.app}/nothing-here`)).status).toBe(404);
    expect((await fetch(`${demo.app}/assets/missing.js`)).status).toBe(404);
  });
});

describe("npm run demo with PROJECT_ID, API_KEY, APPWRITE_VERSION, API_PORT and OAUTH2_<PROVIDER>", () => {
  let custom: Demo;
  let apiPort = 0;
  beforeAll(async () => {
    apiPort = await freePort();
    custom = await startDemo("demo", {
      PROJECT_ID: "my-project",
      API_KEY: "demo-api-key-0123456789",
      APPWRITE_VERSION: "1.7.4",
      API_PORT: String(apiPort),
      OAUTH2_GITHUB: "github-client-id:github:secret",
    });
  }, 50_000);

  it("serves the API on API_PORT and gives the page a login button per configured provider", async () => {
    expect(custom.endpoint).toBe(`http://localhost:${apiPort}/v1`);
    const html = await (await fetch(`${custom.app}/`)).text();
    const config = JSON.parse(/<script id="gatehouse-demo" type="application\/json">(.*?)<\/script>/.exec(html)![1]!);
    expect(config).toMatchObject({ endpoint: custom.endpoint, projectId: "my-project", oauth2: ["github"] });
    // The provider is really configured: its start URL redirects to GitHub with the client id.
    const start = await fetch(`${custom.endpoint}/account/sessions/oauth2/github?project=my-project`, { redirect: "manual" });
    expect(start.status).toBe(301);
    const location = new URL(start.headers.get("location")!);
    expect(location.origin).toBe("https://github.com");
    expect(location.searchParams.get("client_id")).toBe("github-client-id");
  });

  it("answers for that project, accepts the key, and reports that version", async () => {
    const wrongProject = await fetch(`${custom.endpoint}/account`, { headers: { "x-appwrite-project": "demo" } });
    expect(wrongProject.status).toBe(404);
    const anonymous = await fetch(`${custom.endpoint}/account`, { headers: { "x-appwrite-project": "my-project" } });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.json()).toMatchObject({ type: "general_unauthorized_scope", version: "1.7.4" });
    // A server key may create sessions and sees their secret (node-appwrite's SSR pattern).
    const b = browser(custom.endpoint, "my-project");
    await b.use((account) => account.create(ID.unique(), "key-user@example.com", "password123"));
    const session = await fetch(`${custom.endpoint}/account/sessions/email`, {
      method: "POST",
      headers: { "x-appwrite-project": "my-project", "x-appwrite-key": "demo-api-key-0123456789", "content-type": "application/json" },
      body: JSON.stringify({ email: "key-user@example.com", password: "password123" }),
    });
    expect(session.status).toBe(201);
    expect((await session.json()).secret).toMatch(/.{20,}/);
  });
});

describe("npm run demo on a port in use", () => {
  it("exits non-zero naming the variable to change", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, resolve));
    try {
      const port = (busy.address() as AddressInfo).port;
      const { child, output } = runScript("demo", {
        PORT: "0",
        API_PORT: String(port),
        DATABASE_URL: `sqlite:${join(tempDir(), "busy.sqlite")}`,
      });
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(code).not.toBe(0);
      expect(output()).toContain(`Port ${port} is in use: set API_PORT to another port (PORT=0 picks free ones for both).`);
      expect(output()).not.toContain("listening on");
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  }, 40_000);
});
