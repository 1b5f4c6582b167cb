import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StoreConflictError, type Store } from "gatehouse-auth";
import { freshDatabase, serviceAvailable, type TestDatabase } from "../helpers/databases";
import { raw } from "../helpers/sdk";
import { startServer, type TestServer } from "../helpers/server";
import { makeAuthenticator, makeChallenge, makeRecoveryCode, makeSession, makeToken, makeUser } from "./contract";

/*
 * Races settled by the database, through the real HTTP server where there is a route for it and at
 * the store level where there is not yet (tokens). Every assertion is about the outcome of the race
 * (who won, what is stored afterwards), never about how long it took.
 */

const hasPostgres = await serviceAvailable("postgres");
const hasMysql = await serviceAvailable("mysql");

const PASSWORD = "correct horse battery staple";
const SIGNUPS = 50;
const LOGINS = 30;
const MAX_SESSIONS = 10;
const REDEMPTIONS = 20;

const tag = () => randomBytes(5).toString("hex");

/** The n-th spelling of an address: every other one in mixed case, so only normalisation can merge them. */
function spelling(email: string, n: number): string {
  if (n % 2 === 0) return email;
  const [local, domain] = email.split("@") as [string, string];
  const mixed = [...local].map((c, i) => ((i + n) % 2 ? c.toUpperCase() : c)).join("");
  return `${mixed}@${domain.toUpperCase()}`;
}

interface Setup {
  database: TestDatabase;
  /** Cleans up whatever the setup made outside the database (a temporary SQLite file). */
  cleanup?: () => void;
}

function concurrencySuite(label: string, open: () => Promise<Setup>) {
  describe(label, () => {
    let setup: Setup;
    let store: Store;
    let server: TestServer;
    const table = (name: string) => `${setup.database.prefix}${name}`;

    beforeAll(async () => {
      setup = await open();
      store = setup.database.store;
      server = await startServer({
        store,
        // The real clock, so the 30 logins get distinct (or at least non-decreasing) creation times
        // and "the newest ten" is about time, not only about the id tie-break.
        clock: { now: () => Date.now() },
        auth: { maxSessions: MAX_SESSIONS },
        // Every request comes from 127.0.0.1, and sign-up allows 10 per IP per hour, login 10 per
        // e-mail: the limiter would answer 429 long before the race reaches the database, and the
        // race in the database is what these tests are about.
        rateLimits: false,
      });
    });

    afterAll(async () => {
      await server?.close();
      await setup?.database.drop();
      setup?.cleanup?.();
    });

    it(`${SIGNUPS} parallel sign-ups with one e-mail (half of them in other letter case): one 201, the rest 409, one row`, async () => {
      const email = `race-${tag()}@example.com`;
      const responses = await Promise.all(
        Array.from({ length: SIGNUPS }, (_, n) =>
          raw(server.endpoint, "POST", "/account", {
            body: { userId: "unique()", email: spelling(email, n), password: PASSWORD, name: `racer ${n}` },
          }),
        ),
      );
      // The mixed-case spellings really are different strings on the wire.
      expect(new Set(Array.from({ length: SIGNUPS }, (_, n) => spelling(email, n))).size).toBeGreaterThan(1);

      const statuses = responses.map((r) => r.status);
      const created = responses.filter((r) => r.status === 201);
      const conflicts = responses.filter((r) => r.status === 409);
      expect(
        created,
        `statuses: ${JSON.stringify(statuses)}; first non-201/409: ${responses.find((r) => r.status !== 201 && r.status !== 409)?.text}`,
      ).toHaveLength(1);
      expect(conflicts).toHaveLength(SIGNUPS - 1);
      for (const r of conflicts) expect(r.json).toMatchObject({ code: 409, type: "user_already_exists" });
      const winner = created[0]!.json!;
      expect(winner.email).toBe(email);

      const users = await setup.database.db.selectFrom(table("users")).select(["id", "email"]).where("email_key", "=", email).execute();
      expect(users).toEqual([{ id: winner.$id, email }]);
      // Nothing of the losers was left behind either: one e-mail target, the winner's.
      const targets = await setup.database.db.selectFrom(table("targets")).select(["user_id"]).where("identifier", "=", email).execute();
      expect(targets).toEqual([{ user_id: winner.$id }]);
    });

    it(`${LOGINS} parallel logins with maxSessions ${MAX_SESSIONS}: all 201, and exactly the ${MAX_SESSIONS} newest sessions remain`, async () => {
      const email = `logins-${tag()}@example.com`;
      const signUp = await raw(server.endpoint, "POST", "/account", { body: { userId: "unique()", email, password: PASSWORD } });
      expect(signUp.status).toBe(201);
      const userId = signUp.json!.$id as string;

      const responses = await Promise.all(
        Array.from({ length: LOGINS }, () =>
          raw(server.endpoint, "POST", "/account/sessions/email", { body: { email, password: PASSWORD } }),
        ),
      );
      expect(
        responses.map((r) => r.status),
        responses.find((r) => r.status !== 201)?.text,
      ).toEqual(Array(LOGINS).fill(201));
      const returned = responses.map((r) => ({ id: r.json!.$id as string, createdAt: Date.parse(r.json!.$createdAt as string) }));
      expect(new Set(returned.map((s) => s.id)).size).toBe(LOGINS);

      // The store's order: creation time, then id; the newest are the last ones.
      const newest = [...returned]
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
        .slice(-MAX_SESSIONS)
        .map((s) => s.id);

      const rows = await setup.database.db.selectFrom(table("sessions")).select("id").where("user_id", "=", userId).execute();
      expect(rows).toHaveLength(MAX_SESSIONS);
      const stored = await store.sessions.list(userId);
      expect(stored.map((s) => s.id).sort()).toEqual([...newest].sort());
      // The stored creation times are the ones the API answered with.
      for (const s of stored) expect(s.createdAt.getTime()).toBe(returned.find((r) => r.id === s.id)!.createdAt);
    });

    describe(`${REDEMPTIONS} parallel redemptions of one secret succeed exactly once`, () => {
      let userId: string;
      beforeAll(async () => {
        const user = makeUser();
        await store.users.create(user);
        userId = user.id;
      });

      const race = (attempt: () => Promise<boolean>) => Promise.all(Array.from({ length: REDEMPTIONS }, attempt));

      it("tokens.consume", async () => {
        const token = makeToken(userId);
        await store.tokens.create(token);
        const results = await race(() => store.tokens.consume(token.id));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.tokens.list(userId, new Date(token.createdAt.getTime()))).toEqual([]);
      });

      it("mfa.consumeRecoveryCode", async () => {
        const codes = [makeRecoveryCode(userId), makeRecoveryCode(userId)];
        await store.mfa.replaceRecoveryCodes(userId, codes);
        const results = await race(() => store.mfa.consumeRecoveryCode(userId, codes[0]!.codeHash));
        expect(results.filter(Boolean)).toHaveLength(1);
        // Only the redeemed code went; the other is untouched.
        expect((await store.mfa.listRecoveryCodes(userId)).map((c) => c.codeHash)).toEqual([codes[1]!.codeHash]);
      });

      it("challenges.consume", async () => {
        const challenge = makeChallenge(userId);
        await store.challenges.create(challenge);
        const results = await race(() => store.challenges.consume(challenge.id));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.challenges.get(challenge.id)).toBeNull();
      });

      it("mfa.useAuthenticatorStep with one step", async () => {
        const authenticator = makeAuthenticator(userId, { lastUsedStep: 1000 });
        await store.mfa.putAuthenticator(authenticator);
        const results = await race(() => store.mfa.useAuthenticatorStep(authenticator.id, 1001));
        expect(results.filter(Boolean)).toHaveLength(1);
        expect((await store.mfa.getAuthenticator(userId, "totp"))?.lastUsedStep).toBe(1001);
      });
    });

    describe("a failed multi-step write leaves nothing behind", () => {
      it("a transaction that throws after creating a user and a session rolls both back", async () => {
        const user = makeUser();
        const session = makeSession(user.id);
        const seenInside: unknown[] = [];
        await expect(
          store.transaction(async (tx) => {
            await tx.users.create(user);
            await tx.sessions.create(session);
            seenInside.push(await tx.users.get(user.id), await tx.sessions.get(session.id));
            throw new Error("boom after two writes");
          }),
        ).rejects.toThrow("boom after two writes");
        // The writes did happen inside the transaction...
        expect(seenInside.map((r) => (r as { id: string } | null)?.id)).toEqual([user.id, session.id]);
        // ...and are gone after it.
        expect(await store.users.get(user.id)).toBeNull();
        expect(await store.sessions.get(session.id)).toBeNull();
        expect(await store.users.getByEmail(user.email!)).toBeNull();
      });

      it("a unique violation on the second insert rolls back the first and surfaces StoreConflictError", async () => {
        const owner = makeUser();
        const existing = makeSession(owner.id);
        await store.users.create(owner);
        await store.sessions.create(existing);

        const user = makeUser();
        const duplicate = makeSession(user.id, { secretHash: existing.secretHash });
        const failure = await store
          .transaction(async (tx) => {
            await tx.users.create(user);
            await tx.sessions.create(duplicate);
          })
          .then(
            () => null,
            (error: unknown) => error,
          );
        expect(failure).toBeInstanceOf(StoreConflictError);
        expect(await store.users.get(user.id)).toBeNull();
        expect(await store.sessions.get(duplicate.id)).toBeNull();
        // The row it collided with is untouched.
        expect((await store.sessions.get(existing.id))?.userId).toBe(owner.id);
      });
    });
  });
}

describe.skipIf(!hasPostgres)("PostgreSQL", () => {
  // A pool larger than any one race's fan-out would need is not required, but 20 lets the
  // redemptions run on 20 connections at once.
  concurrencySuite("concurrency", async () => ({ database: await freshDatabase("postgres", { poolSize: 20 }) }));
});

describe.skipIf(!hasMysql)("MariaDB/MySQL", () => {
  concurrencySuite("concurrency", async () => ({ database: await freshDatabase("mysql", { poolSize: 20 }) }));
});

describe("SQLite file", () => {
  concurrencySuite("concurrency", async () => {
    const dir = mkdtempSync(join(tmpdir(), "gatehouse-concurrency-"));
    const database = await freshDatabase("sqlite", { url: join(dir, "race.sqlite") });
    return { database, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  });
});
