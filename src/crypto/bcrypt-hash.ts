import { verify } from "@node-rs/bcrypt";

/*
 * Imported bcrypt hashes (`$2a$`, `$2b$`, `$2y$`: the same algorithm under the names crypt(3),
 * OpenBSD and PHP gave it), verified by @node-rs/bcrypt on libuv's thread pool.
 */

const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;

/**
 * The highest cost a login will run. Each step doubles the work: cost 14 takes about 0.9 s of a
 * thread-pool thread here, 15 about 1.8 s, 31 days. Anyone can start a login for a known address,
 * so an imported cost is a price every wrong guess pays too; libraries default to 10-12.
 */
export const BCRYPT_MAX_COST = 14;
const BCRYPT_MIN_COST = 4;

/** The cost of a well-formed bcrypt string (any cost bcrypt allows), or null. */
export function bcryptCost(hash: string): number | null {
  const found = BCRYPT.exec(hash);
  if (!found) return null;
  const cost = Number(found[1]);
  return cost >= BCRYPT_MIN_COST && cost <= 31 ? cost : null;
}

/** True when the hash is bcrypt within the cost a login may run. */
export function isAcceptedBcrypt(hash: string): boolean {
  const cost = bcryptCost(hash);
  return cost !== null && cost <= BCRYPT_MAX_COST;
}

/** Checks a password against a bcrypt hash (its first 72 bytes, as bcrypt does); false beyond the cap. */
export async function verifyBcrypt(hash: string, password: string): Promise<boolean> {
  if (!isAcceptedBcrypt(hash)) return false;
  try {
    return await verify(password, hash);
  } catch {
    return false;
  }
}
