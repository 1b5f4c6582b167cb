/**
 * Splits a byte stream into records at line ends, holding at most `maxBytes` of one record: the
 * rest of a longer one is counted and dropped, so a 10 GB line costs no memory. With `quotes`, a
 * line end inside double quotes belongs to the record (CSV's quoted fields; `""` toggles twice).
 * Empty lines are not records.
 */
export type Frame = { line: number } & ({ text: string } | { oversized: number });

const NEWLINE = 0x0a;
const QUOTE = 0x22;

export async function* frames(chunks: AsyncIterable<Buffer>, options: { maxBytes: number; quotes: boolean }): AsyncGenerator<Frame> {
  let parts: Buffer[] = [];
  let size = 0;
  let line = 1;
  let startLine = 1;
  let inQuotes = false;

  const take = (piece: Buffer) => {
    if (options.quotes) line += countNewlines(piece);
    size += piece.length;
    if (size <= options.maxBytes) parts.push(piece);
    else parts = [];
  };
  const finish = (): Frame | null => {
    const frame: Frame | null =
      size > options.maxBytes
        ? { line: startLine, oversized: size }
        : size === 0
          ? null
          : { line: startLine, text: Buffer.concat(parts, size).toString("utf8").replace(/\r$/, "") };
    parts = [];
    size = 0;
    startLine = line;
    if (frame && "text" in frame && frame.text.trim() === "") return null;
    return frame;
  };

  for await (const chunk of chunks) {
    let from = 0;
    for (;;) {
      const end: { at: number; inQuotes: boolean } = options.quotes
        ? recordEnd(chunk, from, inQuotes)
        : { at: chunk.indexOf(NEWLINE, from), inQuotes: false };
      if (options.quotes) inQuotes = end.inQuotes;
      if (end.at < 0) {
        if (from < chunk.length) take(chunk.subarray(from));
        break;
      }
      take(chunk.subarray(from, end.at));
      line += 1;
      const frame = finish();
      if (frame) yield frame;
      from = end.at + 1;
    }
  }
  const last = finish();
  if (last) yield last;
}

/** The next newline outside quotes from `from` (-1 if none in this chunk), and the quote state there. */
function recordEnd(chunk: Buffer, from: number, inQuotes: boolean): { at: number; inQuotes: boolean } {
  for (let i = from; i < chunk.length; i++) {
    const byte = chunk[i];
    if (byte === QUOTE) inQuotes = !inQuotes;
    else if (byte === NEWLINE && !inQuotes) return { at: i, inQuotes };
  }
  return { at: -1, inQuotes };
}

/** Newlines inside a quoted field still move the line count on. */
function countNewlines(piece: Buffer): number {
  let count = 0;
  for (let i = piece.indexOf(NEWLINE); i >= 0; i = piece.indexOf(NEWLINE, i + 1)) count++;
  return count;
}
