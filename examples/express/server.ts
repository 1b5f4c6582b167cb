/**
 * The demo: an Express server with the Account API under /v1, for the official Appwrite SDKs.
 *   npm run demo                                   # SQLite file ./gatehouse-demo.sqlite
 *   DATABASE_URL=postgres://user@host/db npm run demo   # PostgreSQL instead
 *   DATABASE_URL=mysql://root@127.0.0.1/test npm run demo
 * Other settings: PORT (3000), PROJECT_ID ("demo"), PROJECT_NAME.
 * Point an SDK at it: new Client().setEndpoint("http://localhost:3000/v1").setProject("demo").
 */
import express from "express";
import { createAccountService } from "gatehouse";
import { accountRouter } from "gatehouse/express";
import { kyselyStore, migrateToLatest, openDatabase } from "gatehouse/kysely";

const port = Number(process.env.PORT ?? 3000);
const projectId = process.env.PROJECT_ID ?? "demo";
const databaseUrl = process.env.DATABASE_URL ?? "sqlite:./gatehouse-demo.sqlite";

const db = await openDatabase(databaseUrl);
await migrateToLatest(db);

const account = createAccountService({
  projectId,
  projectName: process.env.PROJECT_NAME ?? "Gatehouse demo",
  store: kyselyStore(db),
  platforms: ["localhost", "127.0.0.1"],
});

const app = express();
app.use("/v1", accountRouter(account));
app.get("/", (_req, res) => {
  res.type("text/plain").send(`Gatehouse demo: the Appwrite Account API is at /v1 (project "${projectId}").\n`);
});

// Expired sessions are not deleted by reads; purge them hourly.
setInterval(() => void account.purgeExpired(), 60 * 60 * 1000).unref();

const server = app.listen(port, () => {
  console.log(`Gatehouse demo listening on http://localhost:${port}/v1 (project "${projectId}", store ${databaseUrl.replace(/\/\/[^@/]*@/, "//…@")})`);
});

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    server.close();
    void db.destroy().then(() => process.exit(0));
  });
}
