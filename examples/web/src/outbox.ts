/**
 * Development mode (`npm run demo:dev`): after a form sends an e-mail or SMS, show that message
 * next to the form, read from the demo's outbox (examples/express/outbox.ts) on this origin.
 */
import { config } from "./config";
import { el } from "./ui";

interface OutboxRow {
  at: string;
  channel: "mail" | "sms";
  to: string;
  kind: string;
  subject?: string;
  url?: string;
  secret?: string;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function find(match: { to?: string; kind: string }, since: number): Promise<OutboxRow | null> {
  // The API sends before it answers, but a few tries cover a mailer that queues.
  for (let attempt = 0; attempt < 10; attempt++) {
    const rows = (await (await fetch(config.outbox!, { cache: "no-store" })).json()) as OutboxRow[];
    const row = rows.find((r) => r.kind === match.kind && (!match.to || r.to === match.to) && Date.parse(r.at) >= since);
    if (row) return row;
    await pause(150);
  }
  return null;
}

/** Shows the newest `kind` message to `to` sent at or after `since` in the form's `.outbox`. */
export async function showOutbox(form: HTMLFormElement, match: { to?: string; kind: string }, since: number) {
  const box = form.querySelector<HTMLElement>(".outbox");
  if (!config.outbox || !box) return;
  box.replaceChildren(el("span", "Looking in the development outbox…"));
  const row = await find(match, since);
  if (!row) {
    box.replaceChildren(el("span", "Nothing in the development outbox for this (yet)."));
    return;
  }
  const entry = el("div", "", { class: "outbox-entry", "data-kind": row.kind });
  entry.append(el("strong", `Dev outbox, ${row.channel === "mail" ? "e-mail" : "SMS"} to ${row.to}: `));
  if (row.subject) entry.append(el("span", `${row.subject} `));
  // Only http(s) links become clickable.
  if (row.url && /^https?:\/\//.test(row.url)) entry.append(el("a", row.url, { class: "outbox-link", href: row.url }));
  else if (row.secret) entry.append(" code ", el("code", row.secret, { class: "outbox-code" }));
  box.replaceChildren(entry);
}
