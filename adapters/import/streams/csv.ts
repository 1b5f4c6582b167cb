import { parse } from "csv-parse/sync";
import { frames } from "./frames";
import { tooLarge, type RawRow, type StreamLimits } from "./row";

/** More columns than `auth.users` has, with room to spare. */
const MAX_COLUMNS = 200;

/**
 * CSV with a header row (a `\copy … to 'users.csv' csv header` of a table): each row an object
 * keyed by the header, every value a string ("" for NULL). frames.ts cuts the records, so one
 * unclosed quote or huge field skips a bounded record; csv-parse reads the fields of each.
 */
export async function* csvRows(chunks: AsyncIterable<Buffer>, limits: StreamLimits): AsyncGenerator<RawRow> {
  let header: string[] | null = null;
  let index = 0;
  for await (const frame of frames(chunks, { maxBytes: limits.maxRecordBytes, quotes: true })) {
    if (!header) {
      if ("oversized" in frame) throw new Error(`the CSV header row is larger than ${limits.maxRecordBytes} bytes`);
      const fields = fieldsOf(frame.text);
      if (!fields || fields.length === 0 || fields.length > MAX_COLUMNS)
        throw new Error(`line ${frame.line}: the first row must be a header of at most ${MAX_COLUMNS} column names`);
      header = fields.map((name) => name.trim());
      continue;
    }
    index++;
    if ("oversized" in frame) {
      yield { index, line: frame.line, error: tooLarge(frame.oversized, limits.maxRecordBytes) };
      continue;
    }
    const fields = fieldsOf(frame.text);
    if (!fields) yield { index, line: frame.line, error: "invalid CSV row (unbalanced quotes?)" };
    else if (fields.length !== header.length)
      yield { index, line: frame.line, error: `expected ${header.length} columns as in the header, found ${fields.length}` };
    else yield { index, line: frame.line, value: Object.fromEntries(header.map((name, i) => [name, fields[i]!])) };
  }
  if (!header) throw new Error("the CSV file is empty (no header row)");
}

/** One record's fields, or null when it is not one well-formed CSV record. */
function fieldsOf(text: string): string[] | null {
  try {
    const records = parse(text, { bom: true, relax_column_count: true });
    return records.length === 1 ? records[0]! : null;
  } catch {
    return null;
  }
}
