import { createWriteStream, type WriteStream } from "node:fs";
import { once } from "node:events";

/**
 * The import report: one JSON line per skipped row and per row whose user got a new id, e.g.
 *   {"index":12,"line":14,"sourceId":"auth0|5f…","status":"skipped","reason":"duplicate email: user_already_exists"}
 *   {"index":13,"line":15,"sourceId":"auth0|60…","status":"imported","userId":"674f…"}
 * `index` counts records from 1; `line` is where the record starts in the (decompressed) file.
 */
export type ReportEntry = {
  index: number;
  line: number;
  sourceId: string | null;
} & ({ status: "skipped"; reason: string } | { status: "imported" | "would-import"; userId: string | null; note?: string });

export interface Report {
  add(entry: ReportEntry): Promise<void>;
  close(): Promise<void>;
}

export async function openReport(path: string): Promise<Report> {
  const stream: WriteStream = createWriteStream(path, { flags: "w" });
  await Promise.race([once(stream, "open"), once(stream, "error").then(([error]) => Promise.reject(error as Error))]);
  let failed: Error | null = null;
  stream.on("error", (error) => (failed = error));
  return {
    async add(entry) {
      if (failed) throw failed;
      // Waits for the disk when the stream's buffer is full, so a run of skips holds no memory.
      if (!stream.write(`${JSON.stringify(entry)}\n`)) await once(stream, "drain");
    },
    async close() {
      stream.end();
      if (!stream.closed) await once(stream, "close");
      if (failed) throw failed;
    },
  };
}
