import { readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { defineConfig, type Options } from "tsup";

/**
 * Dependencies published as ES modules only. The ESM build imports them from the user's
 * node_modules; the CommonJS build bundles them (all MIT), because a CommonJS `require` of an ES
 * module fails where Node cannot require ESM (before 20.19/22.12) and in Jest's CommonJS runtime
 * before Node 24.9, which is how Jest and ts-jest run tests by default (README, "Testing your
 * app"; test/package/testing-kit-suite.ts runs a CommonJS Jest file; build.test.ts checks that
 * the CommonJS entries require none of them).
 */
const ESM_ONLY = [/^@oslojs\//, "jose", "oauth4webapi"];

/** The licences a bundled package may have; add one only after reading its terms. */
const BUNDLE_LICENCES = ["MIT"];

/**
 * Writes dist/THIRD-PARTY-LICENSES.md with the licence text of every package the CommonJS build
 * bundled (its source maps name their files), as their MIT licences ask of copies; fails the build
 * when one has another licence or no licence file.
 */
function writeBundledLicences() {
  const packages = new Set<string>();
  for (const map of readdirSync("dist", { recursive: true, encoding: "utf8" }).filter((file) => file.endsWith(".cjs.map"))) {
    const { sources } = JSON.parse(readFileSync(join("dist", map), "utf8")) as { sources: string[] };
    for (const source of sources) {
      const dir = /^(.*\/node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(resolve("dist", dirname(map), source))?.[1];
      if (dir) packages.add(dir);
    }
  }
  const sections = new Map<string, string>();
  for (const dir of packages) {
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; license?: string };
    const file = readdirSync(dir).find((name) => /^licen[cs]e/i.test(name));
    if (!BUNDLE_LICENCES.includes(pkg.license ?? "") || !file)
      throw new Error(
        `${pkg.name} is bundled into the CommonJS build but its licence is ${pkg.license ?? "unknown"}${file ? "" : ", with no licence file"}`,
      );
    sections.set(
      `${pkg.name}@${pkg.version}`,
      `## ${pkg.name} ${pkg.version} (${pkg.license})\n\n${readFileSync(join(dir, file), "utf8").trim()}\n`,
    );
  }
  const body = [...sections.keys()].sort().map((key) => sections.get(key)!);
  writeFileSync(
    "dist/THIRD-PARTY-LICENSES.md",
    `# Third-party licences\n\nThe CommonJS files of this package (dist/**/*.cjs) include these packages' code (tsup.config.ts).\n\n${body.join("\n")}`,
  );
}

// Each subpath is its own entry; adapters import "gatehouse-auth" and it stays external, so the core
// is bundled once per format and `instanceof AppwriteError` holds across entries.
const shared: Options = {
  entry: {
    index: "src/index.ts",
    express: "adapters/express/index.ts",
    fastify: "adapters/fastify/index.ts",
    next: "adapters/next/index.ts",
    kysely: "adapters/kysely/index.ts",
    // One opener per driver, each importing only its driver, so that a bundler (Next.js) building an
    // app that installed one driver never has to resolve the others; `kysely/open` picks one by URL.
    "kysely/sqlite": "adapters/kysely/connect/sqlite.ts",
    "kysely/postgres": "adapters/kysely/connect/postgres.ts",
    "kysely/mysql": "adapters/kysely/connect/mysql.ts",
    "kysely/open": "adapters/kysely/connect/open.ts",
    smtp: "adapters/smtp/index.ts",
    twilio: "adapters/twilio/index.ts",
    maxmind: "adapters/maxmind/index.ts",
    redis: "adapters/redis/index.ts",
    // Test helpers for apps (README, "Testing your app"); no other entry imports it.
    testing: "adapters/testing/index.ts",
    // The `gatehouse-auth` command (package.json "bin"); tsup keeps its shebang and makes it executable.
    bin: "adapters/kysely/bin.ts",
  },
  // The builds below run at once, so none cleans dist/ (one would delete another's output); the
  // config function empties it once before they start.
  clean: false,
  sourcemap: true,
  target: "node20",
  shims: true,
  // Kysely, the database drivers, nodemailer and ioredis are optional peer dependencies: loaded from the user's
  // node_modules, never bundled (the drivers are loaded only when a URL needs them).
  external: ["gatehouse-auth", "express", "fastify", "kysely", "pg", "mysql2", "better-sqlite3", "nodemailer", "maxmind", "ioredis"],
  tsconfig: "tsconfig.build.json",
  // Which format a file is built in, for code that must load the entry of a sibling subpath in
  // the same format (adapters/testing/sqlite.ts; test/package/build.test.ts checks the output).
  esbuildOptions(options, context) {
    options.define = { ...options.define, __GATEHOUSE_FORMAT__: JSON.stringify(context.format) };
  },
};

export default defineConfig(() => {
  rmSync("dist", { recursive: true, force: true });
  return [
    { ...shared, format: "esm" },
    { ...shared, format: "cjs", noExternal: ESM_ONLY, onSuccess: async () => writeBundledLicences() },
    // The declarations of both formats in one pass (.d.ts and .d.cts): bundling changes no type.
    { ...shared, format: ["esm", "cjs"], dts: { only: true } },
  ];
});
