/**
 * Progress on stderr: on a terminal one line rewritten in place (`\r`) at most every 200 ms with
 * the count, the rate and the skips; otherwise (a log file, CI) a plain line every `every`
 * records. `quiet` writes nothing.
 */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

export interface Progress {
  tick(counts: Counts): void;
  /** Ends the rewritten line, so the summary starts on its own. */
  done(): void;
}

export interface Counts {
  read: number;
  imported: number;
  skipped: number;
}

export function progress(sink: ProgressSink, options: { quiet: boolean; every?: number; now?: () => number }): Progress {
  const now = options.now ?? Date.now;
  const every = options.every ?? 10_000;
  const started = now();
  let lastDraw = 0;
  let drawn = false;
  const line = (c: Counts) => {
    const seconds = Math.max((now() - started) / 1000, 0.001);
    return `${c.read} read, ${c.imported} imported, ${c.skipped} skipped, ${Math.round(c.read / seconds)}/s`;
  };
  if (options.quiet) return { tick() {}, done() {} };
  if (sink.isTTY) {
    return {
      tick(c) {
        const t = now();
        if (t - lastDraw < 200) return;
        lastDraw = t;
        drawn = true;
        sink.write(`\r\x1b[K${line(c)}`);
      },
      done() {
        if (drawn) sink.write("\n");
      },
    };
  }
  return {
    tick(c) {
      if (c.read % every === 0) sink.write(`${line(c)}\n`);
    },
    done() {},
  };
}
