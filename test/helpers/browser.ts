import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { servicesRequired } from "./databases";

/**
 * Headless Chromium from Debian's `chromium` package, driven by playwright-core (no browser
 * download: this machine's network is closed). `.ci/run` installs the package when it is missing.
 * When Chromium cannot start, the browser suites skip with a message — unless
 * GATEHOUSE_REQUIRE_SERVICES=1 (set by .ci/run), which makes that a failure.
 */
export const CHROMIUM_PATH = process.env.GATEHOUSE_CHROMIUM ?? "/usr/bin/chromium";

// Without the background-networking flags Chromium keeps dialling Google's hosts, which this
// machine refuses; --no-sandbox because CI runs as root.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let launched: Promise<Browser | null> | undefined;

/** One browser per test file (worker); null when Chromium is not there and skipping is allowed. */
export function launchBrowser(): Promise<Browser | null> {
  launched ??= (async () => {
    const reason = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} not found (apt-get install -y chromium)`;
    try {
      if (reason) throw new Error(reason);
      const { chromium } = await import("playwright-core");
      return await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
    } catch (error) {
      const message = `Chromium cannot start: ${(error as Error).message}`;
      if (servicesRequired) throw new Error(`${message}; GATEHOUSE_REQUIRE_SERVICES=1 makes this a failure.`, { cause: error });
      console.warn(`[gatehouse tests] ${message}: skipping the browser tests.`);
      return null;
    }
  })();
  return launched;
}

/** Whether the browser suites can run; call at the top of a browser test file. */
export async function browserAvailable(): Promise<boolean> {
  return (await launchBrowser()) !== null;
}

export const SCREENSHOT_DIR = join(new URL("../../", import.meta.url).pathname, ".tmp", "screenshots");

/**
 * Runs `body` with a fresh page; on failure writes `.tmp/screenshots/<name>.png` and rethrows,
 * so a red browser test leaves a picture of what the user would have seen.
 */
export async function withPage<T>(
  name: string,
  body: (page: Page, context: BrowserContext) => Promise<T>,
  options: { ignoreHTTPSErrors?: boolean } = {},
): Promise<T> {
  const browser = await launchBrowser();
  if (!browser) throw new Error("withPage called without a browser; guard the suite with browserAvailable()");
  const context = await browser.newContext({ ignoreHTTPSErrors: options.ignoreHTTPSErrors ?? false });
  const page = await context.newPage();
  try {
    return await body(page, context);
  } catch (error) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const file = join(SCREENSHOT_DIR, `${name.replace(/[^a-z0-9-]+/gi, "_")}.png`);
    await page.screenshot({ path: file, fullPage: true }).catch(() => {});
    (error as Error).message += `\n(screenshot: ${file})`;
    throw error;
  } finally {
    await context.close().catch(() => {});
  }
}

export async function closeBrowser(): Promise<void> {
  const browser = await launched;
  launched = undefined;
  await browser?.close().catch(() => {});
}
