import express from "express";
import { createAccountService, memoryStore } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";

const port = Number(process.env.PORT ?? 3000);

const account = createAccountService({
  projectId: "my-app",
  store: memoryStore(), // keeps accounts in memory: for tests and demos
  platforms: ["localhost", "app.example.com"], // web origins allowed to call the API
  endpoint: `http://localhost:${port}/v1`, // the API's public URL: links in e-mails and OAuth2 use it
});

const app = express();
app.use("/v1", accountRouter(account)); // works with or without express.json() before it
app.listen(port, () => console.log(`Gatehouse listening on http://localhost:${port}/v1`));
