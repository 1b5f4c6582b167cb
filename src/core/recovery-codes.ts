import { AppwriteError } from "../errors";
import { sha256Hex } from "../crypto/hash";
import { randomHex } from "../crypto/random";
import type { RecoveryCodeRecord, UserRecord } from "../ports/store";
import type { Outcome } from "./context";
import { ok, type Env } from "./operation";

const RECOVERY_CODE_COUNT = 6;

/**
 * Issues six new recovery codes of 10 lowercase hex characters, as Appwrite's (hashed for
 * redemption, sealed for display), and answers them: the Account API's and the Users API's create
 * routes (refused while the user has codes) and update routes (refused while they have none).
 */
export async function issueRecoveryCodes(
  env: Env,
  user: UserRecord,
  route: "create" | "update",
): Promise<Outcome<{ recoveryCodes: string[] }>> {
  const held = (await env.deps.store.mfa.countRecoveryCodes(user.id)) > 0;
  if (route === "create" && held) throw new AppwriteError("user_recovery_codes_already_exists");
  if (route === "update" && !held) throw new AppwriteError("user_recovery_codes_not_found");
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

/** The user's remaining codes in clear, for the get routes of both APIs; 404 when there are none. */
export async function shownRecoveryCodes(env: Env, userId: string): Promise<Outcome<{ recoveryCodes: string[] }>> {
  const records = await env.deps.store.mfa.listRecoveryCodes(userId);
  if (records.length === 0) throw new AppwriteError("user_recovery_codes_not_found");
  const codes = records.map((r) => env.deps.seal.open(r.sealedCode));
  if (codes.some((c) => c === null)) {
    // Sealed under another service secret (it changed, or none was configured and the process
    // restarted): the codes still work but can no longer be shown.
    throw new AppwriteError(
      "user_recovery_codes_not_found",
      "Recovery codes can no longer be shown because the service secret changed. Regenerate them.",
    );
  }
  return ok({ recoveryCodes: codes as string[] });
}
