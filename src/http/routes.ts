import { operations, type OperationName } from "../core/service";

export type Route = readonly [method: string, path: string, operation: OperationName];

/**
 * The routes under the API base, read off the operations' own declarations (`method`, `path`,
 * `aliases` in src/core/operations/*.ts): a route is declared once, where its operation is.
 * Aliases point at the same operation, and the rate-limit `{url}` is the operation's primary
 * path, so an alias shares its counters.
 */
export const routes: readonly Route[] = Object.entries(operations).flatMap(([name, op]) => {
  const operation = name as OperationName;
  const aliases = (Object.hasOwn(op, "aliases") ? op.aliases : undefined) ?? [];
  return [
    [op.method, op.path, operation] as const,
    ...aliases.map((alias) => {
      const space = alias.indexOf(" ");
      return [alias.slice(0, space), alias.slice(space + 1), operation] as const;
    }),
  ];
});

export interface RouteMatch {
  operation: OperationName;
  pathParams: Record<string, string>;
}

export interface Router {
  match(method: string, path: string): RouteMatch | null;
}

/** Static paths are one map lookup; templated ones are tried in order after that. */
export function createRouter(table: readonly Route[] = routes): Router {
  const exact = new Map<string, OperationName>();
  const templated: Array<{ method: string; pattern: RegExp; names: string[]; operation: OperationName }> = [];
  const claimed = new Map<string, OperationName>();
  for (const [method, path, operation] of table) {
    // Two operations on one route would make the second unreachable; a template's parameter names
    // do not matter for that, so `/a/:x` and `/a/:y` count as one route.
    const shape = `${method} ${path.replace(/:[A-Za-z]+/g, ":")}`;
    const owner = claimed.get(shape);
    if (owner) throw new Error(`route ${method} ${path} is claimed by both ${owner} and ${operation}`);
    claimed.set(shape, operation);
    if (!path.includes(":")) {
      exact.set(`${method} ${path}`, operation);
      continue;
    }
    const names: string[] = [];
    const source = path.replace(/:([A-Za-z]+)/g, (_, name: string) => {
      names.push(name);
      return "([^/]+)";
    });
    templated.push({ method, pattern: new RegExp(`^${source}$`), names, operation });
  }
  return {
    match(method, path) {
      const normalised = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
      const operation = exact.get(`${method} ${normalised}`);
      if (operation) return { operation, pathParams: {} };
      for (const route of templated) {
        if (route.method !== method) continue;
        const found = route.pattern.exec(normalised);
        if (!found) continue;
        const pathParams: Record<string, string> = {};
        route.names.forEach((name, i) => {
          pathParams[name] = safeDecode(found[i + 1] ?? "");
        });
        return { operation: route.operation, pathParams };
      }
      return null;
    },
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
