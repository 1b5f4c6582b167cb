import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { createTransport } from "nodemailer";
import { SMTPServer, type SMTPServerAddress } from "smtp-server";
import { simpleParser, type ParsedMail } from "mailparser";
import { smtpMailer, type SmtpMailer } from "gatehouse-auth/smtp";
import { browser, expectAppwriteError } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";

const FROM = '"Test Project" <no-reply@example.com>';

/** What the SMTP server accepted: the envelope it was given and the parsed MIME message. */
interface Delivered {
  mailFrom: string;
  rcptTo: string[];
  raw: string;
  mail: ParsedMail;
}

const delivered: Delivered[] = [];
/** Recipients the SMTP server answers 550 to, as a mailbox that does not exist would. */
const refused = new Set<string>();

let smtp: SMTPServer;
let smtpPort: number;
let mailer: SmtpMailer;
let server: TestServer;

beforeAll(async () => {
  smtp = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      if (refused.has(address.address)) {
        return callback(Object.assign(new Error("5.1.1 Mailbox unavailable"), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (mail) => {
            delivered.push({
              mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
              rcptTo: session.envelope.rcptTo.map((r) => r.address),
              raw: raw.toString("utf8"),
              mail,
            });
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  mailer = smtpMailer({ from: FROM, transport: { host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true } });
  server = await startServer({ mailer });
});

afterAll(async () => {
  await server?.close();
  // The pooled connections first, or the SMTP server waits for them to time out.
  await mailer?.close();
  await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
});

beforeEach(() => {
  refused.clear();
});

/** The newest message the SMTP server accepted for `to`; the API answers only after the server did. */
function lastMailTo(to: string): Delivered {
  const found = delivered.filter((d) => d.rcptTo.includes(to)).at(-1);
  if (!found) throw new Error(`no mail was delivered to ${to}`);
  return found;
}

const mailsTo = (to: string) => delivered.filter((d) => d.rcptTo.includes(to)).length;

/** The link in the text part, and the one in the HTML part's button (entities decoded). */
function links(d: Delivered, prefix: string): { text: string; html: string } {
  const escaped = prefix.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const text = d.mail.text?.match(new RegExp(`${escaped}\\?\\S+`))?.[0];
  const href = typeof d.mail.html === "string" ? d.mail.html.match(new RegExp(`href="(${escaped}\\?[^"]+)"`))?.[1] : undefined;
  if (!text || !href) throw new Error(`no ${prefix} link in both parts:\n${d.mail.text}\n${d.mail.html}`);
  return {
    text,
    html: href
      .replace(/&amp;/g, "&")
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">"),
  };
}

function params(link: string) {
  const url = new URL(link);
  return { userId: url.searchParams.get("userId")!, secret: url.searchParams.get("secret")!, url };
}

describe("smtpMailer delivering through a real SMTP server", () => {
  it("magic URL: the link in the delivered mail signs the user in and verifies the address", async () => {
    const email = "magic@example.com";
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const token = await account.createMagicURLToken(ID.unique(), email, "http://localhost/magic");
      const d = lastMailTo(email);

      expect(d.mailFrom).toBe("no-reply@example.com");
      expect(d.rcptTo).toEqual([email]);
      expect(d.mail.from?.value).toEqual([{ address: "no-reply@example.com", name: "Test Project" }]);
      expect(d.mail.to && !Array.isArray(d.mail.to) ? d.mail.to.value.map((a) => a.address) : null).toEqual([email]);
      expect(d.mail.subject).toBe("Test Project Login");
      expect(d.mail.headers.get("x-gatehouse-kind")).toBe("magic-url");

      const link = links(d, "http://localhost/magic");
      expect(link.html).toBe(link.text);
      const { userId, secret, url } = params(link.text);
      expect(userId).toBe(token.userId);
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      expect(url.searchParams.get("project")).toBe("test-project");
      expect(token.secret).toBe(""); // the secret reaches the user only through the mail

      const session = await account.updateMagicURLSession(userId, secret);
      expect(session.userId).toBe(userId);
      const me = await account.get();
      expect(me.email).toBe(email);
      expect(me.emailVerification).toBe(true);
    });
  });

  it("e-mail OTP with a phrase: the mail carries the code and the same phrase as the Token", async () => {
    const email = "otp@example.com";
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const token = await account.createEmailToken(ID.unique(), email, true);
      expect(token.phrase).toMatch(/^\S+ \S+$/);
      const d = lastMailTo(email);
      expect(d.mail.subject).toBe("OTP for Test Project Login");
      expect(d.mail.headers.get("x-gatehouse-kind")).toBe("email-otp");
      const code = d.mail.text?.match(/^(\d{6})$/m)?.[1];
      expect(code).toMatch(/^\d{6}$/);
      expect(d.mail.html).toContain(`>${code}</p>`);
      expect(d.mail.text).toContain(`Security phrase: ${token.phrase}`);
      expect(d.mail.html).toContain(`<strong>${token.phrase}</strong>`);

      await expectAppwriteError(account.createSession(token.userId, code === "000000" ? "111111" : "000000"), "user_invalid_token", 401);
      await account.createSession(token.userId, code!);
      const me = await account.get();
      expect(me.$id).toBe(token.userId);
      expect(me.emailVerification).toBe(true);
    });
  });

  it("verification: the mailed link confirms the address", async () => {
    const email = "verify@example.com";
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const user = await account.create(ID.unique(), email, "password123", "Vera");
      await account.createEmailPasswordSession(email, "password123");
      expect((await account.get()).emailVerification).toBe(false);

      await account.createVerification("http://localhost/verify");
      const d = lastMailTo(email);
      expect(d.mail.subject).toBe("Account Verification");
      expect(d.mail.headers.get("x-gatehouse-kind")).toBe("verification");
      expect(d.mail.text).toContain("Hello Vera,");
      const link = links(d, "http://localhost/verify");
      expect(link.html).toBe(link.text);
      const { userId, secret } = params(link.text);
      expect(userId).toBe(user.$id);
      expect(secret).toMatch(/^[0-9a-f]{256}$/);

      await account.updateVerification(userId, secret);
      expect((await account.get()).emailVerification).toBe(true);
    });
  });

  it("recovery: the mailed link sets a new password; the old one stops working", async () => {
    const email = "recover@example.com";
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const user = await account.create(ID.unique(), email, "old-password-1");
      await account.createRecovery(email, "http://localhost/reset");
      const d = lastMailTo(email);
      expect(d.mail.subject).toBe("Password Reset");
      expect(d.mail.headers.get("x-gatehouse-kind")).toBe("recovery");
      const link = links(d, "http://localhost/reset");
      expect(link.html).toBe(link.text);
      const { userId, secret } = params(link.text);
      expect(userId).toBe(user.$id);

      await account.updateRecovery(userId, secret, "new-password-2");
      await expectAppwriteError(account.createEmailPasswordSession(email, "old-password-1"), "user_invalid_credentials", 401);
      const session = await account.createEmailPasswordSession(email, "new-password-2");
      expect(session.userId).toBe(user.$id);
      // The link is spent.
      await expectAppwriteError(account.updateRecovery(userId, secret, "third-password-3"), "user_invalid_token", 401);
    });
  });

  it("escapes unsafe values in the HTML part and keeps them as typed in the text part", async () => {
    const email = "unsafe@example.com";
    const name = `<script>alert("x")</script> & 'Co'`;
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      await account.create(ID.unique(), email, "password123");
      await account.createEmailPasswordSession(email, "password123");
      await account.updateName(name);
      await account.createVerification("http://localhost/verify");
    });
    const d = lastMailTo(email);
    const html = d.mail.html as string;
    expect(html).toContain("Hello &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;Co&#39;,");
    expect(html).not.toContain("<script");
    expect(d.mail.text).toContain(`Hello ${name},`);
  });

  it("a refused message answers 503 and leaves no token behind; asking again works", async () => {
    const email = "refused@example.com";
    const userId = "refused-user";
    refused.add(email);
    const b = browser(server.endpoint);
    await b.use(async (account) => {
      const before = mailsTo(email);
      const error = await expectAppwriteError(
        account.createMagicURLToken(userId, email, "http://localhost/magic"),
        "general_server_error",
        503,
      );
      expect(error.message).toContain("could not be sent");
      expect(mailsTo(email)).toBe(before);
      expect(await server.service.config.store.tokens.list(userId, new Date())).toEqual([]);

      refused.delete(email);
      const token = await account.createMagicURLToken(userId, email, "http://localhost/magic");
      expect(token.userId).toBe(userId);
      const tokens = await server.service.config.store.tokens.list(userId, new Date());
      expect(tokens.map((t) => t.id)).toEqual([token.$id]);
      const { secret } = params(links(lastMailTo(email), "http://localhost/magic").text);
      await account.createSession(userId, secret);
      expect((await account.get()).$id).toBe(userId);
    });
  });

  it("a refused recovery mail answers 503 and stores no recovery token", async () => {
    const email = "refused-recovery@example.com";
    const b = browser(server.endpoint);
    const user = await b.use((account) => account.create(ID.unique(), email, "password123"));
    refused.add(email);
    await b.use((account) => expectAppwriteError(account.createRecovery(email, "http://localhost/reset"), "general_server_error", 503));
    expect(await server.service.config.store.tokens.list(user.$id, new Date())).toEqual([]);
    refused.delete(email);
    await b.use((account) => account.createRecovery(email, "http://localhost/reset"));
    expect(await server.service.config.store.tokens.list(user.$id, new Date())).toHaveLength(1);
    expect(lastMailTo(email).mail.subject).toBe("Password Reset");
  });
});

describe("templates and locales through SMTP", () => {
  let german: TestServer;
  beforeAll(async () => {
    german = await startServer({ mailer, messages: { mail: { de: { recovery: { subject: "Passwort zurücksetzen" } } } } });
  });
  afterAll(() => german?.close());

  it("an X-Appwrite-Locale: de request gets the overridden German subject and the English body", async () => {
    const email = "locale@example.com";
    const b = browser(german.endpoint);
    await b.use((account) => account.create(ID.unique(), email, "password123"));

    await b.use((account) => account.createRecovery(email, "http://localhost/reset"));
    expect(lastMailTo(email).mail.subject).toBe("Password Reset");

    b.client.setLocale("de");
    await b.use((account) => account.createRecovery(email, "http://localhost/reset"));
    const d = lastMailTo(email);
    expect(d.mail.subject).toBe("Passwort zurücksetzen");
    // Non-ASCII is MIME-encoded in the header, not sent raw.
    expect(d.raw).toMatch(/^Subject: =\?UTF-8\?/im);
    expect(d.mail.text).toContain("Follow this link to reset your Test Project password:");
    expect(d.mail.html).toContain("Reset password");
  });
});

describe("smtpMailer options", () => {
  it("sends Reply-To and extra headers, and X-Gatehouse-Kind cannot be overridden by them", async () => {
    const own = smtpMailer({
      from: "plain@example.com",
      replyTo: "support@example.com",
      headers: { "X-Campaign": "auth", "x-gatehouse-kind": "spoofed" },
      transport: { host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true, pool: false },
    });
    try {
      await own.verify();
      await own.send({ kind: "session-alert", to: "headers@example.com", subject: "S", text: "T", html: "<p>H</p>", locale: "en" });
    } finally {
      await own.close();
    }
    const d = lastMailTo("headers@example.com");
    expect(d.mail.from?.value).toEqual([{ address: "plain@example.com", name: "" }]);
    expect(d.mail.replyTo?.value.map((a) => a.address)).toEqual(["support@example.com"]);
    expect(d.mail.headers.get("x-campaign")).toBe("auth");
    expect(d.mail.headers.get("x-gatehouse-kind")).toBe("session-alert");
    expect(d.raw).not.toContain("spoofed");
    expect(d.mail.text?.trim()).toBe("T");
    expect(d.mail.html).toBe("<p>H</p>");
  });

  it("uses a Transporter it is given and leaves closing it to its owner", async () => {
    const transporter = createTransport({ host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true, pool: true });
    let closed = 0;
    const close = transporter.close.bind(transporter);
    transporter.close = () => {
      closed++;
      close();
    };
    const own = smtpMailer({ from: FROM, transport: transporter });
    await own.send({ kind: "verification", to: "given@example.com", subject: "Given", text: "t", html: "<p>h</p>", locale: "en" });
    await own.close();
    expect(closed).toBe(0);
    expect(lastMailTo("given@example.com").mail.subject).toBe("Given");
    transporter.close();
    expect(closed).toBe(1);
  });

  it("never turns one address into several recipients", async () => {
    const own = smtpMailer({ from: FROM, transport: { host: "127.0.0.1", port: smtpPort, secure: false, ignoreTLS: true, pool: false } });
    const before = delivered.length;
    await own
      .send({ kind: "recovery", to: "a@example.com, b@example.com", subject: "x", text: "x", html: "x", locale: "en" })
      .catch(() => undefined);
    await own.close();
    const after = delivered.slice(before);
    expect(after.flatMap((d) => d.rcptTo)).not.toContain("b@example.com");
    expect(after.flatMap((d) => d.rcptTo).length).toBeLessThanOrEqual(1);
  });

  it("passes options for another nodemailer transport as given (no SMTP pool forced on them)", async () => {
    const json = smtpMailer({ from: FROM, transport: { jsonTransport: true } as never });
    await expect(
      json.send({ kind: "recovery", to: "json@example.com", subject: "s", text: "t", html: "h", locale: "en" }),
    ).resolves.toBeUndefined();
    await json.close();
  });

  it("names the bad key in a TypeError", () => {
    const transport = { host: "127.0.0.1", port: 25 };
    const bad = (options: unknown) => () => smtpMailer(options as Parameters<typeof smtpMailer>[0]);
    expect(bad({ transport })).toThrow(TypeError);
    expect(bad({ transport })).toThrow(/^Invalid smtpMailer options:\n {2}from: must be an e-mail address/);
    expect(bad({ from: "nobody", transport })).toThrow(/from: must be an e-mail address/);
    expect(bad({ from: FROM })).toThrow(/transport: must be nodemailer SMTP options or a Transporter/);
    expect(bad({ from: FROM, transport: "smtp://localhost" })).toThrow(/transport: must be nodemailer SMTP options or a Transporter/);
    expect(bad({ from: FROM, transport: { host: "x", port: 70000 } })).toThrow(/transport\.port: must be a port number/);
    expect(bad({ from: FROM, transport: { host: "x", secure: "yes" } })).toThrow(/transport\.secure: /);
    expect(bad({ from: FROM, transport, replyTo: "nope" })).toThrow(/replyTo: must be an e-mail address/);
    expect(bad({ from: FROM, transport, headers: { "X-A": "1\r\nBcc: evil@example.com" } })).toThrow(
      /headers\.X-A: must be a header value without line breaks/,
    );
    expect(bad({ from: FROM, transport, headers: { "Bad Name": "1" } })).toThrow(/headers\.Bad Name: must be a header name/);
    expect(bad({ from: FROM, transport, form: "typo" })).toThrow(/form: unknown option/);
    expect(bad({ from: `"A"\r\nBcc: evil@example.com <a@example.com>`, transport })).toThrow(
      /from: must be an e-mail address without line breaks/,
    );
  });
});
