/**
 * The demo's web app (examples/web): built with Vite's JavaScript API when the demo starts, kept in
 * memory (no dist folder to go stale, nothing written, so two demos may start at once), and served
 * by an Express router on the app's own origin. The page learns the API's URL from a JSON block the
 * router writes into index.html, so one build serves any port.
 */
import { fileURLToPath } from "node:url";
import { Router } from "express";
import { build, type Rollup } from "vite";
import { PAGE_PATHS } from "../web/src/paths";

/** What the page reads from `<script id="gatehouse-demo" type="application/json">` (examples/web/src/config.ts). */
export interface WebAppConfig {
  endpoint: string;
  projectId: string;
  /** The development outbox's JSON, on the app's origin, or null outside `demo:dev`. */
  outbox: string | null;
  /** The `auth.mockNumbers` entry the phone form suggests. */
  mockPhone: { phone: string; otp: string };
  /** OAuth2 providers with a login button. */
  oauth2: string[];
}

/** One built file: its content type and contents. */
export interface Asset {
  type: string;
  body: string | Uint8Array;
}

const ROOT = fileURLToPath(new URL("../web/", import.meta.url));
const PLACEHOLDER = "<!-- gatehouse-demo-config -->";
const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

/** Builds examples/web in memory: file name -> contents. */
export async function buildWebApp(): Promise<Map<string, Asset>> {
  // Vite sets NODE_ENV=production for a build when it is unset, which would make the adapters
  // refuse the development demo (adapters/express: production mode): put it back as it was.
  const nodeEnv = process.env.NODE_ENV;
  let result: Awaited<ReturnType<typeof build>>;
  try {
    result = await build({ root: ROOT, configFile: false, logLevel: "warn", build: { write: false, emptyOutDir: false } });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  const files = new Map<string, Asset>();
  for (const item of outputs.flatMap((o) => o.output)) {
    const ext = item.fileName.slice(item.fileName.lastIndexOf("."));
    const type = TYPES[ext] ?? "application/octet-stream";
    files.set(`/${item.fileName}`, { type, body: item.type === "chunk" ? item.code : item.source });
  }
  if (!files.has("/index.html")) throw new Error("The web app's build has no index.html");
  return files;
}

/** JSON inside a <script> element: `<` escaped so no value can close the element. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, "\\u003c");

/**
 * Serves the built files, and the page at "/" and at the paths the API sends users back to
 * (examples/web/src/paths.ts), where the app reads their query. Anything else is a 404.
 */
export function webAppRouter(files: Map<string, Asset>, config: WebAppConfig): Router {
  const html = String(files.get("/index.html")!.body).replace(
    PLACEHOLDER,
    `<script id="gatehouse-demo" type="application/json">${scriptJson(config)}</script>`,
  );
  const api = new URL(config.endpoint).origin;
  // The page talks to its own origin (assets, outbox) and the API; the QR code is a data: image.
  const csp = `default-src 'self'; connect-src 'self' ${api}; img-src 'self' data:; style-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'`;
  const router = Router();
  router.get(/.*/, (req, res) => {
    const asset = files.get(req.path);
    res.set({ "x-content-type-options": "nosniff", "referrer-policy": "no-referrer" });
    if (asset && req.path !== "/index.html") {
      res.set({ "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" });
      res.send(typeof asset.body === "string" ? asset.body : Buffer.from(asset.body));
      return;
    }
    if (!PAGE_PATHS.includes(req.path)) {
      res.sendStatus(404);
      return;
    }
    // Links from e-mails carry secrets in the query: never cache the page, never send it as Referer.
    res.set({ "content-type": TYPES[".html"]!, "cache-control": "no-store", "content-security-policy": csp });
    res.send(html);
  });
  return router;
}
