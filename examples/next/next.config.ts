import type { NextConfig } from "next";

const config: NextConfig = {
  // This folder is the app's root. Without these, a lockfile in a parent folder (as in the
  // Gatehouse repository) makes Next treat that folder as the workspace root.
  turbopack: { root: import.meta.dirname },
  outputFileTracingRoot: import.meta.dirname,
};

export default config;
