import { describe, expect, expectTypeOf, it } from "vitest";
import type { InputArgs, InputOf, OperationName } from "../../src/core/service";
import type { AccountModel } from "../../src/models/account";
import type { SessionModel } from "../../src/models/session";
import { AppwriteError } from "../../src/errors";
import { memoryStore } from "../../src/stores/memory";
import { StoreUnavailableError, type Store, type StoreGroup } from "../../src/ports/store";
import type { RequestContext } from "../../src/core/context";
import { expectAppwriteError, login, makeService, PASSWORD, signup } from "./support";

const IP = "203.0.113.7";
const UA = "GatehouseTest/1.0 (core)";

/** A memory store whose `group.method` throws `error` once armed. */
function faultyStore<G extends StoreGroup>(group: G, method: keyof Store[G] & string, error: Error): { store: Store; arm(): void } {
  const inner = memoryStore();
  let armed = false;
  const repository = inner[group] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const original = repository[method]!;
  const faulty = { ...repository, [method]: (...args: unknown[]) => (armed ? Promise.reject(error) : original(...args)) };
  return { store: { ...inner, [group]: faulty }, arm: () => (armed = true) };
}

describe("typed methods, called directly", () => {
  it("run a whole account flow with a ctx carrying session, ip and userAgent", async () => {
    const { service, store } = makeService();
    const created = await service.create(
      { userId: "unique()", email: "Jane@Example.com", password: PASSWORD, name: "Jane" },
      { ip: IP, userAgent: UA },
    );
    expect(created.$id).toMatch(/^[0-9a-f]{20}$/);
    expect(created.email).toBe("jane@example.com");
    expect(created.name).toBe("Jane");

    const loginCtx: RequestContext = { ip: IP, userAgent: UA };
    const sessionModel = await service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }, loginCtx);
    expect(sessionModel.userId).toBe(created.$id);
    expect(sessionModel.ip).toBe(IP);
    expect(sessionModel.current).toBe(true);
    expect(sessionModel.provider).toBe("email");
    expect(sessionModel.providerUid).toBe("jane@example.com");
    expect(sessionModel.factors).toEqual(["password"]);
    expect(sessionModel.secret).toBe("");

    const session = await login(service, "jane@example.com", PASSWORD, loginCtx);
    const ctx: RequestContext = { session, ip: IP, userAgent: UA };

    const me = await service.get(ctx);
    expect(me.$id).toBe(created.$id);

    const renamed = await service.updateName({ name: "Jane D." }, ctx);
    expect(renamed.name).toBe("Jane D.");
    expect((await service.get(ctx)).name).toBe("Jane D.");

    const prefs = await service.updatePrefs({ prefs: { theme: "dark" } }, ctx);
    expect(prefs.prefs).toEqual({ theme: "dark" });
    expect(await service.getPrefs(ctx)).toEqual({ theme: "dark" });

    const list = await service.listSessions(ctx);
    expect(list.total).toBe(2);
    expect(list.sessions.filter((s) => s.current)).toHaveLength(1);
    const current = await service.getSession({ sessionId: "current" }, ctx);
    expect(current.current).toBe(true);
    expect(list.sessions.find((s) => s.current)!.$id).toBe(current.$id);

    // The request context reached the stored records.
    const stored = await store.sessions.list(created.$id);
    for (const s of stored) {
      expect(s.ip).toBe(IP);
      expect(s.userAgent).toBe(UA);
    }
    const logs = await store.logs.list(created.$id, { limit: 50, offset: 0 });
    expect(logs.map((l) => l.event)).toContain("session.create");
    expect(logs.every((l) => l.ip === IP && l.userAgent === UA)).toBe(true);

    expect(await service.deleteSession({ sessionId: "current" }, ctx)).toBeNull();
    await expectAppwriteError(service.get(ctx), "general_unauthorized_scope", 401);
  });

  it('optional inputs take their defaults (name → "")', async () => {
    const { service } = makeService();
    const account = await service.create({ userId: "jane-1", email: "jane@example.com", password: PASSWORD });
    expect(account.$id).toBe("jane-1");
    expect(account.name).toBe("");
    expect(account.targets.map((t) => t.identifier)).toEqual(["jane@example.com"]);
  });

  it("an anonymous session via the typed method, and the session group refusing a second login", async () => {
    const { service } = makeService();
    const out = await service.execute("createAnonymousSession", { ip: IP }, {});
    expect(out.status).toBe(201);
    const ctx = { session: out.setSession!.value, ip: IP };
    const me = await service.get(ctx);
    expect(me).toMatchObject({ email: "", phone: "", name: "", passwordUpdate: "", targets: [] });
    const [anonSession] = (await service.listSessions(ctx)).sessions;
    expect(anonSession).toMatchObject({ provider: "anonymous", providerUid: "", factors: ["anonymous"], current: true });
    await expectAppwriteError(service.createAnonymousSession(ctx), "user_session_already_exists", 401);
    await expectAppwriteError(
      service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }, ctx),
      "user_session_already_exists",
      401,
    );
  });

  it("without a ctx the caller is a guest", async () => {
    const { service } = makeService();
    await expectAppwriteError(service.get(), "general_unauthorized_scope", 401);
    await expectAppwriteError(service.listSessions(), "general_unauthorized_scope", 401);
    await expectAppwriteError(service.updateName({ name: "x" }), "general_unauthorized_scope", 401);
  });

  it("execute returns the full outcome: status, body, cookie instructions", async () => {
    const { service, clock } = makeService({ auth: { sessionDuration: 3600 } });
    await signup(service);
    const created = await service.execute("createEmailPasswordSession", { ip: IP }, { email: "jane@example.com", password: PASSWORD });
    expect(created.status).toBe(201);
    expect(created.setSession!.expire.getTime()).toBe(clock.now() + 3_600_000);
    expect(created.clearSession).toBeFalsy();

    const ctx = { session: created.setSession!.value };
    const got = await service.execute("get", ctx);
    expect(got.status).toBe(200);
    expect(got.setSession).toBeUndefined();

    const deleted = await service.execute("deleteSession", ctx, { sessionId: "current" });
    expect(deleted.status).toBe(204);
    expect(deleted.body).toBeNull();
    expect(deleted.clearSession).toBe(true);
  });
});

describe("errors from typed methods", () => {
  it("are AppwriteError instances with type, code and the catalogue message", async () => {
    const { service } = makeService();
    const error = await expectAppwriteError(service.get({}), "general_unauthorized_scope", 401);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("AppwriteError");
    expect(error.toJSON("1.6.2")).toEqual({
      message: "User (role: guests) missing scope (account)",
      code: 401,
      type: "general_unauthorized_scope",
      version: "1.6.2",
    });
  });

  it("parameter errors are general_argument_invalid 400 with Appwrite's text", async () => {
    const { service } = makeService();
    const bad = await expectAppwriteError(
      service.create({ userId: "_nope", email: "jane@example.com", password: PASSWORD }),
      "general_argument_invalid",
      400,
    );
    expect(bad.message).toMatch(/^Invalid `userId` param: Parameter must contain at most 36 chars/);
    const missing = await expectAppwriteError(
      service.create({ userId: "unique()", password: PASSWORD } as unknown as Parameters<typeof service.create>[0]),
      "general_argument_invalid",
      400,
    );
    expect(missing.message).toBe('Param "email" is not optional.');
  });

  it("conflicts are mapped to Appwrite types (duplicate signup → user_already_exists 409)", async () => {
    const { service } = makeService();
    await signup(service);
    await expectAppwriteError(signup(service), "user_already_exists", 409);
    await expectAppwriteError(
      service
        .create({ userId: "same-id", email: "a@example.com", password: PASSWORD })
        .then(() => service.create({ userId: "same-id", email: "b@example.com", password: PASSWORD })),
      "user_already_exists",
      409,
    );
  });

  it("an unexpected store exception becomes general_unknown 500, 'Server Error' on the wire, the original as cause", async () => {
    const boom = new Error("connection to postgres://admin:hunter2@db failed");
    const faulty = faultyStore("users", "getByEmail", boom);
    const { service } = makeService({ store: faulty.store });
    await signup(service);
    faulty.arm();

    const error = await expectAppwriteError(
      service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }),
      "general_unknown",
      500,
    );
    expect(error.cause).toBe(boom);
    expect(error.toJSON("1.6.2")).toEqual({ message: "Server Error", code: 500, type: "general_unknown", version: "1.6.2" });
    expect(error.publicMessage).toBe("Server Error");
    expect(error.message).not.toContain("hunter2");
    expect(JSON.stringify(error.toJSON("1.6.2"))).not.toContain("hunter2");

    // execute rejects the same way.
    await expect(
      service.execute("createEmailPasswordSession", {}, { email: "jane@example.com", password: PASSWORD }),
    ).rejects.toMatchObject({
      type: "general_unknown",
      cause: boom,
    });
  });

  it("an exception on the authentication path is also general_unknown, not a guest", async () => {
    const boom = new TypeError("undefined is not a function");
    const faulty = faultyStore("sessions", "findAuth", boom);
    const { service } = makeService({ store: faulty.store });
    await signup(service);
    const session = await login(service);
    faulty.arm();
    const error = await expectAppwriteError(service.get({ session }), "general_unknown", 500);
    expect(error.cause).toBe(boom);
  });

  it("a StoreUnavailableError becomes general_server_error, the original as cause, no details on the wire", async () => {
    const down = new StoreUnavailableError("pool closed: db.internal:5432");
    const faulty = faultyStore("users", "getByEmail", down);
    const { service } = makeService({ store: faulty.store });
    await signup(service);
    faulty.arm();

    const error = await expectAppwriteError(
      service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }),
      "general_server_error",
    );
    expect(error).toBeInstanceOf(AppwriteError);
    expect(error.cause).toBe(down);
    const wire = error.toJSON("1.6.2");
    expect(wire.type).toBe("general_server_error");
    expect(wire.code).toBeGreaterThanOrEqual(500);
    expect(JSON.stringify(wire)).not.toContain("db.internal");
  });

  it("an AppwriteError thrown inside is passed through unchanged", async () => {
    const original = new AppwriteError("user_blocked");
    const faulty = faultyStore("users", "getByEmail", original);
    const { service } = makeService({ store: faulty.store });
    faulty.arm();
    const error = await expectAppwriteError(
      service.createEmailPasswordSession({ email: "jane@example.com", password: PASSWORD }),
      "user_blocked",
      401,
    );
    expect(error).toBe(original);
  });
});

describe("execute, typed by operation name", () => {
  it("takes the operation's input and answers its model, with no assertion at the call", async () => {
    const { service } = makeService();
    await signup(service);
    const created = await service.execute("createEmailPasswordSession", {}, { email: "jane@example.com", password: PASSWORD });
    expectTypeOf(created.body).toEqualTypeOf<SessionModel>();
    const session = created.setSession!.value;
    const me = await service.execute("get", { session });
    expectTypeOf(me.body).toEqualTypeOf<AccountModel>();
    expect(me.body.email).toBe("jane@example.com");
    // An operation without parameters needs no input argument; one with required ones does.
    expectTypeOf<InputArgs<"get">>().toEqualTypeOf<[input?: InputOf<"get">]>();
    expectTypeOf<InputArgs<"deleteSession">>().toEqualTypeOf<[input: { sessionId: string }]>();
  });

  it("has only the typed signature: a wrong input fails to compile (checked by tsc, npm run typecheck)", () => {
    const { service } = makeService();
    // Never called: these lines exist for the type checker. Each @ts-expect-error fails the
    // typecheck if its line compiles, i.e. if execute accepted that input.
    const wrongInputs = () => [
      // @ts-expect-error sessionId is a string
      service.execute("deleteSession", {}, { sessionId: 42 }),
      // @ts-expect-error password is required
      service.execute("createEmailPasswordSession", {}, { email: "jane@example.com" }),
      // @ts-expect-error deleteSession takes an input
      service.execute("deleteSession", {}),
      // @ts-expect-error no untyped overload: an operation chosen at run time with unknown values
      service.execute("get" as OperationName, {}, {} as Record<string, unknown>),
    ];
    expect(typeof wrongInputs).toBe("function");
    expectTypeOf(service.executeWire).parameter(2).toEqualTypeOf<Record<string, unknown>>();
  });

  it("executeWire validates wire values with the operation's schemas", async () => {
    const { service } = makeService();
    await signup(service);
    const { setSession } = await service.execute("createEmailPasswordSession", {}, { email: "jane@example.com", password: PASSWORD });
    const ctx = { session: setSession!.value };
    const bad = await expectAppwriteError(service.executeWire("deleteSession", ctx, { sessionId: 42 }), "general_argument_invalid", 400);
    expect(bad.message).toMatch(/^Invalid `sessionId` param/);
    await expectAppwriteError(service.executeWire("deleteSession", ctx, {}), "general_argument_invalid", 400);
    const deleted = await service.executeWire("deleteSession", ctx, { sessionId: "current" });
    expect(deleted.status).toBe(204);
  });

  it("an account operation reached without a user fails in the pipeline, before its handler", async () => {
    // A caller holding the account scope but no user cannot be made through the public API;
    // the check is what makes the non-null user of SignedInEnv true whatever the scopes.
    const { service } = makeService({ apiKeys: [{ secret: "k".repeat(32), scopes: ["account", "sessions.write"] }] });
    const failure = await service.execute("get", { key: "k".repeat(32) }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppwriteError);
    expect((failure as AppwriteError).type).toBe("general_unknown");
    expect(((failure as AppwriteError).cause as Error).message).toBe("an account operation was reached without a user");
  });
});
