export type MailKind =
  "verification" | "verification-otp" | "recovery" | "recovery-otp" | "magic-url" | "email-otp" | "mfa-otp" | "session-alert";

/** A rendered message; the transport (SMTP, an API, an outbox) only has to deliver it. */
export interface MailMessage {
  kind: MailKind;
  to: string;
  subject: string;
  text: string;
  html: string;
  url?: string;
  secret?: string;
  phrase?: string;
  locale: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
}
