import type { MailKind, MailMessage } from "../ports/mailer";
import type { SmsKind } from "../ports/sms";

/**
 * Message texts. A template is three strings with `{{name}}` placeholders; the HTML variant gets
 * its values HTML-escaped. Users override any template, or add a language, through the service's
 * `messages` option: `{ mail: { de: { recovery: { subject, text, html } } }, sms: { … } }`.
 */
export interface MailTemplate {
  subject: string;
  text: string;
  html: string;
}

export type MailTemplates = Partial<Record<string, Partial<Record<MailKind, Partial<MailTemplate>>>>>;
export type SmsTemplates = Partial<Record<string, Partial<Record<SmsKind, string>>>>;

export interface MessageVariables {
  project: string;
  /** The recipient's name, or "" (templates greet generically then). */
  name: string;
  url?: string;
  secret?: string;
  phrase?: string;
  /** When the link or code stops working, as text. */
  expire?: string;
  /** Session alerts: when, from which client, IP address and country. */
  date?: string;
  device?: string;
  ip?: string;
  country?: string;
}

const layout = (body: string) =>
  `<!doctype html><html><body style="font-family:system-ui,sans-serif;line-height:1.5;color:#1a1a1a;max-width:560px;margin:24px auto;padding:0 16px">${body}<p style="color:#666;font-size:13px">{{project}}</p></body></html>`;

const button = (label: string) =>
  `<p><a href="{{url}}" style="display:inline-block;padding:10px 18px;background:#1a1a1a;color:#fff;text-decoration:none;border-radius:6px">${label}</a></p><p style="font-size:13px;color:#666">Or open this link: <a href="{{url}}">{{url}}</a></p>`;

const phrase = "{{#phrase}}\nSecurity phrase: {{phrase}} (check that it matches the one shown where you signed in)\n{{/phrase}}";
const phraseHtml =
  "{{#phrase}}<p>Security phrase: <strong>{{phrase}}</strong> (check that it matches the one shown where you signed in)</p>{{/phrase}}";

const code = `<p style="font-size:28px;letter-spacing:4px;font-weight:bold">{{secret}}</p>`;

export const defaultMailTemplates: Record<MailKind, MailTemplate> = {
  verification: {
    subject: "Account Verification",
    text: "Hello {{name}},\n\nFollow this link to verify your email address for {{project}}:\n{{url}}\n\nThe link works until {{expire}}. If you did not ask to verify this address, you can ignore this message.\n\nThanks,\n{{project}} team\n",
    html: layout(
      `<p>Hello {{name}},</p><p>Follow this link to verify your email address for {{project}}.</p>${button("Verify email")}<p>The link works until {{expire}}. If you did not ask to verify this address, you can ignore this message.</p>`,
    ),
  },
  recovery: {
    subject: "Password Reset",
    text: "Hello {{name}},\n\nFollow this link to reset your {{project}} password:\n{{url}}\n\nThe link works until {{expire}}. If you did not ask to reset your password, you can ignore this message.\n\nThanks,\n{{project}} team\n",
    html: layout(
      `<p>Hello {{name}},</p><p>Follow this link to reset your {{project}} password.</p>${button("Reset password")}<p>The link works until {{expire}}. If you did not ask to reset your password, you can ignore this message.</p>`,
    ),
  },
  "verification-otp": {
    subject: "Verification Code for {{project}}",
    text: `Hello {{name}},\n\nEnter this code to verify your email address for {{project}}:\n\n{{secret}}\n${phrase}\nThe code works until {{expire}}. If you did not ask to verify this address, you can ignore this message.\n\nThanks,\n{{project}} team\n`,
    html: layout(
      `<p>Hello {{name}},</p><p>Enter this code to verify your email address for {{project}}:</p>${code}${phraseHtml}<p>The code works until {{expire}}. If you did not ask to verify this address, you can ignore this message.</p>`,
    ),
  },
  "recovery-otp": {
    subject: "Password Reset Code for {{project}}",
    text: `Hello {{name}},\n\nEnter this code to reset your {{project}} password:\n\n{{secret}}\n${phrase}\nThe code works until {{expire}}. If you did not ask to reset your password, you can ignore this message.\n\nThanks,\n{{project}} team\n`,
    html: layout(
      `<p>Hello {{name}},</p><p>Enter this code to reset your {{project}} password:</p>${code}${phraseHtml}<p>The code works until {{expire}}. If you did not ask to reset your password, you can ignore this message.</p>`,
    ),
  },
  "magic-url": {
    subject: "{{project}} Login",
    text: `Hello {{name}},\n\nFollow this link to sign in to {{project}}:\n{{url}}\n${phrase}\nThe link works until {{expire}}. If you did not ask to sign in, you can ignore this message.\n\nThanks,\n{{project}} team\n`,
    html: layout(
      `<p>Hello {{name}},</p><p>Follow this link to sign in to {{project}}.</p>${button("Sign in")}${phraseHtml}<p>The link works until {{expire}}. If you did not ask to sign in, you can ignore this message.</p>`,
    ),
  },
  "email-otp": {
    subject: "OTP for {{project}} Login",
    text: `Hello {{name}},\n\nEnter this code to sign in to {{project}}:\n\n{{secret}}\n${phrase}\nThe code works until {{expire}}. If you did not ask to sign in, you can ignore this message.\n\nThanks,\n{{project}} team\n`,
    html: layout(
      `<p>Hello {{name}},</p><p>Enter this code to sign in to {{project}}:</p><p style="font-size:28px;letter-spacing:4px;font-weight:bold">{{secret}}</p>${phraseHtml}<p>The code works until {{expire}}. If you did not ask to sign in, you can ignore this message.</p>`,
    ),
  },
  "mfa-otp": {
    subject: "Verification Code for {{project}}",
    text: "Hello {{name}},\n\nEnter this code to confirm it is you signing in to {{project}}:\n\n{{secret}}\n\nThe code works until {{expire}}. If you are not signing in, someone may know your password: change it.\n\nThanks,\n{{project}} team\n",
    html: layout(
      `<p>Hello {{name}},</p><p>Enter this code to confirm it is you signing in to {{project}}:</p><p style="font-size:28px;letter-spacing:4px;font-weight:bold">{{secret}}</p><p>The code works until {{expire}}. If you are not signing in, someone may know your password: change it.</p>`,
    ),
  },
  "session-alert": {
    subject: "Security alert: new session on your {{project}} account",
    text: "Hello {{name}},\n\nA new session was started on your {{project}} account on {{date}}.\n\nDevice: {{device}}\nIP address: {{ip}}\nCountry: {{country}}\n\nIf this was you, there is nothing to do. If it was not, change your password and end the sessions you do not recognise.\n\nThanks,\n{{project}} team\n",
    html: layout(
      `<p>Hello {{name}},</p><p>A new session was started on your {{project}} account on <strong>{{date}}</strong>.</p><ul><li>Device: <strong>{{device}}</strong></li><li>IP address: <strong>{{ip}}</strong></li><li>Country: <strong>{{country}}</strong></li></ul><p>If this was you, there is nothing to do. If it was not, change your password and end the sessions you do not recognise.</p>`,
    ),
  },
};

/** Appwrite sends the bare code by SMS; a template may add words around `{{secret}}`. */
export const defaultSmsTemplates: Record<SmsKind, string> = {
  "phone-login": "{{secret}}",
  "phone-verification": "{{secret}}",
  "mfa-otp": "{{secret}}",
};

/** The most specific template set for a locale: `pt-BR`, then `pt`, then English. */
function pick<T>(sets: Partial<Record<string, T>> | undefined, locale: string): T[] {
  if (!sets) return [];
  const lower = locale.toLowerCase();
  const found: T[] = [];
  for (const key of [lower, lower.split("-")[0] ?? lower, "en"]) {
    const entry = Object.entries(sets).find(([k]) => k.toLowerCase() === key)?.[1];
    if (entry && !found.includes(entry)) found.push(entry);
  }
  return found;
}

export function renderMail(kind: MailKind, to: string, locale: string, vars: MessageVariables, overrides?: MailTemplates): MailMessage {
  const chain = pick(overrides, locale);
  const field = (name: keyof MailTemplate) =>
    chain.map((set) => set[kind]?.[name]).find((v) => v !== undefined) ?? defaultMailTemplates[kind][name];
  const values = { ...vars, name: vars.name || "there" };
  return {
    kind,
    to,
    subject: interpolate(field("subject"), values, false),
    text: interpolate(field("text"), values, false),
    html: interpolate(field("html"), values, true),
    ...(vars.url ? { url: vars.url } : {}),
    ...(vars.secret ? { secret: vars.secret } : {}),
    ...(vars.phrase ? { phrase: vars.phrase } : {}),
    locale,
  };
}

export function renderSms(kind: SmsKind, locale: string, vars: MessageVariables, overrides?: SmsTemplates): string {
  const template =
    pick(overrides, locale)
      .map((set) => set[kind])
      .find((v) => v !== undefined) ?? defaultSmsTemplates[kind];
  return interpolate(template, { ...vars }, false);
}

/** `{{name}}` placeholders, and `{{#name}}…{{/name}}` sections kept only when the value is set. */
export function interpolate(template: string, vars: Record<string, string | undefined>, html: boolean): string {
  return template
    .replace(/\{\{#(\w+)\}\}([\s\S]*?)\{\{\/\1\}\}/g, (_, name: string, inner: string) => (vars[name] ? inner : ""))
    .replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
      const value = vars[name] ?? "";
      return html ? escapeHtml(value) : value;
    });
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}
