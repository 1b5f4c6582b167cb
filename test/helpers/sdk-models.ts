import { readFileSync } from "node:fs";
import { expect } from "vitest";

/**
 * The fields of today's SDKs' `Models` (appwrite 28: types/models.d.ts, node-appwrite 27:
 * dist/models.d.ts), read from their installed type declarations, so a test compares what
 * Gatehouse sends with what each SDK declares, field by field and in order.
 */
const DECLARATIONS = {
  web28: new URL("../../node_modules/appwrite-latest/types/models.d.ts", import.meta.url),
  node27: new URL("../../node_modules/node-appwrite-latest/dist/models.d.ts", import.meta.url),
} as const;
export type LatestSdk = keyof typeof DECLARATIONS;

/** Fields the User type declares for the Users API (admin) only; the Account API never sends them. */
const ADMIN_ONLY = new Set(["password", "hash", "hashOptions"]);

/**
 * Fields of appwrite 28's (2.x) models that node-appwrite 27 (1.9.5) does not declare. Gatehouse
 * serves one superset from format 1.9.0 up, as Appwrite does: node 27 ignores these.
 */
export const NODE27_UNDECLARED: Readonly<Record<string, readonly string[]>> = {
  User: ["passwordPwned"],
  Identity: ["providerIdToken"],
  MfaFactors: ["custom"],
};

const cache = new Map<string, string[]>();

/** The top-level fields of `Models.<name>` in the SDK's declarations, in order ("?" marks none). */
export function declaredFields(sdk: LatestSdk, name: string): string[] {
  const key = `${sdk}:${name}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const lines = readFileSync(DECLARATIONS[sdk], "utf8").split("\n");
  const start = lines.findIndex((line) => new RegExp(`^\\s{4}export type ${name}\\b`).test(line));
  if (start < 0) throw new Error(`${sdk} declares no Models.${name}`);
  const fields: string[] = [];
  for (let i = start + 1; i < lines.length && !/^\s{4}};/.test(lines[i]!); i++) {
    const match = /^\s{8}(\$?\w+)\??:/.exec(lines[i]!);
    if (match && !ADMIN_ONLY.has(match[1]!)) fields.push(match[1]!);
  }
  cache.set(key, fields);
  return fields;
}

/** `value` has exactly the fields `sdk` declares for `Models.<name>`, in order (plus the 2.x ones for node 27). */
export function expectModel(value: unknown, sdk: LatestSdk, name: string): void {
  const keys = Object.keys(value as object);
  const declared = declaredFields(sdk, name);
  const extra = sdk === "node27" ? (NODE27_UNDECLARED[name] ?? []) : [];
  expect(
    keys.filter((k) => !extra.includes(k)),
    `Models.${name} of ${sdk}`,
  ).toEqual(declared);
  expect(keys.filter((k) => !declared.includes(k)).sort(), `fields ${sdk} does not declare in Models.${name}`).toEqual([...extra].sort());
}
