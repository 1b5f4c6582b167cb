import { createHash, randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { hash as argon2 } from "@node-rs/argon2";
import { hashSync as bcrypt } from "bcryptjs";
import { FirebaseScrypt } from "firebase-scrypt";
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

/** Appwrite's test vectors for scrypt and Firebase's modified scrypt (password "appwrite"). */
const SCRYPT_OPTIONS = { type: "scrypt", salt: "appwrite", costCpu: 16384, costMemory: 13, costParallel: 2, length: 64 };
const SCRYPT_HASH =
  "3fdef49701bc4cfaacd551fe017283513284b4731e6945c263246ef948d3cf63b5d269c31fd697246085111a428245e24a4ddc6b64c687bc60a8910dbafc1d5b";
const SCRYPT_MOD_OPTIONS = {
  type: "scryptMod",
  salt: "UxLMreBr6tYyjQ==",
  saltSeparator: "Bw==",
  signerKey: "XyEKE9RcTDeLEsL/RjwPDBv/RqDl8fb3gpYEOQaPihbxf1ZAtSOHCjuAAa7Q3oHpCYhXSN9tizHgVOwn6krflQ==",
};
const SCRYPT_MOD_HASH = "UlM7JiXRcQhzAGlaonpSqNSLIz475WMddOgLjej5De9vxTy48K6WtqlEzrRFeK4t0COfMhWCb8wuMHgxOFCHFQ==";

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
      {
        $id: "bcryptuser",
        email: "bcrypt@example.com",
        password: bcrypt("bcrypt password", 4),
        hash: "bcrypt",
        hashOptions: { type: "bcrypt" },
      },
      // Appwrite's own test vectors, all for the password "appwrite".
      {
        $id: "phpassuser",
        email: "phpass@example.com",
        password: "$P$Br387rwferoKN7uwHZqNMu98q3U8RO.",
        hash: "phpass",
        hashOptions: { type: "phpass" },
      },
      { $id: "scryptuser", email: "scrypt@example.com", password: SCRYPT_HASH, hash: "scrypt", hashOptions: SCRYPT_OPTIONS },
      { $id: "scryptmod", email: "scryptmod@example.com", password: SCRYPT_MOD_HASH, hash: "scryptMod", hashOptions: SCRYPT_MOD_OPTIONS },
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
    expect(result.err).toContain("13 read, 9 imported, 4 skipped");
    const report = readReport(reportPath);
    expect(report.map((r) => [r.sourceId, r.status, r.reason?.split(":")[0]])).toEqual([
      ["dupemail", "skipped", "duplicate email"],
      ["badmail", "skipped", "general_argument_invalid"],
      ["weirdhash", "skipped", 'unsupported hash algorithm "rot13"'],
      ["badphone", "skipped", "phone"],
    ]);
    // Positions point into the pretty-printed file.
    expect(report[0]!.index).toBe(10);
    expect(report[0]!.line).toBeGreaterThan(20);
  });

  it("keeps the ids, and every user signs in with the old password, re-hashed to Argon2id", async () => {
    const app = await appOn(url);
    try {
      expect(await login(app.service, "argon@example.com", "argon2 password")).toBe("session for argon");
      expect(await login(app.service, "md5@example.com", "md5 password")).toBe("session for md5user");
      expect(await login(app.service, "sha@example.com", "sha password")).toBe("session for shauser");
      expect(await login(app.service, "sha@example.com", "wrong password")).toBe("user_invalid_credentials");
      expect(await login(app.service, "bcrypt@example.com", "bcrypt password")).toBe("session for bcryptuser");
      expect(await login(app.service, "phpass@example.com", "appwrite")).toBe("session for phpassuser");
      expect(await login(app.service, "scrypt@example.com", "appwrite")).toBe("session for scryptuser");
      expect(await login(app.service, "scryptmod@example.com", "appwrite")).toBe("session for scryptmod");
      for (const id of ["argon", "md5user", "shauser", "bcryptuser", "phpassuser", "scryptuser", "scryptmod"])
        expect((await app.store.users.get(id))!.passwordHash, id).toMatch(/^\$argon2id\$/);
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
    expect(reasons.filter((r) => r === "duplicate id")).toHaveLength(9);
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

describe("--from auth0 (the password hash export)", () => {
  it("imports bcrypt users under new ids; they sign in with their old passwords", async () => {
    const url = await database();
    const lines = [
      {
        _id: { $oid: "60425dc43519d90068f82973" },
        email: "hal@example.com",
        email_verified: true,
        passwordHash: bcrypt("auth0 password", 4),
        tenant: "t",
        connection: "Username-Password-Authentication",
      },
      {
        _id: { $oid: "60425dc43519d90068f82974" },
        email: "ida@example.com",
        email_verified: false,
        passwordHash: "$2b$31$" + "a".repeat(53),
      },
    ];
    const reportPath = tmp.path("auth0-hashes.jsonl");
    const file = write("hashes.json.gz", gzipSync(lines.map((l) => JSON.stringify(l)).join("\n")));
    const result = await cli("import", "--from", "auth0", "--url", url, "--report", reportPath, file);
    expect(result.code).toBe(3);
    const report = readReport(reportPath);
    expect(report.map((r) => [r.sourceId, r.status, r.reason?.split(":")[0]])).toEqual([
      ["auth0|60425dc43519d90068f82973", "imported", undefined],
      // bcrypt's cost is capped at import (a login would spend seconds on it).
      ["auth0|60425dc43519d90068f82974", "skipped", "general_argument_invalid"],
    ]);
    const app = await appOn(url);
    try {
      const userId = report[0]!.userId!;
      expect(await login(app.service, "hal@example.com", "auth0 password")).toBe(`session for ${userId}`);
      expect(await app.service.users.get({ userId })).toMatchObject({ emailVerification: true, hash: "argon2" });
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
    // Supabase (GoTrue) writes bcrypt as $2a$; bcryptjs writes the same algorithm as $2b$.
    {
      id: "4b5f3e4a-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
      email: "pat@example.com",
      encrypted_password: bcrypt("supabase password", 4).replace(/^\$2b\$/, "$2a$"),
    },
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
    expect(result.err).toContain("5 read, 3 imported, 2 skipped");
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
      expect(await login(app.service, "pat@example.com", "supabase password")).toBe(`session for ${rows[4]!.id}`);
      expect((await app.store.users.get(rows[4]!.id))!.passwordHash).toMatch(/^\$argon2id\$/);
    } finally {
      await app.close();
    }
  });
});

describe("--from firebase", () => {
  /** Firebase's published sample project parameters, as the console shows them. */
  const SIGNER_KEY = "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==";
  const consoleBlock = (rounds: number) =>
    `hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: ${SIGNER_KEY},\n  base64_salt_separator: Bw==,\n  rounds: ${rounds},\n  mem_cost: 14,\n}\n`;
  const reference = new FirebaseScrypt({ memCost: 14, rounds: 8, saltSeparator: "Bw==", signerKey: SIGNER_KEY });
  let users: Record<string, unknown>[];

  beforeAll(async () => {
    users = [
      {
        localId: "Xq1dK8mN2pR4sT6uV8wY0zA2bC4d",
        email: "fay@example.com",
        emailVerified: true,
        displayName: "Fay",
        createdAt: "1700000000000",
        providerUserInfo: [],
      },
      { localId: "phoneOnlyUser000000000000001", phoneNumber: "+15555550104", disabled: true },
      {
        localId: "hashedUser000000000000000001",
        email: "hashed@example.com",
        passwordHash: await reference.hash("firebase password", "42xEC+ixf3L2lw=="),
        salt: "42xEC+ixf3L2lw==",
        displayName: "Hash",
      },
      { localId: "hashedUser000000000000000002", email: "nosalt@example.com", passwordHash: await reference.hash("x", "c2FsdA==") },
    ];
  });

  it("imports modified-scrypt users with the console's hash parameters: they sign in, re-hashed to Argon2id", async () => {
    const url = await database();
    const reportPath = tmp.path("firebase.report.jsonl");
    const file = write("firebase.json", JSON.stringify({ users }, null, 2));
    const result = await cli(
      "import",
      "--from",
      "firebase",
      "--url",
      url,
      "--hash-config",
      write("hash.txt", consoleBlock(8)),
      "--report",
      reportPath,
      file,
    );
    expect(result.code).toBe(3);
    expect(readReport(reportPath).map((r) => [r.sourceId, r.reason])).toEqual([
      ["hashedUser000000000000000002", "password hash without a salt"],
    ]);
    const app = await appOn(url);
    try {
      expect(await login(app.service, "hashed@example.com", "firebase password")).toBe("session for hashedUser000000000000000001");
      expect((await app.store.users.get("hashedUser000000000000000001"))!.passwordHash).toMatch(/^\$argon2id\$/);
      expect(await app.service.users.get({ userId: "Xq1dK8mN2pR4sT6uV8wY0zA2bC4d" })).toMatchObject({
        name: "Fay",
        emailVerification: true,
      });
      expect(await app.service.users.get({ userId: "phoneOnlyUser000000000000001" })).toMatchObject({
        phone: "+15555550104",
        status: false,
      });
    } finally {
      await app.close();
    }
  });

  it("skips hashed users when the hash config is missing or has a cost the route cannot verify", async () => {
    const file = write("firebase2.json", JSON.stringify({ users: users.slice(2, 3) }));
    const reportPath = tmp.path("firebase2.report.jsonl");
    const without = await cli("import", "--from", "firebase", "--dry-run", "--report", reportPath, file);
    expect(without.code).toBe(3);
    expect(readReport(reportPath)[0]!.reason).toMatch(/^password hash without --hash-config/);
    const rounds9 = await cli(
      "import",
      "--from",
      "firebase",
      "--dry-run",
      "--hash-config",
      write("hash9.txt", consoleBlock(9)),
      "--report",
      reportPath,
      file,
    );
    expect(rounds9.code).toBe(3);
    expect(readReport(reportPath).map((r) => r.reason)).toEqual([
      "unsupported scrypt cost rounds 9, mem_cost 14 (the scrypt-modified route verifies rounds 8, mem_cost 14)",
    ]);
    const badConfig = await cli(
      "import",
      "--from",
      "firebase",
      "--dry-run",
      "--hash-config",
      write("bad.json", "{}"),
      "--report",
      reportPath,
      file,
    );
    expect(badConfig.code).toBe(1);
    expect(badConfig.err).toContain("--hash-config: algorithm");
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
      ["import", "--from", "auth0", "--url", "x.sqlite", "--report", "./users.ndjson", "users.ndjson"],
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
    expect(missing.err).toMatch(/^gatehouse: import failed: ENOENT.*nope\.json/);
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
