/**
 * The demo: an Express server with the Account API under /v1, for the official Appwrite SDKs.
 *   PORT=3000 PROJECT_ID=demo npm run demo
 * Point an SDK at it: new Client().setEndpoint("http://localhost:3000/v1").setProject("demo").
 */
import express from "express";
import { createAccountService, memoryStore } from "gatehouse";
import { accountRouter } from "gatehouse/express";

const port = Number(process.env.PORT ?? 3000);
const projectId = process.env.PROJECT_ID ?? "demo";

const account = createAccountService({
  projectId,
  projectName: process.env.PROJECT_NAME ?? "Gatehouse demo",
  store: memoryStore(),
  platforms: ["localhost", "127.0.0.1"],
});

const app = express();
app.use("/v1", accountRouter(account));
app.get("/", (_req, res) => {
  res.type("text/plain").send(`Gatehouse demo: the Appwrite Account API is at /v1 (project "${projectId}").\n`);
});

// Expired sessions are not deleted by reads; purge them hourly.
setInterval(() => void account.purgeExpired(), 60 * 60 * 1000).unref();

app.listen(port, () => {
  console.log(`Gatehouse demo listening on http://localhost:${port}/v1 (project "${projectId}")`);
});
