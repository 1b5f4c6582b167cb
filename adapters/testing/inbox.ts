import type { MailKind, MailMessage, Mailer, Sms, SmsKind, SmsMessage, Store } from "gatehouse-auth";

// What the kit reads off a message is the message's own fields (`url`, `secret`, `phrase`: see the
// core's src/messages/templates.ts `renderMail` and src/core/delivery.ts), never its text, so
// templates a project overrides do not break its tests.

interface EmailFields {
  to: string;
  subject: string;
  text: string;
  html: string;
  locale: string;
  /** When it was sent, on the test clock. */
  at: Date;
}

/** Verification and recovery mails: a link carrying `userId` and `secret`. */
export interface LinkEmail<K extends "verification" | "recovery" = "verification" | "recovery"> extends EmailFields {
  kind: K;
  link: string;
  userId: string;
  secret: string;
  code?: undefined;
  phrase?: undefined;
}

/** The magic-URL mail: a link carrying `userId` and `secret`, and the security phrase if asked for. */
export interface MagicUrlEmail extends EmailFields {
  kind: "magic-url";
  link: string;
  userId: string;
  secret: string;
  code?: undefined;
  phrase: string | undefined;
}

type CodeKind = "email-otp" | "mfa-otp" | "verification-otp" | "recovery-otp";

/**
 * Codes: e-mail OTP, MFA, e-mail verification and password recovery by code. `code` is the same
 * value as `secret`, which `createSession`, `updateEmailVerificationOTP` and `updateRecoveryOTP` take.
 */
export interface CodeEmail<K extends CodeKind = CodeKind> extends EmailFields {
  kind: K;
  code: string;
  secret: string;
  /** The account the address belongs to when the mail was sent. */
  userId: string | undefined;
  link?: undefined;
  phrase: string | undefined;
}

/** The new-session alert: nothing to follow. */
export interface AlertEmail extends EmailFields {
  kind: "session-alert";
  userId: string | undefined;
  link?: undefined;
  secret?: undefined;
  code?: undefined;
  phrase?: undefined;
}

/** An e-mail the service sent, parsed: narrow on `kind` and `code`/`link` become `string`. */
export type TestEmail =
  | LinkEmail<"verification">
  | LinkEmail<"recovery">
  | MagicUrlEmail
  | CodeEmail<"email-otp">
  | CodeEmail<"mfa-otp">
  | CodeEmail<"verification-otp">
  | CodeEmail<"recovery-otp">
  | AlertEmail;
export type TestEmailOf<K extends MailKind> = Extract<TestEmail, { kind: K }>;

/** An SMS the service sent: every kind carries a code. */
export interface TestSms {
  kind: SmsKind;
  to: string;
  text: string;
  code: string;
  /** The same value as `code`: what `createSession` and `updatePhoneVerification` take as `secret`. */
  secret: string;
  /** The account the number belongs to when the message was sent. */
  userId: string | undefined;
  at: Date;
}
export type TestSmsOf<K extends SmsKind> = TestSms & { kind: K };

function parseEmail(message: MailMessage, at: Date, owner: string | undefined): TestEmail {
  const base: EmailFields = {
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    locale: message.locale,
    at,
  };
  switch (message.kind) {
    case "verification":
    case "recovery":
    case "magic-url": {
      const link = message.url ?? "";
      const params = new URL(link).searchParams;
      const userId = params.get("userId") ?? "";
      const secret = params.get("secret") ?? "";
      if (message.kind === "magic-url") return { ...base, kind: message.kind, link, userId, secret, phrase: message.phrase };
      return { ...base, kind: message.kind, link, userId, secret };
    }
    case "email-otp":
    case "mfa-otp":
    case "verification-otp":
    case "recovery-otp":
      return {
        ...base,
        kind: message.kind,
        code: message.secret ?? "",
        secret: message.secret ?? "",
        userId: owner,
        phrase: message.phrase,
      };
    case "session-alert":
      return { ...base, kind: message.kind, userId: owner };
  }
}

function newest<T>(list: readonly T[], matches: (item: T) => boolean): T | undefined {
  for (let i = list.length - 1; i >= 0; i--) if (matches(list[i]!)) return list[i];
  return undefined;
}

/** Where the kit's mailer and SMS port put what the service sends; one per test service. */
export interface Inbox {
  mailer: Mailer;
  sms: Sms;
  emails(to?: string): TestEmail[];
  smsMessages(to?: string): TestSms[];
  lastEmail<K extends MailKind>(to: string | undefined, kind: K): TestEmailOf<K>;
  lastEmail(to?: string): TestEmail;
  lastSms<K extends SmsKind>(to: string | undefined, kind: K): TestSmsOf<K>;
  lastSms(to?: string): TestSms;
  clear(): void;
}

/**
 * `now` is the test clock; `store()` the current store, asked (while the message is sent) whose
 * address or number it is, for the mails and SMS whose text carries no user id.
 */
export function inbox(now: () => number, store: () => Store): Inbox {
  const mails: TestEmail[] = [];
  const texts: TestSms[] = [];
  const owner = async (find: () => Promise<{ id: string } | null>) => {
    try {
      return (await find())?.id;
    } catch {
      return undefined;
    }
  };
  const describe = (list: Array<{ to: string; kind: string }>) =>
    list.length ? list.map((m) => `${m.kind} to ${m.to}`).join(", ") : "nothing";

  function lastEmail(to?: string, kind?: MailKind): TestEmail {
    const found = newest(mails, (m) => (to === undefined || m.to.toLowerCase() === to.toLowerCase()) && (!kind || m.kind === kind));
    if (!found) throw new Error(`No ${kind ?? ""} e-mail${to ? ` to ${to}` : ""} was sent; sent so far: ${describe(mails)}`);
    return found;
  }
  function lastSms(to?: string, kind?: SmsKind): TestSms {
    const found = newest(texts, (m) => (to === undefined || m.to === to) && (!kind || m.kind === kind));
    if (!found) throw new Error(`No ${kind ?? ""} SMS${to ? ` to ${to}` : ""} was sent; sent so far: ${describe(texts)}`);
    return found;
  }

  return {
    mailer: {
      async send(message: MailMessage) {
        const at = new Date(now());
        const id = message.url ? undefined : await owner(() => store().users.getByEmail(message.to));
        mails.push(parseEmail(message, at, id));
      },
    },
    sms: {
      async send(message: SmsMessage) {
        const at = new Date(now());
        const userId = await owner(() => store().users.getByPhone(message.to));
        texts.push({ kind: message.kind, to: message.to, text: message.text, code: message.secret, secret: message.secret, userId, at });
      },
    },
    emails: (to) => mails.filter((m) => to === undefined || m.to.toLowerCase() === to.toLowerCase()),
    smsMessages: (to) => texts.filter((m) => to === undefined || m.to === to),
    lastEmail: lastEmail as Inbox["lastEmail"],
    lastSms: lastSms as Inbox["lastSms"],
    clear: () => {
      mails.length = 0;
      texts.length = 0;
    },
  };
}
