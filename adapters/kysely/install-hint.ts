// No import of kysely or a driver here: the CLI (adapters/kysely/cli.ts) uses this to explain
// that one of them is missing, before it can load anything that needs them.

/**
 * A driver that is not installed, said as what to do (`npm install pg`) rather than as a module
 * resolution stack trace; other errors pass unchanged. the database openers (adapters/kysely/connect/options.ts) and the CLI report through it.
 */
export function withInstallHint(error: unknown): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== "ERR_MODULE_NOT_FOUND" && code !== "MODULE_NOT_FOUND") return error;
  const missing = /(?:package|module) '([^']+)'/.exec(String((error as Error).message))?.[1];
  const advice =
    missing && missing !== "kysely" ? `npm install ${missing}` : "npm install kysely, plus better-sqlite3, pg or mysql2 for your database";
  return new Error(`${missing ?? "a dependency"} is not installed (${advice})`, { cause: error });
}
