import type { TargetRecord, UserRecord } from "../ports/store";
import { importedAlgorithm } from "../crypto/imported-hashes";
import { toAccount } from "./account";

/**
 * The admin User model (the Users API): the Account model with `hash` and `hashOptions` after
 * `name`, as Appwrite orders them. Unlike Appwrite, the stored hash itself (`password`) never
 * leaves, and `hashOptions` holds only the algorithm's parameters, read from the PHC string (the
 * SDKs type all three as optional).
 */
export function toUser(user: UserRecord, targets: TargetRecord[]) {
  const { $id, $createdAt, $updatedAt, name, ...rest } = toAccount(user, targets);
  const imported = importedAlgorithm(user.passwordHash);
  if (imported?.hash === "md5") return { $id, $createdAt, $updatedAt, name, hash: "md5", hashOptions: { type: "md5" }, ...rest };
  if (imported?.hash === "sha") {
    return { $id, $createdAt, $updatedAt, name, hash: "sha", hashOptions: { type: "sha", version: imported.version }, ...rest };
  }
  return { $id, $createdAt, $updatedAt, name, hash: "argon2", hashOptions: hashOptions(user.passwordHash), ...rest };
}

export type UserModel = ReturnType<typeof toUser>;

const ARGON2_PARAMS = /^\$argon2id?\$v=\d+\$m=(\d+),t=(\d+),p=(\d+)\$/;

/** Appwrite's `hashOptions` for an Argon2 hash: its memory, time and parallelism, no salt. */
function hashOptions(hash: string | null): Record<string, string | number> {
  const found = hash ? ARGON2_PARAMS.exec(hash) : null;
  if (!found) return { type: "argon2" };
  return { type: "argon2", memoryCost: Number(found[1]), timeCost: Number(found[2]), threads: Number(found[3]) };
}
