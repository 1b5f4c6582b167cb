import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freshDatabase, serviceAvailable, DATABASE_URLS, type TestDatabase } from "../helpers/databases";
import { REPO_ROOT, packedTarball, run } from "../helpers/packed";
import { within } from "../helpers/within";

/**
 * A Next.js App Router app that installed only `pg` (issue #13, "Bundlers"): the packed tarball,
 * next, react, react-dom, pg and kysely, at this repository's versions, served by npm's cache. Its
 * route handler is the README's ("Stores", "In a bundled app"), read from README.md so the two
 * cannot drift. `next build` bundles gatehouse-auth into the server code, so every module the
 * package names must resolve; before one entry per driver, `gatehouse-auth/kysely` named
 * better-sqlite3 and mysql2 as well and the build failed.
 *
 * `turbopack.root` is the app's folder: Next would otherwise take this repository (its lockfile)
 * as the root, and this repository's node_modules, which hold every driver, would hide the bug.
 * The first build proves the isolation: the same route through `gatehouse-auth/kysely/open`,
 * which names all three drivers, must fail to resolve the two that are not installed.
 */
const app = join(REPO_ROOT, ".tmp", `next-pg-${process.pid}`);
const repoPackage = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { devDependencies: Record<string, string> };
const ROUTE_PATH = join(app, "app", "api", "v1", "[...path]", "route.js");

/** The route handler of README.md's "In a bundled app (Next.js)" block. */
export function readmeRoute(): string {
  const readme = readFileSync(join(REPO_ROOT, "README.md"), "utf8");
  const block = /```ts\n(\/\/ app\/api\/v1\/\[\.\.\.path\]\/route\.ts\n[\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error("README.md has no `// app/api/v1/[...path]/route.ts` block");
  return block;
}

function nextBuild() {
  rmSync(join(app, ".next"), { recursive: true, force: true });
  return run(process.execPath, [join(app, "node_modules", "next", "dist", "bin", "next"), "build"], app, {
    NEXT_TELEMETRY_DISABLED: "1",
  });
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe("a Next.js app that installed only pg", () => {
  const route = readmeRoute();
  let built = false;

  beforeAll(() => {
    rmSync(app, { recursive: true, force: true });
    mkdirSync(join(app, "app", "api", "v1", "[...path]"), { recursive: true });
    const versions = Object.fromEntries(
      ["next", "react", "react-dom", "pg", "kysely"].map((name) => [name, repoPackage.devDependencies[name]]),
    );
    writeFileSync(
      join(app, "package.json"),
      JSON.stringify({
        name: "next-pg",
        version: "1.0.0",
        private: true,
        dependencies: { "gatehouse-auth": `file:${packedTarball()}`, ...versions },
      }),
    );
    writeFileSync(
      join(app, "next.config.mjs"),
      `const root = new URL(".", import.meta.url).pathname;\nexport default { turbopack: { root }, outputFileTracingRoot: root };\n`,
    );
    writeFileSync(
      join(app, "app", "layout.js"),
      `export default function Layout({ children }) { return <html><body>{children}</body></html>; }\n`,
    );
    const install = run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], app);
    if (install.status !== 0) throw new Error(`npm install failed:\n${install.stdout}\n${install.stderr}`);
  }, 600_000);
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it("has no driver but pg installed, and the README's route imports the postgres entry", () => {
    for (const absent of ["better-sqlite3", "mysql2"])
      expect(() => readFileSync(join(app, "node_modules", absent, "package.json"))).toThrow();
    expect(readFileSync(join(app, "node_modules", "pg", "package.json"), "utf8")).toContain('"name": "pg"');
    expect(route).toContain('from "gatehouse-auth/kysely/postgres"');
  });

  it("fails `next build` through gatehouse-auth/kysely/open, which names every driver (the build sees only the app's node_modules)", () => {
    const viaOpen = route.replace(
      'import { postgresDatabase } from "gatehouse-auth/kysely/postgres";',
      'import { openDatabase as postgresDatabase } from "gatehouse-auth/kysely/open";',
    );
    expect(viaOpen).not.toBe(route);
    writeFileSync(ROUTE_PATH, viaOpen);
    const result = nextBuild();
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).not.toBe(0);
    expect(output).toContain("Can't resolve 'better-sqlite3'");
    expect(output).toContain("Can't resolve 'mysql2'");
  }, 600_000);

  it("passes `next build` with the README's route, gatehouse-auth bundled into the server code", () => {
    writeFileSync(ROUTE_PATH, route);
    const result = nextBuild();
    const output = `${result.stdout}\n${result.stderr}`;
    expect(result.status, output).toBe(0);
    expect(output).toMatch(/\/api\/v1\/\[\.\.\.path\]/);
    expect(output).not.toMatch(/Can't resolve/);
    // The core's code is in the server output (bundled, not left to node_modules at run time).
    const server = filesUnder(join(app, ".next", "server")).filter((file) => file.endsWith(".js"));
    expect(server.some((file) => readFileSync(file, "utf8").includes("user_more_factors_required"))).toBe(true);
    built = true;
  }, 600_000);

  describe("next start", () => {
    let server: ChildProcess | undefined;
    let database: TestDatabase | undefined;
    let base = "";

    beforeAll(async () => {
      if (!built || !(await serviceAvailable("postgres"))) return;
      database = await freshDatabase("postgres", { poolSize: 1 });
      server = spawn(process.execPath, [join(app, "node_modules", "next", "dist", "bin", "next"), "start", "-H", "127.0.0.1", "-p", "0"], {
        cwd: app,
        env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", DATABASE_URL: DATABASE_URLS.postgres, GATEHOUSE_PREFIX: database.prefix },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let output = "";
      base = await within(
        new Promise<string>((resolve, reject) => {
          const read = (chunk: Buffer) => {
            output += chunk.toString();
            const url = /https?:\/\/127\.0\.0\.1:(\d+)/.exec(output);
            if (url && url[1] !== "0") resolve(`http://127.0.0.1:${url[1]}`);
          };
          server!.stdout!.on("data", read);
          server!.stderr!.on("data", read);
          server!.on("exit", (code) => reject(new Error(`next start exited with ${code}:\n${output}`)));
        }),
        "next start",
        60_000,
      );
    }, 90_000);

    afterAll(async () => {
      server?.kill();
      await database?.drop();
    });

    it("serves the Account API from PostgreSQL through the bundled pg: sign-up, then a guest's GET /account is a 401 JSON", async (context) => {
      if (!server) return context.skip("PostgreSQL unreachable, or the build failed");
      const headers = { "content-type": "application/json", "x-appwrite-project": "next-pg" };
      const created = await fetch(`${base}/api/v1/account`, {
        method: "POST",
        headers,
        body: JSON.stringify({ userId: "unique()", email: "next@example.com", password: "a long enough password" }),
      });
      expect(created.status).toBe(201);
      const user = (await created.json()) as { $id: string; email: string };
      expect(user.email).toBe("next@example.com");
      const rows = await database!.db.selectFrom(`${database!.prefix}users`).select("id").execute();
      expect(rows.map((row) => row.id)).toEqual([user.$id]);

      const guest = await fetch(`${base}/api/v1/account`, { headers });
      expect(guest.status).toBe(401);
      expect(guest.headers.get("content-type")).toContain("application/json");
      expect(await guest.json()).toMatchObject({ code: 401, type: "general_unauthorized_scope" });
    });
  });
});
