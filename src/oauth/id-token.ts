import { createLocalJWKSet, decodeProtectedHeader, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from "jose";
import { constantTimeEqual, sha256Hex } from "../crypto/hash";
import type { JwksCache } from "./jwks";
import type { IdTokenProfile, ProviderProfile } from "./providers";

/**
 * Checks an OpenID Connect ID token a native app obtained from its provider (Sign in with Apple,
 * Google Credential Manager), for `POST /account/sessions/id-token`. The signature and the JWT
 * claims are jose's job (`jwtVerify` over the provider's key set from `jwks.ts`); this module only
 * chooses what jose must accept, and reads the OpenID claims Appwrite reads:
 *
 * - The algorithm is the provider's (`IdTokenProfile.algorithms`, asymmetric only), never the
 *   token's: `none`, HS256 signed with the public key and the like are refused before any key is
 *   looked up, and jose refuses them again.
 * - The header must name its key (`kid`); an unknown one may mean the provider rotated its keys,
 *   so the set is fetched again, at most once a minute (jwks.ts).
 * - `iss` one of the profile's issuers, `aud` one of the configured client ids, `exp`, `iat` and
 *   `sub` present, with a minute of clock skew either way and at most a day since `iat`.
 * - Nonce (Appwrite's rule): a token that carries one must match the nonce the app sends, either
 *   as is (Google) or as its SHA-256 hex (Apple: the app gives Apple sha256(nonce) and sends us
 *   the nonce). A profile with `nonceRequired` (Apple) refuses a token without one.
 *
 * Every failure is an `IdTokenError` whose message names the failed check, as Appwrite's do.
 */

export const CLOCK_SKEW_SECONDS = 60;
export const MAX_TOKEN_AGE_SECONDS = 24 * 60 * 60;

/** Signature algorithms an ID token may use at all: asymmetric ones (no shared secret exists). */
export const ASYMMETRIC_ALGORITHMS: ReadonlySet<string> = new Set([
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
  "Ed25519",
]);

export const MAX_SUBJECT_LENGTH = 255;
export const AUDIENCE_MISMATCH = "Audience mismatch. Add the token's client ID to the provider configuration.";

/** A token that failed a check; the message names the check (safe to show: the caller holds the token). */
export class IdTokenError extends Error {
  override readonly name = "IdTokenError";
}

export interface IdTokenCheck {
  profile: IdTokenProfile;
  /** The client ids a token may be issued for (`aud`). */
  audiences: readonly string[];
  /** The raw nonce the app sent ("" for none). */
  nonce: string;
  now: Date;
  keys: JwksCache;
}

/** The verified token as a provider profile, with its raw claims. */
export interface VerifiedIdToken {
  profile: ProviderProfile;
  claims: JWTPayload;
}

// One jose key set per fetched document, so imported keys are reused until the set is replaced.
const localSets = new WeakMap<JSONWebKeySet, ReturnType<typeof createLocalJWKSet>>();
function localSet(keys: JSONWebKeySet) {
  let set = localSets.get(keys);
  if (!set) localSets.set(keys, (set = createLocalJWKSet(keys)));
  return set;
}

export async function verifyIdToken(token: string, check: IdTokenCheck): Promise<VerifiedIdToken> {
  const { profile } = check;
  if (token.split(".").length !== 3) throw new IdTokenError("Malformed token");
  let header: { alg?: unknown; kid?: unknown };
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new IdTokenError("Malformed token");
  }
  const algorithms = profile.algorithms.filter((alg) => ASYMMETRIC_ALGORITHMS.has(alg));
  if (typeof header.alg !== "string" || !algorithms.includes(header.alg)) throw new IdTokenError("Unsupported algorithm");
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "") throw new IdTokenError("Missing key ID");

  let keys = await check.keys.keys(profile.jwksUri);
  if (!keys.keys.some((key) => key.kid === kid)) {
    keys = (await check.keys.refresh(profile.jwksUri)) ?? keys;
    if (!keys.keys.some((key) => key.kid === kid)) throw new IdTokenError("Unknown signing key");
  }

  let claims: JWTPayload;
  try {
    ({ payload: claims } = await jwtVerify(token, localSet(keys), {
      algorithms,
      issuer: [...profile.issuers],
      audience: [...check.audiences],
      clockTolerance: CLOCK_SKEW_SECONDS,
      maxTokenAge: MAX_TOKEN_AGE_SECONDS,
      currentDate: check.now,
      requiredClaims: ["exp", "iat", "sub"],
    }));
  } catch (error) {
    throw new IdTokenError(describe(error), { cause: error });
  }

  checkNonce(claims.nonce, check.nonce, profile.nonceRequired);
  if (typeof claims.sub !== "string" || claims.sub === "") throw new IdTokenError("Missing subject");
  // OpenID Connect Core §2 caps `sub` at 255 ASCII characters; the stores keep no more.
  if (claims.sub.length > MAX_SUBJECT_LENGTH) throw new IdTokenError("Invalid subject");
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  return {
    claims,
    profile: {
      id: claims.sub,
      email: str(claims.email),
      // Apple states it as the string "true", Google as a boolean.
      emailVerified: claims.email_verified === true || claims.email_verified === "true",
      name: str(claims.name),
    },
  };
}

function checkNonce(claim: unknown, raw: string, required: boolean): void {
  const carried = typeof claim === "string" && claim !== "";
  if (!carried) {
    // Without a claim there is nothing to bind the request to: some Google SDKs cannot set one.
    if (required) throw new IdTokenError("Nonce required");
    return;
  }
  if (raw === "") throw new IdTokenError("Nonce required");
  // Both comparisons always run, so the time taken does not say which form was close.
  const plain = constantTimeEqual(claim, raw);
  const hashed = constantTimeEqual(claim, sha256Hex(raw));
  if (!plain && !hashed) throw new IdTokenError("Nonce mismatch");
}

/** jose's failure as Appwrite's message for the same check. */
function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return "Token expired";
  if (error instanceof errors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "iss":
        return "Invalid issuer";
      case "aud":
        return AUDIENCE_MISMATCH;
      case "sub":
        return "Missing subject";
      case "exp":
        return "Token expired";
      case "iat":
        return error.reason === "missing" ? "Missing issue time" : "Token issued in the future";
      case "nbf":
        return "Token not yet valid";
      default:
        return error.message;
    }
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return "Invalid signature";
  if (error instanceof errors.JOSEAlgNotAllowed) return "Unsupported algorithm";
  if (error instanceof errors.JWKSNoMatchingKey) return "Unknown signing key";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "Malformed token";
  if (error instanceof errors.JOSENotSupported || error instanceof errors.JWKInvalid || error instanceof errors.JWKSInvalid) {
    return "Invalid signing key";
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) return "Ambiguous signing key";
  return "Invalid signature";
}
