export interface PasswordHasher {
  /** A self-describing hash (PHC string) that records algorithm and parameters. */
  hash(password: string): Promise<string>;
  verify(hash: string, password: string): Promise<boolean>;
  /** True when `hash` was made with other parameters than the hasher's current ones. */
  needsRehash(hash: string): boolean;
}
