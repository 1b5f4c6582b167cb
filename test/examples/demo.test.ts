import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ID } from "appwrite";
import { browser } from "../helpers/sdk";

/** The README's run command, `npm run demo`, as a user runs it: a process serving the SDKs. */
const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "gatehouse-demo-"));
let child: ChildProcess;
let endpoint = "";

beforeAll(async () => {
  const port = 20000 + Math.floor(Math.random() * 20000);
  child = spawn("npm", ["run", "demo"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), PROJECT_ID: "demo", DATABASE_URL: `sqlite:${join(dir, "demo.sqlite")}` },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/localhost:\d+\/v1)/.exec(output);
      if (match) {
        clearTimeout(timer);
        endpoint = match[1]!;
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.on("exit", (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
  });
}, 40_000);

afterAll(() => {
  // The demo runs under npm; end the whole process group it started.
  if (child.pid) process.kill(-child.pid, "SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("npm run demo", () => {
  it("prints its URL and serves the web SDK on a SQLite file", async () => {
    expect(endpoint).toMatch(/^http:\/\/localhost:\d+\/v1$/);
    const b = browser(endpoint, "demo");
    const me = await b.use(async (account) => {
      await account.create(ID.unique(), "demo-user@example.com", "password123", "Demo");
      await account.createEmailPasswordSession("demo-user@example.com", "password123");
      return account.get();
    });
    expect(me.email).toBe("demo-user@example.com");
    expect(me.name).toBe("Demo");
  });
});
