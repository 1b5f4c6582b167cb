import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../adapters/kysely/command-line";
import { cli } from "../import/helpers";

// The argument parsing both `gatehouse` commands share (adapters/kysely/command-line.ts).
describe("parseCommandLine", () => {
  const own = { dialect: { type: "string" } } as const;

  it("takes the shared options besides the command's own, with --prefix defaulting to none", () => {
    expect(parseCommandLine(["migrate", "--url", "x.sqlite", "--dialect", "sqlite", "-h"], own)).toEqual({
      problem: null,
      values: { url: "x.sqlite", dialect: "sqlite", help: true },
      positionals: ["migrate"],
      prefix: "",
    });
    expect(parseCommandLine(["--prefix", "gh_"], own)).toMatchObject({ problem: null, prefix: "gh_" });
  });

  it("reports an unknown option or a bad --prefix as a one-line problem", () => {
    expect(parseCommandLine(["--from", "auth0"], own).problem).toMatch(/^Unknown option '--from'[^\n]*$/);
    expect(parseCommandLine(["--prefix", "gh-"], own).problem).toMatch(/^--prefix must be/);
  });

  it("leaves a bad --prefix to be ignored when help is asked", () => {
    expect(parseCommandLine(["--help", "--prefix", "gh-"], own)).toMatchObject({ problem: null, values: { help: true } });
  });
});

describe("both commands", () => {
  it.each([["migrate"], ["import"]])(
    "%s refuses a bad --prefix before looking at the rest, and answers --help despite it",
    async (command) => {
      const refused = await cli(command, "--prefix", "gh-");
      expect(refused.code).toBe(2);
      expect(refused.err).toContain("--prefix must be at most 32 letters");
      const help = await cli(command, "--help", "--prefix", "gh-");
      expect(help).toMatchObject({ code: 0, err: "" });
      expect(help.out).toContain("gatehouse import --from");
    },
  );
});
