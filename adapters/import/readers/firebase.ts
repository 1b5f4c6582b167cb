import { z } from "zod";
import type { FirebaseHashConfig } from "../hash-config";
import { baseRecord, type Mapped } from "../record";
import { e164, firstIssue, flag, sourceIdOf, text } from "./fields";

/**
 * A user of `firebase auth:export users.json --format=json` (`{"users": [...]}`). Passwords are
 * Firebase's modified scrypt: base64 `passwordHash` and `salt` per user, the signer key and salt
 * separator project-wide (--hash-config, adapters/import/hash-config.ts).
 */
const FirebaseUser = z.object({
  localId: z.string().min(1).max(256),
  email: text(512),
  emailVerified: flag,
  passwordHash: text(1024),
  salt: text(1024),
  displayName: text(4096),
  phoneNumber: text(64),
  disabled: flag,
});

/**
 * The scrypt cost the scrypt-modified route verifies with (it takes no cost parameters, as in
 * Appwrite; src/crypto/scrypt-hashes.ts): N = 2^14, r = 8, Firebase's default `mem_cost: 14`,
 * `rounds: 8`. Other projects' hashes could never be verified, so they are skipped, not stored.
 */
const SCRYPT_MODIFIED_COST = { rounds: 8, memCost: 14 } as const;

export function fromFirebase(value: unknown, config: FirebaseHashConfig | null): Mapped {
  const parsed = FirebaseUser.safeParse(value);
  if (!parsed.success) return { skip: firstIssue(parsed.error), ...sourceIdOf(value, "localId") };
  const user = parsed.data;
  const record = baseRecord(user.localId);
  record.email = user.email;
  record.emailVerification = user.emailVerified;
  record.name = user.displayName ?? "";
  record.phone = e164(user.phoneNumber);
  record.status = !user.disabled;
  if (user.passwordHash) {
    const reason = unsupported(config, user.salt);
    if (reason) return { skip: reason, sourceId: user.localId };
    record.password = {
      kind: "scryptModified",
      hash: user.passwordHash,
      salt: user.salt!,
      saltSeparator: config!.saltSeparator,
      signerKey: config!.signerKey,
    };
  }
  return record;
}

/** Why a Firebase password hash cannot be imported, or null when it can. */
function unsupported(config: FirebaseHashConfig | null, salt: string | null): string | null {
  if (!config) return "password hash without --hash-config (Firebase console: Authentication → Users → Password hash parameters)";
  if (config.algorithm !== "SCRYPT") return `unsupported hash algorithm ${config.algorithm} (only Firebase's SCRYPT)`;
  if (config.rounds !== SCRYPT_MODIFIED_COST.rounds || config.memCost !== SCRYPT_MODIFIED_COST.memCost)
    return `unsupported scrypt cost rounds ${config.rounds}, mem_cost ${config.memCost} (the scrypt-modified route verifies rounds 8, mem_cost 14)`;
  if (!salt) return "password hash without a salt";
  return null;
}
