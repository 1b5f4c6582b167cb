import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "gatehouse/express": fileURLToPath(new URL("./adapters/express/index.ts", import.meta.url)),
      "gatehouse/next": fileURLToPath(new URL("./adapters/next/index.ts", import.meta.url)),
      "gatehouse/kysely": fileURLToPath(new URL("./adapters/kysely/index.ts", import.meta.url)),
      "gatehouse/smtp": fileURLToPath(new URL("./adapters/smtp/index.ts", import.meta.url)),
      "gatehouse/twilio": fileURLToPath(new URL("./adapters/twilio/index.ts", import.meta.url)),
      "gatehouse/maxmind": fileURLToPath(new URL("./adapters/maxmind/index.ts", import.meta.url)),
      "gatehouse/redis": fileURLToPath(new URL("./adapters/redis/index.ts", import.meta.url)),
      gatehouse: fileURLToPath(new URL("./src/index.ts", import.meta.url)),
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
