import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";

// The layering rules live in eslint.config.js and run over the whole tree in `npm run lint`.
// These cases prove the rules bite: each forbidden import below must be reported, each allowed
// one must pass, so a config change that silently disables a layer fails here.
const eslint = new ESLint({ cwd: new URL("../..", import.meta.url).pathname });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === "no-restricted-imports" || m.ruleId === "no-restricted-globals")
    .map((m) => m.message);
}

describe("layering", () => {
  it.each([
    ["src/core/example.ts", 'import "../http/handler";\n', "the core is pure"],
    ["src/core/operations/example.ts", 'import "../../http/routes";\n', "the core is pure"],
    ["src/core/example.ts", 'import "express";\n', "the core is pure"],
    ["src/core/example.ts", 'import "pg";\n', "the core is pure"],
    ["src/validation/example.ts", 'import "../../adapters/kysely/store";\n', "the core is pure"],
    ["src/ports/example.ts", 'import "../core/service";\n', "ports are the ground layer"],
    ["src/ports/example.ts", 'import "../http/handler";\n', "ports are the ground layer"],
    ["adapters/express/example.ts", 'import "../../src/errors";\n', "adapters use only the package's public API"],
    ["src/core/example.ts", "export const env = process.env.X;\n", "reads no process state"],
  ])("%s may not %s", async (file, source, message) => {
    const messages = await restricted(file, source);
    expect(messages.join("\n")).toContain(message);
  });

  it.each([
    ["src/core/example.ts", 'import "../ports/store";\n'],
    ["src/http/example.ts", 'import "../core/service";\n'],
    ["adapters/express/example.ts", 'import "gatehouse-auth";\n'],
  ])("%s may %s", async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });
});
