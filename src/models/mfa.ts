import type { ChallengeRecord } from "../ports/store";
import { formatDate } from "./datetime";

/** The MfaChallenge model: which challenge to answer and until when. */
export function toChallenge(challenge: ChallengeRecord) {
  return { $id: challenge.id, $createdAt: formatDate(challenge.createdAt), userId: challenge.userId, expire: formatDate(challenge.expire) };
}

/**
 * The MfaFactors model: which second factors the user can answer a challenge with. `custom` (an
 * app-delivered code, Appwrite 2.x) is not offered.
 */
export function toMfaFactors(factors: { totp: boolean; phone: boolean; email: boolean }, hasRecoveryCodes: boolean) {
  return { totp: factors.totp, phone: factors.phone, email: factors.email, recoveryCode: hasRecoveryCodes, custom: false };
}
