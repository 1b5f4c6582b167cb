import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createAccountService, type AccountService, type Store } from "gatehouse-auth";
import { kyselyStore } from "gatehouse-auth/kysely";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { main } from "../../adapters/kysely/cli";

/** What `gatehouse …` printed and returned, run in process. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    stdout: { write: (text: string) => (out += text) },
    stderr: { write: (text: string) => (err += text) },
  });
  return { code, out, err };
}

/** A scratch directory, removed by the returned function. */
export function scratch(): { dir: string; path(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "gatehouse-import-"));
  return { dir, path: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export type ReportLine = { index: number; line: number; sourceId: string | null; status: string; reason?: string; userId?: string | null };

export function readReport(path: string): ReportLine[] {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ReportLine);
}

/** The app's view of an imported database: a service on it, as a server would create one. */
export async function appOn(url: string, prefix = ""): Promise<{ service: AccountService; store: Store; close(): Promise<void> }> {
  const db = await openDatabase(url, { poolSize: 2 });
  const store = kyselyStore(db, { prefix });
  const service = createAccountService({ projectId: "app", store, rateLimits: false });
  return { service, store, close: () => db.destroy() };
}

/** Signs in with e-mail and password; the error type when refused. */
export async function login(service: AccountService, email: string, password: string): Promise<string> {
  try {
    const session = await service.createEmailPasswordSession({ email, password });
    return `session for ${session.userId}`;
  } catch (error) {
    return (error as { type?: string }).type ?? String(error);
  }
}
