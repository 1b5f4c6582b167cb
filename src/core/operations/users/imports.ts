import { BCRYPT_MAX_COST, isAcceptedBcrypt } from "../../../crypto/bcrypt-hash";
import { digestLength, SHA_VERSIONS, storedMd5, storedSha, type ShaVersion } from "../../../crypto/imported-hashes";
import { isAcceptedPhpass, PHPASS_MAX_LOG2 } from "../../../crypto/phpass";
import { decodeBase64, scryptProblem, storedScrypt, storedScryptModified } from "../../../crypto/scrypt-hashes";
import { invalidParam } from "../../../errors";
import {
  customId,
  email,
  optional,
  password,
  range,
  text,
  whiteList,
  withDefault,
  type ParamShape,
  type Params,
} from "../../../validation/validators";
import { operation, type Env } from "../../operation";
import { insertUser, newUserId } from "./common";

/*
 * Users imported with the password hash another system made (Appwrite's `/users/<algorithm>`
 * routes). The hash and its parameters are checked here, shape and cost caps (the caps are in
 * src/crypto/*), where Appwrite stores anything and fails at login or answers 500; the first
 * successful login re-hashes the password (src/crypto/imported-hashes.ts).
 */

const common = { userId: customId, email, password, name: withDefault(text(128), "") };

/**
 * Argon2 costs a stored hash may ask of a login: up to 64 MiB (scrypt's memory cap, and what
 * Appwrite's own m=65536 hashes use), 32 passes, 16 lanes; at most about a second of a thread-pool
 * thread, as bcrypt's cap. 256 MiB and 32 passes took 4.7 s and 256 MiB per wrong guess.
 */
const ARGON2_MAX_MEMORY_KIB = 65_536;
const ARGON2 = /^\$argon2(id|i|d)\$v=(16|19)\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,3})\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

function argon2Hash(value: string): string {
  const found = ARGON2.exec(value);
  if (!found || Number(found[3]) > ARGON2_MAX_MEMORY_KIB || Number(found[4]) > 32 || Number(found[5]) > 16 || Number(found[5]) < 1) {
    throw invalidParam("password", `Value must be an Argon2 hash (PHC string) costing at most m=${ARGON2_MAX_MEMORY_KIB}, t=32, p=16`);
  }
  return value;
}

function hexDigest(value: string, algorithm: string): string {
  return hexDigestOf(value, digestLength(algorithm) / 2, algorithm);
}

function hexDigestOf(value: string, bytes: number, algorithm: string): string {
  if (!new RegExp(`^[0-9a-fA-F]{${bytes * 2}}$`).test(value)) {
    throw invalidParam("password", `Value must be a ${bytes * 2}-character hexadecimal ${algorithm} digest`);
  }
  return value;
}

function bcryptHash(value: string): string {
  if (!isAcceptedBcrypt(value)) {
    throw invalidParam("password", `Value must be a bcrypt hash ($2a$, $2b$ or $2y$) of cost 4 to ${BCRYPT_MAX_COST}`);
  }
  return value;
}

/** phpass portable hashes, and bcrypt strings as phpass's crypt() fallback takes them. */
function phpassHash(value: string): string {
  if (!isAcceptedPhpass(value) && !isAcceptedBcrypt(value)) {
    throw invalidParam(
      "password",
      `Value must be a phpass portable hash ($P$ or $H$) of at most 2^${PHPASS_MAX_LOG2} iterations, or a bcrypt hash of cost 4 to ${BCRYPT_MAX_COST}`,
    );
  }
  return value;
}

function base64Field(value: string, name: string): Buffer {
  const bytes = decodeBase64(value);
  if (!bytes) throw invalidParam(name, "Value must be base64 (standard or URL-safe alphabet)");
  return bytes;
}

/** Appwrite's scrypt parameters are plain integers; the caps are scryptProblem's. */
const scryptInteger = range(1, 2 ** 31 - 1);

function importUser(env: Env, input: { userId: string; email: string; name: string }, hash: string) {
  return insertUser(env, { id: newUserId(env, input.userId), email: input.email, phone: null, name: input.name }, hash);
}

/**
 * One `/users/<algorithm>` route: the parameters it takes beside `common` (after them, in
 * Appwrite's order), and how it checks the sent hash and makes the stored one.
 */
function importRoute<S extends ParamShape>(path: `/users/${string}`, params: S, storedHash: (input: Params<typeof common & S>) => string) {
  return operation({
    method: "POST",
    path,
    model: "user",
    scope: "users.write",
    params: { ...common, ...params },
    run: (env, input) => importUser(env, input, storedHash(input)),
  });
}

export const createArgon2User = importRoute("/users/argon2", {}, (input) => argon2Hash(input.password));

export const createMD5User = importRoute("/users/md5", {}, (input) => storedMd5(hexDigest(input.password, "md5")));

/** Without `passwordVersion`, SHA-256: Appwrite 1.9's default (1.6 assumed SHA3-512). */
export const createSHAUser = importRoute(
  "/users/sha",
  { passwordVersion: optional(whiteList(Object.keys(SHA_VERSIONS) as ShaVersion[])) },
  (input) => {
    const version = (input.passwordVersion?.toLowerCase() ?? "sha256") as ShaVersion;
    return storedSha(version, hexDigest(input.password, SHA_VERSIONS[version]));
  },
);

export const createBcryptUser = importRoute("/users/bcrypt", {}, (input) => bcryptHash(input.password));

export const createPHPassUser = importRoute("/users/phpass", {}, (input) => phpassHash(input.password));

export const createScryptUser = importRoute(
  "/users/scrypt",
  {
    passwordSalt: text(128),
    passwordCpu: scryptInteger,
    passwordMemory: scryptInteger,
    passwordParallel: scryptInteger,
    passwordLength: scryptInteger,
  },
  (input) => {
    const params = {
      salt: input.passwordSalt,
      costCpu: input.passwordCpu,
      costMemory: input.passwordMemory,
      costParallel: input.passwordParallel,
      length: input.passwordLength,
    };
    const problem = scryptProblem(params);
    if (problem) throw invalidParam(problem.param, problem.description);
    return storedScrypt(params, hexDigestOf(input.password, params.length, "scrypt"));
  },
);

/** Firebase's modified scrypt; its cost parameters are fixed (src/crypto/scrypt-hashes.ts). */
export const createScryptModifiedUser = importRoute(
  "/users/scrypt-modified",
  { passwordSalt: text(128), passwordSaltSeparator: text(128), passwordSignerKey: text(128) },
  (input) => {
    base64Field(input.passwordSalt, "passwordSalt");
    base64Field(input.passwordSaltSeparator, "passwordSaltSeparator");
    const signerKey = base64Field(input.passwordSignerKey, "passwordSignerKey");
    if (base64Field(input.password, "password").length !== signerKey.length) {
      throw invalidParam("password", "Value must be as long as the signer key once decoded (the key encrypted)");
    }
    const params = { salt: input.passwordSalt, saltSeparator: input.passwordSaltSeparator, signerKey: input.passwordSignerKey };
    return storedScryptModified(params, input.password);
  },
);
