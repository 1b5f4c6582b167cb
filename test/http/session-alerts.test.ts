/**
 * Session alerts (`auth.sessionAlerts`, src/config.ts): a "new session" e-mail
 * when an account that already has a session gets another one, by password or by a token other than
 * magic URL and e-mail OTP. Mail goes to an outbox (the SMTP adapter itself is tested against a real
 * SMTP server in test/adapters).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { ID } from "appwrite";
import type { MailMessage } from "gatehouse-auth";
import { raw } from "../helpers/sdk";
import { followRedirects } from "../helpers/navigate";
import { PROJECT } from "../helpers/server";
import { startWithOutbox, uniqueEmail, web, type OutboxServer } from "../helpers/flows";

const CHROME = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36";
const PASSWORD = "password123";

let on: OutboxServer;
let off: OutboxServer;
const reported: unknown[] = [];
beforeAll(async () => {
  on = await startWithOutbox({
    auth: { sessionAlerts: true },
    oauth2: { mock: { clientId: "m", clientSecret: "s", user: { email: "alert-oauth@example.com" } } },
    reportError: (e) => reported.push(e),
  });
  off = await startWithOutbox();
});
afterAll(async () => {
  await on?.s.close();
  await off?.s.close();
});

const alerts = (env: OutboxServer, to: string) =>
  env.box.entries
    .filter((e) => e.channel === "mail" && e.message.to === to && e.message.kind === "session-alert")
    .map((e) => e.message as MailMessage);

async function signUp(env: OutboxServer, email = uniqueEmail("alert")) {
  await web(env.s).use((account) => account.create(ID.unique(), email, PASSWORD, "Alerted User"));
  return email;
}

const login = (env: OutboxServer, email: string, ip = "203.0.113.7") =>
  raw(env.s.endpoint, "POST", "/account/sessions/email", {
    body: { email, password: PASSWORD },
    headers: { origin: "http://localhost", "user-agent": CHROME, "x-forwarded-for": ip },
  });

describe("session alerts", () => {
  it("are off by default: a second login sends nothing", async () => {
    const email = await signUp(off);
    expect((await login(off, email)).status).toBe(201);
    expect((await login(off, email)).status).toBe(201);
    expect(alerts(off, email)).toHaveLength(0);
  });

  it("when on: the first session sends none; the next one mails the owner when, which client, IP and country", async () => {
    const email = await signUp(on);
    expect((await login(on, email)).status).toBe(201);
    expect(alerts(on, email)).toHaveLength(0);
    const second = await login(on, email, "198.51.100.23");
    expect(second.status).toBe(201);
    const [mail] = alerts(on, email);
    expect(mail).toBeDefined();
    expect(mail!.subject).toBe("Security alert: new session on your Test Project account");
    expect(mail!.text).toContain("Hello Alerted User,");
    expect(mail!.text).toContain("Device: Chrome");
    expect(mail!.text).toContain("IP address: 198.51.100.23");
    expect(mail!.text).toContain("Country: Unknown");
    // The server's clock, in words, in UTC.
    const at = new Date(on.s.clock.now());
    const hour = at.getUTCHours() % 12 || 12;
    const time = `${hour}:${at.toISOString().slice(14, 19)} ${at.getUTCHours() < 12 ? "AM" : "PM"}`;
    expect(mail!.text).toContain(
      `on ${at.toLocaleString("en-US", { month: "long", timeZone: "UTC" })} ${at.getUTCDate()}, ${at.getUTCFullYear()} at ${time} UTC.`,
    );
    expect(mail!.html).toContain("<strong>198.51.100.23</strong>");
  });

  it("magic-URL and e-mail OTP sessions send none (their e-mail was the login); an OAuth2 token session does", async () => {
    const email = await signUp(on);
    await login(on, email);
    const otp = await web(on.s).use((account) => account.createEmailToken(ID.unique(), email));
    const code = on.box.lastMail(email)!.secret!;
    await web(on.s).use((account) => account.createSession(otp.userId, code));
    await web(on.s).use((account) => account.createMagicURLToken(ID.unique(), email, "http://localhost/magic"));
    const link = new URL(on.box.lastMail(email)!.url!);
    await web(on.s).use((account) => account.createSession(link.searchParams.get("userId")!, link.searchParams.get("secret")!));
    expect(alerts(on, email)).toHaveLength(0);

    // The mock OAuth2 user signs up (first session: none), then signs in again (an alert).
    const start = `${on.s.endpoint}/account/tokens/oauth2/mock?${new URLSearchParams({ project: PROJECT, success: "http://localhost/app/ok" })}`;
    for (let i = 0; i < 2; i++) {
      const { final } = await followRedirects(start, "http://localhost/app/");
      await web(on.s).use((account) => account.createSession(final!.searchParams.get("userId")!, final!.searchParams.get("secret")!));
    }
    expect(alerts(on, "alert-oauth@example.com")).toHaveLength(1);
  });

  it("is written in the request's language (X-Appwrite-Locale), date included", async () => {
    const email = await signUp(on);
    await login(on, email);
    const response = await raw(on.s.endpoint, "POST", "/account/sessions/email", {
      body: { email, password: PASSWORD },
      headers: { origin: "http://localhost", "x-appwrite-locale": "de" },
    });
    expect(response.status).toBe(201);
    const at = new Date(on.s.clock.now());
    const [mail] = alerts(on, email);
    expect(mail!.locale).toBe("de");
    expect(mail!.text).toContain(
      `${at.getUTCDate()}. ${at.toLocaleString("de-DE", { month: "long", timeZone: "UTC" })} ${at.getUTCFullYear()} um ${at.toISOString().slice(11, 19)} UTC`,
    );
  });

  it("does not hold the login up while the mail server is slow", async () => {
    const email = await signUp(on);
    await login(on, email);
    const send = on.box.mailer.send;
    let release: () => void = () => {};
    on.box.mailer.send = (message) => new Promise<void>((resolve) => (release = () => resolve(void send(message))));
    try {
      expect((await login(on, email)).status).toBe(201);
      expect(alerts(on, email)).toHaveLength(0);
      release();
      await vi.waitFor(() => expect(alerts(on, email)).toHaveLength(1));
    } finally {
      on.box.mailer.send = send;
    }
  });

  it("a mail that cannot be sent does not fail the login: the session stands and reportError gets the fault", async () => {
    const email = await signUp(on);
    await login(on, email);
    const send = on.box.mailer.send;
    on.box.mailer.send = async () => {
      throw new Error("SMTP is down");
    };
    try {
      const response = await login(on, email);
      expect(response.status).toBe(201);
      const session = response.headers
        .getSetCookie()
        .find((c) => c.startsWith(`a_session_${PROJECT}=`))!
        .split(";")[0]!;
      expect((await raw(on.s.endpoint, "GET", "/account", { headers: { cookie: session } })).status).toBe(200);
    } finally {
      on.box.mailer.send = send;
    }
    await vi.waitFor(() => expect(reported.length).toBeGreaterThan(0));
    const fault = reported.at(-1) as Error;
    expect(fault.message).toMatch(/session alert for user .+ could not be sent/);
    expect((fault.cause as Error).message).toBe("SMTP is down");
  });
});
