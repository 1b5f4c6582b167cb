import type { SqlDialect } from "./schema";
import { withInstallHint } from "./install-hint";
import { parseCommandLine } from "./command-line";
import { IMPORT_USAGE, importMain, type ImportIo } from "../import/cli";

/**
 * The `gatehouse` command: creates, prints or removes Gatehouse's tables, and imports users
 * (`gatehouse import`, adapters/import/cli.ts).
 *
 *   gatehouse migrate --url <url> [--prefix gh_]
 *   gatehouse migrate --print --dialect sqlite|postgres|mysql [--prefix gh_]
 *   gatehouse migrate --down --url <url> [--prefix gh_]
 *
 * Exit codes: 0 done, 1 the migration (or the connection) failed, 2 bad usage (import: also 3).
 * Kysely and the database drivers are optional peer dependencies, so they are loaded only once
 * the arguments are known to be good: `--help` and usage errors work without them.
 */

export const USAGE = `Usage:
  gatehouse migrate --url <url> [--prefix <prefix>]
      Create or update Gatehouse's tables (idempotent; safe to run from several instances at once).
  gatehouse migrate --print --dialect sqlite|postgres|mysql [--prefix <prefix>]
      Print the SQL instead of running it, for your own migration tool. Connects to nothing.
  gatehouse migrate --down --url <url> [--prefix <prefix>]
      Drop every Gatehouse table, its data and the migration bookkeeping tables (uninstall).
${IMPORT_USAGE}  gatehouse --help

Options:
  --url <url>        sqlite:./data/gatehouse.sqlite (or a plain path), postgres://user:pass@host/db,
                     mysql://user:pass@host/db (MariaDB too)
  --prefix <prefix>  prepended to every table and index name, e.g. gh_ (default: none)
  --dialect <name>   with --print: sqlite, postgres or mysql
  -h, --help         show this help
`;

export type CliIo = ImportIo;

const DIALECTS: readonly SqlDialect[] = ["sqlite", "postgres", "mysql"];

class UsageError extends Error {}

/** Runs the command line `argv` (without `node` and the script) and returns the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  if (argv[0] === "import") return importMain(argv.slice(1), io, USAGE);
  let command: Command;
  try {
    command = parse(argv);
  } catch (error) {
    io.stderr.write(`gatehouse: ${oneLine(error)}\n\n${USAGE}`);
    return 2;
  }
  if (command.kind === "help") {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    await run(command, io);
    return 0;
  } catch (error) {
    io.stderr.write(`gatehouse: ${command.kind === "down" ? "migrate --down" : "migrate"} failed: ${oneLine(error)}\n`);
    return 1;
  }
}

type Command =
  { kind: "help" } | { kind: "print"; dialect: SqlDialect; prefix: string } | { kind: "up" | "down"; url: string; prefix: string };

function parse(argv: string[]): Command {
  const parsed = parseCommandLine(argv, { dialect: { type: "string" }, print: { type: "boolean" }, down: { type: "boolean" } });
  if (parsed.problem !== null) throw new UsageError(parsed.problem);
  const { values, positionals, prefix } = parsed;
  if (values.help) return { kind: "help" };
  if (positionals.length === 0) throw new UsageError("missing command");
  if (positionals[0] !== "migrate") throw new UsageError(`unknown command "${positionals[0]}"`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);

  if (values.print) {
    if (values.down) throw new UsageError("--print and --down cannot be combined");
    if (values.url !== undefined) throw new UsageError("--print connects to nothing: pass --dialect instead of --url");
    if (values.dialect === undefined) throw new UsageError("--print needs --dialect sqlite|postgres|mysql");
    if (!DIALECTS.includes(values.dialect as SqlDialect))
      throw new UsageError(`unknown dialect "${values.dialect}" (expected sqlite, postgres or mysql)`);
    return { kind: "print", dialect: values.dialect as SqlDialect, prefix };
  }
  if (values.dialect !== undefined) throw new UsageError("--dialect is only used with --print; the dialect follows from --url");
  if (!values.url) throw new UsageError("--url is required");
  return { kind: values.down ? "down" : "up", url: values.url, prefix };
}

async function run(command: Exclude<Command, { kind: "help" }>, io: CliIo): Promise<void> {
  const { migrateDown, migrateToLatest, migrationSql } = await load(() => import("./migrate"));
  if (command.kind === "print") {
    io.stdout.write(await migrationSql(command.dialect, { prefix: command.prefix }));
    return;
  }
  const { openDatabase } = await load(() => import("./connect/open"));
  // No query or statement time limit for a migration: building an index on a large table may
  // rightly take longer than any request should (the limits of adapters/kysely/connect/options.ts are
  // for serving requests). Opening the connection stays bounded.
  const db = await openDatabase(command.url, { poolSize: 1, queryTimeout: 0, statementTimeout: 0 });
  try {
    const prefix = command.prefix;
    if (command.kind === "up") {
      const { results = [] } = await migrateToLatest(db, { prefix });
      const ran = results.filter((r) => r.status === "Success").map((r) => r.migrationName);
      io.stdout.write(ran.length ? ran.map((name) => `migrated: ${name}\n`).join("") : "already up to date\n");
      return;
    }
    const migrationTable = `${prefix}gatehouse_migration`;
    const lockTable = `${prefix}gatehouse_migration_lock`;
    const existing = new Set((await db.introspection.getTables()).map((t) => t.name));
    const applied = existing.has(migrationTable)
      ? (await db.selectFrom(migrationTable).select("name").orderBy("name", "desc").execute()).map((r) => String(r.name))
      : [];
    await migrateDown(db, { prefix });
    await db.schema.dropTable(migrationTable).ifExists().execute();
    await db.schema.dropTable(lockTable).ifExists().execute();
    io.stdout.write(applied.length ? applied.map((name) => `undone: ${name}\n`).join("") : "nothing to undo\n");
  } finally {
    await db.destroy();
  }
}

/** Loads a module that needs kysely or a driver, turning "not installed" into advice. */
async function load<T>(importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    throw withInstallHint(error);
  }
}

/** One line, never empty: AggregateError (e.g. every address refused) has an empty message. */
function oneLine(error: unknown): string {
  error = withInstallHint(error);
  let text = "";
  if (error instanceof Error) {
    text = error.message;
    if (!text && error instanceof AggregateError)
      text = error.errors
        .map((e) => (e as Error)?.message ?? String(e))
        .filter(Boolean)
        .join("; ");
    if (!text) text = String((error as { code?: unknown }).code ?? error.name);
  } else {
    text = String(error);
  }
  return text.replace(/\s*\n\s*/g, " ").trim() || "unknown error";
}
