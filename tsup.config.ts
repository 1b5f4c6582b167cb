import { defineConfig } from "tsup";

// Each subpath is its own entry; adapters import "gatehouse-auth" and it stays external, so the core
// is bundled once and `instanceof AppwriteError` holds across entries.
export default defineConfig({
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
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
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
});
