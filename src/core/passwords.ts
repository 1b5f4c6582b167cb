import { COMMON_PASSWORDS } from "../validation/common-passwords";
import { AppwriteError } from "../errors";
import type { UserRecord } from "../ports/store";
import type { Deps } from "./deps";

/** The 10 000 most common passwords that Appwrite's PasswordDictionary validator refuses, as a set. */
export function loadPasswordDictionary(): Set<string> {
  return new Set(COMMON_PASSWORDS.split("\n"));
}

/**
 * The personal-data rule (`auth.personalDataCheck`): the password may not contain the user's own
 * identifiers.
 */
export function checkPersonalData(
  deps: Deps,
  password: string,
  user: { id: string; email: string | null; name: string; phone: string | null },
): void {
  if (!deps.config.auth.personalDataCheck) return;
  const lower = password.toLowerCase();
  const candidates = [user.id, user.email, user.email?.split("@")[0], user.name, user.phone, user.phone?.replace(/^\+/, "")];
  for (const value of candidates) {
    if (value && lower.includes(value.toLowerCase())) throw new AppwriteError("password_personal_data");
  }
}

/** The password-history rule: none of the last N hashes may verify the new password. */
export async function checkHistory(deps: Deps, password: string, history: string[]): Promise<void> {
  const n = deps.config.auth.passwordHistory;
  if (n === 0) return;
  const recent = history.slice(-n);
  const matches = await Promise.all(recent.map((hash) => deps.hasher.verify(hash, password)));
  if (matches.some(Boolean)) throw new AppwriteError("password_recently_used");
}

/** The history to store after setting `hash`: the last N hashes, the new one included. */
export function nextHistory(deps: Deps, history: string[], hash: string): string[] {
  const n = deps.config.auth.passwordHistory;
  return n === 0 ? [] : [...history, hash].slice(-n);
}

/**
 * The password the Account API asks for before a change: a user with a password must prove it;
 * a passwordless one (anonymous, OTP, OAuth) need not.
 */
export async function checkCurrentPassword(deps: Deps, user: UserRecord, given: string): Promise<void> {
  if (user.passwordHash && !(await deps.hasher.verify(user.passwordHash, given))) {
    throw new AppwriteError("user_invalid_credentials");
  }
}
