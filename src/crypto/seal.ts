import { createCipheriv, createDecipheriv, createHash } from "node:crypto";
import { randomBuffer } from "./random";

/**
 * AES-256-GCM under a key derived from the service secret. Used for the one secret that must be
 * shown again later (remaining MFA recovery codes); everything that is only compared is hashed.
 */
export function sealer(secret: string) {
  const key = createHash("sha256").update(`gatehouse:seal:v1:${secret}`).digest();
  return {
    seal(plain: string): string {
      const iv = randomBuffer(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
      return ["v1", iv.toString("base64url"), body.toString("base64url"), cipher.getAuthTag().toString("base64url")].join(".");
    },
    /** The plain text, or null when it was sealed under another secret or altered. */
    open(sealed: string): string | null {
      const [version, iv, body, tag] = sealed.split(".");
      if (version !== "v1" || !iv || !body || !tag) return null;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
        decipher.setAuthTag(Buffer.from(tag, "base64url"));
        return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
      } catch {
        return null;
      }
    },
  };
}
