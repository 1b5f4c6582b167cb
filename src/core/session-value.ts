/**
 * The session value, as Appwrite encodes it: standard base64 of `{"id":"<userId>","secret":"<secret>"}`.
 * It travels in the cookie, `X-Appwrite-Session`, `X-Fallback-Cookies`, and the `secret` field
 * that API-key callers get back.
 */
export function encodeSessionValue(userId: string, secret: string): string {
  return Buffer.from(JSON.stringify({ id: userId, secret }), "utf8").toString("base64");
}

export interface DecodedSession {
  id: string;
  secret: string;
}

/** Anything that is not base64 of such an object decodes to empty values (a guest). */
export function decodeSessionValue(value: string | null | undefined): DecodedSession {
  if (!value) return { id: "", secret: "" };
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, "base64").toString("utf8"));
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { id: "", secret: "" };
    const { id, secret } = parsed as Record<string, unknown>;
    return { id: typeof id === "string" ? id : "", secret: typeof secret === "string" ? secret : "" };
  } catch {
    return { id: "", secret: "" };
  }
}
