import { digestLength, SHA_VERSIONS, storedMd5, storedSha, type ShaVersion } from "../../../crypto/imported-hashes";
import { invalidParam } from "../../../errors";
import { customId, email, optional, password, text, whiteList, withDefault } from "../../../validation/validators";
import { operation, type Env } from "../../operation";
import { insertUser, newUserId } from "./common";

/*
 * Users imported with the password hash another system made (Appwrite's `/users/<algorithm>`
 * routes). The hash is checked for its shape here, where Appwrite stores anything and fails at
 * login; the first successful login re-hashes the password (src/crypto/imported-hashes.ts).
 */

const common = { userId: customId, email, password, name: withDefault(text(128), "") };

/** Argon2 costs a stored hash may ask of a login: up to 256 MiB, 32 passes, 16 lanes. */
const ARGON2 = /^\$argon2(id|i|d)\$v=(16|19)\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

function argon2Hash(value: string): string {
  const found = ARGON2.exec(value);
  if (!found || Number(found[3]) > 262_144 || Number(found[4]) > 32 || Number(found[5]) > 16 || Number(found[5]) < 1) {
    throw invalidParam("password", "Value must be an Argon2 hash (PHC string) costing at most m=262144, t=32, p=16");
  }
  return value;
}

function hexDigest(value: string, algorithm: string): string {
  const length = digestLength(algorithm);
  if (!new RegExp(`^[0-9a-fA-F]{${length}}$`).test(value)) {
    throw invalidParam("password", `Value must be a ${length}-character hexadecimal ${algorithm} digest`);
  }
  return value;
}

function importUser(env: Env, input: { userId: string; email: string; name: string }, hash: string) {
  return insertUser(env, { id: newUserId(env, input.userId), email: input.email, phone: null, name: input.name }, hash);
}

export const createArgon2User = operation({
  method: "POST",
  path: "/users/argon2",
  model: "user",
  scope: "users.write",
  params: common,
  run: (env, input) => importUser(env, input, argon2Hash(input.password)),
});

export const createMD5User = operation({
  method: "POST",
  path: "/users/md5",
  model: "user",
  scope: "users.write",
  params: common,
  run: (env, input) => importUser(env, input, storedMd5(hexDigest(input.password, "md5"))),
});

/** Without `passwordVersion`, SHA-256: Appwrite 1.9's default (1.6 assumed SHA3-512). */
export const createSHAUser = operation({
  method: "POST",
  path: "/users/sha",
  model: "user",
  scope: "users.write",
  params: { ...common, passwordVersion: optional(whiteList(Object.keys(SHA_VERSIONS) as ShaVersion[])) },
  run(env, input) {
    const version = (input.passwordVersion?.toLowerCase() ?? "sha256") as ShaVersion;
    return importUser(env, input, storedSha(version, hexDigest(input.password, SHA_VERSIONS[version])));
  },
});
