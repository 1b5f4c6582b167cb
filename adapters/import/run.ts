import { constants } from "node:fs";
import { access, open } from "node:fs/promises";
import { createAccountService, memoryStore, type AccountService, type Store } from "gatehouse-auth";
import { createUser, duplicateField, type CreateOutcome } from "./create";
import { FORMATS, type FormatName, type ReadContext } from "./formats";
import { HASH_CONFIG_MAX_BYTES, parseFirebaseHashConfig } from "./hash-config";
import { progress, type Counts, type ProgressSink } from "./progress";
import { isSkip, type ImportRecord } from "./record";
import { openReport, type ReportEntry } from "./report";
import { fileChunks } from "./streams/source";

export interface ImportOptions {
  from: FormatName;
  file: string;
  /** The database to import into; with `dryRun` optional (then only the file is checked). */
  url: string | null;
  prefix: string;
  dryRun: boolean;
  hashConfig: string | null;
  report: string;
  quiet: boolean;
  /** A record larger than this is skipped unread (default 1 MiB: real users are a few KiB at most). */
  maxRecordBytes?: number;
}

export interface ImportSummary extends Counts {
  /** Rows whose user got a new id (the source id is not a valid Appwrite id). */
  newIds: number;
  /** Why the import stopped before the end of the file (a database fault, a truncated file). */
  stopped: string | null;
}

const DEFAULT_MAX_RECORD_BYTES = 1024 * 1024;

/**
 * `gatehouse import`: reads the export a record at a time, maps each to an ImportRecord
 * (adapters/import/readers) and creates it through the Users API (adapters/import/create.ts).
 * Rows that fail are skipped and reported; the file is never held in memory. A dry run creates
 * the users in a throwaway memory store instead, so every row meets the same validation and the
 * file's own duplicates show, and looks up the target database (read only, when given) for users
 * that exist there already.
 *
 * Throws when the import cannot start (database, hash config, report file); a fault after that
 * ends the run early with `stopped` set.
 */
export async function runImport(options: ImportOptions, stderr: ProgressSink): Promise<ImportSummary> {
  const format = FORMATS[options.from];
  await access(options.file, constants.R_OK);
  const context: ReadContext = {
    hashConfig: options.hashConfig ? parseFirebaseHashConfig(await readHead(options.hashConfig, HASH_CONFIG_READ)) : null,
    now: new Date(),
  };
  const target = options.url ? await openTarget(options.url, options.prefix) : null;
  try {
    const store = options.dryRun ? memoryStore() : target!.store;
    let fault: unknown = null;
    const service = createAccountService({
      projectId: "gatehouse-import",
      store,
      // An import is one trusted caller creating users as fast as the database allows.
      rateLimits: false,
      reportError: (error) => (fault = error),
    });
    // A dry run compares with the target database too; a real run finds its clashes in it.
    const conflictStores: Store[] = options.dryRun && target ? [target.store, store] : [store];
    const report = await openReport(options.report);
    const counts: ImportSummary = { read: 0, imported: 0, skipped: 0, newIds: 0, stopped: null };
    const shown = progress(stderr, { quiet: options.quiet });
    const limits = { maxRecordBytes: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES };
    try {
      for await (const row of format.rows(fileChunks(options.file), limits, options.file)) {
        counts.read++;
        const mapped = "error" in row ? { skip: row.error } : format.map(row.value, context);
        const where = { index: row.index, line: row.line, sourceId: isSkip(mapped) ? (mapped.sourceId ?? null) : mapped.sourceId };
        const outcome: CreateOutcome = isSkip(mapped)
          ? { status: "skipped", reason: mapped.skip }
          : await importOne(service, mapped, options.dryRun && target ? target.store : null, conflictStores);
        const entry = reportEntry(where, outcome, options.dryRun);
        if (outcome.status === "skipped") counts.skipped++;
        else counts.imported++;
        if (entry) {
          if (entry.status !== "skipped") counts.newIds++;
          await report.add(entry);
        }
        shown.tick(counts);
      }
    } catch (error) {
      counts.stopped = describe(fault ?? error);
    } finally {
      shown.done();
      await report.close();
    }
    return counts;
  } finally {
    await target?.close();
  }
}

/** One byte past the limit, so parseFirebaseHashConfig refuses a larger file (or a device) read no further. */
const HASH_CONFIG_READ = HASH_CONFIG_MAX_BYTES + 1;

/** The first `limit` bytes of a file as text (all of it when shorter). */
async function readHead(path: string, limit: number): Promise<string> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(limit);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, filled, limit - filled, null);
      if (bytesRead === 0 || (filled += bytesRead) === limit) break;
    }
    return buffer.subarray(0, filled).toString("utf8");
  } finally {
    await handle.close();
  }
}

async function importOne(
  service: AccountService,
  record: ImportRecord,
  dryRunTarget: Store | null,
  conflictStores: Store[],
): Promise<CreateOutcome> {
  if (dryRunTarget) {
    const clash = await duplicateField(record, [dryRunTarget]);
    if (clash) return { status: "skipped", reason: `duplicate ${clash}: a user with it exists in the database` };
  }
  return createUser(service, record, conflictStores);
}

/** The report line of a row: every skip, and each user whose id is not its source id. */
function reportEntry(
  where: Omit<ReportEntry, "status" | "reason" | "userId">,
  outcome: CreateOutcome,
  dryRun: boolean,
): ReportEntry | null {
  if (outcome.status === "skipped") return { ...where, status: "skipped", reason: outcome.reason };
  if (outcome.userId === where.sourceId) return null;
  return dryRun
    ? { ...where, status: "would-import", userId: null, note: "the source id is not a valid Appwrite id: a new id will be made" }
    : { ...where, status: "imported", userId: outcome.userId };
}

async function openTarget(url: string, prefix: string): Promise<{ store: Store; close(): Promise<void> }> {
  const { openDatabase } = await import("../kysely/connect/open");
  const { kyselyStore } = await import("../kysely/store");
  const db = await openDatabase(url, { poolSize: 2 });
  const store = kyselyStore(db, { prefix });
  try {
    await store.users.count();
  } catch (error) {
    await db.destroy();
    throw new Error(
      `cannot read the users table (run \`gatehouse migrate --url … ${prefix ? `--prefix ${prefix} ` : ""}\` first?): ${describe(error)}`,
      { cause: error },
    );
  }
  return { store, close: () => db.destroy() };
}

function describe(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
  return `${error instanceof Error ? error.message : String(error)}${cause}`.replace(/\s*\n\s*/g, " ");
}
