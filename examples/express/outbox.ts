/**
 * A page showing what the development outbox caught: every e-mail and SMS the demo "sent", newest
 * first, with its link and code, so magic URLs, OTPs, recovery and verification flows can be
 * completed by hand without a mail server or an SMS provider.
 *
 *   app.use("/dev/outbox", outboxRoutes(box));
 *
 * DEVELOPMENT ONLY: the page shows login links and codes meant for users to anyone who can load it.
 * The demo server mounts it only with GATEHOUSE_DEV_OUTBOX=1 and refuses to start with it in production.
 */
import { Router, type Response } from "express";
import type { Outbox, OutboxEntry } from "gatehouse-auth";

/** One row of the page and of messages.json. */
export interface OutboxRow {
  at: string;
  channel: "mail" | "sms";
  to: string;
  kind: string;
  /** The e-mail's subject; absent for SMS. */
  subject?: string;
  /** The link the message carries (magic URL, recovery, verification), if any. */
  url?: string;
  /** The code or secret the message carries, if any. */
  secret?: string;
  /** The plain-text body. */
  text: string;
}

function row(entry: OutboxEntry): OutboxRow {
  const { message } = entry;
  const base = { at: entry.at.toISOString(), to: message.to, kind: message.kind, text: message.text };
  if (entry.channel === "sms") return { ...base, channel: "sms", secret: entry.message.secret };
  return {
    ...base,
    channel: "mail",
    subject: entry.message.subject,
    ...(entry.message.url ? { url: entry.message.url } : {}),
    ...(entry.message.secret ? { secret: entry.message.secret } : {}),
  };
}

/** The outbox's entries, newest first. */
export function outboxRows(box: Outbox): OutboxRow[] {
  return box.entries.map(row).reverse();
}

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** Only http(s) links become clickable; anything else (javascript:, data:) is shown as text. */
function link(url: string | undefined): string {
  if (!url) return "";
  let safe = false;
  try {
    safe = ["http:", "https:"].includes(new URL(url).protocol);
  } catch {
    safe = false;
  }
  const text = escapeHtml(url);
  return safe ? `<a href="${text}" rel="noreferrer noopener">${text}</a>` : `<span>${text}</span>`;
}

function page(rows: OutboxRow[], jsonHref: string): string {
  const body = rows.length
    ? rows
        .map(
          (r) => `<tr>
  <td class="at"><time datetime="${escapeHtml(r.at)}">${escapeHtml(r.at.replace("T", " ").replace(/\.\d+Z$/, "Z"))}</time></td>
  <td>${r.channel === "mail" ? "e-mail" : "SMS"}</td>
  <td>${escapeHtml(r.to)}</td>
  <td>${r.subject !== undefined ? `${escapeHtml(r.subject)}<br><small>${escapeHtml(r.kind)}</small>` : escapeHtml(r.kind)}</td>
  <td class="link">${link(r.url)}</td>
  <td class="code">${r.secret ? `<code>${escapeHtml(r.secret)}</code>` : ""}</td>
</tr>`,
        )
        .join("\n")
    : `<tr><td colspan="6" class="empty">Nothing sent yet. Messages appear here as the API sends them.</td></tr>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="refresh" content="5">
<meta name="robots" content="noindex">
<title>Gatehouse development outbox</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 24px; color: #1a1a1a; }
  .warning { background: #fff4e5; border: 1px solid #f0b429; padding: 8px 12px; border-radius: 6px; }
  table { border-collapse: collapse; width: 100%; margin-top: 16px; }
  th, td { text-align: left; vertical-align: top; padding: 6px 10px; border-bottom: 1px solid #ddd; }
  td.link { word-break: break-all; max-width: 480px; }
  td.code code { font-size: 1.2em; letter-spacing: 2px; }
  td.at { white-space: nowrap; }
  td.empty { color: #666; }
</style>
</head>
<body>
<h1>Development outbox</h1>
<p class="warning">Development only: e-mails and SMS are kept here instead of being delivered. This page refreshes every 5 seconds. <a href="${escapeHtml(jsonHref)}">JSON</a></p>
<table>
<thead><tr><th>Time (UTC)</th><th>Channel</th><th>To</th><th>Subject / kind</th><th>Link</th><th>Code</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</body>
</html>
`;
}

/** Headers for a page full of other people's login links: never cached, never indexed, never leaked by Referer. */
function privateHeaders(res: Response) {
  res.set({
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-robots-tag": "noindex",
    "x-content-type-options": "nosniff",
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  });
}

/** `GET /` (the HTML page) and `GET /messages.json` (the same rows as JSON, newest first). */
export function outboxRoutes(box: Outbox): Router {
  const router = Router();
  router.get("/", (req, res) => {
    privateHeaders(res);
    res.type("html").send(page(outboxRows(box), `${req.baseUrl}/messages.json`));
  });
  router.get("/messages.json", (_req, res) => {
    privateHeaders(res);
    res.json(outboxRows(box));
  });
  return router;
}
