/**
 * Every route's rate limits, in one table (SECURITY.md cites it). Windows are fixed hours, as
 * Appwrite counts (src/ports/rate-limiter.ts); each key is its own counter, checked in the order
 * listed, and all must pass.
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
 */

/** One counter: at most `limit` requests an hour for each distinct filled-in `key`. */
export interface RateLimitKey {
  readonly key: string;
  readonly limit: number;
}

/** A route's counters, checked in order. */
export interface RateLimitRule {
  readonly keys: readonly RateLimitKey[];
}

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

/** `[template, limit]` pairs to a frozen rule, so no later write or polluted prototype changes it. */
function rule(...keys: [string, number][]): RateLimitRule {
  const frozen = keys.map(([key, limit]) => Object.freeze(Object.assign(Object.create(null) as object, { key, limit }) as RateLimitKey));
  return Object.freeze(Object.assign(Object.create(null) as object, { keys: Object.freeze(frozen) }) as RateLimitRule);
}

export const RATE_LIMITS = Object.freeze({
  // POST /account (sign-up) and PATCH /account/password.
  createAccount: rule([ip, 10]),
  updatePassword: rule([ip, 10]),
  // POST /account/sessions/email: Appwrite keys it per e-mail alone (10).
  createEmailPasswordSession: rule([ipAndEmail, PER_IP_AND_IDENTIFIER], [ip, GUEST_PER_IP], [email, IDENTIFIER_CEILING]),
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
  createSession: rule(["ip:{ip},userId:{param-userId}", 10], [ip, GUEST_PER_IP]),
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
  createJWT: rule(["url:{url},userId:{userId}", 100]),
  createMfaChallenge: rule(["url:{url},userId:{userId}", 10]),
  updateMfaChallenge: rule(["url:{url},challengeId:{param-challengeId}", 10]),
  // The OAuth2 start and redirect routes.
  oauth2: rule(["ip:{ip}", 50]),
  // POST /account/sessions/id-token: Appwrite counts 10 an hour per IP and resets the count on a
  // successful sign-in. Without that reset, ten sign-ins would lock out everyone behind one mobile
  // carrier's address; a token cannot be guessed (it is signed), and unknown key ids cost at most
  // one key fetch a minute (src/oauth/jwks.ts), so the per-IP bound is the one for guests' work.
  createIdTokenSession: rule([ip, GUEST_PER_IP]),
} satisfies Record<string, RateLimitRule>);
