import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * `npm run demo` / `npm run demo:dev` (examples/express/server.ts) run as a user runs them: their own
 * process, PORT=0 (both origins on free ports, read back from what the demo prints) and a temporary
 * SQLite file, unless the caller's environment says otherwise.
 */
const root = new URL("../../", import.meta.url).pathname;
const children: ChildProcess[] = [];
const dirs: string[] = [];

export interface Demo {
  child: ChildProcess;
  /** The web app's origin, http(s)://localhost:PORT (no trailing slash). */
  app: string;
  /** The API's base URL, http(s)://localhost:API_PORT/v1. */
  endpoint: string;
  output(): string;
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, PROJECT_ID: "demo", ...extra };
  // Whatever the shell running the tests has set must not decide what is being tested.
  if (!("GATEHOUSE_DEV_OUTBOX" in extra)) delete env.GATEHOUSE_DEV_OUTBOX;
  if (!("NODE_ENV" in extra)) env.NODE_ENV = "development";
  return env;
}

/** Runs an npm script of the repository (in its own process group) and collects its output. */
export function runScript(script: string, extra: Record<string, string>) {
  const child = spawn("npm", ["run", "--silent", script], {
    cwd: root,
    env: baseEnv(extra),
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  children.push(child);
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
  };
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);
  return { child, output: () => output };
}

/** A fresh temporary folder, removed by stopDemos(). */
export function tempDir(prefix = "gatehouse-demo-"): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

const READY = /Gatehouse demo app: (https?:\/\/localhost:\d+)\/\n[\s\S]*?listening on (https?:\/\/localhost:\d+\/v1)/;

/** Starts the demo and waits for its "listening on" line (printed once both origins listen). */
export async function startDemo(script: "demo" | "demo:dev", extra: Record<string, string> = {}): Promise<Demo> {
  const env = { PORT: "0", DATABASE_URL: `sqlite:${join(tempDir(), "demo.sqlite")}`, ...extra };
  const { child, output } = runScript(script, env);
  const [, app, endpoint] = await new Promise<RegExpExecArray>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output()}`)), 40_000);
    const check = () => {
      const match = READY.exec(output());
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    };
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`demo exited with ${code}:\n${output()}`));
    });
  });
  return { child, app: app!, endpoint: endpoint!, output };
}

export function stopDemo(child: ChildProcess) {
  // The demo runs under npm; end the whole process group it started (if it is still running).
  if (child.pid && child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

/** Ends every demo this file started and removes their temporary folders (call in afterAll). */
export function stopDemos() {
  for (const child of children) stopDemo(child);
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
}
