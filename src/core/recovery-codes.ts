import { sha256Hex } from "../crypto/hash";
import { randomHex } from "../crypto/random";
import type { RecoveryCodeRecord, UserRecord } from "../ports/store";
import type { Outcome } from "./context";
import { ok, type Env } from "./operation";

const RECOVERY_CODE_COUNT = 6;

/**
 * Replaces the user's recovery codes with six new ones of 10 lowercase hex characters, as
 * Appwrite's (hashed for redemption, sealed for display), and answers them: the Account API's and
 * the Users API's create and update routes alike.
 */
export async function issueRecoveryCodes(env: Env, user: UserRecord): Promise<Outcome<{ recoveryCodes: string[] }>> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => randomHex(5));
  const records: RecoveryCodeRecord[] = codes.map((code) => ({
    userId: user.id,
    codeHash: sha256Hex(code),
    sealedCode: env.deps.seal.seal(code),
    createdAt: env.now,
  }));
  await env.deps.store.mfa.replaceRecoveryCodes(user.id, records);
  return ok({ recoveryCodes: codes });
}

/** The user's remaining codes in clear, or null when any was sealed under another secret. */
export async function openRecoveryCodes(env: Env, userId: string): Promise<string[] | null> {
  const records = await env.deps.store.mfa.listRecoveryCodes(userId);
  const codes = records.map((r) => env.deps.seal.open(r.sealedCode));
  return codes.some((c) => c === null) ? null : (codes as string[]);
}
