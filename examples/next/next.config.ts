import type { NextConfig } from "next";

const config: NextConfig = {
  // This folder is the app's root. Without these, a lockfile in a parent folder (as in the
  // Gatehouse repository) makes Next treat that folder as the workspace root.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
  // Until gatehouse-auth/kysely has one entry per driver, bundling it meets `import("pg")` and
  // `import("mysql2")`, which this app does not install; loading it from node_modules avoids that.
  serverExternalPackages: ["gatehouse-auth"],
};

export default config;
