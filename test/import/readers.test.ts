import { describe, expect, it } from "vitest";
import { parseFirebaseHashConfig } from "../../adapters/import/hash-config";
import { progress } from "../../adapters/import/progress";
import { fromAppwrite } from "../../adapters/import/readers/appwrite";
import { fromAuth0 } from "../../adapters/import/readers/auth0";
import { fromFirebase } from "../../adapters/import/readers/firebase";
import { fromSupabase } from "../../adapters/import/readers/supabase";
import { csvRows } from "../../adapters/import/streams/csv";
import { jsonArrayRows } from "../../adapters/import/streams/json";
import { ndjsonRows } from "../../adapters/import/streams/ndjson";
import type { RawRow } from "../../adapters/import/streams/row";

/** The text in chunks of `size` bytes: record boundaries must not depend on where chunks end. */
async function* chunks(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function collect(rows: AsyncGenerator<RawRow>): Promise<RawRow[]> {
  const out: RawRow[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

const limits = { maxRecordBytes: 64 };
const SIZES = [1, 2, 7, 65_536];

describe("stream readers", () => {
  it.each(SIZES)("JSON: the elements of the users array, whatever the chunk size (%i)", async (size) => {
    const text =
      '\uFEFF{"total": 4, "meta": {"users": [0]}, "users": [\n {"a": "],\\"[{"},\n 2, "s,]",\n' +
      `"${"x".repeat(80)}", {bad}], "tail": [1]}`;
    expect(await collect(jsonArrayRows(chunks(text, size), limits, "users"))).toEqual([
      { index: 1, line: 2, value: { a: '],"[{' } },
      { index: 2, line: 3, value: 2 },
      { index: 3, line: 3, value: "s,]" },
      { index: 4, line: 4, error: "record is larger than 64 bytes (at least 82); skipped unread" },
      { index: 5, line: 4, error: expect.stringMatching(/^invalid JSON/) },
    ]);
  });

  it("JSON: a top-level array too; deep nesting is refused unparsed; a cut or missing array is fatal", async () => {
    expect(
      await collect(
        jsonArrayRows(
          chunks("[1, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]", 5),
          { maxRecordBytes: 1000 },
          "users",
        ),
      ),
    ).toEqual([
      { index: 1, line: 1, value: 1 },
      { index: 2, line: 1, error: "JSON nested deeper than 32 levels" },
    ]);
    await expect(collect(jsonArrayRows(chunks('{"users": [1, 2', 3), limits, "users"))).rejects.toThrow(
      "the file ends inside the users array",
    );
    await expect(collect(jsonArrayRows(chunks('{"people": []}', 3), limits, "users"))).rejects.toThrow('no "users" array');
    await expect(collect(jsonArrayRows(chunks("users,email", 3), limits, "users"))).rejects.toThrow("must hold a JSON array or object");
  });

  it("JSON: an element of exactly 32 levels is read, of 33 refused; brackets inside strings are not nesting", async () => {
    // The scanner's own depth count is the only check before JSON.parse (streams/parse-json.ts).
    const nest = (levels: number) => `${"[".repeat(levels - 1)}{"s": "[[[[{{{{"}${"]".repeat(levels - 1)}`;
    const text = `{"users": [${nest(32)}, ${nest(33)}]}`;
    const rows = await collect(jsonArrayRows(chunks(text, 3), { maxRecordBytes: 1000 }, "users"));
    expect(rows).toEqual([
      { index: 1, line: 1, value: JSON.parse(nest(32)) as unknown },
      { index: 2, line: 1, error: "JSON nested deeper than 32 levels" },
    ]);
  });

  it.each(SIZES)("NDJSON: one record per line, blank lines and CRLF ignored, oversized lines skipped (chunks of %i)", async (size) => {
    const text = `{"a":1}\r\n\n   \n{"b":"${"y".repeat(100)}"}\n{oops}\n{"c":2}`;
    expect(await collect(ndjsonRows(chunks(text, size), limits))).toEqual([
      { index: 1, line: 1, value: { a: 1 } },
      { index: 2, line: 4, error: "record is larger than 64 bytes (at least 108); skipped unread" },
      { index: 3, line: 5, error: expect.stringMatching(/^invalid JSON/) },
      { index: 4, line: 6, value: { c: 2 } },
    ]);
  });

  it.each(SIZES)("CSV: rows keyed by the header, quoted newlines kept, wrong widths skipped (chunks of %i)", async (size) => {
    const text = '\uFEFFid,email,meta\n1,a@example.com,"{""n"":""x\ny""}"\n2,b@example.com\n3,c@example.com,\n';
    expect(await collect(csvRows(chunks(text, size), limits))).toEqual([
      { index: 1, line: 2, value: { id: "1", email: "a@example.com", meta: '{"n":"x\ny"}' } },
      { index: 2, line: 4, error: "expected 3 columns as in the header, found 2" },
      { index: 3, line: 5, value: { id: "3", email: "c@example.com", meta: "" } },
    ]);
  });
});

describe("record mapping", () => {
  const now = new Date("2026-01-01T00:00:00Z");

  it("supabase: CSV strings and JSON values alike; an expired ban is no ban", () => {
    const row = {
      id: "9d3c6f7e-1111-4222-8333-944445555666",
      email: "s@example.com",
      encrypted_password: "$2a$10$abcdefghijklmnopqrstuu0123456789012345678901234567890",
      email_confirmed_at: "",
      phone: "4915112345678",
      phone_confirmed_at: "2024-01-01 00:00:00+00",
      raw_user_meta_data: '{"name": "Sam", "__proto__": {"x": 1}}',
      banned_until: "2025-01-01 00:00:00+00",
      deleted_at: "",
    };
    expect(fromSupabase(row, now)).toMatchObject({
      sourceId: row.id,
      name: "Sam",
      phone: "+4915112345678",
      emailVerification: false,
      phoneVerification: true,
      status: true,
      password: { kind: "bcrypt", hash: row.encrypted_password },
    });
    expect(fromSupabase({ ...row, id: 42 }, now)).toMatchObject({ sourceId: "42" });
    expect(fromSupabase({ email: "x@example.com" }, now)).toEqual({ skip: expect.stringContaining("invalid record: id") });
  });

  it("auth0: the password hash export's shape becomes a bcrypt user with the Auth0 id", () => {
    const hashLine = {
      _id: { $oid: "60425dc43519d90068f82973" },
      email: "h@example.com",
      email_verified: "true",
      passwordHash: "$2b$10$abcdefghijklmnopqrstuu0123456789012345678901234567890",
    };
    expect(fromAuth0(hashLine)).toMatchObject({
      sourceId: "auth0|60425dc43519d90068f82973",
      emailVerification: true,
      password: { kind: "bcrypt", hash: hashLine.passwordHash },
    });
    expect(fromAuth0({ ...hashLine, passwordHash: "sha1:abc" })).toEqual({
      skip: expect.stringContaining("unsupported password hash"),
      sourceId: "auth0|60425dc43519d90068f82973",
    });
    expect(fromAuth0([1, 2])).toEqual({ skip: expect.stringContaining("invalid record") });
    // alt_id names the user when present; the e-mail may sit only in `identifiers`.
    expect(
      fromAuth0({
        _id: { $oid: "5dea9f9c82dd7c0e76e4ec93" },
        alt_id: "euclid",
        identifiers: [{ type: "email", value: "e@example.com", verified: true }],
        passwordHash: hashLine.passwordHash,
      }),
    ).toMatchObject({ sourceId: "auth0|euclid", email: "e@example.com", emailVerification: true });
  });

  it("appwrite: each hash and its options to the route's parameters", () => {
    const base = { $id: "u1", email: "a@example.com" };
    expect(
      fromAppwrite({
        ...base,
        password: "h",
        hash: "scrypt",
        hashOptions: { type: "scrypt", salt: "s", costCpu: 8, costMemory: 14, costParallel: 1, length: 64 },
      }),
    ).toMatchObject({
      password: { kind: "scrypt", hash: "h", salt: "s", cpu: 8, memory: 14, parallel: 1, length: 64 },
    });
    expect(
      fromAppwrite({
        ...base,
        password: "h",
        hash: "scryptMod",
        hashOptions: { type: "scryptMod", salt: "s", saltSeparator: "Bw==", signerKey: "k" },
      }),
    ).toMatchObject({
      password: { kind: "scryptModified", hash: "h", salt: "s", saltSeparator: "Bw==", signerKey: "k" },
    });
    expect(fromAppwrite({ ...base, password: "h", hash: "phpass" })).toMatchObject({ password: { kind: "phpass", hash: "h" } });
    expect(fromAppwrite({ ...base, password: "h", hash: "scrypt", hashOptions: { salt: "s" } })).toEqual({
      skip: expect.stringContaining("invalid hashOptions for scrypt"),
      sourceId: "u1",
    });
    expect(fromAppwrite({ ...base, prefs: JSON.parse('{"__proto__": {"admin": true}, "theme": "dark"}') })).toMatchObject({
      prefs: { theme: "dark" },
    });
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it("firebase: a hashed user takes the project's signer key and salt separator", () => {
    const config = parseFirebaseHashConfig(
      '{"algorithm": "SCRYPT", "base64_signer_key": "c2lnbmVy", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}',
    );
    expect(fromFirebase({ localId: "f1", email: "f@example.com", passwordHash: "aGFzaA==", salt: "c2FsdA==" }, config)).toMatchObject({
      password: { kind: "scryptModified", hash: "aGFzaA==", salt: "c2FsdA==", saltSeparator: "Bw==", signerKey: "c2lnbmVy" },
    });
    expect(fromFirebase({ localId: "f1", email: "f@example.com", passwordHash: "aGFzaA==" }, config)).toEqual({
      skip: "password hash without a salt",
      sourceId: "f1",
    });
    expect(fromFirebase({ localId: "f1", passwordHash: "x" }, { ...config, algorithm: "HMAC_SHA256" })).toEqual({
      skip: "unsupported hash algorithm HMAC_SHA256 (only Firebase's SCRYPT)",
      sourceId: "f1",
    });
  });
});

describe("--hash-config", () => {
  const expected = {
    algorithm: "SCRYPT",
    signerKey: "jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==",
    saltSeparator: "Bw==",
    rounds: 8,
    memCost: 14,
  };

  it("reads the console's text block, a JSON object and one under hash_config", () => {
    const block = `hash_config {\n  algorithm: SCRYPT,\n  base64_signer_key: ${expected.signerKey},\n  base64_salt_separator: Bw==,\n  rounds: 8,\n  mem_cost: 14,\n}\n`;
    expect(parseFirebaseHashConfig(block)).toEqual(expected);
    const json = { algorithm: "SCRYPT", base64_signer_key: expected.signerKey, base64_salt_separator: "Bw==", rounds: 8, mem_cost: 14 };
    expect(parseFirebaseHashConfig(JSON.stringify(json))).toEqual(expected);
    expect(parseFirebaseHashConfig(JSON.stringify({ hash_config: json }))).toEqual(expected);
  });

  it("says what is missing or wrong", () => {
    expect(() => parseFirebaseHashConfig("algorithm: SCRYPT\nrounds: 8\nmem_cost: 14")).toThrow("--hash-config: base64_signer_key");
    expect(() =>
      parseFirebaseHashConfig('{"algorithm": "SCRYPT", "base64_signer_key": "not base64!", "rounds": 8, "mem_cost": 14}'),
    ).toThrow("must be base64");
    expect(() => parseFirebaseHashConfig("{oops")).toThrow("--hash-config: invalid JSON");
  });
});

describe("progress", () => {
  const counts = (read: number) => ({ read, imported: read - 1, skipped: 1 });

  it("on a terminal, rewrites one line at most every 200 ms and ends it", () => {
    let out = "";
    let now = 0;
    const shown = progress({ isTTY: true, write: (t: string) => (out += t) }, { quiet: false, now: () => now });
    now = 250;
    shown.tick(counts(1));
    now = 300;
    shown.tick(counts(2));
    now = 1000;
    shown.tick(counts(10));
    shown.done();
    expect(out).toBe("\r\x1b[K1 read, 0 imported, 1 skipped, 4/s\r\x1b[K10 read, 9 imported, 1 skipped, 10/s\n");
  });

  it("elsewhere, a plain line every `every` records; quiet, nothing", () => {
    let out = "";
    const plain = progress({ write: (t: string) => (out += t) }, { quiet: false, every: 2, now: () => 1000 });
    for (let i = 1; i <= 5; i++) plain.tick(counts(i));
    expect(
      out
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(",")[0]),
    ).toEqual(["2 read", "4 read"]);
    let quietOut = "";
    const quiet = progress({ isTTY: true, write: (t: string) => (quietOut += t) }, { quiet: true });
    quiet.tick(counts(1));
    quiet.done();
    expect(quietOut).toBe("");
  });
});
