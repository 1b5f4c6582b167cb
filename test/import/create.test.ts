import { writeFileSync } from "node:fs";
import { afterAll, describe, expect, it, vi } from "vitest";
import { createAccountService, memoryStore } from "gatehouse-auth";
import { createUser } from "../../adapters/import/create";
import { baseRecord, type ImportRecord } from "../../adapters/import/record";
import { main } from "../../adapters/kysely/cli";
import { readReport, scratch } from "./helpers";

/*
 * Which source ids an import keeps (adapters/import/create.ts): the ones the service takes as
 * they are; any other row gets a new id, decided before the service is called, so the answer
 * does not hang on the wording of the service's error.
 */

const tmp = scratch();
afterAll(() => tmp.remove());

function service() {
  const store = memoryStore();
  return { store, service: createAccountService({ projectId: "import-test", store, rateLimits: false }) };
}

const record = (sourceId: string, overrides: Partial<ImportRecord> = {}): ImportRecord => ({
  ...baseRecord(sourceId),
  email: `${sourceId.replace(/[^a-z0-9]/gi, "")}@example.com`,
  ...overrides,
});

describe("createUser's user id", () => {
  it("keeps a source id the service takes as it is", async () => {
    const { service: s } = service();
    expect(await createUser(s, record("plain_1.x-2"), [])).toEqual({ status: "imported", userId: "plain_1.x-2" });
  });

  it.each(["auth0|5f7c8ec7c33c6c004bbafe82", "_leading", "a".repeat(37), "unique()", "ünïcode"])(
    "gives %s a new id, asking the service once",
    async (sourceId) => {
      const { service: s, store } = service();
      const create = vi.spyOn(s.users, "create");
      const outcome = await createUser(s, record(sourceId), []);
      expect(outcome.status).toBe("imported");
      const userId = (outcome as { userId: string }).userId;
      expect(userId).not.toBe(sourceId);
      expect(userId).toMatch(/^[a-z0-9]{20}$/);
      expect(await store.users.get(userId)).not.toBeNull();
      // The invalid id is never sent: one call, already with `unique()`.
      expect(create.mock.calls.map(([input]) => input.userId)).toEqual(["unique()"]);
    },
  );

  it("gives a row with a hash and an invalid id a new id too", async () => {
    const { service: s } = service();
    const argon2 = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$wqZ2l0v9MwZq0B5o7jNCXGfQg2kVn3yPq+1nDZzKSzQ";
    const outcome = await createUser(s, record("google-oauth2|1", { password: { kind: "argon2", hash: argon2 } }), []);
    expect(outcome.status).toBe("imported");
    expect((outcome as { userId: string }).userId).not.toBe("google-oauth2|1");
  });

  it("still skips a row whose other fields the service refuses, naming that field", async () => {
    const { service: s } = service();
    const outcome = await createUser(s, record("auth0|1", { email: "not-an-email" }), []);
    expect(outcome).toEqual({ status: "skipped", reason: expect.stringMatching(/^general_argument_invalid: Invalid `email` param/) });
  });
});

describe("gatehouse import --dry-run", () => {
  it("reports a row whose id is not valid as re-mapped, and keeps a valid one unreported", async () => {
    const file = tmp.path("users.ndjson");
    writeFileSync(
      file,
      [
        { user_id: "auth0|abc", email: "a@example.com" },
        { user_id: "kept_id", email: "b@example.com" },
      ]
        .map((u) => JSON.stringify(u))
        .join("\n"),
    );
    const reportPath = tmp.path("report.jsonl");
    let err = "";
    const code = await main(["import", "--from", "auth0", "--dry-run", "--report", reportPath, file], {
      stdout: { write: () => true },
      stderr: { write: (text: string) => (err += text) },
    });
    expect(code).toBe(0);
    expect(err).toContain("2 read, 2 would be imported, 1 with a new id, 0 skipped");
    expect(readReport(reportPath)).toEqual([
      {
        index: 1,
        line: 1,
        sourceId: "auth0|abc",
        status: "would-import",
        userId: null,
        note: "the source id is not a valid Appwrite id: a new id will be made",
      },
    ]);
  });
});
