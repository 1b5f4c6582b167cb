import { sha256Hex } from "../crypto/hash";
import { randomHex } from "../crypto/random";
import type { RecoveryCodeRecord, UserRecord } from "../ports/store";
import type { Env } from "./operation";

const RECOVERY_CODE_COUNT = 6;

/** Six codes of 10 lowercase hex characters, as Appwrite's: hashed for redemption, sealed for display. */
export function newRecoveryCodes(env: Env, user: UserRecord): { codes: string[]; records: RecoveryCodeRecord[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomHex(5));
  const records = codes.map((code) => ({
    userId: user.id,
    codeHash: sha256Hex(code),
    sealedCode: env.deps.seal.seal(code),
    createdAt: env.now,
  }));
  return { codes, records };
}

/** The user's remaining codes in clear, or null when any was sealed under another secret. */
export async function openRecoveryCodes(env: Env, userId: string): Promise<string[] | null> {
  const records = await env.deps.store.mfa.listRecoveryCodes(userId);
  const codes = records.map((r) => env.deps.seal.open(r.sealedCode));
  return codes.some((c) => c === null) ? null : (codes as string[]);
}
