/**
 * The demo: an Express server with the Account API under /v1, for the official Appwrite SDKs.
 *   npm run demo                                   # SQLite file ./gatehouse-demo.sqlite
 *   DATABASE_URL=postgres://user@host/db npm run demo   # PostgreSQL instead
 *   DATABASE_URL=mysql://root@127.0.0.1/test npm run demo
 *   npm run demo:dev                               # plus the development outbox at /dev/outbox
 *   SMTP_URL=smtps://user:pass@smtp.example.com npm run demo   # send real e-mail (needs `npm i nodemailer`)
 * Other settings: PORT (3000), PROJECT_ID ("demo"), PROJECT_NAME, SMTP_FROM (the sender with SMTP_URL),
 * ENDPOINT (the public API URL, e.g. https://api.example.com/v1: links in e-mails and the OAuth2
 * redirect_uri use it; with NODE_ENV=production the server refuses to start without it, and without
 * it in development links follow the URL each request arrived at).
 * Point an SDK at it: new Client().setEndpoint("http://localhost:3000/v1").setProject("demo").
 *
 * E-mail and SMS: without a mailer the token, recovery and verification routes answer 503
 * (`general_smtp_disabled`, `general_phone_disabled`), as Appwrite does without SMTP. SMTP_URL
 * (a nodemailer connection URL) sends e-mail through that server (SMS stays off). With
 * GATEHOUSE_DEV_OUTBOX=1 (what `npm run demo:dev` sets) every e-mail and SMS is kept in memory,
 * printed to the console and listed at /dev/outbox instead of being delivered. That page shows
 * login links and codes to whoever opens it, so the server refuses to start with it when
 * NODE_ENV=production. The same development mode enables the test OAuth2 provider `mock`, which signs
 * anyone in as one mock user: open
 * http://localhost:3000/v1/account/tokens/oauth2/mock?project=demo&success=http://localhost:3000/
 * to see a whole OAuth2 login without registering an app anywhere.
 */
import express from "express";
import { createAccountService, outbox, type Outbox } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { outboxRoutes } from "./outbox";

const port = Number(process.env.PORT ?? 3000);
const projectId = process.env.PROJECT_ID ?? "demo";
const databaseUrl = process.env.DATABASE_URL ?? "sqlite:./gatehouse-demo.sqlite";

/** The development outbox, or null. Decided before anything is opened, so a refusal costs nothing. */
function devOutbox(): Outbox | null {
  const flag = process.env.GATEHOUSE_DEV_OUTBOX;
  if (flag === undefined || flag === "" || flag === "0") return null;
  if (flag !== "1")
    throw new Error(`GATEHOUSE_DEV_OUTBOX must be 1 (enable the development outbox) or unset, not ${JSON.stringify(flag)}.`);
  if (process.env.NODE_ENV === "production") {
    throw new Error(
      "Refusing to start: GATEHOUSE_DEV_OUTBOX=1 is set with NODE_ENV=production. The development outbox shows every " +
        "login link and code to anyone who can open /dev/outbox; it must never run in production. Unset GATEHOUSE_DEV_OUTBOX.",
    );
  }
  return outbox({ print: true });
}

const box = devOutbox();
if (box && process.env.SMTP_URL) console.warn("GATEHOUSE_DEV_OUTBOX=1: SMTP_URL is ignored, e-mail goes to the development outbox.");

/** An SMTP mailer for SMTP_URL. Loaded only when asked for: nodemailer is an optional peer dependency. */
async function smtpFromEnv() {
  const url = process.env.SMTP_URL;
  if (box || !url) return null;
  const { smtpMailer } = await import("gatehouse-auth/smtp");
  return smtpMailer({
    from: process.env.SMTP_FROM ?? `"${process.env.PROJECT_NAME ?? "Gatehouse demo"}" <no-reply@localhost>`,
    transport: { url },
  });
}

const smtp = await smtpFromEnv();

const db = await openDatabase(databaseUrl);
await migrateToLatest(db);

const account = createAccountService({
  projectId,
  projectName: process.env.PROJECT_NAME ?? "Gatehouse demo",
  store: kyselyStore(db),
  platforms: ["localhost", "127.0.0.1"],
  ...(process.env.ENDPOINT ? { endpoint: process.env.ENDPOINT } : {}),
  ...(box ? { mailer: box.mailer, sms: box.sms } : smtp ? { mailer: smtp } : {}),
  // Development mode only: the built-in test provider (anyone is signed in as its one user).
  oauth2: box ? { mock: { clientId: "demo", clientSecret: "demo" } } : {},
});

const app = express();
app.use("/v1", accountRouter(account));
if (box) app.use("/dev/outbox", outboxRoutes(box));
app.get("/", (_req, res) => {
  res.type("text/plain").send(`Gatehouse demo: the Appwrite Account API is at /v1 (project "${projectId}").\n`);
});

// Expired sessions are not deleted by reads; purge them hourly.
setInterval(() => void account.purgeExpired(), 60 * 60 * 1000).unref();

const server = app.listen(port, () => {
  // The outbox line comes first: tools (and the tests) treat the "listening on" line as "ready".
  if (smtp) console.log(`E-mail goes out through SMTP_URL (${process.env.SMTP_URL!.replace(/\/\/[^@/]*@/, "//…@")})`);
  if (box) console.log(`Development outbox (GATEHOUSE_DEV_OUTBOX=1, never in production): http://localhost:${port}/dev/outbox/`);
  if (box)
    console.log(
      `Mock OAuth2 login: http://localhost:${port}/v1/account/tokens/oauth2/mock?project=${projectId}&success=http://localhost:${port}/`,
    );
  console.log(
    `Gatehouse demo listening on http://localhost:${port}/v1 (project "${projectId}", store ${databaseUrl.replace(/\/\/[^@/]*@/, "//…@")})`,
  );
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    void Promise.all([db.destroy(), smtp?.close()]).then(() => process.exit(0));
  });
}
