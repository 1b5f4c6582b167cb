import { createTransport } from "nodemailer";
import { z } from "zod";
import type { Mailer, MailMessage } from "gatehouse-auth";

/**
 * `gatehouse-auth/smtp`: a Mailer that sends through an SMTP server with nodemailer (an optional peer
 * dependency: `npm i nodemailer`).
 *
 *   const mailer = smtpMailer({
 *     from: '"My App" <no-reply@example.com>',
 *     transport: { host: "smtp.example.com", port: 465, secure: true, auth: { user, pass } },
 *   });
 *   createAccountService({ …, mailer });
 *   // on shutdown: await mailer.close();
 *
 * A refused or failed send throws; the core then removes the token it stored and answers 503, so
 * the user can simply ask again.
 */
/**
 * The SMTP connection options most apps set. These are nodemailer's own option names, written out
 * here so that this package's public types stand alone (nodemailer's live under its internal
 * `lib/` paths, which NodeNext resolution refuses); any other nodemailer option is passed through.
 */
export interface SmtpTransportOptions {
  host?: string;
  port?: number;
  /** TLS from the start (port 465); otherwise STARTTLS is used when the server offers it. */
  secure?: boolean;
  auth?: { user: string; pass: string } | { type: "OAuth2"; user: string; accessToken?: string; [option: string]: unknown };
  /** Options for the TLS socket (`rejectUnauthorized`, `servername`, `ca`, …). */
  tls?: Record<string, unknown>;
  /** Pooled connections (the default here); `false` opens one connection per message. */
  pool?: boolean;
  maxConnections?: number;
  /** Milliseconds; defaults here are 10 s to connect, 10 s for the greeting, 30 s of socket silence. */
  connectionTimeout?: number;
  greetingTimeout?: number;
  socketTimeout?: number;
  requireTLS?: boolean;
  ignoreTLS?: boolean;
  name?: string;
  [option: string]: unknown;
}

/** What this adapter uses of a transport you made yourself (a nodemailer Transporter has it). */
export interface MailTransport {
  sendMail(message: Record<string, unknown>): Promise<unknown>;
  verify(): Promise<unknown>;
  close(): void;
}

export interface SmtpMailerOptions {
  /** The sender, an address or `"Name" <address>`. */
  from: string;
  /**
   * nodemailer SMTP options (host, port, secure, auth, tls, …), or a Transporter you made
   * yourself. Options get a connection pool and short timeouts unless they set their own.
   */
  transport: SmtpTransportOptions | MailTransport;
  /** A Reply-To address for every message. */
  replyTo?: string;
  /** Extra headers on every message. */
  headers?: Record<string, string>;
}

export interface SmtpMailer extends Mailer {
  /** Checks the connection and the credentials (useful at start-up). */
  verify(): Promise<void>;
  /** Closes the pooled connections. A Transporter passed in is left open: its owner closes it. */
  close(): Promise<void>;
}

/** A line of text (no CR/LF, which would let a value start a header of its own). */
const line = (what: string) => z.string({ error: `must be ${what}` }).regex(/^[^\r\n]*$/, `must be ${what} without line breaks`);
const address = line("an e-mail address").refine((v) => v.includes("@"), "must be an e-mail address, optionally with a name");

const OTHER_TRANSPORTS = ["jsonTransport", "streamTransport", "sendmail", "SES", "transport"];

const isTransporter = (v: unknown): v is MailTransport =>
  typeof v === "object" && v !== null && typeof (v as MailTransport).sendMail === "function";

const optionsSchema = z
  .object({
    from: address,
    transport: z.union(
      [
        z.custom<MailTransport>(isTransporter),
        z.looseObject({
          host: z.string().min(1, "must be a host name").optional(),
          port: z.number().int("must be a port number").min(1, "must be a port number").max(65535, "must be a port number").optional(),
          secure: z.boolean().optional(),
          auth: z.looseObject({}).optional(),
        }),
      ],
      { error: "must be nodemailer SMTP options or a Transporter" },
    ),
    replyTo: address.optional(),
    headers: z.record(z.string().regex(/^[!-9;-~]+$/, "must be a header name"), line("a header value")).optional(),
  })
  .strict();

function parseOptions(input: SmtpMailerOptions) {
  const result = optionsSchema.safeParse(input);
  if (result.success) return result.data;
  // A transport that is neither a Transporter nor valid options fails the union as a whole:
  // report what is wrong with it as options (`transport.port: …`) when it is an object at all.
  const issues = result.error.issues.flatMap((issue) => {
    const detail = issue.code === "invalid_union" ? issue.errors.at(-1)?.filter((i) => i.path.length > 0) : undefined;
    if (detail?.length) return detail.map((i) => ({ ...i, path: [...issue.path, ...i.path] }));
    // A bad header name: say why, not just "Invalid key in record".
    if (issue.code === "invalid_key") return [{ ...issue, message: issue.issues[0]?.message ?? issue.message }];
    return [issue];
  });
  const lines = issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return `${issue.keys.join(", ")}: unknown option`;
    return `${issue.path.length ? issue.path.join(".") : "(options)"}: ${issue.message}`;
  });
  throw new TypeError(`Invalid smtpMailer options:\n  ${lines.join("\n  ")}`);
}

/**
 * A user waits on the HTTP request while the mail goes out: nodemailer's defaults (up to ten
 * minutes of socket silence) would hold it far too long, so they are shortened unless set, and
 * connections are pooled. Options that pick another nodemailer transport (`jsonTransport: true`,
 * say) are passed as given.
 */
function withDefaults(options: Record<string, unknown>): Record<string, unknown> {
  if (OTHER_TRANSPORTS.some((key) => key in options)) return options;
  return { pool: true, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, ...options };
}

export function smtpMailer(options: SmtpMailerOptions): SmtpMailer {
  const opts = parseOptions(options);
  const given = isTransporter(opts.transport) ? opts.transport : null;
  // nodemailer's createTransport is typed per transport; the options were validated above.
  const transporter: MailTransport =
    given ?? (createTransport(withDefaults(opts.transport as Record<string, unknown>) as never) as unknown as MailTransport);
  // Header names are case-insensitive: an extra `x-gatehouse-kind` would make a second one.
  const headers = Object.entries(opts.headers ?? {}).filter(([name]) => name.toLowerCase() !== "x-gatehouse-kind");
  return {
    async send(message: MailMessage) {
      const info = await transporter.sendMail({
        from: opts.from,
        // An object, so the address is never parsed as a list of recipients.
        to: { name: "", address: message.to },
        ...(opts.replyTo ? { replyTo: opts.replyTo } : {}),
        subject: message.subject,
        text: message.text,
        html: message.html,
        headers: [...headers.map(([key, value]) => ({ key, value })), { key: "X-Gatehouse-Kind", value: message.kind }],
      });
      const rejected = (info as { rejected?: unknown[] } | undefined)?.rejected;
      if (Array.isArray(rejected) && rejected.length > 0) throw new Error(`The SMTP server refused the recipient ${message.to}`);
    },
    async verify() {
      await transporter.verify();
    },
    async close() {
      if (!given) transporter.close();
    },
  };
}
