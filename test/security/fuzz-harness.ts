/**
 * The in-process target of the adversarial suite (test/security/fuzz.test.ts): one Account
 * service on the memory store, driven through `createHandler(...).fetch(new Request(...))`, with
 * the store and the rate limiter wrapped so that a property can see what a request wrote and
 * which limiter keys it made. Built once per file; `reset()` puts back a seeded store and an empty
 * limiter between runs for the cost of a few Map inserts (no hashing, no I/O).
 */
import {
  createAccountService,
  createHandler,
  memoryRateLimiter,
  memoryStore,
  outbox,
  StoreUnavailableError,
  type AccountService,
  type GatehouseConfig,
  type GatehouseHandler,
  type OperationName,
  type Outbox,
  type RateLimiter,
  type SessionRecord,
  type Store,
  type TargetRecord,
  type UserRecord,
  type LogRecord,
} from "gatehouse-auth";
import { STORE_METHOD_PATHS, STORE_SHAPE } from "../../src/ports/store";
import { configSchema } from "../../src/config";
import { operations } from "../../src/core/service";
import { manualClock } from "../helpers/clock";
import { cheapHasher } from "../helpers/server";

export const PROJECT = "fuzz-project";
export const API_KEY = "fuzz-server-key-0123456789abcdef";
/** The account every session credential of the suite belongs to. */
export const OWNER = { userId: "fuzz-owner", email: "owner@example.com", password: "correct horse battery staple" } as const;
/** Where the API says it lives, when the config knows the option (issue 11, item 5). */
export const ENDPOINT = "http://localhost/v1";
export const PLATFORM_HOST = "localhost";
/** A start instant in the middle of a rate-limit window, so a run never straddles two windows. */
const START_MS = Date.parse("2026-01-01T00:30:00.000Z");

/**
 * Store methods that change data: everything but the reads (named get/list/count/find) and
 * `transaction` (whose writes go through the wrapped view and are recorded there), as paths such
 * as `sessions.create`. Derived from STORE_METHOD_PATHS in src/ports/store.ts, so a new write
 * method is watched without editing this file.
 */
export const WRITE_METHODS: ReadonlySet<string> = new Set(
  STORE_METHOD_PATHS.filter((path) => path !== "transaction" && !/^(get|list|count|find)/.test(path.slice(path.indexOf(".") + 1))),
);
const GROUPS: ReadonlySet<string> = new Set(Object.keys(STORE_SHAPE));

/** Whether the config schema has the public `endpoint` option that issue 11 item 5 adds. */
export function endpointOptionSupported(): boolean {
  return "endpoint" in (configSchema as unknown as { shape: Record<string, unknown> }).shape;
}

export interface StoreFault {
  /** Fails the n-th store call of the request (0-based), or every call when `all`. */
  at: number;
  all: boolean;
}

/** A store whose backing memory store can be swapped, recording every write method called. */
function recordingStore(initial: Store) {
  let inner: Store = initial;
  const writes: string[] = [];
  let calls = 0;
  let fault: StoreFault | null = null;

  /** One method of the store (or of a group of it), counted, fault-injected and recorded by path. */
  const method =
    (owner: () => Record<string, unknown>, path: string, target: () => Store) =>
    (...args: unknown[]) => {
      const call = calls++;
      if (fault && (fault.all || fault.at === call)) return Promise.reject(new StoreUnavailableError("injected outage"));
      if (WRITE_METHODS.has(path)) writes.push(path);
      if (path === "transaction") {
        const fn = args[0] as (tx: Store) => Promise<unknown>;
        return target().transaction((tx) => fn(wrap(() => tx)));
      }
      const self = owner();
      return (self[path.slice(path.lastIndexOf(".") + 1)] as (...a: unknown[]) => unknown).apply(self, args);
    };

  const wrap = (target: () => Store): Store =>
    new Proxy({} as Store, {
      get(_, property) {
        const name = String(property);
        if (GROUPS.has(name)) {
          const group = () => (target() as unknown as Record<string, Record<string, unknown>>)[name]!;
          return new Proxy(
            {},
            {
              get(__, member) {
                const value = group()[String(member)];
                return typeof value === "function" ? method(group, `${name}.${String(member)}`, target) : value;
              },
            },
          );
        }
        const value = (target() as unknown as Record<string, unknown>)[name];
        if (typeof value !== "function") return value;
        return method(() => target() as unknown as Record<string, unknown>, name, target);
      },
    });

  return {
    port: wrap(() => inner),
    writes,
    get inner() {
      return inner;
    },
    swap(next: Store) {
      inner = next;
      writes.length = 0;
      calls = 0;
      fault = null;
    },
    beginRequest(nextFault: StoreFault | null = null) {
      writes.length = 0;
      calls = 0;
      fault = nextFault;
    },
  };
}

/**
 * A RateLimiter that forwards to a swappable limiter and remembers every key it was asked about:
 * the deterministic memory measure of issue 11 item 4 (a key is what the limiter keeps).
 */
export function recordingLimiter(make: () => RateLimiter = () => memoryRateLimiter()) {
  let inner = make();
  const keys = new Map<string, { limit: number; window: number }>();
  /** Every key a successful login reset, in order. */
  const resets: string[] = [];
  const port: RateLimiter = {
    hit(key, limit, windowSeconds, nowMs) {
      keys.set(key, { limit, window: windowSeconds });
      return inner.hit(key, limit, windowSeconds, nowMs);
    },
    peek(key, limit, windowSeconds, nowMs) {
      keys.set(key, { limit, window: windowSeconds });
      return inner.peek(key, limit, windowSeconds, nowMs);
    },
    async reset(key, windowSeconds, nowMs) {
      resets.push(key);
      await inner.reset?.(key, windowSeconds, nowMs);
    },
  };
  return {
    port,
    keys,
    resets,
    reset() {
      inner = make();
      keys.clear();
      resets.length = 0;
    },
    /** Keys the limiter still counts something for (a peek that reports an untouched window means evicted or never hit). */
    async retained(nowMs: number): Promise<string[]> {
      const out: string[] = [];
      for (const [key, { limit, window }] of keys) {
        const result = await inner.peek(key, limit, window, nowMs);
        if (result.remaining < limit - 1 || !result.allowed) out.push(key);
      }
      return out;
    },
  };
}

interface Seed {
  user: UserRecord;
  targets: TargetRecord[];
  session: SessionRecord;
  logs: LogRecord[];
}

export interface Fixture {
  userId: string;
  sessionId: string;
  /** The session value (cookie, X-Appwrite-Session, X-Fallback-Cookies). */
  session: string;
  jwt: string;
}

export interface Harness {
  handler: GatehouseHandler;
  /** A new handler over the same service (its per-handler memos start empty). */
  makeHandler(): GatehouseHandler;
  service: AccountService;
  store: ReturnType<typeof recordingStore>;
  limiter: ReturnType<typeof recordingLimiter>;
  box: Outbox;
  clock: ReturnType<typeof manualClock>;
  fixture: Fixture;
  /** Errors the handler reported as 500s during the current request. */
  faults: unknown[];
  /** A fresh seeded store, an empty limiter, an empty outbox, the clock back at the start. */
  reset(): Promise<void>;
}

export interface HarnessOptions {
  /** Config overrides. */
  config?: Partial<GatehouseConfig>;
  /** A store to keep instead of a fresh memory store per reset (the SQLite property): not reseeded. */
  store?: Store;
  /** Builds the inner limiter; default the in-memory one the service would make itself. */
  limiter?: () => RateLimiter;
}

export async function createHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = manualClock(START_MS);
  const box = outbox({ limit: 10_000 });
  const store = recordingStore(options.store ?? memoryStore());
  const limiter = recordingLimiter(options.limiter);
  const faults: unknown[] = [];
  const config: GatehouseConfig = {
    projectId: PROJECT,
    projectName: "Fuzz",
    platforms: [PLATFORM_HOST],
    passwordHasher: cheapHasher(),
    // The key reaches the Users API too, so its routes are fuzzed past the scope check.
    apiKeys: [{ secret: API_KEY, scopes: ["sessions.write", "users.read", "users.write", "targets.read", "targets.write"] }],
    clock,
    mailer: box.mailer,
    sms: box.sms,
    trustedProxies: ["127.0.0.1"],
    oauth2: { mock: { clientId: "mock-client", clientSecret: "mock-secret" } },
    rateLimiter: limiter.port,
    secret: "fuzz-secret-0123456789abcdef0123456789abcdef",
    reportError: () => {},
    ...options.config,
    store: store.port,
  };
  if (endpointOptionSupported()) (config as Record<string, unknown>).endpoint = ENDPOINT;
  const service = createAccountService(config);
  const makeHandler = () => createHandler(service, { onError: (error) => faults.push(error) });
  const handler = makeHandler();

  // The owner, signed in once through the service; its rows are then copied into every reset store.
  const ctx = { ip: "127.0.0.1", hostname: PLATFORM_HOST, userAgent: "fuzz" };
  await service.execute("create", ctx, { userId: OWNER.userId, email: OWNER.email, password: OWNER.password });
  const login = await service.execute("createEmailPasswordSession", ctx, { email: OWNER.email, password: OWNER.password });
  const sessionValue = login.setSession!.value;
  const jwtOutcome = await service.execute("createJWT", { ...ctx, session: sessionValue });
  const jwt = (jwtOutcome.body as { jwt: string }).jwt;
  const seedStore = store.inner;
  const seed: Seed = {
    user: (await seedStore.users.get(OWNER.userId))!,
    targets: await seedStore.targets.list(OWNER.userId),
    session: (await seedStore.sessions.list(OWNER.userId))[0]!,
    logs: await seedStore.logs.list(OWNER.userId, { limit: 100, offset: 0 }),
  };

  const harness: Harness = {
    handler,
    makeHandler,
    service,
    store,
    limiter,
    box,
    clock,
    faults,
    fixture: { userId: OWNER.userId, sessionId: seed.session.id, session: sessionValue, jwt },
    async reset() {
      const fresh = options.store ?? memoryStore();
      if (!options.store) {
        await fresh.users.create(structuredClone(seed.user));
        for (const target of seed.targets) await fresh.targets.create(structuredClone(target));
        await fresh.sessions.create(structuredClone(seed.session));
        for (const log of seed.logs) await fresh.logs.append(structuredClone(log));
      }
      store.swap(fresh);
      limiter.reset();
      box.clear();
      clock.set(START_MS);
      faults.length = 0;
    },
  };
  await harness.reset();
  return harness;
}

/** Whether an operation renders its errors as an HTML page (the browser-facing OAuth2 routes). */
export function rendersHtml(operation: OperationName): boolean {
  return Boolean((operations[operation] as { htmlErrors?: boolean }).htmlErrors);
}

/** The parameter names an operation declares (its zod shape), for the generators. */
export function paramNames(operation: OperationName): string[] {
  return Object.keys((operations[operation] as { params: Record<string, unknown> }).params);
}
