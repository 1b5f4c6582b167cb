import { afterEach, describe, expect, it, vi } from "vitest";
import { outbox, type MailMessage, type SmsMessage } from "gatehouse-auth";

const mail = (to: string, subject: string, extra: Partial<MailMessage> = {}): MailMessage => ({
  kind: "magic-url",
  to,
  subject,
  text: `text for ${to}`,
  html: `<p>html for ${to}</p>`,
  locale: "en",
  ...extra,
});

const sms = (to: string, secret: string): SmsMessage => ({ to, kind: "phone-login", text: secret, secret });

afterEach(() => {
  vi.restoreAllMocks();
});

describe("outbox()", () => {
  it("keeps mail and SMS in order, newest last, with the channel and time", async () => {
    const box = outbox();
    const before = Date.now();
    await box.mailer.send(mail("a@example.com", "one"));
    await box.sms.send(sms("+14155550001", "111111"));
    expect(box.entries.map((e) => e.channel)).toEqual(["mail", "sms"]);
    expect(box.entries[0]!.message).toMatchObject({ to: "a@example.com", subject: "one" });
    expect(box.entries[1]!.message).toMatchObject({ to: "+14155550001", secret: "111111" });
    for (const entry of box.entries) {
      expect(entry.at).toBeInstanceOf(Date);
      expect(entry.at.getTime()).toBeGreaterThanOrEqual(before);
      expect(entry.at.getTime()).toBeLessThanOrEqual(Date.now());
    }
  });

  it("keeps at most `limit` entries, dropping the oldest", async () => {
    const box = outbox({ limit: 3 });
    for (let i = 1; i <= 5; i++) await box.mailer.send(mail(`u${i}@example.com`, `mail ${i}`));
    expect(box.entries).toHaveLength(3);
    expect(box.entries.map((e) => e.message.to)).toEqual(["u3@example.com", "u4@example.com", "u5@example.com"]);
    // Mixed channels count against the same limit.
    await box.sms.send(sms("+14155550001", "123456"));
    expect(box.entries.map((e) => e.message.to)).toEqual(["u4@example.com", "u5@example.com", "+14155550001"]);
    expect(box.lastMail("u3@example.com")).toBeUndefined();
  });

  it("defaults to a limit of 200", async () => {
    const box = outbox();
    for (let i = 0; i < 205; i++) await box.sms.send(sms("+14155550001", String(i).padStart(6, "0")));
    expect(box.entries).toHaveLength(200);
    expect((box.entries[0]!.message as SmsMessage).secret).toBe("000005");
  });

  it("lastMail and lastSms return the newest message, filtered by recipient when given", async () => {
    const box = outbox();
    expect(box.lastMail()).toBeUndefined();
    expect(box.lastSms()).toBeUndefined();
    await box.mailer.send(mail("a@example.com", "a-1"));
    await box.mailer.send(mail("b@example.com", "b-1"));
    await box.mailer.send(mail("a@example.com", "a-2"));
    await box.sms.send(sms("+14155550001", "100001"));
    await box.sms.send(sms("+14155550002", "200001"));
    await box.mailer.send(mail("b@example.com", "b-2"));

    expect(box.lastMail()?.subject).toBe("b-2");
    expect(box.lastMail("a@example.com")?.subject).toBe("a-2");
    expect(box.lastMail("b@example.com")?.subject).toBe("b-2");
    expect(box.lastMail("c@example.com")).toBeUndefined();
    // A phone number is never returned as mail, nor an address as SMS.
    expect(box.lastMail("+14155550001")).toBeUndefined();
    expect(box.lastSms("a@example.com")).toBeUndefined();

    expect(box.lastSms()?.secret).toBe("200001");
    expect(box.lastSms("+14155550001")?.secret).toBe("100001");
    expect(box.lastSms("+14155550003")).toBeUndefined();
  });

  it("clear() empties it", async () => {
    const box = outbox();
    await box.mailer.send(mail("a@example.com", "x"));
    await box.sms.send(sms("+14155550001", "123456"));
    box.clear();
    expect(box.entries).toHaveLength(0);
    expect(box.lastMail()).toBeUndefined();
    expect(box.lastSms()).toBeUndefined();
  });

  it("calls the print callback once per message with the link, or the code when there is no link", async () => {
    const lines: string[] = [];
    const box = outbox({ print: (line) => lines.push(line) });
    await box.mailer.send(mail("a@example.com", "Sign in", { url: "https://app.example.com/login?secret=abc" }));
    await box.mailer.send(mail("b@example.com", "Your code", { kind: "email-otp", secret: "654321" }));
    await box.sms.send(sms("+14155550001", "123456"));
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe("[outbox] mail to a@example.com: Sign in https://app.example.com/login?secret=abc");
    expect(lines[1]).toBe("[outbox] mail to b@example.com: Your code code 654321");
    expect(lines[2]).toBe("[outbox] sms to +14155550001: 123456");
  });

  it("print: true writes to console.log; the default prints nothing", async () => {
    const log = vi.spyOn(console, "log").mockImplementation(() => {});
    await outbox().sms.send(sms("+14155550001", "111111"));
    expect(log).not.toHaveBeenCalled();
    await outbox({ print: true }).sms.send(sms("+14155550002", "222222"));
    expect(log).toHaveBeenCalledTimes(1);
    expect(log).toHaveBeenCalledWith("[outbox] sms to +14155550002: 222222");
  });
});
