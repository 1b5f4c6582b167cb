import { execFileSync, spawnSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";

/**
 * `npm pack` of this repository (which builds on `prepack`), made once per test worker and shared by
 * every suite that tests the package as a user installs it (test/package/*-suite.ts, imported by
 * test/package/build.test.ts so they all run in its one worker: builds write dist/).
 */
export const REPO_ROOT = new URL("../../", import.meta.url).pathname;

let tarball: string | undefined;

export function packedTarball(): string {
  if (tarball) return tarball;
  const dir = join(REPO_ROOT, ".tmp", `tarball-${process.pid}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  // `prepack` builds first, and its output shares stdout with npm's JSON: read from the JSON's opening line.
  const out = execFileSync("npm", ["pack", "--json", "--pack-destination", dir], { cwd: REPO_ROOT, encoding: "utf8" });
  const packed = JSON.parse(out.slice(out.search(/^\[/m))) as Array<{ filename: string }>;
  tarball = join(dir, packed[0]!.filename);
  return tarball;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}): RunResult {
  const result = spawnSync(command, args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, npm_config_update_notifier: "false", ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
