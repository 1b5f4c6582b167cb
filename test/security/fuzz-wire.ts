/**
 * One generated request of the adversarial suite, how it is sent through the handler, and the
 * checks every answer must pass (test/security/fuzz.test.ts lists the properties built on them).
 */
import fc from "fast-check";
import type { OperationName } from "gatehouse-auth";
import type { Harness, StoreFault } from "./fuzz-harness";
import { rendersHtml } from "./fuzz-harness";

/** Generous: the machine is shared and noisy; the defects this catches cost seconds. */
export const TIME_BOUND_MS = Number(process.env.FUZZ_TIME_BOUND_MS ?? 2000);

export interface FuzzRequest {
  method: string;
  /** The route template from src/http/routes.ts, for the failure report. */
  route: string;
  operation: OperationName;
  /** Scheme and authority of the URL (`http://localhost`, `http://evil.example`). */
  origin: string;
  /** The path after `/v1`, path parameters filled (already percent-encoded). */
  path: string;
  /** The raw query string without `?` (may be empty). */
  query: string;
  contentType: string | null;
  body: string | Uint8Array | null;
  headers: Array<[string, string]>;
  /** The socket peer (`127.0.0.1` is a trusted proxy: X-Forwarded-For then counts). */
  ip: string;
}

/** Placeholders generators use for credentials only known once the harness exists. */
const PLACEHOLDERS: Array<[RegExp, (h: Harness) => string]> = [
  [/\$SESSION_ID/g, (h) => h.fixture.sessionId],
  [/\$SESSION/g, (h) => h.fixture.session],
  [/\$JWT/g, (h) => h.fixture.jwt],
  [/\$USER_ID/g, (h) => h.fixture.userId],
];

export function fill(text: string, h: Harness): string {
  let out = text;
  for (const [pattern, value] of PLACEHOLDERS) if (out.includes("$")) out = out.replace(pattern, value(h));
  return out;
}

export function urlOf(spec: FuzzRequest, h: Harness): string {
  return `${spec.origin}/v1${fill(spec.path, h)}${spec.query ? `?${fill(spec.query, h)}` : ""}`;
}

const clip = (text: string, max = 300) => (text.length > max ? `${text.slice(0, max)}…(${text.length} chars)` : text);

function bodyText(body: string | Uint8Array | null): string {
  if (body === null) return "(none)";
  if (typeof body === "string") return JSON.stringify(clip(body));
  return `bytes ${Buffer.from(body.subarray(0, 200)).toString("hex")}${body.length > 200 ? `…(${body.length} bytes)` : ""}`;
}

/** What the failure report shows for a request: enough to replay it by hand. */
export function describeRequest(spec: FuzzRequest): string {
  const headers = spec.headers.map(([n, v]) => `  ${n}: ${JSON.stringify(clip(v, 160))}`).join("\n");
  return [
    `${spec.method} ${spec.route} (${spec.operation})`,
    `  url: ${JSON.stringify(clip(`${spec.origin}/v1${spec.path}${spec.query ? `?${spec.query}` : ""}`, 400))}`,
    `  peer ip: ${spec.ip}`,
    `  content-type: ${spec.contentType ?? "(none)"}`,
    `  body: ${bodyText(spec.body)}`,
    headers,
  ]
    .filter(Boolean)
    .join("\n");
}

/** Makes fast-check print a generated request readably (and short) in its counterexample. */
export function printable<T extends FuzzRequest>(spec: T): T {
  Object.defineProperty(spec, fc.toStringMethod, { value: () => `\n${describeRequest(spec)}\n`, enumerable: false });
  return spec;
}

export function toRequest(spec: FuzzRequest, h: Harness): Request {
  const headers = new Headers();
  for (const [name, value] of spec.headers) headers.append(name, fill(value, h));
  if (spec.contentType !== null) headers.set("content-type", spec.contentType);
  const init: RequestInit = { method: spec.method, headers };
  if (spec.body !== null && spec.method !== "GET")
    init.body = typeof spec.body === "string" ? fill(spec.body, h) : (spec.body as unknown as BodyInit);
  return new Request(urlOf(spec, h), init);
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  ms: number;
  /** Store write methods called while the request ran. */
  writes: string[];
  /** What the handler reported through onError (the cause of a 500). */
  faults: unknown[];
}

export async function send(h: Harness, spec: FuzzRequest, fault: StoreFault | null = null): Promise<Answer> {
  h.store.beginRequest(fault);
  h.faults.length = 0;
  const request = toRequest(spec, h);
  const started = performance.now();
  const response = await h.handler.fetch(request, { ip: spec.ip });
  const text = await response.text();
  const ms = performance.now() - started;
  return { status: response.status, headers: response.headers, text, ms, writes: [...h.store.writes], faults: [...h.faults] };
}

// ---------------------------------------------------------------------------------------------
// Prototypes
// ---------------------------------------------------------------------------------------------

const WATCHED: Array<[string, object]> = [
  ["Object.prototype", Object.prototype],
  ["Array.prototype", Array.prototype],
  ["Function.prototype", Function.prototype],
  ["String.prototype", String.prototype],
];

export type PrototypeSnapshot = Array<Map<string | symbol, PropertyDescriptor>>;

export function snapshotPrototypes(): PrototypeSnapshot {
  return WATCHED.map(([, proto]) => new Map(Reflect.ownKeys(proto).map((key) => [key, Object.getOwnPropertyDescriptor(proto, key)!])));
}

/**
 * Names every key added to or changed on a watched prototype since `before`, and puts the
 * prototype back as it was, so one polluting input cannot poison the runs after it.
 */
export function restorePrototypes(before: PrototypeSnapshot): string[] {
  const changes: string[] = [];
  WATCHED.forEach(([label, proto], i) => {
    const old = before[i]!;
    for (const key of Reflect.ownKeys(proto)) {
      const was = old.get(key);
      const now = Object.getOwnPropertyDescriptor(proto, key)!;
      if (!was) {
        changes.push(`${label}.${String(key)} added (${JSON.stringify(String(now.value)).slice(0, 80)})`);
        delete (proto as Record<string | symbol, unknown>)[key];
      } else if (was.value !== now.value || was.get !== now.get || was.set !== now.set) {
        changes.push(`${label}.${String(key)} replaced`);
        Object.defineProperty(proto, key, was);
      }
    }
    for (const [key, was] of old) {
      if (!Object.getOwnPropertyDescriptor(proto, key)) {
        changes.push(`${label}.${String(key)} deleted`);
        Object.defineProperty(proto, key, was);
      }
    }
  });
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Answer checks
// ---------------------------------------------------------------------------------------------

/** Stack frames (`at fn (/path/file.ts:1:2)`), file positions and absolute source paths. */
const STACK_PATTERNS = [
  /\n\s*at\s+[^\n]*:\d+:\d+\)?/,
  /\bat\s+(async\s+)?[\w$.<>]+\s+\((file:|node:|\/)[^)]*\)/,
  /\/(src|adapters|node_modules)\/[\w./-]+\.(ts|js|mjs|cjs)\b/,
  /\bnode:internal\//,
];

/** Stack-trace text in `text` that the request did not itself contain (echoes of input are not leaks). */
export function leakedStack(text: string, requestText: string): string | null {
  for (const pattern of STACK_PATTERNS) {
    const found = pattern.exec(text);
    if (found && !requestText.includes(found[0].trim())) return found[0];
  }
  return null;
}

export interface CheckOptions {
  /** 503 general_server_error is an acceptable answer (store-outage properties). */
  allowUnavailable?: boolean;
  timeBoundMs?: number;
  /** Injects a store outage into the request (see StoreFault). */
  fault?: StoreFault | null;
}

export interface ErrorBody {
  message: string;
  code: number;
  type: string;
  version: string;
}

/** The JSON error body, or null when the answer is not one. */
export function errorBody(answer: Answer): ErrorBody | null {
  if (answer.status < 400 || !(answer.headers.get("content-type") ?? "").includes("application/json")) return null;
  try {
    return JSON.parse(answer.text) as ErrorBody;
  } catch {
    return null;
  }
}

/** The error type of an answer, JSON or HTML page. */
export function errorType(answer: Answer): string | null {
  const json = errorBody(answer);
  if (json) return json.type;
  const html = /<code>([a-z0-9_]+)<\/code>/.exec(answer.text);
  return answer.status >= 400 && html ? html[1]! : null;
}

function faultText(faults: unknown[]): string {
  return faults.map((f) => (f instanceof Error ? (f.stack ?? f.message) : String(f)).split("\n").slice(0, 8).join("\n    ")).join("\n  ");
}

/**
 * The contract every answer keeps, whatever was sent: no 5xx, an Appwrite error body (or the HTML
 * page on the routes that render one), no stack trace, within the time bound, and no store write
 * on a request refused for its parameters.
 */
export function answerProblems(spec: FuzzRequest, answer: Answer, options: CheckOptions = {}): string[] {
  const problems: string[] = [];
  const type = errorType(answer);
  const unavailable = options.allowUnavailable && answer.status === 503 && type === "general_server_error";
  if (answer.status >= 500 && !unavailable) problems.push(`status ${answer.status} (${type ?? "no error type"})`);
  const bound = options.timeBoundMs ?? TIME_BOUND_MS;
  if (answer.ms > bound) problems.push(`answered in ${Math.round(answer.ms)} ms (bound ${bound} ms)`);

  const contentType = answer.headers.get("content-type") ?? "";
  if (answer.status >= 400) {
    if (contentType.startsWith("text/html")) {
      if (!rendersHtml(spec.operation)) problems.push("HTML error page on a JSON route");
      if (!answer.text.includes(`<code>`)) problems.push("HTML error page without an error type");
    } else {
      const body = errorBody(answer);
      if (!body) problems.push(`error body is not JSON (${contentType || "no content type"})`);
      else {
        if (typeof body.message !== "string") problems.push("error body without message");
        if (body.code !== answer.status) problems.push(`error body code ${String(body.code)} ≠ status ${answer.status}`);
        if (typeof body.type !== "string" || !body.type) problems.push("error body without type");
        if (typeof body.version !== "string") problems.push("error body without version");
      }
    }
  } else if (answer.status >= 300 && answer.status < 400) {
    if (!answer.headers.get("location")) problems.push(`${answer.status} without Location`);
  } else if (answer.text && contentType.includes("application/json")) {
    try {
      JSON.parse(answer.text);
    } catch {
      problems.push("2xx body is not JSON");
    }
  }

  const requestText = `${spec.path}\n${spec.query}\n${typeof spec.body === "string" ? spec.body : ""}\n${spec.headers.map(([n, v]) => `${n}: ${v}`).join("\n")}`;
  const stack = leakedStack(answer.text, requestText) ?? leakedStack(headerLines(answer.headers), requestText);
  if (stack) problems.push(`stack trace in the answer: ${JSON.stringify(stack)}`);

  if (answer.status === 400 && type === "general_argument_invalid" && answer.writes.length > 0) {
    problems.push(`refused as general_argument_invalid but wrote: ${answer.writes.join(", ")}`);
  }
  return problems;
}

function headerLines(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => lines.push(`${name}: ${value}`));
  return lines.join("\n");
}

/** Throws a report naming the route, the input and what went wrong, for fast-check to shrink on. */
export function fail(spec: FuzzRequest, answer: Answer | null, problems: string[]): never {
  const lines = [`${problems.join("; ")}`, describeRequest(spec)];
  if (answer) lines.push(`→ ${answer.status} ${JSON.stringify(clip(answer.text, 400))}`);
  if (answer?.faults.length) lines.push(`  handler faults:\n  ${faultText(answer.faults)}`);
  throw new Error(lines.join("\n"));
}

/** Sends one request and applies every check of `answerProblems` plus the prototype check. */
export async function sendChecked(h: Harness, spec: FuzzRequest, options: CheckOptions = {}): Promise<Answer> {
  const before = snapshotPrototypes();
  let answer: Answer | null = null;
  try {
    answer = await send(h, spec, options.fault ?? null);
  } catch (thrown) {
    restorePrototypes(before);
    fail(spec, null, [
      `the handler threw instead of answering: ${thrown instanceof Error ? (thrown.stack ?? thrown.message).split("\n").slice(0, 6).join("\n    ") : String(thrown)}`,
    ]);
  } finally {
    const changed = restorePrototypes(before);
    if (changed.length) fail(spec, answer, [`prototype changed: ${changed.join(", ")}`]);
  }
  // A slow answer is measured again before it counts: the machine is shared, and one GC pause or
  // a neighbour's test run must not read as a defect. A real one (quadratic parsing) is slow twice.
  // The second try goes to a new handler, whose memos (the response-format cache) start empty.
  const bound = options.timeBoundMs ?? TIME_BOUND_MS;
  if (answer.ms > bound) {
    const again = await send({ ...h, handler: h.makeHandler() }, spec, options.fault ?? null);
    restorePrototypes(before);
    answer.ms = Math.min(answer.ms, again.ms);
  }
  const problems = answerProblems(spec, answer, options);
  if (problems.length) fail(spec, answer, problems);
  return answer;
}
