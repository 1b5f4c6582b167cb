// Lint and the layering check, run by `npm test` (`npm run lint`).
//
// The layers (docs/architecture.md): ports at the ground, core above them, http above core,
// adapters on top. An import may only point down. `no-restricted-imports` enforces it per folder,
// so a wrong import fails the suite with the rule's message rather than in review.
import js from "@eslint/js";
import tseslint from "typescript-eslint";
import prettier from "eslint-config-prettier";

/** One layer's forbidden imports: glob patterns matched against the import specifier. */
const forbid = (files, groups, message) => ({
  files,
  rules: {
    "no-restricted-imports": ["error", { patterns: [{ group: groups, message }] }],
  },
});

export default tseslint.config(
  {
    ignores: [
      "dist/**",
      "node_modules/**",
      "coverage/**",
      "scratch/**",
      // Test scratch space (git-ignored): e.g. the Next example's copy and its build, kept after a run.
      ".tmp/**",
      "examples/**/dist/**",
      "examples/**/.next/**",
      "examples/**/next-env.d.ts",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
      "@typescript-eslint/no-explicit-any": "error",
      // Empty interfaces extending one type are how ports name a shape; allow them.
      "@typescript-eslint/no-empty-object-type": ["error", { allowInterfaces: "with-single-extends" }],
      // Flags a default given before a try whose catch keeps it, the pattern this code base uses
      // for "parse, or fall back": more noise than help.
      "no-useless-assignment": "off",
    },
  },
  {
    // OAuth2 providers answer untyped JSON, read field by field per provider (src/oauth/providers.ts).
    files: ["src/oauth/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    // Kysely's own docs type dialect-agnostic code as `Kysely<any>`: the store is written once for
    // three dialects and its row types live in adapters/kysely/schema.ts.
    files: ["adapters/kysely/**"],
    rules: { "@typescript-eslint/no-explicit-any": "off" },
  },
  {
    files: ["**/*.mjs", "**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly" } },
  },
  {
    files: ["test/**", "bench/**", "examples/**"],
    rules: {
      // Tests poke at wire shapes the SDKs do not type.
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-non-null-assertion": "off",
    },
  },
  forbid(
    ["src/ports/**"],
    [
      "../core/**",
      "../http/**",
      "../stores/**",
      "../limiters/**",
      "../oauth/**",
      "../messages/**",
      "../config",
      "../index",
      "**/adapters/**",
    ],
    "ports are the ground layer: they import nothing above them",
  ),
  forbid(
    ["src/core/**", "src/client-info/**", "src/crypto/**", "src/validation/**", "src/models/**", "src/messages/**", "src/oauth/**"],
    [
      "**/http/**",
      "**/http",
      "**/adapters/**",
      "express",
      "next",
      "next/*",
      "pg",
      "mysql2",
      "better-sqlite3",
      "ioredis",
      "nodemailer",
      "kysely",
    ],
    "the core is pure: no HTTP layer, adapter, framework or driver imports",
  ),
  forbid(["adapters/**"], ["**/src/**", "../../src/*"], "adapters use only the package's public API: import from the package root"),
  {
    files: ["src/**"],
    rules: {
      // The core reads no environment: configuration is passed in.
      "no-restricted-globals": ["error", { name: "process", message: "the library reads no process state; take it from config" }],
    },
  },
);
