import { parseArgs, type ParseArgsConfig } from "node:util";
import { prefixProblem } from "./prefix-name";

/**
 * The argument parsing every `gatehouse` command shares (`migrate`, adapters/kysely/cli.ts;
 * `import`, adapters/import/cli.ts): strict, positionals allowed, the options they all take
 * (`--url`, `--prefix`, `--help`) besides the command's own, and `--prefix` checked. Loads
 * neither Kysely nor a driver, so usage errors are found before either is needed.
 */
const SHARED = {
  url: { type: "string" },
  prefix: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const satisfies Options;

type Options = NonNullable<ParseArgsConfig["options"]>;
type Config<O extends Options> = { args: string[]; allowPositionals: true; strict: true; options: typeof SHARED & O };
type Parsed<O extends Options> = ReturnType<typeof parseArgs<Config<O>>>;

export type CommandLine<O extends Options> =
  { problem: string } | { problem: null; values: Parsed<O>["values"]; positionals: string[]; prefix: string };

/** The parsed command line with its `--prefix` ("" when not given), or the usage problem, on one line. */
export function parseCommandLine<O extends Options>(argv: string[], own: O): CommandLine<O> {
  let parsed: Parsed<O>;
  try {
    parsed = parseArgs<Config<O>>({ args: argv, allowPositionals: true, strict: true, options: { ...SHARED, ...own } });
  } catch (error) {
    return { problem: (error instanceof Error ? error.message : String(error)).replace(/\s*\n\s*/g, " ") };
  }
  const { values, positionals } = parsed;
  // What SHARED declares, which TypeScript cannot see through the generic `own`.
  const { prefix = "", help } = values as { prefix?: string; help?: boolean };
  // Help is answered whatever else the line holds.
  const problem = help ? null : prefixProblem(prefix);
  return problem ? { problem } : { problem: null, values, positionals, prefix };
}
