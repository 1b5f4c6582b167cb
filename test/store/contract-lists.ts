import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { ListQuery, Store, UserField, UserRecord } from "../../src/ports/store";

/*
 * The list half of the store contract (src/ports/store.ts: `users.find`, `countMatching`,
 * `identities.find`, `users.delete`), run by storeContract (test/store/contract.ts) on every
 * store. SQL stores share a database between tests, so every case selects its own users by a
 * label no other case uses.
 */

const run = randomBytes(4).toString("hex");
let counter = 0;
const tag = () => `l${run}${++counter}`;
const id = (prefix: string) => `${prefix}${run}${(++counter).toString(36).padStart(5, "0")}`;
const T0 = Date.UTC(2024, 4, 6, 7, 8, 9, 123);
const at = (ms: number) => new Date(T0 + ms);

export interface ListDeps {
  store(): Store;
  makeUser(overrides: Partial<UserRecord>): UserRecord;
}

export function listContract(deps: ListDeps): void {
  const query = (label: string, rest: Partial<ListQuery<UserField, UserRecord>> = {}): ListQuery<UserField, UserRecord> => ({
    filters: [{ field: "labels", op: "contains", values: [label] }],
    search: [],
    order: [],
    limit: 25,
    offset: 0,
    ...rest,
  });

  /** Five users under one label, created a minute apart, names out of creation order. */
  async function seed() {
    const label = tag();
    const names = ["carol", "alice", "eve", "bob", "dave"];
    const users: UserRecord[] = [];
    for (const [i, name] of names.entries()) {
      const user = deps.makeUser({
        id: id("u"),
        createdAt: at(i * 60_000),
        name,
        email: `${name}.${label}@example.com`,
        phone: null,
        labels: [label, i % 2 === 0 ? "even" : "odd"],
        status: i !== 2,
        passwordUpdatedAt: i === 1 ? null : at(i * 1000),
      });
      await deps.store().users.create(user);
      users.push(user);
    }
    return { label, users };
  }

  const ids = (users: UserRecord[]) => users.map((u) => u.id);

  describe("store.users lists", () => {
    it("pages in creation order, counts the matches without paging, and caps the count", async () => {
      const { label, users } = await seed();
      const store = deps.store();
      expect(ids(await store.users.find(query(label)))).toEqual(ids(users));
      expect(ids(await store.users.find(query(label, { limit: 2, offset: 1 })))).toEqual(ids(users.slice(1, 3)));
      expect(await store.users.countMatching({ filters: query(label).filters, search: [] }, 5000)).toBe(5);
      expect(await store.users.countMatching({ filters: query(label).filters, search: [] }, 3)).toBe(3);
    });

    it("filters by equality, ranges, booleans, nulls, prefixes and nested or/and", async () => {
      const { label, users } = await seed();
      const store = deps.store();
      const base = query(label).filters;
      const find = async (...filters: ListQuery<UserField, UserRecord>["filters"]) =>
        ids(await store.users.find(query(label, { filters: [...base, ...filters] })));
      expect(await find({ field: "name", op: "equal", values: ["bob", "eve"] })).toEqual(ids([users[2]!, users[3]!]));
      expect(await find({ field: "name", op: "notEqual", values: ["bob"] })).toEqual(ids(users.filter((u) => u.name !== "bob")));
      expect(await find({ field: "status", op: "equal", values: [false] })).toEqual([users[2]!.id]);
      expect(await find({ field: "passwordUpdatedAt", op: "isNull", values: [] })).toEqual([users[1]!.id]);
      expect(await find({ field: "createdAt", op: "greaterThanEqual", values: [at(180_000)] })).toEqual(ids(users.slice(3)));
      expect(await find({ field: "createdAt", op: "between", values: [at(60_000), at(120_000)] })).toEqual(ids(users.slice(1, 3)));
      expect(await find({ field: "name", op: "startsWith", values: ["CA"] })).toEqual([users[0]!.id]);
      expect(await find({ field: "email", op: "endsWith", values: [`.${label}@example.com`] })).toEqual(ids(users));
      // A LIKE wildcard in a value is a literal character.
      expect(await find({ field: "name", op: "startsWith", values: ["%"] })).toEqual([]);
      expect(await find({ field: "name", op: "contains", values: ["_"] })).toEqual([]);
      expect(await find({ field: "labels", op: "contains", values: ["odd"] })).toEqual(ids([users[1]!, users[3]!]));
      // Labels match whole and case-sensitively, never as a substring.
      expect(await find({ field: "labels", op: "contains", values: ["od"] })).toEqual([]);
      expect(await find({ field: "labels", op: "contains", values: ["ODD"] })).toEqual([]);
      // A list is never null, even an empty one.
      expect(await find({ field: "labels", op: "isNull", values: [] })).toEqual([]);
      expect(await find({ field: "labels", op: "isNotNull", values: [] })).toEqual(ids(users));
      expect(
        await find({
          or: [
            { field: "name", op: "equal", values: ["alice"] },
            {
              and: [
                { field: "status", op: "equal", values: [true] },
                { field: "name", op: "equal", values: ["dave"] },
              ],
            },
          ],
        }),
      ).toEqual(ids([users[1]!, users[4]!]));
    });

    it("searches any word, case-insensitively, in id, e-mail, name and labels", async () => {
      const { label, users } = await seed();
      const store = deps.store();
      const search = async (...words: string[]) => ids(await store.users.find(query(label, { search: words })));
      expect(await search("ALI")).toEqual([users[1]!.id]);
      expect(await search("alice", "dave")).toEqual(ids([users[1]!, users[4]!]));
      expect(await search(users[3]!.id)).toEqual([users[3]!.id]);
      expect(await search("nobody")).toEqual([]);
      expect(await store.users.countMatching({ filters: query(label).filters, search: ["bob", "carol"] }, 5000)).toBe(2);
    });

    it("orders by fields with nulls first ascending, and pages by cursor both ways", async () => {
      const { label, users } = await seed();
      const store = deps.store();
      const byName = [...users].sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(ids(await store.users.find(query(label, { order: [{ field: "name", desc: false }] })))).toEqual(ids(byName));
      expect(ids(await store.users.find(query(label, { order: [{ field: "name", desc: true }] })))).toEqual(ids(byName).reverse());
      const byPassword = await store.users.find(query(label, { order: [{ field: "passwordUpdatedAt", desc: false }] }));
      expect(byPassword[0]!.id).toBe(users[1]!.id);
      const byPasswordDesc = await store.users.find(query(label, { order: [{ field: "passwordUpdatedAt", desc: true }] }));
      expect(byPasswordDesc.at(-1)!.id).toBe(users[1]!.id);

      const order = [{ field: "name" as const, desc: false }];
      const afterBob = await store.users.find(query(label, { order, cursor: { record: byName[1]!, before: false }, limit: 2 }));
      expect(ids(afterBob)).toEqual(ids(byName.slice(2, 4)));
      const beforeEve = await store.users.find(query(label, { order, cursor: { record: byName[4]!, before: true }, limit: 2 }));
      expect(ids(beforeEve)).toEqual(ids(byName.slice(2, 4)));
      const beforeEveSkipOne = await store.users.find(
        query(label, { order, cursor: { record: byName[4]!, before: true }, limit: 2, offset: 1 }),
      );
      expect(ids(beforeEveSkipOne)).toEqual(ids(byName.slice(1, 3)));
      // Default order: creation, with the cursor after the third user.
      expect(ids(await store.users.find(query(label, { cursor: { record: users[2]!, before: false } })))).toEqual(ids(users.slice(3)));
      // Descending with nulls: the null row comes after the cursor's value.
      const desc = [{ field: "passwordUpdatedAt" as const, desc: true }];
      const afterLast = await store.users.find(query(label, { order: desc, cursor: { record: users[2]!, before: false } }));
      expect(ids(afterLast)).toEqual(ids([users[0]!, users[1]!]));
    });

    it("deletes a user with everything they own, once", async () => {
      const store = deps.store();
      const user = deps.makeUser({ id: id("u"), phone: null });
      await store.users.create(user);
      const target = {
        id: id("t"),
        userId: user.id,
        createdAt: at(0),
        updatedAt: at(0),
        providerType: "email" as const,
        identifier: user.email!,
        name: "",
        providerId: null,
        sessionId: null,
        expired: false,
      };
      await store.targets.create(target);
      await store.identities.create({
        id: id("i"),
        userId: user.id,
        createdAt: at(0),
        updatedAt: at(0),
        provider: "github",
        providerUid: id("p"),
        providerEmail: user.email!,
        providerAccessToken: "",
        providerAccessTokenExpiry: null,
        providerRefreshToken: "",
        providerIdToken: "",
      });
      await store.mfa.replaceRecoveryCodes(user.id, [{ userId: user.id, codeHash: "h", sealedCode: "s", createdAt: at(0) }]);
      expect(await Promise.all([store.users.delete(user.id), store.users.delete(user.id)])).toEqual(expect.arrayContaining([true, false]));
      expect(await store.users.get(user.id)).toBeNull();
      expect(await store.targets.get(target.id)).toBeNull();
      expect(await store.targets.getByIdentifier(target.identifier)).toBeNull();
      expect(await store.identities.list(user.id)).toEqual([]);
      expect(await store.mfa.countRecoveryCodes(user.id)).toBe(0);
      // The address is free again.
      await store.users.create(deps.makeUser({ id: id("u"), email: user.email, phone: null }));
    });

    it("renames and deletes a target", async () => {
      const store = deps.store();
      const user = deps.makeUser({ id: id("u"), phone: null });
      await store.users.create(user);
      const target = {
        id: id("t"),
        userId: user.id,
        createdAt: at(0),
        updatedAt: at(0),
        providerType: "push" as const,
        identifier: id("push"),
        name: "",
        providerId: null,
        sessionId: null,
        expired: false,
      };
      await store.targets.create(target);
      expect((await store.targets.update(target.id, { name: "phone" }))?.name).toBe("phone");
      expect((await store.targets.get(target.id))?.name).toBe("phone");
      const other = deps.makeUser({ id: id("u"), phone: null });
      await store.users.create(other);
      const theirs = { ...target, id: id("t"), userId: other.id, identifier: id("push"), createdAt: at(-1000) };
      await store.targets.create(theirs);
      expect((await store.targets.listFor([user.id, other.id, user.id, id("none")])).map((t) => t.id)).toEqual([theirs.id, target.id]);
      expect(await store.targets.listFor([])).toEqual([]);
      expect(await store.targets.delete(target.id)).toBe(true);
      expect(await store.targets.delete(target.id)).toBe(false);
      expect(await store.targets.get(target.id)).toBeNull();
    });
  });

  describe("store.identities lists", () => {
    it("filters, orders and pages all users' identities", async () => {
      const store = deps.store();
      const provider = tag();
      const user = deps.makeUser({ id: id("u"), phone: null });
      await store.users.create(user);
      const made = [];
      for (const [i, uid] of ["b", "a", "c"].entries()) {
        const identity = {
          id: id("i"),
          userId: user.id,
          createdAt: at(i * 1000),
          updatedAt: at(i * 1000),
          provider,
          providerUid: `${uid}${run}`,
          providerEmail: `${uid}@example.com`,
          providerAccessToken: "",
          providerAccessTokenExpiry: null,
          providerRefreshToken: "",
          providerIdToken: "",
        };
        await store.identities.create(identity);
        made.push(identity);
      }
      const filters = [{ field: "provider" as const, op: "equal" as const, values: [provider] }];
      const page = { filters, search: [], order: [], limit: 25, offset: 0 };
      expect((await store.identities.find(page)).map((i) => i.id)).toEqual(made.map((i) => i.id));
      const byUid = await store.identities.find({ ...page, order: [{ field: "providerUid", desc: true }] });
      expect(byUid.map((i) => i.providerUid[0])).toEqual(["c", "b", "a"]);
      const after = await store.identities.find({ ...page, cursor: { record: made[0]!, before: false } });
      expect(after.map((i) => i.id)).toEqual([made[1]!.id, made[2]!.id]);
      expect(await store.identities.countMatching({ filters, search: [] }, 5000)).toBe(3);
    });
  });
}
