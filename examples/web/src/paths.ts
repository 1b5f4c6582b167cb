/**
 * The page's paths: "/" and where the API sends users back to (with `userId` and `secret`).
 * The demo server (examples/express/web-app.ts) serves the page at exactly these.
 */
export const RETURN_PATHS = {
  magic: "/magic",
  verify: "/verify",
  reset: "/reset",
  oauthSession: "/oauth/success",
  oauthToken: "/oauth/token",
  oauthFailure: "/oauth/failure",
} as const;

export const PAGE_PATHS: readonly string[] = ["/", "/index.html", ...Object.values(RETURN_PATHS)];
