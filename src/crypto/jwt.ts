import { createJWTSignatureMessage, encodeJWT, parseJWT } from "@oslojs/jwt";
import { constantTimeEqualBytes, hmacSha256, sha256Bytes } from "./hash";

export interface SessionJwtPayload {
  userId: string;
  sessionId: string;
  /** Unix seconds. */
  exp: number;
}

/** The HS256 key: derived from the service secret so one secret can serve several purposes. */
export function jwtKey(secret: string): Uint8Array {
  return sha256Bytes(`gatehouse:jwt:v1:${secret}`);
}

/** Appwrite's account JWT: header `{"typ":"JWT","alg":"HS256"}`, payload `{userId, sessionId, exp}`. */
export function signSessionJwt(payload: SessionJwtPayload, key: Uint8Array): string {
  const header = JSON.stringify({ typ: "JWT", alg: "HS256" });
  const body = JSON.stringify({ userId: payload.userId, sessionId: payload.sessionId, exp: payload.exp });
  return encodeJWT(header, body, hmacSha256(key, createJWTSignatureMessage(header, body)));
}

/** The payload, or the reason it is refused, worded as Appwrite's JWT library words it. */
export function verifySessionJwt(token: string, key: Uint8Array, nowSeconds: number): SessionJwtPayload | { error: string } {
  let parsed: ReturnType<typeof parseJWT>;
  try {
    parsed = parseJWT(token);
  } catch {
    return { error: "Invalid token: Incomplete segments" };
  }
  const [header, payload, signature, message] = parsed;
  if ((header as { alg?: unknown }).alg !== "HS256") return { error: "Invalid token: Unsupported algorithm" };
  if (!constantTimeEqualBytes(signature, hmacSha256(key, message))) return { error: "Invalid token: Signature failed" };
  const { userId, sessionId, exp } = payload as Record<string, unknown>;
  if (typeof userId !== "string" || typeof sessionId !== "string" || typeof exp !== "number")
    return { error: "Invalid token: Invalid payload" };
  // Leeway 0, as Appwrite verifies.
  if (exp <= nowSeconds) return { error: "Invalid token: Expired" };
  return { userId, sessionId, exp };
}
