import { createAccountService } from "gatehouse-auth";
import { kyselyStore, migrateToLatest } from "gatehouse-auth/kysely";
import { sqliteDatabase } from "gatehouse-auth/kysely/sqlite";
import { sharedService } from "gatehouse-auth/next";

/**
 * The app's one account service. Next evaluates this module separately for route handlers and for
 * Server Components, so the instance is kept by `sharedService` (one per process) rather than in a
 * module constant; it is made on first use, so `next build` opens no database.
 */
export function account() {
  return sharedService("account", async () => {
    const db = await sqliteDatabase(process.env.GATEHOUSE_DATABASE ?? "./gatehouse.sqlite");
    await migrateToLatest(db);
    return createAccountService({
      projectId: "next-example",
      store: kyselyStore(db),
      platforms: ["localhost"],
      // The API's public URL (required with `next start`): its path, /v1, is where app/v1 serves it.
      endpoint: process.env.GATEHOUSE_ENDPOINT ?? "http://localhost:3000/v1",
    });
  });
}
