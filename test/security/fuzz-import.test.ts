/**
 * P16 (the adversarial suite's numbering, test/security/fuzz.test.ts): hostile export files for
 * `gatehouse import` (adapters/import). Seeded like fuzz.test.ts: FUZZ_SEED, FUZZ_RUNS, and
 * FUZZ_REPLAY="<seed>:<path>" with `-t "<test name>"`; `npm run fuzz` runs it longer.
 *
 *  P16 every format's reader, fed generated exports with hostile field values (prototype keys,
 *      lone surrogates, huge and deeply nested values, wrong types) and then cut, spliced with
 *      random bytes or invalid UTF-8, in chunks of random sizes: every record becomes a row or
 *      a skip with a reason, mapping never throws, a fatal error is one of the documented
 *      "cannot read this file" errors, and no prototype changes. The whole command (a dry run
 *      through the Users API on a memory store) then exits 0, 1 or 3, never throws, and its
 *      report holds one parseable line per skipped row.
 */
import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { FORMATS, FORMAT_NAMES, type FormatName } from "../../adapters/import/formats";
import { parseFirebaseHashConfig } from "../../adapters/import/hash-config";
import { isSkip } from "../../adapters/import/record";
import { main } from "../../adapters/kysely/cli";
import { readReport, scratch } from "../import/helpers";
import { hostileString } from "./fuzz-inputs";
import { restorePrototypes, snapshotPrototypes } from "./fuzz-wire";

const SEED = Number(process.env.FUZZ_SEED ?? 0x15_1e);
const CI_RUNS = 40;
const RUNS = Number(process.env.FUZZ_RUNS ?? CI_RUNS);
const TEST_TIMEOUT = 60_000 * Math.max(1, RUNS / CI_RUNS);

function params(runs: number, offset: number): fc.Parameters<unknown> {
  const replay = /^(-?\d+):([\d:]+)$/.exec(process.env.FUZZ_REPLAY ?? "");
  return {
    ...(replay ? { seed: Number(replay[1]), path: replay[2]! } : { seed: SEED + offset }),
    numRuns: runs,
    interruptAfterTimeLimit: TEST_TIMEOUT * 0.75,
    markInterruptAsFailure: true,
  };
}

/** The fields each format reads, plus keys that must never reach a prototype. */
const FIELDS: Record<FormatName, string[]> = {
  firebase: ["localId", "email", "emailVerified", "passwordHash", "salt", "displayName", "phoneNumber", "disabled"],
  supabase: [
    "id",
    "email",
    "encrypted_password",
    "email_confirmed_at",
    "phone",
    "phone_confirmed_at",
    "raw_user_meta_data",
    "banned_until",
    "deleted_at",
  ],
  auth0: ["user_id", "_id", "email", "email_verified", "name", "given_name", "family_name", "phone_number", "blocked", "passwordHash"],
  appwrite: ["$id", "email", "phone", "name", "password", "hash", "hashOptions", "status", "labels", "prefs", "emailVerification"],
};
const PROTO_KEYS = ["__proto__", "constructor", "prototype"];

const nested = fc.integer({ min: 1, max: 60 }).map((n) => JSON.parse(`${"[".repeat(n)}${"]".repeat(n)}`) as unknown);
const value: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 5, arbitrary: hostileString },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: nested },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "$2a$10$abcdefghijklmnopqrstuu",
      "$argon2id$v=19$m=1,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
      "+15555550100",
      "a@example.com",
      "t",
      "scrypt",
      "md5",
    ),
  },
);

function userOf(format: FormatName): fc.Arbitrary<Record<string, unknown>> {
  return fc.array(fc.tuple(fc.constantFrom(...FIELDS[format], ...PROTO_KEYS), value), { maxLength: 12 }).map((entries) => {
    // Own properties even for "__proto__", as JSON.parse would make them.
    const user: Record<string, unknown> = {};
    for (const [key, v] of entries) Object.defineProperty(user, key, { value: v, enumerable: true, configurable: true, writable: true });
    return user;
  });
}

const cell = (v: unknown) => {
  const text = v === null || v === undefined ? "" : typeof v === "string" ? v : JSON.stringify(v);
  return `"${text.replace(/"/g, '""')}"`;
};

/** An export file of the format, then possibly damaged. */
function exportFile(format: FormatName): fc.Arbitrary<{ name: string; bytes: Buffer }> {
  const users = fc.array(userOf(format), { maxLength: 8 });
  const file = users.chain((list) => {
    if (format === "auth0") return fc.constant({ name: "users.ndjson", text: list.map((u) => JSON.stringify(u)).join("\n") });
    if (format === "supabase")
      return fc.boolean().map((csv) =>
        csv
          ? {
              name: "users.csv",
              text: [FIELDS.supabase.join(","), ...list.map((u) => FIELDS.supabase.map((f) => cell(u[f])).join(","))].join("\n"),
            }
          : { name: "users.json", text: JSON.stringify(list) },
      );
    return fc.constant({ name: "users.json", text: JSON.stringify({ total: list.length, users: list }) });
  });
  const damage = fc.oneof(
    { weight: 3, arbitrary: fc.constant((b: Buffer) => b) },
    { weight: 1, arbitrary: fc.nat().map((at) => (b: Buffer) => b.subarray(0, b.length ? at % b.length : 0)) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.nat(),
          fc.uint8Array({ maxLength: 16 }),
          fc.constantFrom(Buffer.from([0xff, 0xfe]), Buffer.from("\n"), Buffer.from('"'), Buffer.from("]}")),
        )
        .map(([at, noise, token]) => (b: Buffer) => {
          const i = b.length ? at % b.length : 0;
          return Buffer.concat([b.subarray(0, i), Buffer.from(noise), token, b.subarray(i)]);
        }),
    },
  );
  return fc.tuple(file, damage).map(([f, d]) => ({ name: f.name, bytes: d(Buffer.from(f.text)) }));
}

async function* inChunks(bytes: Buffer, sizes: number[]): AsyncGenerator<Buffer> {
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = sizes[i % sizes.length]!;
    yield bytes.subarray(at, at + size);
    at += size;
  }
}

/** The errors that end an import because the file cannot be read as its format. */
const FATAL = /^(line \d+: |the file ends inside|no "users" array|the CSV (file is empty|header row))/;
const config = parseFirebaseHashConfig(
  '{"algorithm": "SCRYPT", "base64_signer_key": "c2lnbmVy", "base64_salt_separator": "Bw==", "rounds": 8, "mem_cost": 14}',
);
const tmp = scratch();
afterAll(() => tmp.remove());

describe("P16: hostile export files for gatehouse import", () => {
  it.each(FORMAT_NAMES.map((name, i) => [name, i] as const))(
    "%s: every record is a row or a skip; nothing throws but a documented fatal error",
    async (format, offset) => {
      await fc.assert(
        fc.asyncProperty(
          exportFile(format),
          fc.array(fc.integer({ min: 1, max: 70 }), { minLength: 1, maxLength: 5 }),
          async (file, sizes) => {
            const before = snapshotPrototypes();
            let index = 0;
            try {
              for await (const row of FORMATS[format].rows(inChunks(file.bytes, sizes), { maxRecordBytes: 4096 }, file.name)) {
                expect(row.index).toBe(++index);
                if ("error" in row) {
                  expect(typeof row.error).toBe("string");
                  continue;
                }
                const mapped = FORMATS[format].map(row.value, { hashConfig: config, now: new Date() });
                if (isSkip(mapped)) expect(mapped.skip).toMatch(/\S/);
                else {
                  expect(typeof mapped.sourceId).toBe("string");
                  expect(Array.isArray(mapped.labels)).toBe(true);
                  expect(Object.getPrototypeOf(mapped)).toBe(Object.prototype);
                }
              }
            } catch (error) {
              expect((error as Error).message).toMatch(FATAL);
            }
            expect(restorePrototypes(before)).toEqual([]);
          },
        ),
        params(RUNS, offset),
      );
    },
    TEST_TIMEOUT,
  );

  it(
    "the command's dry run exits 0, 1 or 3 and reports every skipped row",
    async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom(...FORMAT_NAMES).chain((format) => exportFile(format).map((file) => ({ format, file }))),
          async ({ format, file }) => {
            const path = tmp.path(`${++n}-${file.name}`);
            writeFileSync(path, file.bytes);
            const report = `${path}.report.jsonl`;
            let err = "";
            const before = snapshotPrototypes();
            const code = await main(["import", "--from", format, "--dry-run", "--report", report, path], {
              stdout: { write: () => true },
              stderr: { write: (t: string) => (err += t) },
            });
            expect([0, 1, 3], err).toContain(code);
            const skipped = Number(/(\d+) skipped/.exec(err)?.[1]);
            expect(readReport(report).filter((r) => r.status === "skipped")).toHaveLength(skipped);
            expect(restorePrototypes(before)).toEqual([]);
          },
        ),
        params(Math.max(1, Math.round(RUNS / 2)), 10),
      );
    },
    TEST_TIMEOUT,
  );
});
