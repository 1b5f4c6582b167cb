import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import { argon2Hasher, createAccountService, memoryStore, type GatehouseConfig, type AccountService, type Store } from "gatehouse-auth";
import { accountRouter } from "gatehouse-auth/express";
import { manualClock } from "./clock";
import { freshDatabase } from "./databases";

/**
 * Which store the HTTP suites run on when a test does not pass its own: `memory` by default;
 * `npm test` runs the SDK suites again with GATEHOUSE_TEST_STORE=sqlite and =postgres.
 */
const TEST_STORE = (process.env.GATEHOUSE_TEST_STORE ?? "memory") as "memory" | "sqlite" | "postgres" | "mysql";

async function defaultStore(): Promise<{ store: Store; drop(): Promise<void> }> {
  if (TEST_STORE === "memory") return { store: memoryStore(), drop: async () => {} };
  return freshDatabase(TEST_STORE);
}

export const PROJECT = "test-project";
export const API_KEY = "test-server-key-0123456789abcdef";

/** Cheap Argon2id parameters so tests stay fast; the real defaults are exercised in test/core/passwords. */
export const cheapHasher = () => argon2Hasher({ memoryCost: 256, timeCost: 1, parallelism: 1 });

export interface TestServer {
  endpoint: string;
  port: number;
  service: AccountService;
  clock: ReturnType<typeof manualClock>;
  close(): Promise<void>;
}

/** An Express app with the Account router on a loopback port, on the store GATEHOUSE_TEST_STORE names. */
export async function startServer(
  overrides: Partial<GatehouseConfig> = {},
  configure?: (app: express.Express) => void,
): Promise<TestServer> {
  const clock = manualClock(Date.now());
  const own = overrides.store ? null : await defaultStore();
  const service = createAccountService({
    projectId: PROJECT,
    projectName: "Test Project",
    store: own?.store ?? overrides.store!,
    platforms: ["localhost"],
    passwordHasher: cheapHasher(),
    apiKeys: [API_KEY],
    clock,
    ...overrides,
  });
  const app = express();
  configure?.(app);
  app.use("/v1", accountRouter(service, { onError: () => {} }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://localhost:${port}/v1`,
    port,
    service,
    clock,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await own?.drop();
    },
  };
}
