import type { TargetRecord, UserRecord } from "../ports/store";
import { importedAlgorithm } from "../crypto/imported-hashes";
import { toAccount } from "./account";

/**
 * The admin User model (the Users API): the Account model with `hash` and `hashOptions` after
 * `name`, as Appwrite orders them. Unlike Appwrite, the stored hash itself (`password`) never
 * leaves (the SDKs type all three as optional); `hashOptions` holds the algorithm's parameters,
 * for Argon2 read from the PHC string, for imported hashes as src/crypto/imported-hashes.ts says.
 */
export function toUser(user: UserRecord, targets: TargetRecord[]) {
  const { $id, $createdAt, $updatedAt, name, ...rest } = toAccount(user, targets);
  const imported = importedAlgorithm(user.passwordHash);
  const { hash, hashOptions } = imported ?? { hash: "argon2", hashOptions: argon2Options(user.passwordHash) };
  return { $id, $createdAt, $updatedAt, name, hash: hash as string, hashOptions, ...rest };
}

export type UserModel = ReturnType<typeof toUser>;

const ARGON2_PARAMS = /^\$argon2id?\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** Appwrite's `hashOptions` for an Argon2 hash: its memory, time and parallelism, no salt. */
function argon2Options(hash: string | null): Record<string, string | number> {
  const found = hash ? ARGON2_PARAMS.exec(hash) : null;
  if (!found) return { type: "argon2" };
  return { type: "argon2", memoryCost: Number(found[1]), timeCost: Number(found[2]), threads: Number(found[3]) };
}
