import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/**
 * README's "Quick start: Express" is examples/express/quick-start.ts, character for character, and
 * that file runs as written: started with tsx, as the README says, it serves the Account API.
 */
const root = new URL("../../", import.meta.url).pathname;
const FILE = "examples/express/quick-start.ts";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

describe("README quick start: Express", () => {
  let child: ChildProcess;
  let endpoint = "";

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, [`${root}node_modules/tsx/dist/cli.mjs`, FILE], {
      cwd: root,
      env: { ...process.env, PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`quick start did not start:\n${output}`)), 20_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("Gatehouse listening on")) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on("data", read);
      child.stderr!.on("data", read);
      child.on("exit", (code) => reject(new Error(`quick start exited (${code}):\n${output}`)));
    });
    endpoint = `http://localhost:${port}/v1`;
  }, 30_000);
  afterAll(() => {
    child?.kill();
  });

  it("is the README's code block, exactly", () => {
    const readme = readFileSync(`${root}README.md`, "utf8");
    const section = readme.slice(readme.indexOf("## Quick start: Express"));
    const block = section.slice(section.indexOf("```ts\n") + 6, section.indexOf("```\n", section.indexOf("```ts\n") + 6));
    expect(block).toBe(readFileSync(`${root}${FILE}`, "utf8"));
  });

  it("serves the Account API: sign-up, then a guest's GET /account is refused", async () => {
    const headers = { "content-type": "application/json", "x-appwrite-project": "my-app" };
    const created = await fetch(`${endpoint}/account`, {
      method: "POST",
      headers,
      body: JSON.stringify({ userId: "unique()", email: "quick@example.com", password: "correct horse battery" }),
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { email: string }).email).toBe("quick@example.com");
    const guest = await fetch(`${endpoint}/account`, { headers });
    expect(guest.status).toBe(401);
    expect(((await guest.json()) as { type: string }).type).toBe("general_unauthorized_scope");
  });
});
