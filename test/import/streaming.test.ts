import { createWriteStream } from "node:fs";
import { once } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { createGzip } from "node:zlib";
import { afterAll, expect, it } from "vitest";
import { main } from "../../adapters/kysely/cli";
import { readReport, scratch } from "./helpers";

/*
 * 100,000 users stream through `gatehouse import` in bounded memory. The file is an Auth0
 * export, gzipped as Auth0 hands it out: the first 50,000 lines are plain users, the last 50,000
 * also carry 8 KiB of user_metadata each, which the import does not keep (about 400 MB once
 * decompressed). The dry run keeps the users in its throwaway memory store (the real store a dry
 * run uses), which grows with every user alike; so if the stream is not held, the heavy half grows
 * the heap no more than the light half, and the file is not in memory at the first checkpoint.
 *
 * Measured without timing: the plain (non-terminal) progress line every 10,000 records is the
 * checkpoint, with a full collection before each reading.
 */

const USERS = 100_000;
const PAD = "m".repeat(8192);
const tmp = scratch();
afterAll(() => tmp.remove());

async function writeExport(path: string): Promise<void> {
  const gzip = createGzip({ level: 1 });
  const file = createWriteStream(path);
  gzip.pipe(file);
  for (let i = 0; i < USERS; i++) {
    const user = {
      user_id: `auth0|${i.toString(16).padStart(24, "0")}`,
      email: `user${i}@example.com`,
      email_verified: i % 2 === 0,
      name: `User ${i}`,
    };
    const line = `${JSON.stringify(i < USERS / 2 ? user : { ...user, user_metadata: { pad: PAD } })}\n`;
    if (!gzip.write(line)) await once(gzip, "drain");
  }
  gzip.end();
  await once(file, "close");
}

it("imports 100,000 users from a 400 MB stream without holding it", { timeout: 120_000 }, async () => {
  const file = tmp.path("users.json.gz");
  await writeExport(file);
  if (typeof globalThis.gc !== "function") setFlagsFromString("--expose-gc");
  const gc = (globalThis.gc ?? runInNewContext("gc")) as () => void;

  const heapAt: number[] = [];
  let err = "";
  gc();
  const baseline = process.memoryUsage().heapUsed;
  const code = await main(["import", "--from", "auth0", "--dry-run", "--report", tmp.path("report.jsonl"), file], {
    stdout: { write: () => true },
    stderr: {
      isTTY: false,
      write(text: string) {
        err += text;
        if (/^\d+ read/.test(text)) {
          gc();
          heapAt.push(process.memoryUsage().heapUsed);
        }
        return true;
      },
    },
  });
  expect(code, err).toBe(0);
  expect(err).toContain(`${USERS} read, ${USERS} would be imported, ${USERS} with a new id, 0 skipped`);
  // Checkpoints at 10k, 20k, … 100k records: [4] is 50k, the end of the light half.
  expect(heapAt).toHaveLength(USERS / 10_000);
  const MB = 1024 * 1024;
  expect(heapAt[0]! - baseline).toBeLessThan(64 * MB);
  const light = heapAt[4]! - heapAt[0]!;
  const heavy = heapAt[9]! - heapAt[5]!;
  // 40,000 users each: the heavy ones streamed 320 MB more, and the heap must not show it.
  expect(heavy - light, `light half grew ${light / MB} MB, heavy half ${heavy / MB} MB`).toBeLessThan(48 * MB);
  // Every user got a new id (Auth0 ids are not Appwrite ids), each one reported.
  expect(readReport(tmp.path("report.jsonl"))).toHaveLength(USERS);
});
