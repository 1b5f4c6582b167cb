import { z } from "zod";

/**
 * Firebase's password hash parameters (console: Authentication → Users → ⋮ → Password hash
 * parameters), passed as `--hash-config <file>`. The console shows them as a text block,
 *
 *   hash_config {
 *     algorithm: SCRYPT,
 *     base64_signer_key: jxspr8…==,
 *     base64_salt_separator: Bw==,
 *     rounds: 8,
 *     mem_cost: 14,
 *   }
 *
 * and the file may hold that block or the same keys as a JSON object (optionally under
 * "hash_config").
 */
export interface FirebaseHashConfig {
  algorithm: string;
  signerKey: string;
  saltSeparator: string;
  rounds: number;
  memCost: number;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

const Config = z.object({
  algorithm: z.string().min(1).max(64),
  base64_signer_key: z.string().min(1).max(1024).regex(BASE64, "must be base64"),
  base64_salt_separator: z.string().max(1024).regex(BASE64, "must be base64").default(""),
  rounds: z.coerce.number().int().min(0).max(64),
  mem_cost: z.coerce.number().int().min(0).max(64),
});

/** The largest --hash-config file (the console's block is a few hundred bytes). */
export const HASH_CONFIG_MAX_BYTES = 64 * 1024;

/** The parameters in a --hash-config file's text; throws with the reason when they are not there. */
export function parseFirebaseHashConfig(text: string): FirebaseHashConfig {
  if (Buffer.byteLength(text, "utf8") > HASH_CONFIG_MAX_BYTES) throw new Error("--hash-config: the file is larger than 64 KiB");
  const raw = text.trim().startsWith("{") ? fromJson(text) : fromBlock(text);
  const parsed = Config.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`--hash-config: ${issue ? `${issue.path.join(".") || "value"}: ${issue.message}` : "invalid"}`);
  }
  const c = parsed.data;
  return {
    algorithm: c.algorithm.toUpperCase(),
    signerKey: c.base64_signer_key,
    saltSeparator: c.base64_salt_separator,
    rounds: c.rounds,
    memCost: c.mem_cost,
  };
}

function fromJson(text: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`--hash-config: invalid JSON (${(error as Error).message})`, { cause: error });
  }
  if (typeof value === "object" && value !== null && Object.hasOwn(value, "hash_config"))
    return (value as { hash_config: unknown }).hash_config;
  return value;
}

/** `key: value` pairs, one per line or comma-separated, inside an optional `hash_config { … }`. */
function fromBlock(text: string): Record<string, string> {
  const body = text.replace(/^\s*hash_config\s*\{/, "").replace(/\}\s*$/, "");
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const pair of body.split(/[,\n]/)) {
    const found = /^\s*([a-z0-9_]+)\s*:\s*"?([^"\s]*)"?\s*$/i.exec(pair);
    if (found) out[found[1]!] = found[2]!;
  }
  return out;
}
