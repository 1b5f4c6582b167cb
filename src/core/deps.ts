import type { ResolvedConfig } from "../config";
import type { Clock } from "../ports/clock";
import type { Geo } from "../ports/geo";
import type { PasswordHasher } from "../ports/password-hasher";
import type { RateLimiter } from "../ports/rate-limiter";
import type { Store } from "../ports/store";
import type { JwksCache } from "../oauth/jwks";

export interface ApiKey {
  /** sha256 of the key: the raw key is not kept after start-up. */
  hash: string;
  scopes: ReadonlySet<string>;
  expire?: Date;
  /** What log entries call the key (config `name`, else "API key"). */
  name: string;
}

/** Everything an operation may use, resolved once when the service is created. */
export interface Deps {
  config: ResolvedConfig;
  projectName: string;
  store: Store;
  hasher: PasswordHasher;
  clock: Clock;
  /** null when rate limiting is switched off. */
  limiter: RateLimiter | null;
  geo: Geo | null;
  /** Faults that did not fail a request (config `reportError`). */
  reportError(error: unknown): void;
  /** Outbound HTTP to OAuth2 providers. */
  fetch: typeof fetch;
  /** The providers' signing keys for ID-token sign-in, fetched through `fetch` (src/oauth/jwks.ts). */
  jwks: JwksCache;
  apiKeys: ApiKey[];
  /** A hash of a random password made with the current hasher, verified when no user matches. */
  dummyHash(): Promise<string>;
  /** The common-password list, loaded on first use when `auth.passwordDictionary` is on. */
  passwordDictionary(): Set<string>;
  /** The service secret (configured, or random per process). */
  secret: string;
  /** HS256 key for account JWTs, derived from the secret. */
  jwtKey: Uint8Array;
  /** Encrypts values that must be shown again later (remaining recovery codes). */
  seal: { seal(plain: string): string; open(sealed: string): string | null };
}
