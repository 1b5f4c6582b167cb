import { afterAll, beforeAll, describe } from "vitest";
import { freshDatabase, serviceAvailable, type TestDatabase } from "../helpers/databases";
import { storeContract } from "./contract";

const available = await serviceAvailable("mysql");

describe.skipIf(!available)("MariaDB", () => {
  // One migrated set of tables for the file: the contract never assumes an empty store.
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase("mysql");
  });
  afterAll(() => database?.drop());
  storeContract("kysely: MariaDB", async () => ({ store: database.store }));
});
