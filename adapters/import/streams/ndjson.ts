import { frames } from "./frames";
import { parseJsonRecord } from "./parse-json";
import { tooLarge, type RawRow, type StreamLimits } from "./row";

/** Newline-delimited JSON (Auth0's export jobs): one object per line. */
export async function* ndjsonRows(chunks: AsyncIterable<Buffer>, limits: StreamLimits): AsyncGenerator<RawRow> {
  let index = 0;
  for await (const frame of frames(chunks, { maxBytes: limits.maxRecordBytes, quotes: false })) {
    index++;
    if ("oversized" in frame) yield { index, line: frame.line, error: tooLarge(frame.oversized, limits.maxRecordBytes) };
    else yield { index, line: frame.line, ...parseJsonRecord(frame.text) };
  }
}
