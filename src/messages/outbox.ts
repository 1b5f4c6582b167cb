import type { Mailer, MailMessage } from "../ports/mailer";
import type { Sms, SmsMessage } from "../ports/sms";

export type OutboxEntry = { channel: "mail"; at: Date; message: MailMessage } | { channel: "sms"; at: Date; message: SmsMessage };

export interface Outbox {
  /** A Mailer that keeps messages instead of sending them. */
  mailer: Mailer;
  /** An Sms port that keeps messages instead of sending them. */
  sms: Sms;
  /** Everything sent, newest last. */
  readonly entries: readonly OutboxEntry[];
  /** The newest e-mail to `to`, or undefined. */
  lastMail(to?: string): MailMessage | undefined;
  /** The newest SMS to `to`, or undefined. */
  lastSms(to?: string): SmsMessage | undefined;
  clear(): void;
}

export interface OutboxOptions {
  /** Keep at most this many entries (oldest dropped). Default 200. */
  limit?: number;
  /** Print each message as it arrives (development servers). Default false. */
  print?: boolean | ((line: string) => void);
}

/**
 * A development outbox: e-mail and SMS stay in memory (and optionally go to the console) so every
 * flow can be completed by hand without a mail server or an SMS provider. Never use it in
 * production: messages meant for users end up readable by whoever can see the outbox.
 */
export function outbox(options: OutboxOptions = {}): Outbox {
  const limit = options.limit ?? 200;
  const print = options.print === true ? (line: string) => console.log(line) : options.print || null;
  const entries: OutboxEntry[] = [];
  const add = (entry: OutboxEntry) => {
    entries.push(entry);
    if (entries.length > limit) entries.splice(0, entries.length - limit);
  };
  return {
    mailer: {
      async send(message) {
        add({ channel: "mail", at: new Date(), message });
        print?.(
          `[outbox] mail to ${message.to}: ${message.subject}${message.url ? ` ${message.url}` : ""}${message.secret && !message.url ? ` code ${message.secret}` : ""}`,
        );
      },
    },
    sms: {
      async send(message) {
        add({ channel: "sms", at: new Date(), message });
        print?.(`[outbox] sms to ${message.to}: ${message.text}`);
      },
    },
    entries,
    lastMail: (to) =>
      entries.filter((e): e is Extract<OutboxEntry, { channel: "mail" }> => e.channel === "mail" && (!to || e.message.to === to)).at(-1)
        ?.message,
    lastSms: (to) =>
      entries.filter((e): e is Extract<OutboxEntry, { channel: "sms" }> => e.channel === "sms" && (!to || e.message.to === to)).at(-1)
        ?.message,
    clear: () => {
      entries.length = 0;
    },
  };
}
