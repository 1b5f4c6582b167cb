import { z } from "zod";
import { baseRecord, type ImportedPassword, type Mapped } from "../record";
import { firstIssue, flag, sourceIdOf, text } from "./fields";

/**
 * A User model of Appwrite's users list (`{"total": n, "users": [...]}`, the Users API's
 * `GET /users` pages joined). `password` is the stored hash (present when listed with an API
 * key), `hash` its algorithm and `hashOptions` its parameters; a user without `password` gets
 * none.
 */
const AppwriteUser = z.object({
  $id: z.string().min(1).max(256),
  email: text(512),
  phone: text(64),
  name: text(4096),
  password: text(4096),
  hash: text(32),
  hashOptions: z.record(z.string(), z.unknown()).nullish(),
  status: z.boolean().nullish(),
  emailVerification: flag,
  phoneVerification: flag,
  labels: z.array(z.string().max(256)).max(1000).nullish(),
  prefs: z.record(z.string(), z.unknown()).nullish(),
});

const num = z.coerce.number().int().min(0);
const str = z.string().max(1024);
const ScryptOptions = z.object({ salt: str, costCpu: num, costMemory: num, costParallel: num, length: num });
const ScryptModOptions = z.object({ salt: str, saltSeparator: str, signerKey: str });
const ShaOptions = z.object({ version: z.string().max(32).optional() });

export function fromAppwrite(value: unknown): Mapped {
  const parsed = AppwriteUser.safeParse(value);
  if (!parsed.success) return { skip: firstIssue(parsed.error), ...sourceIdOf(value, "$id") };
  const user = parsed.data;
  const record = baseRecord(user.$id);
  record.email = user.email;
  record.phone = user.phone;
  record.name = user.name ?? "";
  record.status = user.status ?? true;
  record.emailVerification = user.emailVerification;
  record.phoneVerification = user.phoneVerification;
  record.labels = user.labels ?? [];
  record.prefs = user.prefs && Object.keys(user.prefs).length > 0 ? user.prefs : null;
  if (user.password) {
    const password = passwordOf(user.password, user.hash ?? "argon2", user.hashOptions ?? {});
    if (typeof password === "string") return { skip: password, sourceId: user.$id };
    record.password = password;
  }
  return record;
}

/** The create route's parameters for Appwrite's `hash` and `hashOptions`, or why there are none. */
function passwordOf(hash: string, algorithm: string, options: Record<string, unknown>): ImportedPassword | string {
  switch (algorithm) {
    case "argon2":
    case "bcrypt":
    case "md5":
    case "phpass":
      return { kind: algorithm, hash };
    case "sha": {
      const sha = ShaOptions.safeParse(options);
      if (!sha.success) return "invalid hashOptions for sha";
      return sha.data.version ? { kind: "sha", hash, version: sha.data.version } : { kind: "sha", hash };
    }
    case "scrypt": {
      const o = ScryptOptions.safeParse(options);
      if (!o.success) return `invalid hashOptions for scrypt (${firstIssue(o.error)})`;
      const { salt, costCpu: cpu, costMemory: memory, costParallel: parallel, length } = o.data;
      return { kind: "scrypt", hash, salt, cpu, memory, parallel, length };
    }
    case "scryptMod": {
      const o = ScryptModOptions.safeParse(options);
      if (!o.success) return `invalid hashOptions for scryptMod (${firstIssue(o.error)})`;
      return { kind: "scryptModified", hash, ...o.data };
    }
    default:
      return `unsupported hash algorithm "${algorithm.slice(0, 32)}"`;
  }
}
