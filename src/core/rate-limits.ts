import type { RequestContext } from "./context";
import { behavesAsOf, type BehaviourChange } from "./behaviour";

/**
 * Every route's rate limits, in one table (SECURITY.md cites it). Windows are fixed, as Appwrite
 * counts (src/ports/rate-limiter.ts), an hour unless a key says otherwise; each key is its own
 * counter, checked in the order listed, and all must pass.
 *
 * Key templates take `{url}` (the route's path template, never the `Host` header), `{ip}` (the
 * client IP, src/http/client-ip.ts), `{userId}` (the signed-in user) and `{param-<name>}` (the
 * parameter as its validator normalises it; see `rateLimitKey` in src/core/rate-limit-key.ts).
 *
 * The figures are Appwrite's, except on the five routes that take an e-mail address or phone
 * number from a guest (password login, e-mail OTP, magic URL, phone token, recovery). There
 * Appwrite counts per identifier alone, which lets anyone lock the owner out: ten wrong passwords
 * for someone else's address, from anywhere, and the owner cannot log in for the rest of the hour.
 * Gatehouse instead counts:
 *
 * 1. per (client IP, identifier) at Appwrite's figure, in the place of Appwrite's per-identifier
 *    key: one address guessing one account gets exactly Appwrite's allowance;
 * 2. Appwrite's other keys (per IP) unchanged, in Appwrite's order;
 * 3. last, a per-identifier ceiling, `IDENTIFIER_CEILING` an hour. It bounds what a distributed
 *    attacker gets against one account (100 guesses an hour, however many addresses), and it
 *    takes at least ten client addresses, each spending its whole own allowance, to reach it on
 *    the 10-an-hour routes. It comes last so that a request an earlier key already refused is
 *    not counted against it: an address that has used up its own allowance cannot go on eating
 *    into the owner's ceiling.
 *
 * The ceiling is one figure for all five routes. It is ten times Appwrite's figure for password
 * login, e-mail OTP, phone and recovery. For magic URL (Appwrite: 60 per address and per IP) it
 * is less than ten times, because it also bounds how many e-mails one inbox can be sent in an
 * hour; a lock-out there costs the owner little, since every link the attacker made Gatehouse
 * send lands in the owner's inbox and logs them in.
 *
 * Reset on success: a 201 of the login routes resets the counters marked `resetOnSuccess`
 * (Appwrite's `abuse-reset`), so a user who mistyped a password nine times starts again from
 * zero. Appwrite resets all of a route's keys; Gatehouse resets only the keys of the identifier
 * that just signed in, from that IP (per (IP, e-mail), per (IP, user id)). The per-IP keys and the
 * per-identifier ceilings bound what one address, or many, can try against other accounts: if a
 * login to an attacker's own account reset them, the attacker could refill them at will. On native
 * sign-in the per-IP key is the only one, and it does reset, as Appwrite's does (a token cannot be
 * guessed; the limit bounds work, not guesses).
 */

/** One counter: at most `limit` requests per `windowSeconds` for each distinct filled-in `key`. */
export interface RateLimitKey {
  readonly key: string;
  readonly limit: number;
  readonly windowSeconds: number;
  /** A 201 answer resets this counter (see the module comment). */
  readonly resetOnSuccess: boolean;
}

/** A route's counters, checked in order. */
export interface RateLimitRule {
  readonly keys: readonly RateLimitKey[];
  /**
   * Where Appwrite changed a route's limits after 1.6: clients whose response format predates
   * `change` (src/core/behaviour.ts) count with these keys instead.
   */
  readonly before?: { readonly change: BehaviourChange; readonly keys: readonly RateLimitKey[] };
}

/** The counters that apply to this request: the rule's, or its older ones for an older client. */
export function keysFor(rule: RateLimitRule, ctx: RequestContext): readonly RateLimitKey[] {
  const before = rule.before;
  return before && !behavesAsOf(ctx, before.change) ? before.keys : rule.keys;
}

const HOUR = 3600;

/** Appwrite's figure for the routes that take a guest's identifier, now per (IP, identifier). */
export const PER_IP_AND_IDENTIFIER = 10;
/** Appwrite's figure for magic URL, per (IP, e-mail) and per IP. */
export const MAGIC_URL_PER_IP = 60;
/** The per-identifier ceiling on those routes, whatever the IP (see the module comment). */
export const IDENTIFIER_CEILING = 100;
/**
 * Requests per IP an hour on routes where Appwrite has no per-IP key but each request costs an
 * Argon2 verification (password login), creates an account and sends mail (e-mail OTP), or makes
 * a fresh counter per made-up user id (token sessions, recovery and verification secrets). High
 * enough for many people behind one NAT; it bounds how much CPU, mail and limiter memory one
 * client can use (each IP can add only so many counters an hour to src/limiters/memory.ts).
 */
export const GUEST_PER_IP = 200;
/** Changes of the signed-in user's e-mail or phone per hour (each answer says whether the address is taken). */
export const CONTACT_CHANGES_PER_USER = 10;

const ipAndEmail = "url:{url},ip:{ip},email:{param-email}";
const email = "url:{url},email:{param-email}";
const ip = "url:{url},ip:{ip}";
const ipAndUser = "url:{url},ip:{ip},userId:{param-userId}";
const user = "url:{url},userId:{param-userId}";

/** How a key counts, when not an hour and not reset. */
interface KeyOptions {
  windowSeconds?: number;
  resetOnSuccess?: true;
}
type KeySpec = [template: string, limit: number, options?: KeyOptions];

/** A frozen object without a prototype, so no later write or polluted prototype changes it. */
const frozen = <T extends object>(fields: T): T => Object.freeze(Object.assign(Object.create(null) as object, fields) as T);

function frozenKeys(keys: KeySpec[]): readonly RateLimitKey[] {
  return Object.freeze(
    keys.map(([key, limit, options]) =>
      frozen<RateLimitKey>({
        key,
        limit,
        windowSeconds: options?.windowSeconds ?? HOUR,
        resetOnSuccess: options?.resetOnSuccess === true,
      }),
    ),
  );
}

/** `[template, limit, options?]` triples to a frozen rule. */
function rule(...keys: KeySpec[]): RateLimitRule {
  return frozen<RateLimitRule>({ keys: frozenKeys(keys) });
}

/** A rule that Appwrite changed: `current` for clients at `change` or later, `older` before it. */
function changedAt(change: BehaviourChange, current: RateLimitRule, older: KeySpec[]): RateLimitRule {
  return frozen<RateLimitRule>({ keys: current.keys, before: frozen({ change, keys: frozenKeys(older) }) });
}

/** Marks the counter a successful login resets (see the module comment). */
const RESETS: KeyOptions = { resetOnSuccess: true };

export const RATE_LIMITS = Object.freeze({
  // POST /account (sign-up) and PATCH /account/password.
  createAccount: rule([ip, 10]),
  updatePassword: rule([ip, 10]),
  // POST /account/sessions/email: Appwrite keys it per e-mail alone (10).
  createEmailPasswordSession: rule([ipAndEmail, PER_IP_AND_IDENTIFIER, RESETS], [ip, GUEST_PER_IP], [email, IDENTIFIER_CEILING]),
  createAnonymousSession: rule(["ip:{ip}", 50]),
  updateSession: rule([ip, 10]),
  deleteSession: rule([ip, 100]),
  deleteSessions: rule([ip, 100]),
  // POST /account/tokens/email: Appwrite keys it per e-mail alone (10).
  createEmailToken: rule([ipAndEmail, PER_IP_AND_IDENTIFIER], [ip, MAGIC_URL_PER_IP], [email, IDENTIFIER_CEILING]),
  // POST /account/tokens/magic-url: Appwrite keys it per e-mail (60), then per IP (60).
  createMagicURLToken: rule([ipAndEmail, MAGIC_URL_PER_IP], [ip, MAGIC_URL_PER_IP], [email, IDENTIFIER_CEILING]),
  // POST /account/tokens/phone: Appwrite keys it per phone (10), then per IP (10).
  createPhoneToken: rule(
    ["url:{url},ip:{ip},phone:{param-phone}", PER_IP_AND_IDENTIFIER],
    [ip, 10],
    ["url:{url},phone:{param-phone}", IDENTIFIER_CEILING],
  ),
  // POST /account/sessions/token and its aliases: the secret is guessed per user, from one IP.
  // Appwrite resets on POST /sessions/token and PUT /sessions/magic-url; PUT /sessions/phone shares
  // the rule (and the per-(IP, user) counter), so it resets too.
  createSession: rule(["ip:{ip},userId:{param-userId}", 10, RESETS], [ip, GUEST_PER_IP]),
  // POST /account/recovery: Appwrite keys it per e-mail (10), then per IP (10).
  createRecovery: rule([ipAndEmail, PER_IP_AND_IDENTIFIER], [ip, 10], [email, IDENTIFIER_CEILING]),
  // PUT /account/recovery and the verification confirmations: Appwrite keys them per user id
  // alone (10), which anyone who knows the id can use up; here per (IP, user id), then per IP,
  // then a per-user ceiling, as on the routes above.
  updateRecovery: rule([ipAndUser, PER_IP_AND_IDENTIFIER], [ip, GUEST_PER_IP], [user, IDENTIFIER_CEILING]),
  createVerification: rule(["url:{url},userId:{userId}", 10]),
  updateVerification: rule([ipAndUser, PER_IP_AND_IDENTIFIER], [ip, GUEST_PER_IP], [user, IDENTIFIER_CEILING]),
  createPhoneVerification: rule(["url:{url},userId:{userId}", 10], [ip, 10]),
  updatePhoneVerification: rule([ipAndUser, PER_IP_AND_IDENTIFIER], [ip, GUEST_PER_IP], [user, IDENTIFIER_CEILING]),
  // PATCH /account/email and /account/phone (not limited by Appwrite): each answer tells whether
  // the address is taken, so one session may not probe without bound.
  updateContact: rule(["url:{url},userId:{userId}", CONTACT_CHANGES_PER_USER], [ip, GUEST_PER_IP]),
  // Appwrite 1.9 counts 120 a minute; 1.6 counted 100 an hour.
  createJWT: changedAt("jwtLimitPerMinute", rule(["url:{url},userId:{userId}", 120, { windowSeconds: 60 }]), [
    ["url:{url},userId:{userId}", 100],
  ]),
  createMfaChallenge: rule(["url:{url},userId:{userId}", 10]),
  updateMfaChallenge: rule(["url:{url},challengeId:{param-challengeId}", 10]),
  // The OAuth2 start and redirect routes.
  oauth2: rule(["ip:{ip}", 50]),
  // POST /account/sessions/id-token: Appwrite's 10 an hour per IP, reset by each successful
  // sign-in, so sign-ins behind one mobile carrier's address do not use it up; only failures do.
  createIdTokenSession: rule([ip, 10, RESETS]),
} satisfies Record<string, RateLimitRule>);
