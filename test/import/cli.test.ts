import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { hash as argon2 } from "@node-rs/argon2";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATABASE_URLS, serviceAvailable } from "../helpers/databases";
import { appOn, cli, login, readReport, scratch } from "./helpers";

/*
 * `gatehouse import` end to end: export files generated here with each system's field names and
 * reference hash algorithms, imported by the CLI in process into a SQLite file, then signed in to
 * with the old passwords through a service on that file, as the app would.
 */

const tmp = scratch();
afterAll(() => tmp.remove());

const hex = (algorithm: string, text: string) => createHash(algorithm).update(text).digest("hex");
let counter = 0;

/** A migrated, empty SQLite file. */
async function database(): Promise<string> {
  const url = tmp.path(`db${++counter}.sqlite`);
  expect((await cli("migrate", "--url", url)).code).toBe(0);
  return url;
}

function write(name: string, content: string | Buffer): string {
  const path = tmp.path(name);
  writeFileSync(path, content);
  return path;
}

describe("--from appwrite", () => {
  let url: string;
  let result: Awaited<ReturnType<typeof cli>>;
  let reportPath: string;
  let argon2iHash: string;

  beforeAll(async () => {
    url = await database();
    argon2iHash = await argon2("argon2 password", {
      // 1 is Algorithm.Argon2i (a const enum, which isolated modules cannot read).
      algorithm: 1 as const,
      memoryCost: 1024,
      timeCost: 2,
      parallelism: 1,
    });
    const users = [
      { $id: "argon", email: "argon@example.com", name: "Argon", password: argon2iHash, hash: "argon2", hashOptions: { type: "argon2" } },
      {
        $id: "md5user",
        email: "md5@example.com",
        name: "Md5",
        password: hex("md5", "md5 password"),
        hash: "md5",
        hashOptions: { type: "md5" },
      },
      {
        $id: "shauser",
        email: "sha@example.com",
        password: hex("sha512", "sha password"),
        hash: "sha",
        hashOptions: { type: "sha", version: "sha512" },
        labels: ["vip", "beta"],
        prefs: { theme: "dark" },
        emailVerification: true,
        phone: "+15555550101",
        phoneVerification: true,
      },
      { $id: "blocked", email: "blocked@example.com", password: hex("md5", "blocked password"), hash: "md5", status: false },
      { $id: "nopass", email: "nopass@example.com", name: "No password", hash: "argon2", hashOptions: { type: "argon2" } },
      { $id: "dupemail", email: "MD5@example.com", password: hex("md5", "x"), hash: "md5" },
      { $id: "badmail", email: "not an address" },
      { $id: "weirdhash", email: "weird@example.com", password: "abc", hash: "rot13" },
      { $id: "badphone", email: "phone@example.com", password: hex("md5", "p"), hash: "md5", phone: "12" },
    ];
    reportPath = tmp.path("appwrite-report.jsonl");
    const file = write("appwrite.json", JSON.stringify({ total: users.length, users }, null, 2));
    result = await cli("import", "--from", "appwrite", "--url", url, "--report", reportPath, file);
  });

  it("imports what it can, exits 3 and reports each skipped row with its reason", () => {
    expect(result.code).toBe(3);
    expect(result.err).toContain("9 read, 5 imported, 4 skipped");
    const report = readReport(reportPath);
    expect(report.map((r) => [r.sourceId, r.status, r.reason?.split(":")[0]])).toEqual([
      ["dupemail", "skipped", "duplicate email"],
      ["badmail", "skipped", "general_argument_invalid"],
      ["weirdhash", "skipped", 'unsupported hash algorithm "rot13"'],
      ["badphone", "skipped", "phone"],
    ]);
    // Positions point into the pretty-printed file.
    expect(report[0]!.index).toBe(6);
    expect(report[0]!.line).toBeGreaterThan(20);
  });

  it("keeps the ids, and every user signs in with the old password, re-hashed to Argon2id", async () => {
    const app = await appOn(url);
    try {
      expect(await login(app.service, "argon@example.com", "argon2 password")).toBe("session for argon");
      expect(await login(app.service, "md5@example.com", "md5 password")).toBe("session for md5user");
      expect(await login(app.service, "sha@example.com", "sha password")).toBe("session for shauser");
      expect(await login(app.service, "sha@example.com", "wrong password")).toBe("user_invalid_credentials");
      for (const id of ["argon", "md5user", "shauser"]) expect((await app.store.users.get(id))!.passwordHash).toMatch(/^\$argon2id\$/);
      // The blocked user's password is right, and the block holds.
      expect(await login(app.service, "blocked@example.com", "blocked password")).toBe("user_blocked");
      // A user whose later field failed is not left half-imported.
      expect(await app.store.users.get("badphone")).toBeNull();
    } finally {
      await app.close();
    }
  });

  it("carries labels, prefs, verification and the phone over", async () => {
    const app = await appOn(url);
    try {
      const sha = await app.service.users.get({ userId: "shauser" });
      expect(sha).toMatchObject({
        labels: ["vip", "beta"],
        prefs: { theme: "dark" },
        emailVerification: true,
        phone: "+15555550101",
        phoneVerification: true,
      });
      expect(await app.service.users.get({ userId: "nopass" })).toMatchObject({ name: "No password", passwordUpdate: "" });
    } finally {
      await app.close();
    }
  });

  it("run again, skips every row as a duplicate and writes nothing new", async () => {
    const app = await appOn(url);
    const before = await app.store.users.count();
    await app.close();
    const again = await cli(
      "import",
      "--from",
      "appwrite",
      "--url",
      url,
      "--report",
      tmp.path("again.jsonl"),
      "--quiet",
      tmp.path("appwrite.json"),
    );
    expect(again.code).toBe(3);
    expect(again.err).toBe("");
    const reasons = readReport(tmp.path("again.jsonl")).map((r) => r.reason?.split(":")[0]);
    expect(reasons.filter((r) => r === "duplicate id")).toHaveLength(5);
    const after = await appOn(url);
    expect(await after.store.users.count()).toBe(before);
    await after.close();
  });
});

describe("--from auth0", () => {
  const users = [
    {
      user_id: "auth0|5f7c8ec7c33c6c004bbafe82",
      email: "ana@example.com",
      email_verified: true,
      name: "ana@example.com",
      given_name: "Ana",
      family_name: "Lima",
    },
    { user_id: "google-oauth2|10977", email: "bo@example.com", email_verified: false, name: "Bo", blocked: true },
    { user_id: "plainid", email: "cy@example.com", phone_number: "+15555550102", phone_verified: true },
    { email: "noid@example.com" },
  ];
  const ndjson = users.map((u) => JSON.stringify(u)).join("\n") + "\n";

  it.each([
    ["users.ndjson", Buffer.from(ndjson)],
    ["users.json.gz", gzipSync(ndjson)],
  ])("imports the user export job's %s: new ids for Auth0 ids, reported; no passwords", async (name, content) => {
    const url = await database();
    const reportPath = tmp.path(`${name}.report.jsonl`);
    const result = await cli("import", "--from", "auth0", "--url", url, "--report", reportPath, write(name, content));
    expect(result.code).toBe(3);
    const report = readReport(reportPath);
    const mapped = report.filter((r) => r.status === "imported");
    expect(mapped.map((r) => r.sourceId)).toEqual(["auth0|5f7c8ec7c33c6c004bbafe82", "google-oauth2|10977"]);
    expect(report.filter((r) => r.status === "skipped")).toEqual([
      { index: 4, line: 4, sourceId: null, status: "skipped", reason: "no user_id (nor _id.$oid)" },
    ]);
    const app = await appOn(url);
    try {
      const ana = await app.service.users.get({ userId: mapped[0]!.userId! });
      expect(ana).toMatchObject({ name: "Ana Lima", email: "ana@example.com", emailVerification: true, status: true, passwordUpdate: "" });
      const bo = await app.service.users.get({ userId: mapped[1]!.userId! });
      expect(bo).toMatchObject({ name: "Bo", status: false, emailVerification: false });
      expect(await app.service.users.get({ userId: "plainid" })).toMatchObject({ phone: "+15555550102", phoneVerification: true });
      // No password came with the export: the user cannot sign in with one until recovery.
      expect(await login(app.service, "ana@example.com", "anything-at-all")).toBe("user_invalid_credentials");
    } finally {
      await app.close();
    }
  });
});

describe("--from supabase", () => {
  const rows = [
    {
      id: "0b5f3e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      email: "sam@example.com",
      encrypted_password: "",
      email_confirmed_at: "2024-01-02 03:04:05.678+00",
      phone: "15555550103",
      phone_confirmed_at: null,
      raw_user_meta_data: { full_name: "Sam Supa" },
      banned_until: null,
      deleted_at: null,
    },
    { id: "1b5f3e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", email: "gone@example.com", encrypted_password: "", deleted_at: "2024-05-01 00:00:00+00" },
    {
      id: "2b5f3e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      email: "banned@example.com",
      encrypted_password: "",
      banned_until: "2999-01-01 00:00:00+00",
      raw_user_meta_data: { name: "Ban" },
    },
    { id: "3b5f3e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b", email: "odd@example.com", encrypted_password: "plaintext?" },
  ];
  const columns = [
    "id",
    "email",
    "encrypted_password",
    "email_confirmed_at",
    "phone",
    "phone_confirmed_at",
    "raw_user_meta_data",
    "banned_until",
    "deleted_at",
  ];
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return "";
    const text = typeof value === "object" ? JSON.stringify(value) : String(value);
    return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const csv =
    [columns.join(","), ...rows.map((row) => columns.map((c) => cell((row as Record<string, unknown>)[c])).join(","))].join("\n") + "\n";

  it.each([
    ["users.json", JSON.stringify(rows)],
    ["users.csv", csv],
  ])("imports auth.users as %s: uuid ids kept, deleted rows skipped, bans kept, phones made E.164", async (name, content) => {
    const url = await database();
    const reportPath = tmp.path(`${name}.report.jsonl`);
    const result = await cli("import", "--from", "supabase", "--url", url, "--report", reportPath, write(name, content));
    expect(result.code).toBe(3);
    expect(readReport(reportPath).map((r) => [r.index, r.sourceId, r.reason])).toEqual([
      [2, rows[1]!.id, "deleted in Supabase (deleted_at is set)"],
      [4, rows[3]!.id, "unsupported password hash (expected bcrypt $2a$…)"],
    ]);
    const app = await appOn(url);
    try {
      expect(await app.service.users.get({ userId: rows[0]!.id })).toMatchObject({
        name: "Sam Supa",
        emailVerification: true,
        phone: "+15555550103",
        phoneVerification: false,
      });
      expect(await app.service.users.get({ userId: rows[2]!.id })).toMatchObject({ name: "Ban", status: false });
    } finally {
      await app.close();
    }
  });
});

describe("--from firebase", () => {
  const users = [
    {
      localId: "Xq1dK8mN2pR4sT6uV8wY0zA2bC4d",
      email: "fay@example.com",
      emailVerified: true,
      displayName: "Fay",
      createdAt: "1700000000000",
      providerUserInfo: [],
    },
    { localId: "phoneOnlyUser000000000000001", phoneNumber: "+15555550104", disabled: true },
    { localId: "hashedUser000000000000000001", email: "hashed@example.com", passwordHash: "aGFzaA==", salt: "c2FsdA==" },
  ];

  it("imports users without passwords, and skips hashed ones when the hash config is missing or unsupported", async () => {
    const url = await database();
    const file = write("firebase.json", JSON.stringify({ users }));
    const reportPath = tmp.path("firebase.report.jsonl");
    const result = await cli("import", "--from", "firebase", "--url", url, "--report", reportPath, file);
    expect(result.code).toBe(3);
    expect(readReport(reportPath).map((r) => [r.sourceId, r.reason?.slice(0, 33)])).toEqual([
      ["hashedUser000000000000000001", "password hash without --hash-conf"],
    ]);
    const config = write(
      "hash.txt",
      "hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: c2lnbmVy,\n  base64_salt_separator: Bw==,\n  rounds: 9,\n  mem_cost: 14,\n}\n",
    );
    const dry = await cli("import", "--from", "firebase", "--dry-run", "--hash-config", config, "--report", reportPath, file);
    expect(dry.code).toBe(3);
    expect(readReport(reportPath).map((r) => r.reason)).toEqual([
      "unsupported scrypt cost rounds 9, mem_cost 14 (the scrypt-modified route verifies rounds 8, mem_cost 14)",
    ]);
    const app = await appOn(url);
    try {
      expect(await app.service.users.get({ userId: users[0]!.localId })).toMatchObject({ name: "Fay", emailVerification: true });
      expect(await app.service.users.get({ userId: users[1]!.localId })).toMatchObject({ phone: "+15555550104", status: false });
    } finally {
      await app.close();
    }
  });
});

describe("--dry-run", () => {
  it("checks every row against the file and the database, and writes nothing", async () => {
    const url = await database();
    const seed = write("seed.ndjson", JSON.stringify({ user_id: "taken", email: "taken@example.com" }) + "\n");
    expect((await cli("import", "--from", "auth0", "--url", url, "--quiet", "--report", tmp.path("seed.jsonl"), seed)).code).toBe(0);
    const lines = [
      { user_id: "new1", email: "new1@example.com" },
      { user_id: "taken", email: "other@example.com" },
      { user_id: "new2", email: "TAKEN@example.com" },
      { user_id: "new3", email: "new1@example.com" },
      { user_id: "new4", email: "bad@@example.com" },
    ];
    const file = write("dry.ndjson", lines.map((l) => JSON.stringify(l)).join("\n") + "\n{oops\n");
    const reportPath = tmp.path("dry.jsonl");
    const result = await cli("import", "--from", "auth0", "--url", url, "--dry-run", "--report", reportPath, file);
    expect(result.code).toBe(3);
    expect(result.err).toContain("dry run (nothing written): 6 read, 1 would be imported");
    expect(readReport(reportPath).map((r) => [r.line, r.sourceId, r.reason?.split(":")[0]])).toEqual([
      [2, "taken", "duplicate id"],
      [3, "new2", "duplicate email"],
      [4, "new3", "duplicate email"],
      [5, "new4", "general_argument_invalid"],
      [6, null, "invalid JSON"],
    ]);
    const app = await appOn(url);
    expect(await app.store.users.count()).toBe(1);
    await app.close();
  });

  it("needs no database: without --url it checks the file alone", async () => {
    const file = write("alone.ndjson", `${JSON.stringify({ user_id: "a", email: "a@example.com" })}\n`);
    const result = await cli("import", "--from", "auth0", "--dry-run", "--report", tmp.path("alone.jsonl"), file);
    expect(result).toMatchObject({ code: 0 });
    expect(result.err).toContain("1 would be imported, 0 skipped");
  });
});

describe("failures and usage", () => {
  it("exits 2 on bad usage, with the usage text", async () => {
    for (const argv of [
      ["import", "users.json"],
      ["import", "--from", "okta", "--url", "x.sqlite", "users.json"],
      ["import", "--from", "auth0", "users.ndjson"],
      ["import", "--from", "auth0", "--url", "x.sqlite"],
      ["import", "--from", "auth0", "--url", "x.sqlite", "--hash-config", "h.json", "users.ndjson"],
      ["import", "--from", "auth0", "--url", "x.sqlite", "--prefix", "bad-prefix", "users.ndjson"],
    ]) {
      const result = await cli(...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.err).toContain("gatehouse import --from firebase|supabase|auth0|appwrite");
    }
    expect((await cli("--help")).out).toContain("gatehouse import --from");
  });

  it("exits 1 when the file is missing, the database is not migrated, or the JSON is cut short", async () => {
    const url = await database();
    const missing = await cli("import", "--from", "appwrite", "--url", url, "--report", tmp.path("r1.jsonl"), tmp.path("nope.json"));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/import (failed|stopped).*ENOENT/);
    const file = write("cut.json", '{"users": [{"$id": "one", "email": "one@example.com"}, {"$id": "two", "em');
    const cut = await cli("import", "--from", "appwrite", "--url", url, "--report", tmp.path("r2.jsonl"), file);
    expect(cut.code).toBe(1);
    expect(cut.err).toContain("import stopped after 1 records: the file ends inside the users array");
    // What came before the cut is imported; a rerun skips it as a duplicate.
    const app = await appOn(url);
    expect(await app.store.users.get("one")).not.toBeNull();
    await app.close();
    const empty = tmp.path("empty.sqlite");
    const unmigrated = await cli("import", "--from", "appwrite", "--url", empty, "--report", tmp.path("r3.jsonl"), file);
    expect(unmigrated.code).toBe(1);
    expect(unmigrated.err).toContain("gatehouse migrate");
  });
});

const hasPostgres = await serviceAvailable("postgres");

describe.skipIf(!hasPostgres)("into PostgreSQL", () => {
  const url = DATABASE_URLS.postgres;
  const prefix = `i${randomBytes(4).toString("hex")}_`;
  afterAll(async () => {
    await cli("migrate", "--down", "--url", url, "--prefix", prefix);
  });

  it("imports under a table prefix; duplicates are skipped without aborting, and the users sign in", async () => {
    expect((await cli("migrate", "--url", url, "--prefix", prefix)).code).toBe(0);
    const users = [
      { $id: "pg1", email: "pg1@example.com", password: hex("md5", "pg one password"), hash: "md5" },
      { $id: "pg2", email: "PG1@example.com", password: hex("md5", "x"), hash: "md5" },
      { $id: "pg1", email: "pg3@example.com" },
      { $id: "pg4", email: "pg4@example.com", password: hex("sha256", "pg four password"), hash: "sha", phone: "+15555550199" },
    ];
    const reportPath = tmp.path("pg.jsonl");
    const result = await cli(
      "import",
      "--from",
      "appwrite",
      "--url",
      url,
      "--prefix",
      prefix,
      "--report",
      reportPath,
      write("pg.json", JSON.stringify({ users })),
    );
    expect(result.code).toBe(3);
    expect(readReport(reportPath).map((r) => [r.index, r.reason?.split(":")[0]])).toEqual([
      [2, "duplicate email"],
      [3, "duplicate id"],
    ]);
    const app = await appOn(url, prefix);
    try {
      expect(await login(app.service, "pg1@example.com", "pg one password")).toBe("session for pg1");
      expect(await login(app.service, "pg4@example.com", "pg four password")).toBe("session for pg4");
      expect((await app.store.users.get("pg4"))!.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await app.service.users.get({ userId: "pg4" })).toMatchObject({ phone: "+15555550199" });
    } finally {
      await app.close();
    }
  });
});
