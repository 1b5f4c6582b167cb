import { parseShallowJson } from "./parse-json";
import { MAX_DEPTH, tooLarge, type RawRow, type StreamLimits } from "./row";

/**
 * The elements of a JSON array, one at a time: the file's top-level array, or the array under
 * the top-level key `arrayKey` (`{"users": [...]}` of Firebase's and Appwrite's exports; other
 * keys such as `total` are passed over). A byte scanner finds where each element starts and ends
 * (strings, escapes and nesting are all it needs to know) and holds at most `maxRecordBytes` of
 * it; JSON.parse then reads the element. A streaming parser builds each value whole before it can
 * be looked at, so an oversized element could not be skipped without holding it.
 *
 * Throws (a fatal error) when the file is not such an array or ends inside it.
 */
export async function* jsonArrayRows(chunks: AsyncIterable<Buffer>, limits: StreamLimits, arrayKey: string): AsyncGenerator<RawRow> {
  const scanner = new ElementScanner(limits.maxRecordBytes, arrayKey);
  for await (const chunk of chunks) yield* scanner.push(chunk);
  scanner.end();
}

const enum B {
  Quote = 0x22,
  Backslash = 0x5c,
  Comma = 0x2c,
  Colon = 0x3a,
  OpenBrace = 0x7b,
  CloseBrace = 0x7d,
  OpenBracket = 0x5b,
  CloseBracket = 0x5d,
  Newline = 0x0a,
}

const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
/** The bytes of a UTF-8 byte order mark, which some exporters write first. */
const isBom = (b: number) => b === 0xef || b === 0xbb || b === 0xbf;
const KEY_LIMIT = 256;

/** A top-level key's text from its raw bytes (escapes and all), or "" when too long or malformed. */
function keyText(raw: number[]): string {
  if (raw.length > KEY_LIMIT) return "";
  try {
    return JSON.parse(`"${Buffer.from(raw).toString("utf8")}"`) as string;
  } catch {
    return "";
  }
}

class ElementScanner {
  private phase: "start" | "object" | "array" | "done" = "start";
  private depth = 0;
  private inString = false;
  private escaped = false;
  private line = 1;
  private index = 0;
  /** In the top-level object: the key just read, and whether the next value is the array. */
  private key: number[] | null = null;
  private lastKey = "";
  private expectKey = false;
  private awaitingArray = false;
  private foundArray = false;
  /** The element being read. */
  private collecting = false;
  private elementLine = 0;
  private elementDepth = 0;
  private parts: Buffer[] = [];
  private size = 0;
  private arrayDepth = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly arrayKey: string,
  ) {}

  *push(chunk: Buffer): Generator<RawRow> {
    // Where the element's bytes start in this chunk: 0 when it began in an earlier one.
    let segment = this.collecting ? 0 : -1;
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (b === B.Newline) this.line++;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (b === B.Backslash) this.escaped = true;
        else if (b === B.Quote) {
          this.inString = false;
          if (this.key) {
            this.lastKey = keyText(this.key);
            this.key = null;
          }
          continue;
        }
        // Escapes too: the key is read as JSON reads it, so `"\\users"` is not `users`.
        if (this.key && this.key.length <= KEY_LIMIT) this.key.push(b);
        continue;
      }
      if (isSpace(b) || (this.phase === "start" && isBom(b))) continue;
      const inArray = this.phase === "array" && this.depth === this.arrayDepth;
      if (inArray && (b === B.Comma || b === B.CloseBracket)) {
        if (this.collecting) {
          this.take(chunk, segment, i);
          segment = -1;
          yield this.finish();
        } else if (b === B.Comma) {
          throw new Error(`line ${this.line}: an empty element in the array`);
        }
        if (b === B.CloseBracket) {
          this.depth--;
          this.phase = this.arrayDepth === 1 ? "done" : "object";
          this.expectKey = false;
        }
        continue;
      }
      if (inArray && !this.collecting) {
        this.collecting = true;
        this.elementLine = this.line;
        this.elementDepth = 0;
        segment = i;
      }
      switch (b) {
        case B.Quote:
          this.inString = true;
          if (this.phase === "object" && this.depth === 1 && this.expectKey) this.key = [];
          break;
        case B.OpenBrace:
        case B.OpenBracket:
          if (this.phase === "start") {
            this.depth = 1;
            if (b === B.OpenBracket) this.enterArray();
            else {
              this.phase = "object";
              this.expectKey = true;
            }
            break;
          }
          if (this.phase === "object" && this.depth === 1 && this.awaitingArray && b === B.OpenBracket) {
            this.awaitingArray = false;
            this.depth = 2;
            this.enterArray();
            break;
          }
          this.depth++;
          if (this.collecting) this.elementDepth = Math.max(this.elementDepth, this.depth - this.arrayDepth);
          break;
        case B.CloseBrace:
        case B.CloseBracket:
          this.depth--;
          if (this.depth < 0 || this.phase === "start") throw new Error(`line ${this.line}: unbalanced "${String.fromCharCode(b)}"`);
          if (this.phase === "object" && this.depth === 0) this.phase = "done";
          break;
        case B.Comma:
          if (this.phase === "object" && this.depth === 1) this.expectKey = true;
          break;
        case B.Colon:
          if (this.phase === "object" && this.depth === 1) {
            this.expectKey = false;
            this.awaitingArray = this.lastKey === this.arrayKey && !this.foundArray;
          }
          break;
        default:
          if (this.phase === "start") throw new Error(`line ${this.line}: the file must hold a JSON array or object`);
      }
      if (this.phase === "object" && this.depth === 1 && b !== B.Colon && b !== B.OpenBracket) this.awaitingArray = false;
    }
    if (this.collecting && segment >= 0) this.take(chunk, segment, chunk.length);
  }

  end(): void {
    if (this.phase === "array" || this.inString || (this.phase !== "done" && this.phase !== "start"))
      throw new Error(`the file ends inside ${this.phase === "array" ? "the users array" : "a JSON value"} (truncated?)`);
    if (!this.foundArray) throw new Error(`no "${this.arrayKey}" array in the file (expected [...] or {"${this.arrayKey}": [...]})`);
  }

  private enterArray(): void {
    this.phase = "array";
    this.arrayDepth = this.depth;
    this.foundArray = true;
  }

  private take(chunk: Buffer, from: number, to: number): void {
    this.size += to - from;
    if (this.size <= this.maxBytes) this.parts.push(chunk.subarray(from, to));
    else this.parts = [];
  }

  private finish(): RawRow {
    const row = { index: ++this.index, line: this.elementLine };
    const { size, parts, elementDepth } = this;
    this.collecting = false;
    this.parts = [];
    this.size = 0;
    if (size > this.maxBytes) return { ...row, error: tooLarge(size, this.maxBytes) };
    if (elementDepth > MAX_DEPTH) return { ...row, error: `JSON nested deeper than ${MAX_DEPTH} levels` };
    // The scan above measured the nesting (elementDepth): no second pass over the text.
    return { ...row, ...parseShallowJson(Buffer.concat(parts, size).toString("utf8")) };
  }
}
