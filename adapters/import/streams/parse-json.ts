import { MAX_DEPTH } from "./row";

/**
 * One record's JSON text to its value, or why not. Nesting deeper than MAX_DEPTH is refused
 * before parsing. JSON.parse makes `__proto__` an own property, never a prototype, and the
 * readers take only the fields they name.
 */
export function parseJsonRecord(text: string): { value: unknown } | { error: string } {
  if (nestingDepth(text) > MAX_DEPTH) return { error: `JSON nested deeper than ${MAX_DEPTH} levels` };
  return parseShallowJson(text);
}

/** parseJsonRecord for text whose nesting the caller has measured already (json.ts's scanner). */
export function parseShallowJson(text: string): { value: unknown } | { error: string } {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch (error) {
    return { error: `invalid JSON: ${(error as Error).message.slice(0, 200)}` };
  }
}

/** The deepest nesting of brackets and braces outside strings. */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}
