import { afterEach, describe, expect, it } from "vitest";
import { createSqliteTestAccountService, type TestAccountService } from "gatehouse-auth/testing";

/** The same kit on real SQL: the Kysely store on a private `:memory:` SQLite database. */
describe("createSqliteTestAccountService", () => {
  let t: TestAccountService;
  afterEach(() => t?.close());

  it("runs on the Kysely store: sign up, sign in, recovery, through the service and the wire", async () => {
    t = await createSqliteTestAccountService();
    const user = await t.signUp({ email: "sql@example.com" });
    const session = await t.signIn(user);
    expect((await t.service.get(session)).email).toBe("sql@example.com");

    await t.service.createRecovery({ email: user.email, url: "http://localhost/reset" });
    const { userId, secret } = t.lastEmail(user.email, "recovery");
    await t.service.updateRecovery({ userId, secret, password: "another long passphrase" });
    const client = t.http();
    const login = await client.post("/v1/account/sessions/email", { email: user.email, password: "another long passphrase" });
    expect(login.status).toBe(201);
    expect((await client.get("/v1/account")).body.$id).toBe(user.id);
  });

  it("finds the owner of an e-mail OTP on SQL too", async () => {
    t = await createSqliteTestAccountService();
    const token = await t.service.createEmailToken({ userId: "unique()", email: "otp@example.com" });
    expect(t.lastEmail("otp@example.com", "email-otp").userId).toBe(token.userId);
  });

  it("reset() starts a new database", async () => {
    t = await createSqliteTestAccountService();
    const before = t.store;
    const user = await t.signUp();
    await t.reset();
    expect(t.store).not.toBe(before);
    expect(await t.store.users.get(user.id)).toBeNull();
    expect(await t.store.users.count()).toBe(0);
    await expect(before.users.count()).rejects.toThrow();
  });

  it("two SQLite test services are two databases", async () => {
    const [a, b] = await Promise.all([createSqliteTestAccountService(), createSqliteTestAccountService()]);
    t = a;
    await a.signUp({ email: "one@example.com" });
    expect(await b.store.users.count()).toBe(0);
    await b.close();
  });
});
