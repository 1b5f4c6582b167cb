import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { parseCommandLine } from "../kysely/command-line";
import { FORMAT_NAMES, type FormatName } from "./formats";

/**
 * `gatehouse import`: dispatched here by the `gatehouse` command (adapters/kysely/cli.ts), which
 * prints IMPORT_USAGE in its help. Exit codes: 0 every row imported, 1 the import could not
 * start or stopped early, 2 bad usage, 3 finished with skipped rows (see the report).
 */
export const IMPORT_USAGE = `  gatehouse import --from firebase|supabase|auth0|appwrite --url <url> [--prefix <prefix>]
                   [--hash-config <file>] [--report <file>] [--dry-run] [--quiet] FILE
      Create the users of another system's export (FILE; .gz is read as gzip), keeping their
      password hashes: they sign in with their old passwords, re-hashed to Argon2id on first login.
        --from          firebase: \`firebase auth:export users.json --format=json\`
                        supabase: auth.users rows as a JSON array or a .csv with a header row
                        auth0: a user export job's NDJSON, or the password hash export's NDJSON
                        appwrite: {"users": [...]} of the Users API's list, with password hashes
        --hash-config   firebase: the project's password hash parameters (JSON or the console's text)
        --report        one JSON line per skipped row or changed id (default: import-report.jsonl)
        --dry-run       check every row, write nothing (--url optional: also finds existing users)
        --quiet         no progress and no summary
      Exit codes: 0 all imported, 1 failed or stopped early, 2 bad usage, 3 done with skipped rows.
`;

export interface ImportIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export async function importMain(argv: string[], io: ImportIo, usage: string): Promise<number> {
  const parsed = parseCommandLine(argv, {
    from: { type: "string" },
    "hash-config": { type: "string" },
    report: { type: "string" },
    "dry-run": { type: "boolean" },
    quiet: { type: "boolean" },
  });
  if (parsed.problem !== null) return usageError(io, parsed.problem, usage);
  const { values, positionals, prefix } = parsed;
  if (values.help) {
    io.stdout.write(usage);
    return 0;
  }
  if (!values.from || !FORMAT_NAMES.includes(values.from as FormatName))
    return usageError(io, `--from must be one of ${FORMAT_NAMES.join(", ")}`, usage);
  if (positionals.length !== 1)
    return usageError(io, positionals.length ? `one FILE expected, got ${positionals.length}` : "missing FILE", usage);
  if (!values.url && !values["dry-run"]) return usageError(io, "--url is required (or --dry-run to check the file only)", usage);
  if (values["hash-config"] && values.from !== "firebase") return usageError(io, "--hash-config is for --from firebase", usage);

  const file = positionals[0]!;
  const dryRun = values["dry-run"] ?? false;
  const quiet = values.quiet ?? false;
  const report = values.report ?? "import-report.jsonl";
  // The report is written from the start: on the export itself it would empty the file first.
  if (await sameFile(report, file)) return usageError(io, "--report must not be the file being imported", usage);
  try {
    const { runImport } = await import("./run");
    const summary = await runImport(
      {
        from: values.from as FormatName,
        file,
        url: values.url ?? null,
        prefix,
        dryRun,
        hashConfig: values["hash-config"] ?? null,
        report,
        quiet,
      },
      io.stderr,
    );
    if (!quiet || summary.stopped) {
      const verb = dryRun ? "would be imported" : "imported";
      const ids = summary.newIds ? `, ${summary.newIds} with a new id` : "";
      io.stderr.write(
        `${dryRun ? "dry run (nothing written): " : ""}${summary.read} read, ${summary.imported} ${verb}${ids}, ${summary.skipped} skipped; report: ${report}\n`,
      );
    }
    if (summary.stopped) {
      io.stderr.write(`gatehouse: import stopped after ${summary.read} records: ${summary.stopped}\n`);
      return 1;
    }
    return summary.skipped > 0 ? 3 : 0;
  } catch (error) {
    io.stderr.write(`gatehouse: import failed: ${(error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ")}\n`);
    return 1;
  }
}

/** Whether two paths name one file: the same path, or a symbolic or hard link to it. */
async function sameFile(a: string, b: string): Promise<boolean> {
  if (resolve(a) === resolve(b)) return true;
  try {
    const [x, y] = await Promise.all([stat(a), stat(b)]);
    return x.dev === y.dev && x.ino === y.ino;
  } catch {
    return false; // one of them does not exist (yet): not the same file
  }
}

function usageError(io: ImportIo, message: string, usage: string): number {
  io.stderr.write(`gatehouse import: ${message}\n\n${usage}`);
  return 2;
}
