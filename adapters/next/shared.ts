/**
 * Where `sharedService` keeps its instances: on `globalThis` under a registry-wide symbol, because
 * Next.js evaluates a module once per bundle layer (route handlers in one, Server Components and
 * server actions in another, and again after each dev-mode reload), so a module-level `const` is
 * not one value per process, while `globalThis` is.
 */
const REGISTRY = Symbol.for("gatehouse-auth.next.shared");

type Registry = Map<string, unknown>;

function registry(): Registry {
  const scope = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  return (scope[REGISTRY] ??= new Map());
}

/**
 * One value per process for `key`, made by `create` the first time any copy of the calling module
 * asks. Use it for the `createAccountService(...)` instance, so that route handlers, Server
 * Components and server actions share one store (the memory store is per instance) and one JWT
 * secret (without `config.secret` each instance draws its own):
 *
 * `export const account = () => sharedService("account", async () => createAccountService({ ... }));`
 *
 * `create` may return a promise (e.g. after opening and migrating a database): callers then share
 * that promise. A promise that rejects is forgotten, so the next call tries again instead of every
 * later request failing with the first error. Use one key per service.
 */
export function sharedService<T>(key: string, create: () => T): T {
  const instances = registry();
  if (instances.has(key)) return instances.get(key) as T;
  const value = create();
  instances.set(key, value);
  if (isPromiseLike(value)) {
    value.then(undefined, () => {
      if (instances.get(key) === value) instances.delete(key);
    });
  }
  return value;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === "object" || typeof value === "function") &&
    value !== null &&
    typeof (value as PromiseLike<unknown>).then === "function"
  );
}
