import { randomBytes } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AUTH_SESSION_FIELDS, StoreConflictError, TokenType } from "../../src/ports/store";
import { listContract } from "./contract-lists";
import type {
  AuthenticatorRecord,
  SecretRecord,
  SecretRepository,
  ChallengeRecord,
  ClientInfo,
  IdentityRecord,
  LogRecord,
  RecoveryCodeRecord,
  SessionRecord,
  Store,
  TargetRecord,
  TokenRecord,
  UserRecord,
} from "../../src/ports/store";

/*
 * The contract every Store must pass. It only asserts what the port promises, and it never
 * assumes an empty store: SQL stores may share one database across tests, so every record gets
 * fresh ids, e-mails, phones and identifiers, and global counts are compared as deltas.
 */

// Unique per process and per call, lowercase alphanumerics only so that no collation (MySQL's
// case-insensitive default included) can reorder or merge them.
const run = randomBytes(4).toString("hex");
const runDigits = String(randomBytes(2).readUInt16BE(0) % 10000).padStart(4, "0");
let counter = 0;
const next = (): number => ++counter;
const newId = (prefix: string): string => `${prefix}${run}${next().toString(36).padStart(5, "0")}`;
const newEmail = (): string => `user${run}${next()}@example.com`;
const newPhone = (): string => `+44${runDigits}${String(next()).padStart(7, "0")}`;
const newHash = (): string => randomBytes(32).toString("hex");

// Millisecond-precise times well after the purgeExpired test's era, so purging never touches them.
const T0 = Date.UTC(2024, 4, 6, 7, 8, 9, 123);
const MIN = 60_000;
const DAY = 86_400_000;
const at = (offsetMs: number): Date => new Date(T0 + offsetMs);

const byId = <T extends { id: string }>(rows: T[]): T[] => [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

function client(overrides: Partial<ClientInfo> = {}): ClientInfo {
  return {
    osCode: "MAC",
    osName: "Mac",
    osVersion: "14.4",
    clientType: "browser",
    clientCode: "CH",
    clientName: "Chrome",
    clientVersion: "124.0",
    clientEngine: "Blink",
    clientEngineVersion: "124.0",
    deviceName: "desktop",
    deviceBrand: "Apple",
    deviceModel: "MacBook Pro",
    countryCode: "de",
    ...overrides,
  };
}

export function makeUser(overrides: Partial<UserRecord> = {}): UserRecord {
  return {
    id: newId("u"),
    createdAt: at(0),
    updatedAt: at(1_000),
    name: "Zoë Ådámsön 山田 🚀",
    email: newEmail(),
    phone: newPhone(),
    passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo",
    passwordUpdatedAt: at(500),
    passwordHistory: ["$argon2id$v=19$m=19456,t=2,p=1$b2xk$MQ", "$argon2id$v=19$m=19456,t=2,p=1$b2xk$Mg"],
    registration: at(0),
    status: true,
    labels: ["vip", "beta"],
    emailVerification: true,
    phoneVerification: false,
    mfa: false,
    prefs: {
      theme: "dark",
      count: 3,
      ratio: 1.5,
      flag: false,
      nothing: null,
      nested: { list: [1, "two", { three: [3] }], deeper: { emoji: "🎉", accents: "çà et là", cjk: "日本語" } },
      ключ: "значение",
    },
    accessedAt: at(2_000),
    ...overrides,
  };
}

export function makeTarget(userId: string, overrides: Partial<TargetRecord> = {}): TargetRecord {
  return {
    id: newId("t"),
    userId,
    createdAt: at(0),
    updatedAt: at(10),
    providerType: "email",
    identifier: newEmail(),
    name: "",
    providerId: null,
    expired: false,
    sessionId: null,
    ...overrides,
  };
}

export function makeSession(userId: string, overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: newId("s"),
    userId,
    createdAt: at(0),
    updatedAt: at(0),
    expire: at(365 * DAY),
    provider: "email",
    providerUid: "someone@example.com",
    providerAccessToken: "",
    providerAccessTokenExpiry: null,
    providerRefreshToken: "",
    secretHash: newHash(),
    ip: "203.0.113.7",
    userAgent: "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/537.36 Chrome/124.0 Safari/537.36",
    factors: ["password"],
    mfaUpdatedAt: null,
    ...client(),
    ...overrides,
  };
}

export function makeToken(userId: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id: newId("k"),
    userId,
    createdAt: at(0),
    type: TokenType.magicUrl,
    secretHash: newHash(),
    expire: at(60 * MIN),
    phrase: "Brave Lion",
    ip: "198.51.100.2",
    userAgent: "node-appwrite/16.0.0",
    attempts: 0,
    identityId: null,
    ...overrides,
  };
}

export function makeChallenge(userId: string, overrides: Partial<ChallengeRecord> = {}): ChallengeRecord {
  return {
    id: newId("c"),
    userId,
    createdAt: at(0),
    type: "email",
    codeHash: newHash(),
    expire: at(15 * MIN),
    attempts: 0,
    ...overrides,
  };
}

export function makeAuthenticator(userId: string, overrides: Partial<AuthenticatorRecord> = {}): AuthenticatorRecord {
  return {
    id: newId("a"),
    userId,
    createdAt: at(0),
    updatedAt: at(0),
    type: "totp",
    verified: false,
    secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
    lastUsedStep: null,
    ...overrides,
  };
}

export function makeRecoveryCode(userId: string, overrides: Partial<RecoveryCodeRecord> = {}): RecoveryCodeRecord {
  return {
    userId,
    codeHash: newHash(),
    sealedCode: `v1.${randomBytes(24).toString("base64url")}`,
    createdAt: at(0),
    ...overrides,
  };
}

export function makeIdentity(userId: string, overrides: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id: newId("i"),
    userId,
    createdAt: at(0),
    updatedAt: at(5),
    provider: "github",
    providerUid: newId("gh"),
    providerEmail: newEmail(),
    providerAccessToken: "gho_access",
    providerAccessTokenExpiry: at(8 * 60 * MIN),
    providerRefreshToken: "ghr_refresh",
    // The store keeps whatever the core gives it (the core seals it); any text round-trips.
    providerIdToken: "v1.sealed-id-token",
    ...overrides,
  };
}

export function makeLog(userId: string, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    id: newId("l"),
    userId,
    event: "session.create",
    resource: `user/${userId}`,
    userEmail: "someone@example.com",
    userName: "Zoë",
    mode: "default",
    ip: "192.0.2.1",
    time: at(0),
    userAgent: "Mozilla/5.0",
    ...client(),
    ...overrides,
  };
}

async function conflictOf(promise: Promise<unknown>): Promise<StoreConflictError["target"]> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(StoreConflictError);
  return (error as StoreConflictError).target;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

export function storeContract(name: string, makeStore: () => Promise<{ store: Store; close?: () => Promise<void> }>): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let close: (() => Promise<void>) | undefined;

    beforeEach(async () => {
      const made = await makeStore();
      store = made.store;
      close = made.close;
    });

    afterEach(async () => {
      await close?.();
      close = undefined;
    });

    const seedUser = async (overrides: Partial<UserRecord> = {}): Promise<UserRecord> => {
      const user = makeUser(overrides);
      await store.users.create(user);
      return user;
    };

    listContract({ store: () => store, makeUser });

    describe("store.users", () => {
      it("round-trips every field by id, e-mail and phone", async () => {
        const user = makeUser();
        await store.users.create(user);
        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.users.getByEmail(user.email!)).toEqual(user);
        expect(await store.users.getByPhone(user.phone!)).toEqual(user);
      });

      it("round-trips nulls and empty collections", async () => {
        const user = makeUser({
          email: null,
          phone: null,
          passwordHash: null,
          passwordUpdatedAt: null,
          passwordHistory: [],
          labels: [],
          prefs: {},
          accessedAt: null,
          status: false,
          mfa: true,
        });
        await store.users.create(user);
        expect(await store.users.get(user.id)).toEqual(user);
      });

      it("returns null for unknown users", async () => {
        expect(await store.users.get(newId("missing"))).toBeNull();
        expect(await store.users.getByEmail(newEmail())).toBeNull();
        expect(await store.users.getByPhone(newPhone())).toBeNull();
      });

      it("counts users", async () => {
        const before = await store.users.count();
        await seedUser();
        await seedUser({ email: null, phone: null });
        expect(await store.users.count()).toBe(before + 2);
      });

      it("refuses a duplicate id", async () => {
        const user = await seedUser();
        expect(await conflictOf(store.users.create(makeUser({ id: user.id })))).toBe("id");
        expect(await store.users.get(user.id)).toEqual(user);
      });

      it("refuses a duplicate e-mail and keeps nothing of the refused user", async () => {
        const user = await seedUser();
        const dup = makeUser({ email: user.email });
        expect(await conflictOf(store.users.create(dup))).toBe("email");
        expect(await store.users.get(dup.id)).toBeNull();
        expect(await store.users.getByPhone(dup.phone!)).toBeNull();
      });

      it("compares e-mails case-insensitively for uniqueness", async () => {
        const user = await seedUser();
        expect(await conflictOf(store.users.create(makeUser({ email: user.email!.toUpperCase() })))).toBe("email");
      });

      it("refuses a duplicate phone", async () => {
        const user = await seedUser();
        expect(await conflictOf(store.users.create(makeUser({ phone: user.phone })))).toBe("phone");
      });

      it("allows many users without e-mail or phone", async () => {
        const a = await seedUser({ email: null, phone: null });
        const b = await seedUser({ email: null, phone: null });
        expect(await store.users.get(a.id)).toEqual(a);
        expect(await store.users.get(b.id)).toEqual(b);
      });

      it("settles concurrent sign-ups with one e-mail: exactly one wins", async () => {
        const email = newEmail();
        const results = await Promise.allSettled(Array.from({ length: 8 }, () => store.users.create(makeUser({ email }))));
        expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
        for (const r of results) {
          if (r.status === "rejected") {
            expect(r.reason).toBeInstanceOf(StoreConflictError);
            expect((r.reason as StoreConflictError).target).toBe("email");
          }
        }
      });

      it("updates fields and returns the updated user", async () => {
        const user = await seedUser();
        const patch = {
          name: "Nuevo Nombre ñ",
          updatedAt: at(9_999),
          labels: ["admin"],
          prefs: { locale: "fr", nested: { a: [1, 2] } },
          passwordHistory: [...user.passwordHistory, "$argon2id$v=19$new"],
          emailVerification: false,
          accessedAt: null,
        };
        const expected = { ...user, ...patch };
        expect(await store.users.update(user.id, patch)).toEqual(expected);
        expect(await store.users.get(user.id)).toEqual(expected);
      });

      it("updatePasswordIf sets the hash only while the stored one is the expected one", async () => {
        const user = await seedUser();
        const patch = { passwordHash: "$argon2id$v=19$m=19456,t=2,p=1$bmV3$bmV3aGFzaA", passwordHistory: ["$argon2id$v=19$h"] };
        expect(await store.users.updatePasswordIf(user.id, "$argon2id$v=19$stale", patch)).toBeNull();
        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.users.updatePasswordIf(user.id, user.passwordHash!, patch)).toEqual({ ...user, ...patch });
        expect(await store.users.get(user.id)).toEqual({ ...user, ...patch });
        // The hash it replaced is no longer current: a second writer with the same expectation loses.
        expect(await store.users.updatePasswordIf(user.id, user.passwordHash!, { passwordHash: "$argon2id$v=19$other" })).toBeNull();
        expect(await store.users.updatePasswordIf(newId("missing"), user.passwordHash!, patch)).toBeNull();
      });

      it("returns null when updating an unknown user", async () => {
        expect(await store.users.update(newId("missing"), { name: "x" })).toBeNull();
      });

      it("moves the e-mail and phone indexes on update", async () => {
        const user = await seedUser();
        const email = newEmail();
        const phone = newPhone();
        await store.users.update(user.id, { email, phone });
        expect((await store.users.getByEmail(email))?.id).toBe(user.id);
        expect((await store.users.getByPhone(phone))?.id).toBe(user.id);
        expect(await store.users.getByEmail(user.email!)).toBeNull();
        expect(await store.users.getByPhone(user.phone!)).toBeNull();
        // The old values are free again.
        const other = await seedUser({ email: user.email, phone: user.phone });
        expect((await store.users.getByEmail(user.email!))?.id).toBe(other.id);
      });

      it("frees an e-mail set to null", async () => {
        const user = await seedUser();
        await store.users.update(user.id, { email: null, phone: null });
        const other = await seedUser({ email: user.email, phone: user.phone });
        expect((await store.users.getByEmail(user.email!))?.id).toBe(other.id);
        expect((await store.users.getByPhone(user.phone!))?.id).toBe(other.id);
      });

      it("allows updating a user to its own e-mail and phone", async () => {
        const user = await seedUser();
        const updated = await store.users.update(user.id, { email: user.email, phone: user.phone, name: "same" });
        expect(updated).toEqual({ ...user, name: "same" });
      });

      it("refuses an update to a taken e-mail or phone and leaves the user unchanged", async () => {
        const a = await seedUser();
        const b = await seedUser();
        expect(await conflictOf(store.users.update(b.id, { email: a.email!.toUpperCase(), name: "changed" }))).toBe("email");
        expect(await conflictOf(store.users.update(b.id, { phone: a.phone, name: "changed" }))).toBe("phone");
        expect(await store.users.get(b.id)).toEqual(b);
        expect((await store.users.getByEmail(b.email!))?.id).toBe(b.id);
        expect((await store.users.getByEmail(a.email!))?.id).toBe(a.id);
      });

      it("deleting a user deletes every row they own, of every kind, and nothing of another user", async () => {
        const now = at(0);
        /** One row of every kind a user owns; what each repository then shows of them. */
        const seedOwned = async (user: UserRecord) => {
          const session = makeSession(user.id);
          await store.sessions.create(session);
          const targets = [
            makeTarget(user.id),
            makeTarget(user.id, { providerType: "push", identifier: newId("push"), sessionId: session.id }),
          ];
          for (const target of targets) await store.targets.create(target);
          const token = makeToken(user.id);
          await store.tokens.create(token);
          const challenge = makeChallenge(user.id);
          await store.challenges.create(challenge);
          const authenticator = makeAuthenticator(user.id);
          await store.mfa.putAuthenticator(authenticator);
          const codes = [makeRecoveryCode(user.id), makeRecoveryCode(user.id)];
          await store.mfa.replaceRecoveryCodes(user.id, codes);
          const identity = makeIdentity(user.id);
          await store.identities.create(identity);
          const log = makeLog(user.id);
          await store.logs.append(log);
          return { session, targets, token, challenge, authenticator, codes, identity, log };
        };
        const shown = async (user: UserRecord, owned: Awaited<ReturnType<typeof seedOwned>>) => ({
          user: await store.users.get(user.id),
          sessions: await store.sessions.list(user.id),
          session: await store.sessions.get(owned.session.id),
          targets: await store.targets.list(user.id),
          targetsById: await Promise.all(owned.targets.map((t) => store.targets.get(t.id))),
          tokens: await store.tokens.list(user.id, now),
          token: await store.tokens.get(owned.token.id),
          challenge: await store.challenges.get(owned.challenge.id),
          authenticator: await store.mfa.getAuthenticator(user.id, "totp"),
          codes: await store.mfa.listRecoveryCodes(user.id),
          identities: await store.identities.list(user.id),
          identity: await store.identities.getByProviderUid(owned.identity.provider, owned.identity.providerUid),
          logs: await store.logs.count(user.id),
        });

        const [doomed, kept] = [await seedUser(), await seedUser()];
        const doomedRows = await seedOwned(doomed);
        const keptRows = await seedOwned(kept);
        const keptBefore = await shown(kept, keptRows);

        expect(await store.users.delete(doomed.id)).toBe(true);
        expect(await shown(doomed, doomedRows)).toEqual({
          user: null,
          sessions: [],
          session: null,
          targets: [],
          targetsById: [null, null],
          tokens: [],
          token: null,
          challenge: null,
          authenticator: null,
          codes: [],
          identities: [],
          identity: null,
          logs: 0,
        });
        expect(await shown(kept, keptRows)).toEqual(keptBefore);
        expect(keptBefore).toMatchObject({ user: kept, challenge: keptRows.challenge, authenticator: keptRows.authenticator, logs: 1 });
        expect(keptBefore.targets).toHaveLength(2);
        expect(keptBefore.codes).toHaveLength(2);
      });
    });

    describe("store.targets", () => {
      it("round-trips every field and lists only the user's targets", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const email = makeTarget(user.id);
        const sms = makeTarget(user.id, {
          providerType: "sms",
          identifier: newPhone(),
          name: "Téléphone 📱",
          providerId: "twilio",
          expired: true,
          createdAt: at(MIN),
        });
        await store.targets.create(email);
        await store.targets.create(sms);
        await store.targets.create(makeTarget(other.id));
        expect(byId(await store.targets.list(user.id))).toEqual(byId([email, sms]));
        expect(await store.targets.getByIdentifier(sms.identifier)).toEqual(sms);
        expect(await store.targets.getByIdentifier(newEmail())).toBeNull();
        expect(await store.targets.list(newId("missing"))).toEqual([]);
      });

      it("refuses a duplicate identifier, even for another user", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const target = makeTarget(user.id);
        await store.targets.create(target);
        expect(await conflictOf(store.targets.create(makeTarget(other.id, { identifier: target.identifier })))).toBe("target");
        expect(await store.targets.list(other.id)).toEqual([]);
      });

      it("updates identifier, updatedAt and expired, and returns the updated target", async () => {
        const user = await seedUser();
        const target = makeTarget(user.id);
        await store.targets.create(target);
        const identifier = newEmail();
        const expected = { ...target, identifier, updatedAt: at(DAY), expired: true };
        expect(await store.targets.update(target.id, { identifier, updatedAt: at(DAY), expired: true })).toEqual(expected);
        expect(await store.targets.getByIdentifier(identifier)).toEqual(expected);
        expect(await store.targets.getByIdentifier(target.identifier)).toBeNull();
        expect(await store.targets.list(user.id)).toEqual([expected]);
        // The old identifier is free again.
        await store.targets.create(makeTarget(user.id, { identifier: target.identifier }));
      });

      it("refuses an update to a taken identifier and leaves the target unchanged", async () => {
        const user = await seedUser();
        const a = makeTarget(user.id);
        const b = makeTarget(user.id);
        await store.targets.create(a);
        await store.targets.create(b);
        expect(await conflictOf(store.targets.update(b.id, { identifier: a.identifier, expired: true }))).toBe("target");
        expect(await store.targets.getByIdentifier(b.identifier)).toEqual(b);
        expect(await store.targets.getByIdentifier(a.identifier)).toEqual(a);
      });

      it("returns null when updating an unknown target", async () => {
        expect(await store.targets.update(newId("missing"), { expired: true })).toBeNull();
      });

      it("ignores fields a target patch cannot set, even smuggled in at run time", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const target = makeTarget(user.id);
        await store.targets.create(target);
        const smuggled = { expired: true, userId: other.id, providerId: "changed", providerType: "sms" } as Parameters<
          Store["targets"]["update"]
        >[1];
        expect(await store.targets.update(target.id, smuggled)).toEqual({ ...target, expired: true });
        expect(await store.targets.list(other.id)).toEqual([]);
      });

      it("gets and deletes by id (true only once); a push target's name and session can change", async () => {
        const user = await seedUser();
        const [s1, s2] = [makeSession(user.id), makeSession(user.id)];
        await store.sessions.create(s1);
        await store.sessions.create(s2);
        const push = makeTarget(user.id, { providerType: "push", identifier: `fcm:${newId("tok")}`, sessionId: s1.id, providerId: "fcm" });
        await store.targets.create(push);
        expect(await store.targets.get(push.id)).toEqual(push);
        expect(await store.targets.get(newId("missing"))).toBeNull();
        const moved = { ...push, name: "Google Pixel 8", sessionId: s2.id, updatedAt: at(DAY) };
        expect(await store.targets.update(push.id, { name: moved.name, sessionId: s2.id, updatedAt: at(DAY) })).toEqual(moved);
        expect(await store.targets.delete(push.id)).toBe(true);
        expect(await store.targets.delete(push.id)).toBe(false);
        expect(await store.targets.get(push.id)).toBeNull();
      });

      it("deleting a session, by delete, deleteAll, trim or purgeExpired, deletes the push targets bound to it and no other target", async () => {
        const user = await seedUser();
        const old = makeSession(user.id, { createdAt: at(0), expire: at(MIN) });
        const a = makeSession(user.id, { createdAt: at(1) });
        const b = makeSession(user.id, { createdAt: at(2) });
        const c = makeSession(user.id, { createdAt: at(3) });
        for (const session of [old, a, b, c]) await store.sessions.create(session);
        const pushOf = (session: SessionRecord) =>
          makeTarget(user.id, { providerType: "push", identifier: `apns:${newId("tok")}`, sessionId: session.id });
        const email = makeTarget(user.id);
        const targets = [old, a, b, c].map(pushOf);
        for (const target of [email, ...targets]) await store.targets.create(target);
        const left = async () => byId(await store.targets.list(user.id)).map((t) => t.id);

        await store.purgeExpired(at(MIN));
        expect(await left()).toEqual(byId([email, ...targets.slice(1)]).map((t) => t.id));
        await store.sessions.delete(a.id);
        expect(await left()).toEqual(byId([email, targets[2]!, targets[3]!]).map((t) => t.id));
        await store.sessions.trim(user.id, 1);
        expect(await left()).toEqual(byId([email, targets[3]!]).map((t) => t.id));
        await store.sessions.deleteAll(user.id);
        expect(await left()).toEqual([email.id]);
      });
    });

    describe("store.sessions", () => {
      it("round-trips every field", async () => {
        const user = await seedUser();
        const session = makeSession(user.id, {
          provider: "github",
          providerUid: "12345",
          providerAccessToken: "gho_abc",
          providerAccessTokenExpiry: at(3_600_000),
          providerRefreshToken: "ghr_def",
          factors: ["password", "totp"],
          mfaUpdatedAt: at(42),
          ...client({ countryCode: "--", deviceName: "smartphone", clientName: "Safari Móvil" }),
        });
        await store.sessions.create(session);
        expect(await store.sessions.get(session.id)).toEqual(session);
        expect(await store.sessions.get(newId("missing"))).toBeNull();
      });

      it("refuses a duplicate id", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        expect(await conflictOf(store.sessions.create(makeSession(user.id, { id: session.id })))).toBe("id");
        expect(await store.sessions.get(session.id)).toEqual(session);
      });

      it("finds the auth session with its user and targets", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        const target = makeTarget(user.id);
        const target2 = makeTarget(user.id, { providerType: "sms", identifier: newPhone() });
        await store.sessions.create(session);
        await store.sessions.create(makeSession(user.id));
        await store.targets.create(target);
        await store.targets.create(target2);
        const found = await store.sessions.findAuth(user.id, session.secretHash);
        expect(found).not.toBeNull();
        expect(found!.user).toEqual(user);
        // At least the fields authentication reads (a store may return the whole record).
        expect(found!.session).toMatchObject(authFields(session));
        expect(byId(found!.targets)).toEqual(byId([target, target2]));
      });

      it("finds the auth session of a user without targets", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toMatchObject({
          user,
          session: authFields(session),
          targets: [],
        });
      });

      it("does not find a session under another user or another hash", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        await store.sessions.create(makeSession(other.id));
        expect(await store.sessions.findAuth(other.id, session.secretHash)).toBeNull();
        expect(await store.sessions.findAuth(user.id, newHash())).toBeNull();
        expect(await store.sessions.findAuth(newId("missing"), session.secretHash)).toBeNull();
        await store.sessions.delete(session.id);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toBeNull();
      });

      it("lists sessions oldest first, by creation time then id, expired ones included", async () => {
        const user = await seedUser();
        const base = newId("s");
        const newest = makeSession(user.id, { id: `${base}a`, createdAt: at(3 * MIN) });
        const tieB = makeSession(user.id, { id: `${base}c`, createdAt: at(MIN) });
        const tieA = makeSession(user.id, { id: `${base}b`, createdAt: at(MIN) });
        const expired = makeSession(user.id, { id: `${base}d`, createdAt: at(0), expire: at(1) });
        for (const s of [newest, tieB, tieA, expired]) await store.sessions.create(s);
        await store.sessions.create(makeSession((await seedUser()).id));
        expect(await store.sessions.list(user.id)).toEqual([expired, tieA, tieB, newest]);
        expect(await store.sessions.list(newId("missing"))).toEqual([]);
      });

      it("updates a session and returns it", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        const patch = {
          updatedAt: at(DAY),
          expire: at(2 * DAY),
          factors: ["password", "email"],
          mfaUpdatedAt: at(DAY),
          providerAccessToken: "new",
          providerAccessTokenExpiry: at(DAY + 1),
          countryCode: "fr",
        };
        const expected = { ...session, ...patch };
        expect(await store.sessions.update(session.id, patch)).toEqual(expected);
        expect(await store.sessions.get(session.id)).toEqual(expected);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toMatchObject({ session: authFields(expected) });
        expect(await store.sessions.update(newId("missing"), { factors: [] })).toBeNull();
      });

      it("deletes a session exactly once", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        await store.sessions.create(session);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.sessions.delete(session.id)));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.sessions.delete(session.id)).toBe(false);
        expect(await store.sessions.get(session.id)).toBeNull();
      });

      it("deletes all of a user's sessions and returns their ids", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const a = makeSession(user.id, { createdAt: at(0) });
        const b = makeSession(user.id, { createdAt: at(MIN) });
        const keep = makeSession(other.id);
        for (const s of [a, b, keep]) await store.sessions.create(s);
        expect([...(await store.sessions.deleteAll(user.id))].sort()).toEqual([a.id, b.id].sort());
        expect(await store.sessions.list(user.id)).toEqual([]);
        expect(await store.sessions.list(other.id)).toEqual([keep]);
        expect(await store.sessions.deleteAll(user.id)).toEqual([]);
      });

      it("deletes all of a user's sessions exactly once under concurrency", async () => {
        const user = await seedUser();
        const sessions = Array.from({ length: 4 }, () => makeSession(user.id));
        for (const s of sessions) await store.sessions.create(s);
        const deleted = (await Promise.all(Array.from({ length: 5 }, () => store.sessions.deleteAll(user.id)))).flat();
        expect([...deleted].sort()).toEqual(sessions.map((s) => s.id).sort());
        expect(await store.sessions.list(user.id)).toEqual([]);
      });

      it("trims the oldest sessions, by creation time then id", async () => {
        const user = await seedUser();
        const base = newId("s");
        const sessions = [
          makeSession(user.id, { id: `${base}e`, createdAt: at(0) }),
          makeSession(user.id, { id: `${base}a`, createdAt: at(MIN) }),
          makeSession(user.id, { id: `${base}b`, createdAt: at(MIN) }),
          makeSession(user.id, { id: `${base}c`, createdAt: at(2 * MIN) }),
          makeSession(user.id, { id: `${base}d`, createdAt: at(3 * MIN) }),
        ];
        for (const s of [...sessions].reverse()) await store.sessions.create(s);
        await store.sessions.trim(user.id, 10);
        await store.sessions.trim(user.id, 5);
        expect(await store.sessions.list(user.id)).toEqual(sessions);
        await store.sessions.trim(user.id, 2);
        expect(await store.sessions.list(user.id)).toEqual(sessions.slice(3));
        await store.sessions.trim(user.id, 0);
        expect(await store.sessions.list(user.id)).toEqual([]);
      });

      it("trims atomically under concurrent calls", async () => {
        const user = await seedUser();
        const sessions = Array.from({ length: 8 }, (_, i) => makeSession(user.id, { createdAt: at(i * MIN) }));
        for (const s of sessions) await store.sessions.create(s);
        await Promise.all(Array.from({ length: 5 }, () => store.sessions.trim(user.id, 3)));
        expect(await store.sessions.list(user.id)).toEqual(sessions.slice(5));
      });

      it("trims only the given user's sessions", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const mine = makeSession(user.id);
        const theirs = makeSession(other.id);
        await store.sessions.create(mine);
        await store.sessions.create(theirs);
        await store.sessions.trim(user.id, 0);
        expect(await store.sessions.list(user.id)).toEqual([]);
        expect(await store.sessions.list(other.id)).toEqual([theirs]);
      });
    });

    // Tokens and MFA challenges share one repository shape, so they share these tests.
    const secretKinds = [
      { group: "tokens", make: (userId: string, overrides: Partial<SecretRecord> = {}): SecretRecord => makeToken(userId, overrides) },
      {
        group: "challenges",
        make: (userId: string, overrides: Partial<SecretRecord> = {}): SecretRecord => makeChallenge(userId, overrides),
      },
    ] as const;
    for (const { group, make } of secretKinds) {
      const repo = (): SecretRepository<SecretRecord> => store[group] as unknown as SecretRepository<SecretRecord>;

      describe(`store.${group} (single-use secrets)`, () => {
        it("round-trips every field", async () => {
          const user = await seedUser();
          const secret = make(user.id, { attempts: 1 });
          await repo().create(secret);
          expect(await repo().get(secret.id)).toEqual(secret);
          expect(await repo().get(newId("missing"))).toBeNull();
        });

        it("refuses a duplicate id", async () => {
          const user = await seedUser();
          const secret = make(user.id);
          await repo().create(secret);
          expect(await conflictOf(repo().create(make(user.id, { id: secret.id })))).toBe("id");
          expect(await repo().get(secret.id)).toEqual(secret);
        });

        it("consumes exactly once under concurrency", async () => {
          const user = await seedUser();
          const secret = make(user.id);
          await repo().create(secret);
          const results = await Promise.all(Array.from({ length: 20 }, () => repo().consume(secret.id)));
          expect(results.filter((r) => r === true)).toHaveLength(1);
          expect(await repo().consume(secret.id)).toBe(false);
          expect(await repo().get(secret.id)).toBeNull();
          expect(await repo().consume(newId("missing"))).toBe(false);
        });

        it("counts attempts atomically and reports 0 once the secret is gone", async () => {
          const user = await seedUser();
          const secret = make(user.id);
          await repo().create(secret);
          expect(await repo().addAttempt(secret.id)).toBe(1);
          expect(await repo().addAttempt(secret.id)).toBe(2);
          const counts = await Promise.all(Array.from({ length: 5 }, () => repo().addAttempt(secret.id)));
          expect([...counts].sort((a, b) => a - b)).toEqual([3, 4, 5, 6, 7]);
          expect(await repo().get(secret.id)).toEqual({ ...secret, attempts: 7 });
          await repo().consume(secret.id);
          expect(await repo().addAttempt(secret.id)).toBe(0);
          expect(await repo().addAttempt(newId("missing"))).toBe(0);
        });
      });
    }

    describe("store.tokens", () => {
      it("lists only the user's unexpired tokens, oldest first", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const now = at(0);
        const magic = makeToken(user.id, { type: TokenType.magicUrl, expire: at(MIN), attempts: 2 });
        const email = makeToken(user.id, { type: TokenType.email, expire: at(2 * MIN), phrase: "", createdAt: at(-MIN) });
        // An OAuth2 token names the identity its login came through; the others name none.
        const oauth2 = makeToken(user.id, { type: TokenType.oauth2, expire: at(2 * MIN), createdAt: at(-2 * MIN), identityId: newId("i") });
        const atNow = makeToken(user.id, { type: TokenType.magicUrl, expire: now });
        const past = makeToken(user.id, { type: TokenType.recovery, expire: at(-1) });
        for (const t of [magic, email, atNow, past, oauth2]) await store.tokens.create(t);
        await store.tokens.create(makeToken(other.id));

        expect(await store.tokens.list(user.id, now)).toEqual([oauth2, email, magic]);
        expect(await store.tokens.list(user.id, at(-10))).toHaveLength(5);
        expect(await store.tokens.list(user.id, at(2 * MIN))).toEqual([]);
        expect(await store.tokens.list(newId("missing"), now)).toEqual([]);
      });
    });

    describe("store.mfa: authenticators", () => {
      it("puts, gets and replaces the user's authenticator", async () => {
        const user = await seedUser();
        const other = await seedUser();
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toBeNull();

        const first = makeAuthenticator(user.id);
        await store.mfa.putAuthenticator(first);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(first);

        const theirs = makeAuthenticator(other.id, { verified: true, lastUsedStep: 7 });
        await store.mfa.putAuthenticator(theirs);

        const second = makeAuthenticator(user.id, { secret: "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ", createdAt: at(MIN) });
        await store.mfa.putAuthenticator(second);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(second);
        expect(await store.mfa.deleteAuthenticator(first.id)).toBe(false);

        const same = { ...second, verified: true, updatedAt: at(2 * MIN), lastUsedStep: 99 };
        await store.mfa.putAuthenticator(same);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(same);
        expect(await store.mfa.getAuthenticator(other.id, "totp")).toEqual(theirs);
      });

      it("uses each time step at most once", async () => {
        const user = await seedUser();
        const authenticator = makeAuthenticator(user.id);
        await store.mfa.putAuthenticator(authenticator);

        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 1000, { verified: true, updatedAt: at(MIN) })).toBe(true);
        const afterFirst = { ...authenticator, lastUsedStep: 1000, verified: true, updatedAt: at(MIN) };
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(afterFirst);

        // A replayed or older step changes nothing, patch included.
        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 1000, { updatedAt: at(2 * MIN) })).toBe(false);
        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 999, { updatedAt: at(2 * MIN) })).toBe(false);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(afterFirst);

        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 1001)).toBe(true);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual({ ...afterFirst, lastUsedStep: 1001 });
        expect(await store.mfa.useAuthenticatorStep(newId("missing"), 5)).toBe(false);
      });

      it("accepts step 0 as a first use", async () => {
        const user = await seedUser();
        const authenticator = makeAuthenticator(user.id);
        await store.mfa.putAuthenticator(authenticator);
        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 0)).toBe(true);
        expect(await store.mfa.useAuthenticatorStep(authenticator.id, 0)).toBe(false);
      });

      it("accepts a step exactly once under concurrency", async () => {
        const user = await seedUser();
        const authenticator = makeAuthenticator(user.id, { lastUsedStep: 10 });
        await store.mfa.putAuthenticator(authenticator);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.mfa.useAuthenticatorStep(authenticator.id, 11)));
        expect(results.filter((r) => r === true)).toHaveLength(1);
        expect((await store.mfa.getAuthenticator(user.id, "totp"))?.lastUsedStep).toBe(11);
      });

      it("deletes an authenticator exactly once", async () => {
        const user = await seedUser();
        const authenticator = makeAuthenticator(user.id);
        await store.mfa.putAuthenticator(authenticator);
        expect(await store.mfa.deleteAuthenticator(authenticator.id)).toBe(true);
        expect(await store.mfa.deleteAuthenticator(authenticator.id)).toBe(false);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toBeNull();
      });
    });

    describe("store.mfa: recovery codes", () => {
      it("replaces, counts and consumes codes", async () => {
        const user = await seedUser();
        const other = await seedUser();
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(0);

        const first = Array.from({ length: 3 }, () => makeRecoveryCode(user.id));
        await store.mfa.replaceRecoveryCodes(user.id, first);
        await store.mfa.replaceRecoveryCodes(other.id, [makeRecoveryCode(other.id)]);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(3);

        expect(await store.mfa.consumeRecoveryCode(user.id, first[0]!.codeHash)).toBe(true);
        expect(await store.mfa.consumeRecoveryCode(user.id, first[0]!.codeHash)).toBe(false);
        expect(await store.mfa.consumeRecoveryCode(user.id, newHash())).toBe(false);
        expect(await store.mfa.consumeRecoveryCode(other.id, first[1]!.codeHash)).toBe(false);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(2);
        const remaining = await store.mfa.listRecoveryCodes(user.id);
        expect(remaining.map((c) => c.codeHash).sort()).toEqual([first[1]!.codeHash, first[2]!.codeHash].sort());
        expect(remaining.map((c) => c.sealedCode).sort()).toEqual([first[1]!.sealedCode, first[2]!.sealedCode].sort());
        expect(await store.mfa.listRecoveryCodes(other.id)).toHaveLength(1);

        const second = Array.from({ length: 2 }, () => makeRecoveryCode(user.id, { createdAt: at(DAY) }));
        await store.mfa.replaceRecoveryCodes(user.id, second);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(2);
        expect(await store.mfa.consumeRecoveryCode(user.id, first[1]!.codeHash)).toBe(false);
        expect(await store.mfa.consumeRecoveryCode(user.id, second[1]!.codeHash)).toBe(true);

        await store.mfa.replaceRecoveryCodes(user.id, []);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(0);
        expect(await store.mfa.countRecoveryCodes(other.id)).toBe(1);
      });

      it("consumes a code exactly once under concurrency", async () => {
        const user = await seedUser();
        const codes = Array.from({ length: 10 }, () => makeRecoveryCode(user.id));
        await store.mfa.replaceRecoveryCodes(user.id, codes);
        const results = await Promise.all(Array.from({ length: 20 }, () => store.mfa.consumeRecoveryCode(user.id, codes[4]!.codeHash)));
        expect(results.filter((r) => r === true)).toHaveLength(1);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(9);
      });
    });

    describe("store.identities", () => {
      it("round-trips by id, provider uid and user", async () => {
        const user = await seedUser();
        const github = makeIdentity(user.id);
        const google = makeIdentity(user.id, {
          provider: "google",
          providerAccessTokenExpiry: null,
          providerRefreshToken: "",
          providerIdToken: "",
          createdAt: at(MIN),
        });
        await store.identities.create(github);
        await store.identities.create(google);
        expect(await store.identities.get(github.id)).toEqual(github);
        expect(await store.identities.getByProviderUid("github", github.providerUid)).toEqual(github);
        expect(await store.identities.getByProviderUid("google", google.providerUid)).toEqual(google);
        expect(await store.identities.getByProviderUid("google", github.providerUid)).toBeNull();
        expect(byId(await store.identities.list(user.id))).toEqual(byId([github, google]));
        expect(await store.identities.get(newId("missing"))).toBeNull();
        expect(await store.identities.list(newId("missing"))).toEqual([]);
      });

      it("refuses a duplicate provider uid, even for another user, but not across providers", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const identity = makeIdentity(user.id);
        await store.identities.create(identity);
        expect(
          await conflictOf(store.identities.create(makeIdentity(other.id, { provider: "github", providerUid: identity.providerUid }))),
        ).toBe("identity");
        await store.identities.create(makeIdentity(other.id, { provider: "gitlab", providerUid: identity.providerUid }));
        expect(await store.identities.getByProviderUid("github", identity.providerUid)).toEqual(identity);
      });

      it("refuses a duplicate id", async () => {
        const user = await seedUser();
        const identity = makeIdentity(user.id);
        await store.identities.create(identity);
        expect(await conflictOf(store.identities.create(makeIdentity(user.id, { id: identity.id })))).toBe("id");
      });

      it("finds identities by provider e-mail, optionally excluding a user", async () => {
        const a = await seedUser();
        const b = await seedUser();
        const email = newEmail();
        const ofA = makeIdentity(a.id, { providerEmail: email });
        const ofB = makeIdentity(b.id, { providerEmail: email, provider: "google" });
        await store.identities.create(ofA);
        await store.identities.create(ofB);
        await store.identities.create(makeIdentity(a.id));
        expect(byId(await store.identities.findByEmail(email))).toEqual(byId([ofA, ofB]));
        expect(await store.identities.findByEmail(email, a.id)).toEqual([ofB]);
        expect(await store.identities.findByEmail(email, b.id)).toEqual([ofA]);
        expect(await store.identities.findByEmail(newEmail())).toEqual([]);
      });

      it("updates an identity and returns it", async () => {
        const user = await seedUser();
        const identity = makeIdentity(user.id);
        await store.identities.create(identity);
        const patch = {
          providerEmail: newEmail(),
          providerAccessToken: "rotated",
          providerAccessTokenExpiry: null,
          providerRefreshToken: "rotated-refresh",
          providerIdToken: `v1.${"t".repeat(11_000)}`,
          updatedAt: at(DAY),
        };
        const expected = { ...identity, ...patch };
        expect(await store.identities.update(identity.id, patch)).toEqual(expected);
        expect(await store.identities.get(identity.id)).toEqual(expected);
        expect(await store.identities.getByProviderUid(identity.provider, identity.providerUid)).toEqual(expected);
        expect(await store.identities.findByEmail(patch.providerEmail)).toEqual([expected]);
        expect(await store.identities.findByEmail(identity.providerEmail)).toEqual([]);
        expect(await store.identities.update(newId("missing"), { providerAccessToken: "x" })).toBeNull();
      });

      it("deletes an identity exactly once and frees its provider uid", async () => {
        const user = await seedUser();
        const identity = makeIdentity(user.id);
        await store.identities.create(identity);
        expect(await store.identities.delete(identity.id)).toBe(true);
        expect(await store.identities.delete(identity.id)).toBe(false);
        expect(await store.identities.get(identity.id)).toBeNull();
        expect(await store.identities.getByProviderUid(identity.provider, identity.providerUid)).toBeNull();
        await store.identities.create(makeIdentity(user.id, { provider: identity.provider, providerUid: identity.providerUid }));
      });
    });

    describe("store.logs", () => {
      it("round-trips every field", async () => {
        const user = await seedUser();
        const log = makeLog(user.id, {
          event: "users.*.sessions.*.create",
          mode: "admin",
          ...client({ countryCode: "--", osName: "Windows", clientName: "Édge" }),
        });
        await store.logs.append(log);
        expect(await store.logs.list(user.id, { limit: 25, offset: 0 })).toEqual([log]);
      });

      it("lists newest first with limit and offset, and counts", async () => {
        const user = await seedUser();
        const other = await seedUser();
        const logs = [0, 4, 2, 1, 3].map((n) => makeLog(user.id, { time: at(n * MIN), event: `event.${n}` }));
        for (const log of logs) await store.logs.append(log);
        await store.logs.append(makeLog(other.id));
        const newestFirst = [...logs].sort((a, b) => b.time.getTime() - a.time.getTime());

        expect(await store.logs.list(user.id, { limit: 25, offset: 0 })).toEqual(newestFirst);
        expect(await store.logs.list(user.id, { limit: 2, offset: 0 })).toEqual(newestFirst.slice(0, 2));
        expect(await store.logs.list(user.id, { limit: 2, offset: 2 })).toEqual(newestFirst.slice(2, 4));
        expect(await store.logs.list(user.id, { limit: 10, offset: 4 })).toEqual(newestFirst.slice(4));
        expect(await store.logs.list(user.id, { limit: 10, offset: 5 })).toEqual([]);
        expect(await store.logs.count(user.id)).toBe(5);
        expect(await store.logs.count(other.id)).toBe(1);
        expect(await store.logs.count(newId("missing"))).toBe(0);
        expect(await store.logs.list(newId("missing"), { limit: 10, offset: 0 })).toEqual([]);
      });
    });

    describe("store.purgeExpired", () => {
      it("removes expired sessions, tokens and challenges, and counts them", async () => {
        // An era no other test writes in, so a shared database cannot skew the count.
        const now = new Date(Date.UTC(2001, 5, 1, 12, 0, 0, 500));
        const ms = (offset: number): Date => new Date(now.getTime() + offset);
        const user = await seedUser();
        const old = { createdAt: ms(-DAY) };
        const gone = [makeSession(user.id, { ...old, expire: ms(-1) }), makeSession(user.id, { ...old, expire: now })];
        const kept = makeSession(user.id, { ...old, expire: ms(1) });
        for (const s of [...gone, kept]) await store.sessions.create(s);
        const goneToken = makeToken(user.id, { ...old, expire: now });
        const keptToken = makeToken(user.id, { ...old, expire: ms(MIN) });
        await store.tokens.create(goneToken);
        await store.tokens.create(keptToken);
        const goneChallenge = makeChallenge(user.id, { ...old, expire: ms(-MIN) });
        const keptChallenge = makeChallenge(user.id, { ...old, expire: ms(1) });
        await store.challenges.create(goneChallenge);
        await store.challenges.create(keptChallenge);

        expect(await store.purgeExpired(now)).toBe(4);

        expect(await store.sessions.list(user.id)).toEqual([kept]);
        expect(await store.tokens.list(user.id, ms(-DAY))).toEqual([keptToken]);
        expect(await store.challenges.get(goneChallenge.id)).toBeNull();
        expect(await store.challenges.get(keptChallenge.id)).toEqual(keptChallenge);
        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.purgeExpired(now)).toBe(0);
      });
    });

    describe("store.transaction", () => {
      it("commits writes and returns the callback's value", async () => {
        const user = makeUser();
        const session = makeSession(user.id);
        const result = await store.transaction(async (tx) => {
          await tx.users.create(user);
          await tx.sessions.create(session);
          expect(await tx.users.get(user.id)).toEqual(user);
          return "committed";
        });
        expect(result).toBe("committed");
        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toMatchObject({
          user,
          session: authFields(session),
          targets: [],
        });
      });

      it("rolls back creations when the callback throws, and rethrows", async () => {
        const user = makeUser();
        const session = makeSession(user.id);
        const boom = new Error("boom");
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            await tx.users.create(user);
            await tx.sessions.create(session);
            throw boom;
          }),
        );
        expect(error).toBe(boom);
        expect(await store.users.get(user.id)).toBeNull();
        expect(await store.users.getByEmail(user.email!)).toBeNull();
        expect(await store.sessions.get(session.id)).toBeNull();
        expect(await store.sessions.list(user.id)).toEqual([]);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toBeNull();
        // Nothing of the rolled-back rows still holds a unique value.
        await store.users.create(user);
        await store.sessions.create(session);
      });

      it("rolls back updates and deletions", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        const token = makeToken(user.id);
        const challenge = makeChallenge(user.id);
        const authenticator = makeAuthenticator(user.id);
        const codes = [makeRecoveryCode(user.id), makeRecoveryCode(user.id)];
        const identity = makeIdentity(user.id);
        const target = makeTarget(user.id);
        await store.sessions.create(session);
        await store.tokens.create(token);
        await store.challenges.create(challenge);
        await store.mfa.putAuthenticator(authenticator);
        await store.mfa.replaceRecoveryCodes(user.id, codes);
        await store.identities.create(identity);
        await store.targets.create(target);
        const newEmailValue = newEmail();

        await rejectionOf(
          store.transaction(async (tx) => {
            await tx.users.update(user.id, { email: newEmailValue, name: "changed", labels: [] });
            await tx.sessions.update(session.id, { factors: [] });
            await tx.tokens.addAttempt(token.id);
            await tx.tokens.consume(token.id);
            await tx.challenges.consume(challenge.id);
            await tx.mfa.useAuthenticatorStep(authenticator.id, 5, { verified: true });
            await tx.mfa.consumeRecoveryCode(user.id, codes[0]!.codeHash);
            await tx.identities.update(identity.id, { providerEmail: newEmail() });
            await tx.targets.update(target.id, { identifier: newEmail() });
            await tx.sessions.delete(session.id);
            throw new Error("abort");
          }),
        );

        expect(await store.users.get(user.id)).toEqual(user);
        expect((await store.users.getByEmail(user.email!))?.id).toBe(user.id);
        expect(await store.users.getByEmail(newEmailValue)).toBeNull();
        expect(await store.sessions.get(session.id)).toEqual(session);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toMatchObject({
          user,
          session: authFields(session),
          targets: [target],
        });
        expect(await store.tokens.list(user.id, at(0))).toEqual([token]);
        expect(await store.challenges.get(challenge.id)).toEqual(challenge);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(authenticator);
        expect(await store.mfa.countRecoveryCodes(user.id)).toBe(2);
        expect(await store.identities.get(identity.id)).toEqual(identity);
        expect(await store.identities.findByEmail(identity.providerEmail)).toEqual([identity]);
        expect(await store.targets.getByIdentifier(target.identifier)).toEqual(target);
      });

      it("rolls back bulk deletions and the store's own multi-step writes made inside it", async () => {
        // putAuthenticator and replaceRecoveryCodes are several statements each: inside a
        // transaction they must join it, not commit on their own.
        const user = await seedUser();
        const sessions = [makeSession(user.id, { createdAt: at(0) }), makeSession(user.id, { createdAt: at(MIN) })];
        for (const s of sessions) await store.sessions.create(s);
        const authenticator = makeAuthenticator(user.id);
        await store.mfa.putAuthenticator(authenticator);
        const codes = [makeRecoveryCode(user.id)];
        await store.mfa.replaceRecoveryCodes(user.id, codes);

        await rejectionOf(
          store.transaction(async (tx) => {
            expect([...(await tx.sessions.deleteAll(user.id))].sort()).toEqual(sessions.map((s) => s.id).sort());
            await tx.mfa.putAuthenticator(makeAuthenticator(user.id, { verified: true }));
            await tx.mfa.replaceRecoveryCodes(user.id, [makeRecoveryCode(user.id), makeRecoveryCode(user.id)]);
            await tx.sessions.trim(user.id, 0);
            expect(await tx.sessions.list(user.id)).toEqual([]);
            throw new Error("abort");
          }),
        );

        expect(await store.sessions.list(user.id)).toEqual(sessions);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(authenticator);
        expect(await store.mfa.listRecoveryCodes(user.id)).toEqual(codes);
      });

      it("rolls back when a write inside fails with a conflict", async () => {
        const existing = await seedUser();
        const fresh = makeUser();
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            await tx.users.create(fresh);
            await tx.users.create(makeUser({ email: existing.email }));
          }),
        );
        expect(error).toBeInstanceOf(StoreConflictError);
        expect((error as StoreConflictError).target).toBe("email");
        expect(await store.users.get(fresh.id)).toBeNull();
        expect(await store.users.get(existing.id)).toEqual(existing);
      });

      it("runs a nested transaction inline, committing with the outer one", async () => {
        const a = makeUser();
        const b = makeUser();
        const result = await store.transaction(async (tx) => {
          await tx.users.create(a);
          return tx.transaction(async (inner) => {
            await inner.users.create(b);
            return (await inner.users.get(a.id))?.id;
          });
        });
        expect(result).toBe(a.id);
        expect(await store.users.get(a.id)).toEqual(a);
        expect(await store.users.get(b.id)).toEqual(b);
      });

      it("rolls back everything when a nested transaction throws through the outer one", async () => {
        const a = makeUser();
        const b = makeUser();
        const boom = new Error("nested boom");
        const error = await rejectionOf(
          store.transaction(async (tx) => {
            await tx.users.create(a);
            await tx.transaction(async (inner) => {
              await inner.users.create(b);
              throw boom;
            });
          }),
        );
        expect(error).toBe(boom);
        expect(await store.users.get(a.id)).toBeNull();
        expect(await store.users.get(b.id)).toBeNull();
      });

      it("commits concurrent transactions independently", async () => {
        const users = Array.from({ length: 5 }, () => makeUser());
        const boom = new Error("only this one fails");
        const results = await Promise.allSettled(
          users.map((user, i) =>
            store.transaction(async (tx) => {
              await tx.users.create(user);
              await tx.sessions.create(makeSession(user.id));
              if (i === 2) throw boom;
              return user.id;
            }),
          ),
        );
        expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled", "fulfilled"]);
        for (const [i, user] of users.entries()) {
          if (i === 2) expect(await store.users.get(user.id)).toBeNull();
          else expect(await store.users.get(user.id)).toEqual(user);
        }
      });
    });

    describe("copies", () => {
      it("stores a copy of what it is given", async () => {
        const user = makeUser();
        const expected = structuredClone(user);
        await store.users.create(user);
        user.name = "mutated";
        user.labels.push("mutated");
        user.passwordHistory.length = 0;
        (user.prefs["nested"] as { list: unknown[] }).list.push("mutated");
        user.createdAt.setTime(0);
        expect(await store.users.get(expected.id)).toEqual(expected);

        const session = makeSession(expected.id);
        const expectedSession = structuredClone(session);
        await store.sessions.create(session);
        session.factors.push("mutated");
        session.expire.setTime(0);
        expect(await store.sessions.get(session.id)).toEqual(expectedSession);

        const patch = { labels: ["x"], prefs: { deep: { value: 1 } } };
        await store.users.update(expected.id, patch);
        patch.labels.push("mutated");
        patch.prefs.deep.value = 2;
        expect(await store.users.get(expected.id)).toMatchObject({ labels: ["x"], prefs: { deep: { value: 1 } } });
      });

      it("returns copies that callers may mutate freely", async () => {
        const user = await seedUser();
        const session = makeSession(user.id);
        const target = makeTarget(user.id);
        const token = makeToken(user.id);
        const identity = makeIdentity(user.id);
        const log = makeLog(user.id);
        const authenticator = makeAuthenticator(user.id);
        await store.sessions.create(session);
        await store.targets.create(target);
        await store.tokens.create(token);
        await store.identities.create(identity);
        await store.logs.append(log);
        await store.mfa.putAuthenticator(authenticator);

        const gotUser = (await store.users.get(user.id))!;
        gotUser.labels.push("mutated");
        gotUser.updatedAt.setTime(0);
        (gotUser.prefs["nested"] as { deeper: { emoji: string } }).deeper.emoji = "mutated";
        const updated = (await store.users.update(user.id, { name: user.name }))!;
        updated.passwordHistory.push("mutated");

        const auth = (await store.sessions.findAuth(user.id, session.secretHash))!;
        auth.user.name = "mutated";
        auth.session.factors.push("mutated");
        auth.targets[0]!.identifier = "mutated";
        (await store.sessions.list(user.id))[0]!.expire.setTime(0);
        (await store.sessions.get(session.id))!.createdAt.setTime(0);
        (await store.tokens.list(user.id, at(0)))[0]!.expire.setTime(0);
        (await store.identities.get(identity.id))!.providerAccessTokenExpiry!.setTime(0);
        (await store.logs.list(user.id, { limit: 1, offset: 0 }))[0]!.time.setTime(0);
        (await store.mfa.getAuthenticator(user.id, "totp"))!.updatedAt.setTime(0);

        expect(await store.users.get(user.id)).toEqual(user);
        expect(await store.sessions.findAuth(user.id, session.secretHash)).toMatchObject({
          user,
          session: authFields(session),
          targets: [target],
        });
        expect(await store.tokens.list(user.id, at(0))).toEqual([token]);
        expect(await store.identities.get(identity.id)).toEqual(identity);
        expect(await store.logs.list(user.id, { limit: 1, offset: 0 })).toEqual([log]);
        expect(await store.mfa.getAuthenticator(user.id, "totp")).toEqual(authenticator);
      });
    });
  });
}

/** The session fields `findAuth` must return (src/ports/store.ts). */
function authFields(session: SessionRecord): Pick<SessionRecord, (typeof AUTH_SESSION_FIELDS)[number]> {
  return Object.fromEntries(AUTH_SESSION_FIELDS.map((key) => [key, session[key]])) as Pick<
    SessionRecord,
    (typeof AUTH_SESSION_FIELDS)[number]
  >;
}
