import { execFileSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
// Registered from here so that it runs in this file's worker, one after the other with the build
// below: both write dist/, and two builds at once would delete each other's output.
import "./pack-suite";
import "./testing-kit-suite";
import "./next-pg-suite";
import "./next-example-suite";

/**
 * Builds the package with tsup and loads it the way a user would: by its own name, through the
 * subpath exports, from ESM and from CommonJS, in a separate Node process.
 */
const root = new URL("../../", import.meta.url).pathname;

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: "utf8" });
}

describe("the built package", () => {
  beforeAll(() => {
    execFileSync("npx", ["tsup", "--silent"], { cwd: root, stdio: "pipe" });
  }, 120_000);

  it("exports every subpath to ESM", () => {
    const out = node([
      "--input-type=module",
      "-e",
      `const core = await import("gatehouse-auth");
       const express = await import("gatehouse-auth/express");
       const next = await import("gatehouse-auth/next");
       console.log(JSON.stringify([typeof core.createAccountService, typeof core.memoryStore, typeof express.accountRouter, typeof next.accountRoutes, typeof next.serverAccount]));`,
    ]);
    expect(JSON.parse(out)).toEqual(["function", "function", "function", "function", "function"]);
  });

  it("exports every subpath to CommonJS, and the CJS build finds its bundled password list", () => {
    const out = node([
      "-e",
      `const core = require("gatehouse-auth");
       const { accountRouter } = require("gatehouse-auth/express");
       const { accountRoutes } = require("gatehouse-auth/next");
       const service = core.createAccountService({ projectId: "p", store: core.memoryStore(), auth: { passwordDictionary: true }, passwordHasher: core.argon2Hasher({ memoryCost: 256, timeCost: 1 }) });
       service.create({ userId: "unique()", email: "a@example.com", password: "password" }).catch((e) => {
         console.log(JSON.stringify([typeof accountRouter, typeof accountRoutes, e instanceof core.AppwriteError, e.type, e.message]));
       });`,
    ]);
    const [router, routes, isAppwriteError, type, message] = JSON.parse(out);
    expect([router, routes, isAppwriteError, type]).toEqual(["function", "function", true, "general_argument_invalid"]);
    expect(message).toContain("commonly used password");
  });

  it("loads from CommonJS where a require of an ES module fails (Jest's CommonJS runtime, Node < 20.19)", () => {
    // With require(esm) turned off, as Jest's module registry and older Nodes have it, the
    // CommonJS build must not require a dependency that ships only ES modules (tsup.config.ts).
    const out = node([
      "--no-experimental-require-module",
      "-e",
      `const { createTestAccountService } = require("gatehouse-auth/testing");
       for (const entry of ["gatehouse-auth", "gatehouse-auth/express", "gatehouse-auth/next", "gatehouse-auth/kysely"]) require(entry);
       const t = createTestAccountService();
       (async () => {
         const session = await t.signIn(await t.signUp());
         const { jwt } = await t.service.createJWT({}, session);
         const { secret } = await t.service.createMfaAuthenticator({ type: "totp" }, session);
         await t.service.updateMfaAuthenticator({ type: "totp", otp: t.totp.code(secret) }, session);
         const factors = await t.service.listMfaFactors(session);
         console.log(JSON.stringify([jwt.split(".").length, factors.totp]));
         await t.close();
       })();`,
    ]);
    expect(JSON.parse(out)).toEqual([3, true]);
    // Bundled into the CommonJS entries only: the ES module entries still import them by name.
    const ESM_ONLY = /require\("(@oslojs\/[^"]+|jose|oauth4webapi)"\)/;
    const cjs = readdirSync(`${root}dist`, { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".cjs"));
    expect(cjs.length).toBeGreaterThan(10);
    for (const file of cjs) expect(readFileSync(`${root}dist/${file}`, "utf8"), file).not.toMatch(ESM_ONLY);
    expect(readFileSync(`${root}dist/index.js`, "utf8")).toMatch(/from "@oslojs\/jwt"/);
    expect(readFileSync(`${root}dist/index.js`, "utf8")).toMatch(/from "jose"/);
    // Their MIT licences go with the copies (tsup.config.ts writes the file; "files" ships dist/).
    const notices = readFileSync(`${root}dist/THIRD-PARTY-LICENSES.md`, "utf8");
    for (const name of ["@oslojs/jwt", "@oslojs/otp", "@oslojs/encoding", "jose", "oauth4webapi"])
      expect(notices, name).toMatch(new RegExp(`^## ${name} \\d+\\.\\d+\\.\\d+ \\(MIT\\)\\n\\n(The )?MIT License`, "m"));
  });

  it("exports gatehouse/kysely to ESM and CommonJS, loading Kysely from the user's node_modules", () => {
    const esm = node(["--input-type=module", "-e", `const k = await import("gatehouse-auth/kysely"); console.log(typeof k.kyselyStore);`]);
    const cjs = node(["-e", `console.log(typeof require("gatehouse-auth/kysely").kyselyStore);`]);
    expect([esm.trim(), cjs.trim()]).toEqual(["function", "function"]);
    // Kysely and the core stay external: one copy each, so `instanceof` checks hold.
    const built = readdirSync(`${root}dist`).filter((file) => /\.(c?js)$/.test(file));
    expect(built).toContain("kysely.cjs");
    for (const file of built) expect(readFileSync(`${root}dist/${file}`, "utf8"), file).not.toContain("class Migrator");
    for (const file of ["dist/kysely.js", "dist/kysely.cjs"])
      expect(readFileSync(`${root}${file}`, "utf8")).not.toContain("user_more_factors_required");
  });

  it("names each database driver from its own entry only: gatehouse-auth/kysely and its chunks name none", () => {
    const DRIVERS = ["better-sqlite3", "pg", "mysql2"];
    /** The drivers `file` imports or requires, with the chunks it imports statically, recursively. */
    const driversOf = (file: string, seen = new Set<string>()): string[] => {
      if (seen.has(file)) return [];
      seen.add(file);
      const code = readFileSync(file, "utf8");
      const named = DRIVERS.filter(
        (name) => code.includes(`import("${name}")`) || code.includes(`require("${name}")`) || code.includes(`from "${name}"`),
      );
      const chunks = [...code.matchAll(/^import (?:[^"]*from )?"(\.{1,2}\/[^"]+)";?$/gm)].map(
        (m) => new URL(m[1]!, `file://${file}`).pathname,
      );
      return [...named, ...chunks.flatMap((chunk) => driversOf(chunk, seen))];
    };
    expect(driversOf(`${root}dist/kysely.js`)).toEqual([]);
    expect(driversOf(`${root}dist/kysely.cjs`)).toEqual([]);
    for (const [entry, driver] of [
      ["sqlite", "better-sqlite3"],
      ["postgres", "pg"],
      ["mysql", "mysql2"],
    ] as const) {
      for (const file of [`${root}dist/kysely/${entry}.js`, `${root}dist/kysely/${entry}.cjs`])
        expect(driversOf(file), file).toEqual([driver]);
    }
  });

  it("ships the gatehouse command: dist/bin.js runs --help and exits 0", () => {
    // Run as npm's bin link runs it: the file itself, through its shebang.
    const result = spawnSync(`${root}dist/bin.js`, ["--help"], { cwd: root, encoding: "utf8" });
    expect(result.error).toBeUndefined();
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("gatehouse migrate --url <url>");
    const bad = spawnSync(process.execPath, [`${root}dist/bin.js`, "migrate", "--bogus"], { cwd: root, encoding: "utf8" });
    expect(bad.status).toBe(2);
  });

  it("keeps the core in one module: adapters import it by name instead of bundling a copy", () => {
    for (const file of ["dist/express.js", "dist/next.js"]) {
      const code = readFileSync(`${root}${file}`, "utf8");
      expect(code).toMatch(/from "gatehouse-auth"/);
      expect(code).not.toContain("user_more_factors_required");
    }
  });

  it("exports gatehouse/maxmind to ESM and CommonJS, loading maxmind from the user's node_modules", () => {
    const esm = node(["--input-type=module", "-e", `const m = await import("gatehouse-auth/maxmind"); console.log(typeof m.maxmindGeo);`]);
    const cjs = node(["-e", `console.log(typeof require("gatehouse-auth/maxmind").maxmindGeo);`]);
    expect([esm.trim(), cjs.trim()]).toEqual(["function", "function"]);
    for (const file of ["dist/maxmind.js", "dist/maxmind.cjs"]) {
      const code = readFileSync(`${root}${file}`, "utf8");
      // maxmind (and its mmdb-lib) stay external, and so does the core.
      expect(code).toMatch(/from "maxmind"|require\("maxmind"\)/);
      expect(code).not.toContain("DATA_SECTION_SEPARATOR_SIZE");
      expect(code).not.toContain("user_more_factors_required");
    }
  });

  it("keeps the testing kit to its own entry, loading the Kysely entry of its own format", () => {
    // No production entry pulls the kit in (README, "Testing your app").
    for (const file of readdirSync(`${root}dist`).filter((f) => /\.(c?js)$/.test(f) && !f.startsWith("testing."))) {
      expect(readFileSync(`${root}dist/${file}`, "utf8"), file).not.toContain("createTestAccountService");
    }
    // The CommonJS kit requires the CommonJS Kysely entry, the ESM kit imports the ESM one, so the
    // store's errors are the core's own classes (adapters/testing/sqlite.ts).
    const cjs = readFileSync(`${root}dist/testing.cjs`, "utf8");
    const esm = readFileSync(`${root}dist/testing.js`, "utf8");
    expect(cjs).toContain('require("gatehouse-auth/kysely")');
    expect(esm).toContain('import("gatehouse-auth/kysely")');
    expect(esm).not.toContain('require("gatehouse-auth/kysely")');
    expect(esm).not.toContain("__GATEHOUSE_FORMAT__");
  });

  it("ships type declarations for every entry", () => {
    for (const file of ["index", "express", "next", "testing"]) {
      expect(readFileSync(`${root}dist/${file}.d.ts`, "utf8").length).toBeGreaterThan(100);
      expect(readFileSync(`${root}dist/${file}.d.cts`, "utf8").length).toBeGreaterThan(100);
    }
  });
});
