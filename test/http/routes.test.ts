import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { operations, type OperationName } from "../../src/core/service";
import { createRouter, routes, type Route } from "../../src/http/routes";

// The route table is read off the operations' declarations (src/core/operations/*.ts); these
// cases pin that it stays one-to-one: no route claimed twice, no operation without a route, and
// every declared route reaching its own operation.
describe("routes come from the operations", () => {
  it("every operation has its primary route, and every route an operation", () => {
    const names = Object.keys(operations) as OperationName[];
    for (const name of names) {
      const op = operations[name];
      expect(routes).toContainEqual([op.method, op.path, name]);
    }
    for (const [, , operation] of routes) expect(names).toContain(operation);
  });

  it("each route, primary or alias, reaches its operation with its path parameters", () => {
    const router = createRouter();
    for (const [method, path, operation] of routes) {
      const concrete = path.replace(/:([A-Za-z]+)/g, (_, name: string) => `x-${name}`);
      const match = router.match(method, concrete);
      expect(match?.operation, `${method} ${path}`).toBe(operation);
      for (const name of path.match(/:([A-Za-z]+)/g) ?? []) expect(match?.pathParams[name.slice(1)]).toBe(`x-${name.slice(1)}`);
    }
  });

  it("refuses a table where two operations claim one route, templates compared by shape", () => {
    const twice: Route[] = [
      ["GET", "/account", "get"],
      ["GET", "/account", "getPrefs"],
    ];
    expect(() => createRouter(twice)).toThrow(/GET \/account is claimed by both get and getPrefs/);
    const sameShape: Route[] = [
      ["GET", "/account/sessions/:sessionId", "getSession"],
      ["GET", "/account/sessions/:id", "listSessions"],
    ];
    expect(() => createRouter(sameShape)).toThrow(/claimed by both getSession and listSessions/);
  });

  it("README's route table names every route, primary and alias (README.md, Routes)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const table = readme.slice(readme.indexOf("## Routes"), readme.indexOf("### Older SDKs"));
    const missing = routes
      .map(([method, path]) => [method, path.replace(/:(\w+)/g, "{$1}")])
      .filter(([, path]) => !table.includes(`${path}\``));
    expect(missing).toEqual([]);
  });

  it("the operations' table builds without a clash, and unknown routes do not match", () => {
    const router = createRouter();
    expect(router.match("GET", "/account/nothing-here")).toBeNull();
    expect(router.match("DELETE", "/account")).toBeNull();
  });
});
