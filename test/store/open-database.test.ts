import { describe, expect, it } from "vitest";
import { openDatabase } from "gatehouse-auth/kysely/open";
import { withInstallHint } from "../../adapters/kysely/install-hint";

// Start-up errors a person can act on: which URL is wrong (without its password), which driver to install.
describe("openDatabase's start-up errors", () => {
  it("an empty or undefined URL says what is expected", async () => {
    await expect(openDatabase("")).rejects.toThrow(/no database URL .*sqlite:\/\/.*postgres:\/\/.*mysql:\/\//);
    await expect(openDatabase(undefined as unknown as string)).rejects.toThrow(/is the environment variable holding it set\?/);
  });

  it("an unsupported scheme is named", async () => {
    await expect(openDatabase("mongodb://localhost/db")).rejects.toThrow('unsupported database URL scheme "mongodb:"');
  });

  it("a malformed server URL is named, without its password", async () => {
    const error = await openDatabase("postgres://app:s3cret@:5432/db").catch((e: Error) => e);
    expect(String(error)).toContain("is not a valid PostgreSQL URL");
    expect(String(error)).toContain("postgres://app:***@");
    expect(String(error)).not.toContain("s3cret");
    await expect(openDatabase("mysql://root:pw@/db")).rejects.toThrow(/not a valid MySQL\/MariaDB URL/);
  });

  it("a missing driver becomes the command that installs it", () => {
    const missing = Object.assign(new Error("Cannot find package 'pg' imported from /app/node_modules/gatehouse-auth/dist/kysely.js"), {
      code: "ERR_MODULE_NOT_FOUND",
    });
    const hinted = withInstallHint(missing) as Error;
    expect(hinted.message).toBe("pg is not installed (npm install pg)");
    expect(hinted.cause).toBe(missing);
    const cjs = Object.assign(new Error("Cannot find module 'better-sqlite3'"), { code: "MODULE_NOT_FOUND" });
    expect((withInstallHint(cjs) as Error).message).toBe("better-sqlite3 is not installed (npm install better-sqlite3)");
    const other = new Error("ECONNREFUSED");
    expect(withInstallHint(other)).toBe(other);
  });
});
