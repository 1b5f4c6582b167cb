import { afterAll, beforeAll, describe } from "vitest";
import { freshDatabase, serviceAvailable, type TestDatabase } from "../helpers/databases";
import { storeContract } from "./contract";

const available = await serviceAvailable("postgres");

describe.skipIf(!available)("PostgreSQL", () => {
  // One migrated set of tables for the file: the contract never assumes an empty store.
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase("postgres");
  });
  afterAll(() => database?.drop());
  storeContract("kysely: PostgreSQL", async () => ({ store: database.store }));
});
