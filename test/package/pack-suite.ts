import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packedTarball, run } from "../helpers/packed";

/**
 * What a user gets from the registry: `npm pack` (which builds on `prepack`), the tarball installed
 * into a fresh project with npm, then every subpath imported from ESM and from CommonJS and a
 * consumer type-checked under the three module resolutions, without skipLibCheck.
 *
 * The project sits in a git-ignored folder of this repository, so the optional peer dependencies
 * (express, kysely, ioredis, …) that a user would install themselves resolve from this
 * repository's node_modules; the package and its own dependencies come from the tarball's install.
 */
const root = new URL("../../", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { name: string; exports: Record<string, unknown> };
const NAME = pkg.name;
const SUBPATHS = Object.keys(pkg.exports)
  .filter((key) => key !== "./package.json")
  .map((key) => (key === "." ? NAME : `${NAME}/${key.slice(2)}`));
const consumer = join(root, ".tmp", `pack-${process.pid}`);
const tsc = join(root, "node_modules", "typescript", "bin", "tsc");

describe("the packed tarball in a fresh project", () => {
  let installLog = "";
  beforeAll(() => {
    rmSync(consumer, { recursive: true, force: true });
    mkdirSync(consumer, { recursive: true });
    const tarball = packedTarball();
    writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "consumer", version: "1.0.0", private: true }));
    const install = run("npm", ["install", tarball, "--no-audit", "--no-fund", "--prefer-offline", "--omit=peer"], consumer);
    installLog = `${install.stdout}\n${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
  }, 240_000);
  afterAll(() => rmSync(consumer, { recursive: true, force: true }));

  // No `prepare` script either: npm 11 warns about one on every consumer's install (a git
  // dependency therefore needs `npm pack` first; README, "Install").
  it("ships the built code, its types, the licence, and runs no install script", () => {
    const installed = join(consumer, "node_modules", ...NAME.split("/"));
    for (const file of ["dist/index.js", "dist/index.cjs", "dist/index.d.ts", "dist/index.d.cts", "LICENSE", "README.md"]) {
      expect(() => readFileSync(join(installed, file)), file).not.toThrow();
    }
    expect(installLog).not.toMatch(/install script|postinstall|allowScripts/i);
  });

  it("imports every subpath from ESM", () => {
    const code = `for (const name of ${JSON.stringify(SUBPATHS)}) { const m = await import(name); if (Object.keys(m).length === 0) throw new Error(name + " exports nothing"); } console.log("ok");`;
    const result = run(process.execPath, ["--input-type=module", "-e", code], consumer);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
  });

  it("requires every subpath from CommonJS", () => {
    const code = `for (const name of ${JSON.stringify(SUBPATHS)}) { const m = require(name); if (Object.keys(m).length === 0) throw new Error(name + " exports nothing"); } console.log("ok");`;
    const result = run(process.execPath, ["-e", code], consumer);
    expect(result.stderr).toBe("");
    expect(result.stdout.trim()).toBe("ok");
  });

  it.each([
    ["bundler", "esnext", "esm"],
    ["nodenext", "nodenext", "esm"],
    ["nodenext", "nodenext", "cjs"],
    ["node", "commonjs", "cjs"],
  ])(
    "type-checks a consumer under moduleResolution %s (module %s, %s), skipLibCheck false",
    (resolution, module, flavour) => {
      const dir = join(consumer, `types-${resolution}-${flavour}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "package.json"), JSON.stringify({ type: flavour === "esm" ? "module" : "commonjs" }));
      const source = [
        `import { createAccountService, memoryStore, type GatehouseConfig, type Store } from "${NAME}";`,
        `import { accountRouter } from "${NAME}/express";`,
        `import { accountRoutes, serverAccount } from "${NAME}/next";`,
        `import { accountPlugin } from "${NAME}/fastify";`,
        `import { kyselyStore, type OpenDatabaseOptions } from "${NAME}/kysely";`,
        `import { openDatabase } from "${NAME}/kysely/open";`,
        `import { sqliteDatabase } from "${NAME}/kysely/sqlite";`,
        `import { postgresDatabase } from "${NAME}/kysely/postgres";`,
        `import { mysqlDatabase } from "${NAME}/kysely/mysql";`,
        `const timeouts: OpenDatabaseOptions = { queryTimeout: 1000 };`,
        `// The openers share their options: a wrong one fails every opener's check.`,
        `// @ts-expect-error`,
        `const badTimeouts: Parameters<typeof postgresDatabase>[1] = { queryTimeout: "1s" };`,
        `import { smtpMailer, type SmtpMailerOptions } from "${NAME}/smtp";`,
        `import { redisRateLimiter } from "${NAME}/redis";`,
        `import { maxmindGeo } from "${NAME}/maxmind";`,
        `import { twilioSms } from "${NAME}/twilio";`,
        `import { createTestAccountService, createSqliteTestAccountService, totp } from "${NAME}/testing";`,
        `const store: Store = memoryStore();`,
        `const config: GatehouseConfig = { projectId: "p", store };`,
        `const service = createAccountService(config);`,
        `const smtp: SmtpMailerOptions = { from: "a@example.com", transport: { host: "smtp.example.com", port: 465, secure: true, auth: { user: "u", pass: "p" } } };`,
        `// A wrong option type must fail the check: transport.port is a number.`,
        `// @ts-expect-error`,
        `const wrong: SmtpMailerOptions = { from: "a@example.com", transport: { host: "h", port: "465" } };`,
        `// The testing kit's messages are typed by kind: a code is certain only once the kind is known.`,
        `const kit = createTestAccountService();`,
        `const maybe: string | undefined = kit.lastEmail("a@example.com").code;`,
        `const code: string = kit.lastEmail("a@example.com", "email-otp").code;`,
        `// @ts-expect-error`,
        `const notCertain: string = kit.lastEmail("a@example.com").code;`,
        `export const used = [service, accountRouter, accountPlugin(service), accountRoutes, serverAccount, kyselyStore, openDatabase, sqliteDatabase, postgresDatabase, mysqlDatabase, timeouts, badTimeouts, smtpMailer, smtp, wrong, redisRateLimiter, maxmindGeo, twilioSms, maybe, code, notCertain, createSqliteTestAccountService, totp];`,
      ].join("\n");
      writeFileSync(join(dir, "consumer.ts"), source);
      writeFileSync(
        join(dir, "tsconfig.json"),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            noEmit: true,
            skipLibCheck: false,
            module,
            moduleResolution: resolution,
            target: "es2022",
            lib: ["es2022", "dom"],
            types: ["node"],
            esModuleInterop: true,
          },
          files: ["consumer.ts"],
        }),
      );
      const result = run(process.execPath, [tsc, "-p", dir], dir);
      expect(`${result.stdout}${result.stderr}`).toBe("");
      expect(result.status).toBe(0);
    },
    120_000,
  );
});
