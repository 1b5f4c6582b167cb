import { existsSync } from "node:fs";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import express from "express";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { outbox } from "gatehouse-auth";
import { outboxRoutes } from "../../examples/express/outbox";
import { browser, expectAppwriteError } from "../helpers/sdk";
import { followRedirects } from "../helpers/navigate";
import { runScript, startDemo, stopDemo, stopDemos, tempDir, type Demo } from "../helpers/demo";

/**
 * The demo's development outbox (examples/express/outbox.ts), run as a user runs it: `npm run
 * demo:dev` in its own process (test/helpers/demo.ts). The outbox is on the web app's origin, where
 * the page reads it; the API is on another.
 */
afterAll(stopDemos);

interface Row {
  at: string;
  channel: string;
  to: string;
  kind: string;
  subject?: string;
  url?: string;
  secret?: string;
  text: string;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

describe("npm run demo:dev (GATEHOUSE_DEV_OUTBOX=1)", () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo("demo:dev");
  }, 40_000);

  it("prints the outbox URL at startup", () => {
    expect(demo.output()).toContain(`${demo.app}/dev/outbox/`);
  });

  it("a magic URL lands in the outbox (JSON and HTML page) and its link logs the user in", async () => {
    const b = browser(demo.endpoint, "demo");
    const email = "outbox-user@example.com";
    const token = await b.use((account) => account.createMagicURLToken(ID.unique(), email, `${demo.app}/login`));

    const jsonResponse = await fetch(`${demo.app}/dev/outbox/messages.json`);
    expect(jsonResponse.status).toBe(200);
    expect(jsonResponse.headers.get("cache-control")).toBe("no-store");
    const rows = (await jsonResponse.json()) as Row[];
    const mail = rows.find((r) => r.channel === "mail" && r.to === email);
    expect(mail).toMatchObject({ kind: "magic-url", subject: "Gatehouse demo Login" });
    const link = new URL(mail!.url!);
    expect(link.origin + link.pathname).toBe(`${demo.app}/login`);
    expect(link.searchParams.get("userId")).toBe(token.userId);
    const secret = link.searchParams.get("secret")!;
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(mail!.text).toContain(mail!.url!);

    const pageResponse = await fetch(`${demo.app}/dev/outbox/`);
    expect(pageResponse.status).toBe(200);
    expect(pageResponse.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await pageResponse.text();
    expect(html).toMatch(/<meta http-equiv="refresh" content="5">/);
    // The link is a clickable anchor, HTML-escaped (its & become &amp;).
    expect(mail!.url).toContain("&");
    expect(html).toContain(`<a href="${escapeHtml(mail!.url!)}"`);
    expect(html).toContain(escapeHtml(email));

    // The console got it too (outbox({ print: true })).
    expect(demo.output()).toContain(`[outbox] mail to ${email}`);

    const me = await b.use(async (account) => {
      await account.updateMagicURLSession(link.searchParams.get("userId")!, secret);
      return account.get();
    });
    expect(me.$id).toBe(token.userId);
    expect(me.email).toBe(email);
    expect(me.emailVerification).toBe(true);
  });

  it("enables the mock OAuth2 provider: the printed login URL ends on the success page with a token that signs in", async () => {
    const start = /Mock OAuth2 login: (\S+)/.exec(demo.output())?.[1];
    expect(start).toBe(`${demo.endpoint}/account/tokens/oauth2/mock?project=demo&success=${encodeURIComponent(`${demo.app}/oauth/token`)}`);
    // It ends on the page's /oauth/token (which makes the session in a browser: test/browser/demo.test.ts).
    const { final } = await followRedirects(start!, `${demo.app}/oauth/token?`);
    const b = browser(demo.endpoint, "demo");
    await b.use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
    expect(await b.use((account) => account.get())).toMatchObject({ email: "useroauth@localhost.test", name: "User Name" });
  });

  it("lists SMS too, newest first, with the code", async () => {
    const b = browser(demo.endpoint, "demo");
    await b.use((account) => account.createPhoneToken(ID.unique(), "+14155552671"));
    await b.use((account) => account.createEmailToken(ID.unique(), "otp-user@example.com"));
    const rows = (await (await fetch(`${demo.app}/dev/outbox/messages.json`)).json()) as Row[];
    expect(rows[0]).toMatchObject({ channel: "mail", to: "otp-user@example.com", kind: "email-otp" });
    expect(rows[1]).toMatchObject({ channel: "sms", to: "+14155552671", kind: "phone-login" });
    expect(rows[1]!.secret).toMatch(/^\d{6}$/);
    const times = rows.map((r) => Date.parse(r.at));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    const html = await (await fetch(`${demo.app}/dev/outbox/`)).text();
    expect(html).toContain(`<code>${rows[1]!.secret}</code>`);
    expect(html.indexOf("otp-user@example.com")).toBeLessThan(html.indexOf("+14155552671"));
  });
});

describe("npm run demo (no GATEHOUSE_DEV_OUTBOX)", () => {
  let demo: Demo;
  beforeAll(async () => {
    demo = await startDemo("demo");
  }, 40_000);

  it("has no mock OAuth2 provider (412 project_provider_disabled)", async () => {
    const response = await fetch(`${demo.endpoint}/account/tokens/oauth2/mock?project=demo`, { redirect: "manual" });
    expect(response.status).toBe(412);
    expect(demo.output()).not.toContain("Mock OAuth2");
  });

  it("has no outbox routes and prints no outbox URL", async () => {
    expect((await fetch(`${demo.app}/dev/outbox/`)).status).toBe(404);
    expect((await fetch(`${demo.app}/dev/outbox/messages.json`)).status).toBe(404);
    expect(demo.output()).not.toContain("/dev/outbox");
  });

  it("has no mailer: createMagicURLToken answers 503 general_smtp_disabled", async () => {
    const b = browser(demo.endpoint, "demo");
    await expectAppwriteError(
      b.use((account) => account.createMagicURLToken(ID.unique(), "nobody@example.com", `${demo.app}/login`)),
      "general_smtp_disabled",
      503,
    );
  });
});

describe("npm run demo with SMTP_URL (no outbox)", () => {
  // A local SMTP server on loopback standing in for the user's mail server.
  let smtp: SMTPServer;
  const delivered: { rcptTo: string[]; mail: ParsedMail }[] = [];
  let demo: Demo;
  beforeAll(async () => {
    smtp = new SMTPServer({
      logger: false,
      authOptional: true,
      disabledCommands: ["STARTTLS"],
      onData(stream, session, callback) {
        simpleParser(stream).then(
          (mail) => {
            delivered.push({ rcptTo: session.envelope.rcptTo.map((r) => r.address), mail });
            callback();
          },
          (error: Error) => callback(error),
        );
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", resolve));
    const smtpPort = (smtp.server.address() as AddressInfo).port;
    demo = await startDemo("demo", { SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, SMTP_FROM: "Demo <demo@example.com>" });
  }, 40_000);
  afterAll(async () => {
    if (demo) stopDemo(demo.child);
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  });

  it("sends the magic URL through the SMTP server, and still has no outbox page", async () => {
    const b = browser(demo.endpoint, "demo");
    const token = await b.use((account) => account.createMagicURLToken(ID.unique(), "smtp-user@example.com", `${demo.app}/login`));
    expect(token.userId).toBeTruthy();
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.rcptTo).toEqual(["smtp-user@example.com"]);
    expect(delivered[0]!.mail.from?.value).toEqual([{ name: "Demo", address: "demo@example.com" }]);
    expect(delivered[0]!.mail.text).toContain(`${demo.app}/login?userId=${token.userId}`);
    expect((await fetch(`${demo.app}/dev/outbox/`)).status).toBe(404);
    expect(demo.output()).toContain("E-mail goes out through SMTP_URL");
  });
});

describe("GATEHOUSE_DEV_OUTBOX=1 with NODE_ENV=production", () => {
  it("refuses to start: exits non-zero with a clear message, before opening the database", async () => {
    const file = join(tempDir(), "production.sqlite");
    const { child, output } = runScript("demo:dev", { PORT: "0", DATABASE_URL: `sqlite:${file}`, NODE_ENV: "production" });
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(output()).toContain("Refusing to start: GATEHOUSE_DEV_OUTBOX=1 is set with NODE_ENV=production");
    expect(output()).not.toContain("listening on");
    expect(existsSync(file)).toBe(false);
  }, 30_000);
});

describe("outboxRoutes escapes what it shows", () => {
  it("HTML-escapes every field, and only http(s) links become anchors", async () => {
    const box = outbox();
    const evil = `<script>alert("x")</script>`;
    await box.mailer.send({
      kind: "recovery",
      to: `a${evil}@example.com`,
      subject: `Reset ${evil}`,
      text: "t",
      html: "h",
      url: `https://app.example.com/reset?a=1&b="><img src=x onerror=alert(1)>`,
      secret: `<b>123</b>`,
      locale: "en",
    });
    await box.mailer.send({
      kind: "verification",
      to: "b@example.com",
      subject: "Verify",
      text: "t",
      html: "h",
      url: "javascript:alert(1)",
      locale: "en",
    });
    await box.sms.send({ to: "+14155550001", kind: "mfa-otp", text: "<i>999999</i>", secret: "<i>999999</i>" });

    const app = express();
    app.use("/dev/outbox", outboxRoutes(box));
    const server = await new Promise<Server>((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dev/outbox`;
      const html = await (await fetch(`${base}/`)).text();
      expect(html).not.toContain("<script>");
      expect(html).not.toContain("<img");
      expect(html).not.toContain("<b>123");
      expect(html).not.toContain("<i>999999");
      expect(html).toContain(escapeHtml(`Reset ${evil}`));
      expect(html).toContain(`<a href="${escapeHtml(`https://app.example.com/reset?a=1&b="><img src=x onerror=alert(1)>`)}"`);
      expect(html).toContain(`<code>${escapeHtml("<i>999999</i>")}</code>`);
      // A javascript: URL is shown, never linked.
      expect(html).not.toMatch(/href="javascript:/i);
      expect(html).toContain("javascript:alert(1)");
      // Newest first: the SMS, then the verification mail, then the recovery mail.
      expect(html.indexOf("+14155550001")).toBeLessThan(html.indexOf("b@example.com"));
      expect(html.indexOf("b@example.com")).toBeLessThan(html.indexOf(escapeHtml(`a${evil}@example.com`)));

      const rows = (await (await fetch(`${base}/messages.json`)).json()) as Row[];
      expect(rows.map((r) => r.to)).toEqual(["+14155550001", "b@example.com", `a${evil}@example.com`]);
      expect(rows[2]).toMatchObject({ channel: "mail", kind: "recovery", subject: `Reset ${evil}`, secret: "<b>123</b>" });
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
