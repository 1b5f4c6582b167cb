import {
  argon2Hasher,
  createAccountService,
  createHandler,
  memoryStore,
  type AccountModel,
  type AccountService,
  type GatehouseConfig,
  type GatehouseHandler,
  type RequestContext,
  type SessionModel,
  type Store,
} from "gatehouse-auth";
import { testClock, type TestClock } from "./clock";
import { inbox, type Inbox } from "./inbox";
import { totpOn, type Totp } from "./totp";
import { testHttpClient, type TestHttpClient, type TestHttpOptions } from "./http";
import { startTestServer, type TestServer } from "./loopback";

/** The project id, API key and password the kit uses unless told otherwise. */
export const TEST_PROJECT_ID = "test-project";
export const TEST_API_KEY = "gatehouse-test-api-key-0123456789";
export const TEST_PASSWORD = "correct horse battery staple";
// Fixed so JWTs and sealed values are the same from run to run; never a production secret.
const TEST_SECRET = "gatehouse-test-secret-not-for-production-0123456789";

/** Any option of `createAccountService`, and the kit's clock. */
export type TestServiceOptions = Partial<Omit<GatehouseConfig, "clock">> & {
  /** The clock the service runs on. Default: `testClock()`, starting 2026-01-01T00:00:00Z. */
  clock?: TestClock;
};

export interface SignUpInput {
  email?: string;
  password?: string;
  name?: string;
  userId?: string;
  /** Mark the e-mail address verified straight away. Default false. */
  emailVerified?: boolean;
}

/** A user `signUp` made, with the password it was given, ready for `signIn`. */
export interface TestUser {
  id: string;
  email: string;
  password: string;
  name: string;
  account: AccountModel;
}

/**
 * A signed-in session as a request context: pass it as the last argument of any service method
 * (`await t.service.get(jane)`). `session` is the session value a cookie would carry.
 */
export interface TestSession extends RequestContext {
  session: string;
  userId: string;
  sessionId: string;
  /** The Session model `createEmailPasswordSession` answered. */
  model: SessionModel;
}

export interface TestAccountService {
  /** The real Account service. The same object across `reset()`; it always uses the current store. */
  readonly service: AccountService;
  /** The service's store (a new one after each `reset()` unless you passed your own). */
  readonly store: Store;
  readonly clock: TestClock;
  /** TOTP codes on this service's clock: `t.totp.code(authenticator.secret)`. */
  readonly totp: Totp;
  readonly projectId: string;
  /** An API key the service accepts (scope `sessions.write`), used by `serverClient`. */
  readonly apiKey: string;
  /** The service's HTTP handler (`fetch(Request)` and `handle`), as an adapter would mount it. */
  readonly handler: GatehouseHandler;

  signUp(input?: SignUpInput): Promise<TestUser>;
  signIn(credentials: { email: string; password: string }, ctx?: RequestContext): Promise<TestSession>;

  /** The newest e-mail to `to` (of `kind`), parsed; throws, listing what was sent, when there is none. */
  lastEmail: Inbox["lastEmail"];
  /** The newest SMS to `to` (of `kind`), parsed; throws when there is none. */
  lastSms: Inbox["lastSms"];
  /** Every e-mail sent (to `to`), oldest first. */
  emails: Inbox["emails"];
  /** Every SMS sent (to `to`), oldest first. */
  smsMessages: Inbox["smsMessages"];

  /** An in-process HTTP client with a cookie jar: `await client.post("/v1/account/sessions/email", {...})`. */
  http(options?: TestHttpOptions): TestHttpClient;
  /** A loopback server for the official SDKs; closed by `close()` or its own `close()`. */
  listen(): Promise<TestServer>;

  /** A fresh store, empty outbox, clock back at its start. For `beforeEach`. */
  reset(): Promise<void>;
  /** Closes loopback servers and the database. For `afterAll`/`afterEach`. */
  close(): Promise<void>;
}

/** A store the kit made and may throw away on `reset()`. */
export interface OwnedStore {
  store: Store;
  close(): Promise<void>;
}

/** Cheap Argon2id: a hash costs well under a millisecond. Tests only: real defaults are `OWASP_ARGON2`. */
export const cheapHasher = () => argon2Hasher({ memoryCost: 256, timeCost: 1, parallelism: 1 });

/**
 * Builds a test service on `first`; `reopen` gives a fresh store on `reset()` (null when the
 * caller brought its own store, which `reset()` then keeps).
 */
export function assemble(options: TestServiceOptions, first: OwnedStore, reopen: (() => Promise<OwnedStore>) | null): TestAccountService {
  const { clock: givenClock, ...config } = options;
  const clock = givenClock ?? testClock();
  const start = clock.now();
  const projectId = config.projectId ?? TEST_PROJECT_ID;
  const apiKey = TEST_API_KEY;
  let owned = first;
  const messages = inbox(clock.now, () => owned.store);
  const servers = new Set<TestServer>();
  let users = 0;

  const build = () => {
    const service = createAccountService({
      projectName: "Test Project",
      passwordHasher: cheapHasher(),
      rateLimits: false,
      secret: TEST_SECRET,
      platforms: ["localhost"],
      apiKeys: [apiKey],
      mailer: messages.mailer,
      sms: messages.sms,
      ...config,
      projectId,
      store: owned.store,
      clock,
    });
    return { service, handler: createHandler(service, { onError: (error) => console.error("[gatehouse testing] 500:", error) }) };
  };
  let current = build();

  // Stable facades over the current service and handler, so `const { service } = t` survives `reset()`.
  const service = new Proxy({} as AccountService, { get: (_, key) => Reflect.get(current.service, key) });
  const handler: GatehouseHandler = {
    fetch: (request, info) => current.handler.fetch(request, info),
    handle: (request) => current.handler.handle(request),
    owns: (pathname) => current.handler.owns(pathname),
  };

  return {
    service,
    get store() {
      return owned.store;
    },
    clock,
    totp: totpOn(clock.now),
    projectId,
    apiKey,
    handler,

    async signUp(input = {}) {
      const n = ++users;
      const email = input.email ?? `user${n}@example.com`;
      const password = input.password ?? TEST_PASSWORD;
      const name = input.name ?? `User ${n}`;
      let account = await current.service.create({ userId: input.userId ?? "unique()", email, password, name });
      if (input.emailVerified) {
        await owned.store.users.update(account.$id, { emailVerification: true });
        account = { ...account, emailVerification: true };
      }
      return { id: account.$id, email, password, name, account };
    },

    async signIn(credentials, ctx = {}) {
      const outcome = await current.service.execute("createEmailPasswordSession", ctx, {
        email: credentials.email,
        password: credentials.password,
      });
      const model = outcome.body;
      return { ...ctx, session: outcome.setSession!.value, userId: model.userId, sessionId: model.$id, model };
    },

    lastEmail: messages.lastEmail,
    lastSms: messages.lastSms,
    emails: messages.emails,
    smsMessages: messages.smsMessages,

    http: (httpOptions) => testHttpClient(() => current.handler, projectId, clock.now, httpOptions),

    async listen() {
      const server = await startTestServer(() => current.handler, { projectId, apiKey, now: clock.now });
      servers.add(server);
      return {
        ...server,
        close: async () => {
          servers.delete(server);
          await server.close();
        },
      };
    },

    async reset() {
      messages.clear();
      clock.set(start);
      users = 0;
      if (!reopen) return;
      const previous = owned;
      owned = await reopen();
      current = build();
      await previous.close();
    },

    async close() {
      await Promise.all([...servers].map((server) => server.close()));
      servers.clear();
      await owned.close();
    },
  };
}

/**
 * The real `createAccountService` set up for tests: the memory store, an outbox for mail and SMS
 * (`lastEmail`, `lastSms`), a manual clock, cheap hashing, rate limits off, a fixed `secret`,
 * `platforms: ["localhost"]`. Every option can be overridden.
 */
export function createTestAccountService(options: TestServiceOptions = {}): TestAccountService {
  const fresh = (): OwnedStore => ({ store: memoryStore(), close: async () => {} });
  const own = options.store;
  if (own) return assemble(options, { store: own as Store, close: async () => {} }, null);
  return assemble(options, fresh(), async () => fresh());
}
