/**
 * The table prefix a command line may ask for (`gatehouse migrate` and `gatehouse import`):
 * letters, digits and underscores are valid unquoted in every dialect, and a typo such as
 * `--prefix --down` cannot turn into a prefix. Kept apart from adapters/kysely/prefix.ts, which
 * loads Kysely, so usage errors are found before Kysely or a driver is loaded.
 */
const PREFIX = /^[A-Za-z0-9_]{0,32}$/;

/** Why `--prefix` cannot be used, or null when it can. */
export function prefixProblem(prefix: string): string | null {
  return PREFIX.test(prefix) ? null : `--prefix must be at most 32 letters, digits or underscores, got "${prefix}"`;
}
