import { z } from "zod";
import type { Sms, SmsMessage } from "gatehouse-auth";

/**
 * `gatehouse-auth/twilio`: an Sms port that sends through Twilio's Programmable Messaging REST API
 * (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth, form-encoded body).
 *
 *   createAccountService({ …, sms: twilioSms({ accountSid, authToken, from: "+15005550006" }) })
 *
 * A failed send throws a TwilioError carrying Twilio's error code and message; the core then
 * removes the code it stored and answers 503, so the user can simply ask again.
 */
export interface TwilioSmsOptions {
  /** The account SID, `AC` and 32 hex digits. */
  accountSid: string;
  /** The account's auth token (Twilio Console → Account info). */
  authToken: string;
  /** The sending number in E.164 (`+15005550006`), a short code or an alphanumeric sender ID. */
  from?: string;
  /** A Messaging Service SID (`MG` and 32 hex digits), instead of `from`. */
  messagingServiceSid?: string;
  /** Default `https://api.twilio.com`; tests point it at a local stand-in. */
  baseUrl?: string;
  /** The fetch to use; default the global one. */
  fetch?: typeof fetch;
  /** Give up on a request after this many milliseconds (the caller then gets a 503). Default 10 000. */
  timeoutMs?: number;
}

/** Twilio answered with an error: `code` is Twilio's error code (e.g. 21211), `status` the HTTP status. */
export class TwilioError extends Error {
  readonly code: number | undefined;
  readonly status: number;
  readonly moreInfo: string | undefined;
  constructor(message: string, status: number, code?: number, moreInfo?: string) {
    super(message);
    this.name = "TwilioError";
    this.status = status;
    this.code = code;
    this.moreInfo = moreInfo;
  }
}

const optionsSchema = z
  .object({
    accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, "must be a Twilio account SID: AC followed by 32 hex digits"),
    authToken: z.string().regex(/^[\x21-\x7e]+$/, "must be the account's auth token"),
    from: z.string().min(1, "must be a phone number, short code or sender ID").optional(),
    messagingServiceSid: z
      .string()
      .regex(/^MG[0-9a-fA-F]{32}$/, "must be a Messaging Service SID: MG followed by 32 hex digits")
      .optional(),
    baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).default("https://api.twilio.com"),
    fetch: z.custom<typeof fetch>((v) => typeof v === "function", "must be a function").optional(),
    timeoutMs: z.number().int().positive().default(10_000),
  })
  .strict()
  .check((ctx) => {
    const { from, messagingServiceSid } = ctx.value;
    if (from === undefined && messagingServiceSid === undefined) {
      ctx.issues.push({ code: "custom", input: ctx.value, path: ["from"], message: "pass either from or messagingServiceSid" });
    } else if (from !== undefined && messagingServiceSid !== undefined) {
      ctx.issues.push({
        code: "custom",
        input: ctx.value,
        path: ["messagingServiceSid"],
        message: "pass either from or messagingServiceSid, not both",
      });
    }
  });

function parseOptions(input: TwilioSmsOptions) {
  const result = optionsSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") return `${issue.keys.join(", ")}: unknown option`;
    return `${issue.path.length ? issue.path.join(".") : "(options)"}: ${issue.message}`;
  });
  throw new TypeError(`Invalid twilioSms options:\n  ${lines.join("\n  ")}`);
}

export function twilioSms(options: TwilioSmsOptions): Sms {
  const opts = parseOptions(options);
  const url = `${opts.baseUrl.replace(/\/+$/, "")}/2010-04-01/Accounts/${opts.accountSid}/Messages.json`;
  // btoa rather than Buffer: the port also runs where Node's Buffer is absent (edge runtimes).
  const authorization = `Basic ${btoa(`${opts.accountSid}:${opts.authToken}`)}`;
  const doFetch = opts.fetch ?? ((...args: Parameters<typeof fetch>) => globalThis.fetch(...args));

  return {
    async send(message: SmsMessage) {
      const form = new URLSearchParams({ To: message.to, Body: message.text });
      if (opts.messagingServiceSid) form.set("MessagingServiceSid", opts.messagingServiceSid);
      else form.set("From", opts.from!);
      const response = await doFetch(url, {
        method: "POST",
        headers: {
          authorization,
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
        },
        body: form.toString(),
        signal: AbortSignal.timeout(opts.timeoutMs),
      });
      if (response.ok) {
        // Drain the body so the connection can be reused; the message resource is not needed.
        await response.arrayBuffer().catch(() => undefined);
        return;
      }
      const text = await response.text().catch(() => "");
      let body: { code?: unknown; message?: unknown; more_info?: unknown } = {};
      try {
        body = JSON.parse(text) as typeof body;
      } catch {
        // Not JSON (a proxy's error page, say): report the status alone.
      }
      const code = typeof body.code === "number" ? body.code : undefined;
      const detail =
        typeof body.message === "string" ? body.message : `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
      throw new TwilioError(
        `Twilio refused the message${code !== undefined ? ` (error ${code})` : ""}: ${detail}`,
        response.status,
        code,
        typeof body.more_info === "string" ? body.more_info : undefined,
      );
    },
  };
}
