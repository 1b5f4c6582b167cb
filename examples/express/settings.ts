/**
 * The demo's settings, read from the environment in one place (the README's "The demo" section
 * lists them). Everything else in examples/express takes these values as arguments.
 */
import { readFileSync } from "node:fs";

export interface DemoSettings {
  /** The web app's port; 0 picks a free one. */
  appPort: number;
  /** The API's port: API_PORT, else PORT + 1 (or a free one when PORT is 0). */
  apiPort: number;
  projectId: string;
  projectName: string;
  databaseUrl: string;
  /** ENDPOINT: the API's public URL, when it is not http(s)://localhost:<apiPort>/v1. */
  endpoint: string | null;
  /** API_KEY: a server key for `X-Appwrite-Key` (node-appwrite's setKey), at least 16 characters. */
  apiKey: string | null;
  /** APPWRITE_VERSION: the `version` in error bodies (the Appwrite version the API answers as). */
  version: string | null;
  /** TLS_CERT and TLS_KEY (PEM files): both origins are served over HTTPS. */
  tls: { cert: Buffer; key: Buffer } | null;
  /** GEOIP_DB: a GeoLite2-Country .mmdb file, for the country of sessions and logs. */
  geoipDb: string | null;
  /** OAUTH2_<PROVIDER>=<clientId>:<clientSecret>, one variable per provider (OAUTH2_GITHUB=…). */
  oauth2: Record<string, { clientId: string; clientSecret: string }>;
  smtpUrl: string | null;
  smtpFrom: string | null;
}

/** The fixed phone number the demo signs in without an SMS (`auth.mockNumbers`), shown on the page. */
export const MOCK_PHONE = { phone: "+14155550100", otp: "123456" } as const;

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`${name} must be a port number (0-65535), not ${JSON.stringify(value)}.`);
  return n;
}

function oauth2FromEnv(env: NodeJS.ProcessEnv): DemoSettings["oauth2"] {
  const providers: DemoSettings["oauth2"] = {};
  for (const [name, value] of Object.entries(env)) {
    const match = /^OAUTH2_([A-Z0-9]+)$/.exec(name);
    if (!match || !value) continue;
    const colon = value.indexOf(":");
    if (colon <= 0) throw new Error(`${name} must be <clientId>:<clientSecret>.`);
    providers[match[1]!.toLowerCase()] = { clientId: value.slice(0, colon), clientSecret: value.slice(colon + 1) };
  }
  return providers;
}

function tlsFromEnv(env: NodeJS.ProcessEnv): DemoSettings["tls"] {
  const { TLS_CERT: cert, TLS_KEY: key } = env;
  if (!cert && !key) return null;
  if (!cert || !key) throw new Error("TLS_CERT and TLS_KEY go together: the PEM files of the certificate and of its key.");
  return { cert: readFileSync(cert), key: readFileSync(key) };
}

export function demoSettings(env: NodeJS.ProcessEnv = process.env): DemoSettings {
  const appPort = port("PORT", env.PORT, 3000);
  return {
    appPort,
    apiPort: port("API_PORT", env.API_PORT, appPort === 0 ? 0 : appPort + 1),
    projectId: env.PROJECT_ID || "demo",
    projectName: env.PROJECT_NAME || "Gatehouse demo",
    databaseUrl: env.DATABASE_URL || "sqlite:./gatehouse-demo.sqlite",
    endpoint: env.ENDPOINT || null,
    apiKey: env.API_KEY || null,
    version: env.APPWRITE_VERSION || null,
    tls: tlsFromEnv(env),
    geoipDb: env.GEOIP_DB || null,
    oauth2: oauth2FromEnv(env),
    smtpUrl: env.SMTP_URL || null,
    smtpFrom: env.SMTP_FROM || null,
  };
}
