// An unknown --profile is invalid input: exit 2 and the list of valid profiles, for every command
// that takes one, before anything is loaded or started.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../../src/scenario/profile.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");

function gameday(...args: string[]) {
  return runGameday(args, { cwd: root });
}

describe("--profile with an unknown name", () => {
  it.each([["run", "scenarios/llm-provider-outage.ts", "--dry-run"], ["list"]])(
    "gameday %s exits 2 and lists the valid profiles",
    (...args) => {
      const r = gameday(...args, "--profile", "bogus");
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`gameday ${args[0]}: unknown profile "bogus" (known: real, ci)`);
      expect(r.stdout).toBe("");
    },
  );

  it("a prototype property name is not a profile", () => {
    const r = gameday("list", "--profile", "constructor");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown profile "constructor"');
  });

  it("every known profile is still accepted", () => {
    for (const name of Object.keys(PROFILES)) expect(gameday("list", "--profile", name).code).toBe(0);
  });
});
