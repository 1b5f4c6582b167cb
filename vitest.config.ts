import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "gatehouse-auth/express": fileURLToPath(new URL("./adapters/express/index.ts", import.meta.url)),
      "gatehouse-auth/fastify": fileURLToPath(new URL("./adapters/fastify/index.ts", import.meta.url)),
      "gatehouse-auth/next": fileURLToPath(new URL("./adapters/next/index.ts", import.meta.url)),
      // Before "gatehouse-auth/kysely", which would otherwise match these as its subpaths.
      "gatehouse-auth/kysely/sqlite": fileURLToPath(new URL("./adapters/kysely/connect/sqlite.ts", import.meta.url)),
      "gatehouse-auth/kysely/postgres": fileURLToPath(new URL("./adapters/kysely/connect/postgres.ts", import.meta.url)),
      "gatehouse-auth/kysely/mysql": fileURLToPath(new URL("./adapters/kysely/connect/mysql.ts", import.meta.url)),
      "gatehouse-auth/kysely/open": fileURLToPath(new URL("./adapters/kysely/connect/open.ts", import.meta.url)),
      "gatehouse-auth/kysely": fileURLToPath(new URL("./adapters/kysely/index.ts", import.meta.url)),
      "gatehouse-auth/smtp": fileURLToPath(new URL("./adapters/smtp/index.ts", import.meta.url)),
      "gatehouse-auth/twilio": fileURLToPath(new URL("./adapters/twilio/index.ts", import.meta.url)),
      "gatehouse-auth/maxmind": fileURLToPath(new URL("./adapters/maxmind/index.ts", import.meta.url)),
      "gatehouse-auth/redis": fileURLToPath(new URL("./adapters/redis/index.ts", import.meta.url)),
      "gatehouse-auth/testing": fileURLToPath(new URL("./adapters/testing/index.ts", import.meta.url)),
      "gatehouse-auth": fileURLToPath(new URL("./src/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
