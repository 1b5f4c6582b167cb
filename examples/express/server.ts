/**
 * The demo: a web app a person can click through (examples/web, the official `appwrite` web SDK)
 * and the Account API it calls, on two origins so CORS with credentials and cookies work as they
 * do for a real app:
 *   npm run demo          # app http://localhost:3000/, API http://localhost:3001/v1, SQLite file
 *   npm run demo:dev      # plus the development outbox and the mock OAuth2 provider
 * Settings (environment, read by ./settings.ts; the README's "The demo" section explains each):
 * PORT, API_PORT, PROJECT_ID, PROJECT_NAME, DATABASE_URL, ENDPOINT, API_KEY, APPWRITE_VERSION,
 * TLS_CERT/TLS_KEY, GEOIP_DB, OAUTH2_<PROVIDER>, SMTP_URL/SMTP_FROM, GATEHOUSE_DEV_OUTBOX.
 *
 * E-mail and SMS: without a mailer the token, recovery and verification routes answer 503
 * (`general_smtp_disabled`, `general_phone_disabled`), as Appwrite does without SMTP or SMS; in
 * development mode the mock phone number (MOCK_PHONE in ./settings.ts) gets its fixed code and no
 * SMS. SMTP_URL sends e-mail through that server. With GATEHOUSE_DEV_OUTBOX=1 (what `npm run demo:dev` sets) every e-mail and
 * SMS is kept in memory, printed, listed at /dev/outbox/ on the app's origin and shown on the page
 * next to the form that sent it. That shows login links and codes to whoever opens the page, so the
 * server refuses to start with it when NODE_ENV=production. The same development mode enables the
 * test OAuth2 provider `mock`, which signs anyone in as one mock user.
 */
import { createServer as createHttpServer, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import { createAccountService, outbox, type Outbox } from "gatehouse-auth";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { demoAccountOptions, demoApi, demoWebApp } from "./apps";
import { demoSettings } from "./settings";
import { buildWebApp } from "./web-app";
import { RETURN_PATHS } from "../web/src/paths";

const settings = demoSettings();

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
if (box && settings.smtpUrl) console.warn("GATEHOUSE_DEV_OUTBOX=1: SMTP_URL is ignored, e-mail goes to the development outbox.");

/** An SMTP mailer for SMTP_URL. Loaded only when asked for: nodemailer is an optional peer dependency. */
async function smtpFromEnv() {
  if (box || !settings.smtpUrl) return null;
  const { smtpMailer } = await import("gatehouse-auth/smtp");
  return smtpMailer({
    from: settings.smtpFrom ?? `"${settings.projectName}" <no-reply@localhost>`,
    transport: { url: settings.smtpUrl },
  });
}

/** The country of sessions and logs from GEOIP_DB. Loaded only when asked for: maxmind is optional. */
async function geoFromEnv() {
  if (!settings.geoipDb) return null;
  const { maxmindGeo } = await import("gatehouse-auth/maxmind");
  return maxmindGeo(settings.geoipDb);
}

// Built first, before anything reads NODE_ENV (see buildWebApp); a build error stops the demo.
const webApp = await buildWebApp();
const smtp = await smtpFromEnv();
const geo = await geoFromEnv();

const db = await openDatabase(settings.databaseUrl);
await migrateToLatest(db);

const options = demoAccountOptions({ dev: box !== null });
const account = createAccountService({
  projectId: settings.projectId,
  projectName: settings.projectName,
  store: kyselyStore(db),
  ...options,
  ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
  ...(settings.apiKey ? { apiKeys: [settings.apiKey] } : {}),
  ...(settings.version ? { version: settings.version } : {}),
  ...(geo ? { geo } : {}),
  ...(box ? { mailer: box.mailer, sms: box.sms } : smtp ? { mailer: smtp } : {}),
  oauth2: { ...options.oauth2, ...settings.oauth2 },
});

const scheme = settings.tls ? "https" : "http";
const serve = (app: Express): Server => (settings.tls ? createHttpsServer(settings.tls, app) : createHttpServer(app));
/** Listens on `port` (0: a free one); a port in use is refused naming the variable that moves it. */
const listen = (server: Server, port: number, variable: "PORT" | "API_PORT") =>
  new Promise<number>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EADDRINUSE") return reject(error);
      reject(new Error(`Port ${port} is in use: set ${variable} to another port (PORT=0 picks free ones for both).`));
    });
    server.listen(port, () => resolve((server.address() as AddressInfo).port));
  });

const apiServer = serve(demoApi(account));
const apiPort = await listen(apiServer, settings.apiPort, "API_PORT");
const endpoint = settings.endpoint ?? `${scheme}://localhost:${apiPort}/v1`;

const appServer = serve(demoWebApp(account, { files: webApp, endpoint, outbox: box }));
const appUrl = `${scheme}://localhost:${await listen(appServer, settings.appPort, "PORT")}`;

// Expired sessions are not deleted by reads; purge them hourly.
setInterval(() => void account.purgeExpired(), 60 * 60 * 1000).unref();

if (smtp) console.log(`E-mail goes out through SMTP_URL (${settings.smtpUrl!.replace(/\/\/[^@/]*@/, "//…@")})`);
if (box) console.log(`Development outbox (GATEHOUSE_DEV_OUTBOX=1, never in production): ${appUrl}/dev/outbox/`);
// The token flow, ending on the page's /oauth/token, which turns userId and secret into a session.
if (box) {
  const success = encodeURIComponent(`${appUrl}${RETURN_PATHS.oauthToken}`);
  console.log(`Mock OAuth2 login: ${endpoint}/account/tokens/oauth2/mock?project=${settings.projectId}&success=${success}`);
}
console.log(`Gatehouse demo app: ${appUrl}/`);
// Printed last: tools (and the tests) treat the "listening on" line as "ready".
console.log(
  `Gatehouse demo listening on ${endpoint} (project "${settings.projectId}", store ${settings.databaseUrl.replace(/\/\/[^@/]*@/, "//…@")})`,
);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    apiServer.close();
    appServer.close();
    void Promise.all([db.destroy(), smtp?.close()]).then(() => process.exit(0));
  });
}
