/**
 * One record as a stream reader (json.ts, csv.ts, ndjson.ts) found it: its place in the file and
 * its parsed value, or why it could not be read. A record that cannot be read is a skipped row,
 * never the end of the import.
 */
export type RawRow = { index: number; line: number } & ({ value: unknown } | { error: string });

/** A reader's limits: a record larger than this is skipped unread. */
export interface StreamLimits {
  maxRecordBytes: number;
}

/** Deeper nesting than any export format has is refused before JSON.parse builds it. */
export const MAX_DEPTH = 32;

export const tooLarge = (bytes: number, limit: number) => `record is larger than ${limit} bytes (at least ${bytes}); skipped unread`;
