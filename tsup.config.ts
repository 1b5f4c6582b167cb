import { defineConfig } from "tsup";

// Each subpath is its own entry; adapters import "gatehouse" and it stays external, so the core
// is bundled once and `instanceof AppwriteError` holds across entries.
export default defineConfig({
  entry: {
    index: "src/index.ts",
    express: "adapters/express/index.ts",
    next: "adapters/next/index.ts",
  },
  format: ["esm", "cjs"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "node20",
  shims: true,
  external: ["gatehouse", "express"],
  tsconfig: "tsconfig.build.json",
});
