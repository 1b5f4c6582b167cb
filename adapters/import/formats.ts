import type { FirebaseHashConfig } from "./hash-config";
import type { Mapped } from "./record";
import { fromAppwrite } from "./readers/appwrite";
import { fromAuth0 } from "./readers/auth0";
import { fromFirebase } from "./readers/firebase";
import { fromSupabase } from "./readers/supabase";
import { csvRows } from "./streams/csv";
import { jsonArrayRows } from "./streams/json";
import { ndjsonRows } from "./streams/ndjson";
import type { RawRow, StreamLimits } from "./streams/row";

/** What a reader may need besides the record. */
export interface ReadContext {
  hashConfig: FirebaseHashConfig | null;
  now: Date;
}

export interface Format {
  /** The file's records; `path` picks the stream reader where a format has several (CSV or JSON). */
  rows(chunks: AsyncIterable<Buffer>, limits: StreamLimits, path: string): AsyncGenerator<RawRow>;
  map(value: unknown, context: ReadContext): Mapped;
}

const usersArray = (chunks: AsyncIterable<Buffer>, limits: StreamLimits) => jsonArrayRows(chunks, limits, "users");

/** The `--from` formats: how each system's export is read and mapped (adapters/import/readers). */
export const FORMATS = {
  firebase: { rows: usersArray, map: (value, context) => fromFirebase(value, context.hashConfig) },
  // A `.csv` (or `.csv.gz`) file is CSV with a header row; anything else a JSON array of rows.
  supabase: {
    rows: (chunks, limits, path) => (/\.csv(\.gz)?$/i.test(path) ? csvRows(chunks, limits) : usersArray(chunks, limits)),
    map: (value, context) => fromSupabase(value, context.now),
  },
  auth0: { rows: ndjsonRows, map: (value) => fromAuth0(value) },
  appwrite: { rows: usersArray, map: (value) => fromAppwrite(value) },
} satisfies Record<string, Format>;

export type FormatName = keyof typeof FORMATS;
export const FORMAT_NAMES = Object.keys(FORMATS) as FormatName[];
