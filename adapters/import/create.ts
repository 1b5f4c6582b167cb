import { isAppwriteError, isValidId, type AccountService, type Store, type UserModel } from "gatehouse-auth";
import type { ImportedPassword, ImportRecord } from "./record";

/**
 * One record into Users API calls, so an import validates and fails exactly as the same requests
 * over HTTP would: the create route for its password hash (or `users.create` without one), then
 * the fields that route does not take. A row is imported whole or not at all: when a later call
 * fails, the new user is deleted again and the row is skipped with that call's reason.
 */
export type CreateOutcome = { status: "imported"; userId: string } | { status: "skipped"; reason: string };

/** Where duplicates are looked up, to name which field clashed: the stores the import writes or checks. */
export type ConflictStores = readonly Store[];

export async function createUser(service: AccountService, record: ImportRecord, stores: ConflictStores): Promise<CreateOutcome> {
  let created: UserModel;
  let phoneSet: boolean;
  try {
    ({ created, phoneSet } = await createWithId(service, record));
  } catch (error) {
    return { status: "skipped", reason: await reasonFor(error, record, stores) };
  }
  const userId = created.$id;
  const users = service.users;
  const steps: [string, () => Promise<unknown>][] = [];
  if (record.phone && !phoneSet) steps.push(["phone", () => users.updatePhone({ userId, number: record.phone! })]);
  if (record.emailVerification && record.email)
    steps.push(["emailVerification", () => users.updateEmailVerification({ userId, emailVerification: true })]);
  if (record.phoneVerification && record.phone)
    steps.push(["phoneVerification", () => users.updatePhoneVerification({ userId, phoneVerification: true })]);
  if (!record.status) steps.push(["status", () => users.updateStatus({ userId, status: false })]);
  if (record.labels.length > 0) steps.push(["labels", () => users.updateLabels({ userId, labels: record.labels })]);
  if (record.prefs) steps.push(["prefs", () => users.updatePrefs({ userId, prefs: record.prefs! })]);
  for (const [field, step] of steps) {
    try {
      await step();
    } catch (error) {
      await users.delete({ userId });
      return { status: "skipped", reason: `${field}: ${await reasonFor(error, record, stores)}` };
    }
  }
  return { status: "imported", userId };
}

/**
 * The source id when the service takes it as it is, else a new one (`unique()`): asked of the
 * service's own id rule up front, so a refused row is never tried twice. A source id `unique()`
 * gets a new id either way.
 */
function createWithId(service: AccountService, record: ImportRecord) {
  return createWith(service, record, isValidId(record.sourceId) ? record.sourceId : "unique()");
}

async function createWith(
  service: AccountService,
  record: ImportRecord,
  userId: string,
): Promise<{ created: UserModel; phoneSet: boolean }> {
  const { users } = service;
  // The routes take no name as "" but refuse "" itself.
  const name = record.name ? { name: record.name } : {};
  if (!record.password) {
    const created = await users.create({
      userId,
      ...name,
      ...(record.email ? { email: record.email } : {}),
      ...(record.phone ? { phone: record.phone } : {}),
    });
    return { created, phoneSet: true };
  }
  // The hash routes require an e-mail address: null goes to the service to be refused as over HTTP.
  const email = record.email as string;
  return { created: await createWithHash(users, record.password, { userId, email, ...name }), phoneSet: false };
}

function createWithHash(
  users: AccountService["users"],
  password: ImportedPassword,
  who: { userId: string; email: string; name?: string },
): Promise<UserModel> {
  switch (password.kind) {
    case "argon2":
      return users.createArgon2User({ ...who, password: password.hash });
    case "md5":
      return users.createMD5User({ ...who, password: password.hash });
    case "sha":
      return users.createSHAUser({
        ...who,
        password: password.hash,
        ...(password.version ? { passwordVersion: password.version as "sha256" } : {}),
      });
    case "bcrypt":
      return users.createBcryptUser({ ...who, password: password.hash });
    case "phpass":
      return users.createPHPassUser({ ...who, password: password.hash });
    case "scrypt":
      return users.createScryptUser({
        ...who,
        password: password.hash,
        passwordSalt: password.salt,
        passwordCpu: password.cpu,
        passwordMemory: password.memory,
        passwordParallel: password.parallel,
        passwordLength: password.length,
      });
    case "scryptModified":
      return users.createScryptModifiedUser({
        ...who,
        password: password.hash,
        passwordSalt: password.salt,
        passwordSaltSeparator: password.saltSeparator,
        passwordSignerKey: password.signerKey,
      });
  }
}

/** A skip reason for a failed call; rethrows what is not about this row (a 5xx: the database is down). */
async function reasonFor(error: unknown, record: ImportRecord, stores: ConflictStores): Promise<string> {
  if (!isAppwriteError(error) || error.code >= 500) throw error;
  if (error.type === "user_already_exists" || error.type === "user_email_already_exists" || error.type === "user_phone_already_exists") {
    const clash = await duplicateField(record, stores);
    if (clash) return `duplicate ${clash}: ${error.type}`;
  }
  return `${error.type}: ${error.message}`;
}

/** Which field of the record another user already holds in one of the stores, if any. */
export async function duplicateField(record: ImportRecord, stores: ConflictStores): Promise<"id" | "email" | "phone" | null> {
  for (const store of stores) {
    if (await store.users.get(record.sourceId)) return "id";
    if (record.email && (await store.users.getByEmail(record.email))) return "email";
    if (record.phone && (await store.users.getByPhone(record.phone))) return "phone";
  }
  return null;
}
