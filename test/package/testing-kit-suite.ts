import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarball, REPO_ROOT } from "../helpers/packed";

/**
 * The README's "Testing your app" examples, as a newcomer would run them: the packed tarball and
 * the runners installed into a fresh project (npm's cache serves vitest and Jest), each example
 * written to the file its first line names and run with the command that line gives, under
 * vitest, Jest (CommonJS, its default) and node:test (ES modules and CommonJS). Every test must pass, each in well
 * under a second.
 *
 * Like test/package/pack-suite.ts, the project sits in this repository's git-ignored .tmp/, so the
 * optional peers an example needs (appwrite, kysely, better-sqlite3) resolve from this
 * repository's node_modules, as the user's own would.
 */
const consumer = join(REPO_ROOT, ".tmp", `kit-${process.pid}`);
const own = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
/** A test may take at most this long; the figures measured are printed. */
const PER_TEST_MS = 1000;

interface Example {
  file: string;
  command: string;
  code: string;
}

/** The section's code blocks whose first line is `// <file> — run with: <command>`. */
export function readmeExamples(readme: string): Example[] {
  const start = readme.indexOf("\n## Testing your app\n");
  if (start < 0) throw new Error('README has no "## Testing your app" section');
  const end = readme.indexOf("\n## ", start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const examples: Example[] = [];
  for (const match of section.matchAll(/```js\n([\s\S]*?)```/g)) {
    const code = match[1]!;
    const head = /^\/\/ (\S+) — run with: (.+)\n/.exec(code);
    if (head) examples.push({ file: head[1]!, command: head[2]!, code });
  }
  return examples;
}

/** A child process without the vitest worker's own environment (VITEST_*, NODE_OPTIONS). */
function run(command: string, args: string[], cwd: string, extra: Record<string, string> = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(VITEST|VITE_|NODE_OPTIONS$|NODE_ENV$|JEST_|TEST$)/.test(name)),
  );
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...env, npm_config_update_notifier: "false", ...extra },
    maxBuffer: 64 << 20,
  });
  return { status: result.status, output: `${result.stdout}\n${result.stderr}` };
}

/**
 * Runs the example from the project's root, alone: the runners find test files by walking the
 * project, so each example is written, run and removed in turn. Leading `NAME=value` words of
 * the command are its environment, as in a shell.
 */
function runExample(example: Example, reporterArgs: string[]) {
  const file = join(consumer, example.file);
  writeFileSync(file, example.code);
  const words = example.command.split(" ");
  const env: Record<string, string> = {};
  while (/^[A-Z_]+=/.test(words[0] ?? "")) {
    const [name, ...value] = words.shift()!.split("=");
    env[name!] = value.join("=");
  }
  const [command, ...args] = words;
  try {
    return run(command!, [...args, ...reporterArgs], consumer, env);
  } finally {
    rmSync(file);
  }
}

function example(runner: string, file: RegExp): Example {
  const found = readmeExamples(readFileSync(join(REPO_ROOT, "README.md"), "utf8")).find(
    (e) => e.command.includes(runner) && file.test(e.file),
  );
  if (!found) throw new Error(`README's "Testing your app" has no ${runner} example matching ${file}`);
  return found;
}

function expectFast(durations: Array<[string, number]>, label: string) {
  console.log(`${label}: ${durations.map(([name, ms]) => `${name} ${ms.toFixed(0)} ms`).join("; ")}`);
  expect(durations.length).toBeGreaterThan(0);
  for (const [name, ms] of durations) expect(ms, `${label}: "${name}"`).toBeLessThan(PER_TEST_MS);
}

/** node:test's TAP: each test's name and `duration_ms`, the per-file entries left out. */
function tapDurations(tap: string): Array<[string, number]> {
  const out: Array<[string, number]> = [];
  for (const match of tap.matchAll(/^( *)ok \d+ - (.+)\n(?:\1 +.*\n)*?\1 +duration_ms: ([\d.]+)/gm)) {
    if (!match[2]!.includes("/")) out.push([match[2]!, Number(match[3])]);
  }
  return out;
}

describe("the README's testing examples in a fresh project (vitest, Jest, node:test)", () => {
  beforeAll(() => {
    rmSync(consumer, { recursive: true, force: true });
    mkdirSync(consumer, { recursive: true });
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "kit-consumer", version: "1.0.0", private: true }));
    const install = run(
      "npm",
      [
        "install",
        packedTarball(),
        `vitest@${own.devDependencies.vitest}`,
        `jest@${own.devDependencies.jest}`,
        "--no-audit",
        "--no-fund",
        "--prefer-offline",
        "--omit=peer",
      ],
      consumer,
    );
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.output}`);
    // Stops vitest's search for a config file at the project, short of this repository's own.
    writeFileSync(join(consumer, "vitest.config.mjs"), "export default {};\n");
  }, 300_000);
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  it("finds one example per runner and module kind in the README", () => {
    const examples = readmeExamples(readFileSync(join(REPO_ROOT, "README.md"), "utf8"));
    expect(examples.map((e) => [e.file, e.command])).toEqual([
      ["signup.test.mjs", "npx vitest run"],
      ["recovery.test.js", "npx jest"],
      ["mfa.test.mjs", "node --test"],
      ["accounts.test.cjs", "node --test"],
    ]);
  });

  it("vitest (ESM): every test passes, each in well under a second", () => {
    const { status, output } = runExample(example("npx vitest", /\.mjs$/), ["--reporter=json", "--outputFile=report.json"]);
    expect(status, output).toBe(0);
    const report = JSON.parse(readFileSync(join(consumer, "report.json"), "utf8")) as {
      numPassedTests: number;
      numTotalTests: number;
      testResults: Array<{ assertionResults: Array<{ title: string; duration: number; status: string }> }>;
    };
    expect(report.numPassedTests).toBe(report.numTotalTests);
    expect(report.numTotalTests).toBe(3);
    expectFast(
      report.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.duration] as [string, number])),
      "vitest",
    );
  }, 120_000);

  it("Jest (CommonJS, no flags): every test passes, each in well under a second", () => {
    const { status, output } = runExample(example("npx jest", /\.js$/), ["--json", "--outputFile=report.json"]);
    expect(status, output).toBe(0);
    const report = JSON.parse(readFileSync(join(consumer, "report.json"), "utf8")) as {
      numPassedTests: number;
      numTotalTests: number;
      testResults: Array<{ assertionResults: Array<{ title: string; duration: number }> }>;
    };
    expect(report.numPassedTests).toBe(report.numTotalTests);
    expect(report.numTotalTests).toBe(2);
    expectFast(
      report.testResults.flatMap((f) => f.assertionResults.map((a) => [a.title, a.duration] as [string, number])),
      "jest",
    );
  }, 120_000);

  it.each([
    ["ESM", /\.mjs$/, 1],
    ["CommonJS, on SQLite", /\.cjs$/, 1],
  ])(
    "node:test (%s): every test passes, each in well under a second",
    (label, file, count) => {
      const { status, output } = runExample(example("node --test", file), ["--test-reporter=tap"]);
      expect(status, output).toBe(0);
      expect(output).toMatch(new RegExp(`^# pass ${count}$`, "m"));
      expect(output).toMatch(/^# fail 0$/m);
      const durations = tapDurations(output);
      expect(durations).toHaveLength(count);
      expectFast(durations, `node:test ${label}`);
    },
    120_000,
  );
});
