/**
 * The bounds every request input is held to, in one place: the HTTP parsers (src/http/params.ts)
 * enforce them while they build the parameters, `parseParams` (src/validation/validators.ts)
 * checks values again whichever way they arrived (HTTP or a typed service call), and the
 * adversarial tests import them rather than repeating the numbers.
 */
export const INPUT_LIMITS = Object.freeze({
  /** Bracket levels in one form or query key (`a[b][c]` has 2): PHP's `max_input_nesting_level` default. */
  maxDepth: 64,
  /** Form or query fields read from one request: PHP's `max_input_vars` default. */
  maxFields: 1000,
  /**
   * Highest array index a form or query key may name (`a[999]`), and so the most elements an
   * array can hold: without it `queries[400000000]=x` made a 400-million-slot array.
   */
  maxIndex: 999,
  /** JSON nesting: the default depth of PHP's `json_decode`, which Appwrite decodes bodies with. */
  maxJsonDepth: 512,
  /** Body bytes read by default, by the fetch handler and by the Express adapter alike. */
  maxBodyBytes: 1024 * 1024,
});

/**
 * Keys no parameter may carry, at any depth. `__proto__` reaches an object's prototype through
 * assignment, `Object.assign` and most merge helpers; `constructor.prototype` reaches it through
 * a plain object's inherited `constructor`. The parsers build objects that inherit nothing, where all
 * three would be ordinary keys (as PHP keeps them), but a parameter may later be copied into an
 * ordinary object by code that does not expect them; refusing them outright keeps that safe
 * everywhere, at the cost of three preference names no application needs.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/**
 * True when the text is valid Unicode, i.e. has no lone surrogate. A lone surrogate cannot be
 * encoded as UTF-8: stores and hashes would silently replace it (U+FFFD), so the value kept would
 * differ from the value accepted, and two different passwords could hash alike.
 */
export function isWellFormed(text: string): boolean {
  // With the `u` flag a valid surrogate pair is one code point, so only a lone half matches.
  return !LONE_SURROGATE.test(text);
}

const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether a parameter value, at any depth, is free of lone surrogates (in values and in keys) and
 * of forbidden keys, and no deeper than `maxJsonDepth`. Iterative, so a hostile value cannot
 * exhaust the stack; an object met twice (shared or cyclic, possible only in a direct service
 call) is checked once.
 */
export function isSafeValue(value: unknown): boolean {
  const pending: Array<[unknown, number]> = [[value, 0]];
  const seen = new WeakSet<object>();
  while (pending.length > 0) {
    const [current, depth] = pending.pop()!;
    if (typeof current === "string") {
      if (!isWellFormed(current)) return false;
      continue;
    }
    if (typeof current !== "object" || current === null || seen.has(current)) continue;
    if (depth >= INPUT_LIMITS.maxJsonDepth) return false;
    seen.add(current);
    if (Array.isArray(current)) {
      for (const item of current) pending.push([item, depth + 1]);
      continue;
    }
    for (const key of Object.keys(current)) {
      if (FORBIDDEN_KEYS.has(key) || !isWellFormed(key)) return false;
      pending.push([(current as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return true;
}
