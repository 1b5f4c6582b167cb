/** SQLITE_BUSY, SQLITE_LOCKED and their extended codes: another connection holds the file. */
export function isLockError(error: unknown): boolean {
  return /^SQLITE_(BUSY|LOCKED)/.test(String((error as { code?: unknown } | null)?.code ?? ""));
}
