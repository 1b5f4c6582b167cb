import { defineConfig } from "vitest/config";

// The app's own tests. Without this file, vitest would take a config from a parent folder (in the
// Gatehouse repository, the library's own, which tests its sources rather than the installed package).
export default defineConfig({ test: { include: ["tests/**/*.test.ts"] } });
