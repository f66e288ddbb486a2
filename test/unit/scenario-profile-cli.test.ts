// An unknown --profile is invalid input: exit 2 and the list of valid profiles, for every command
// that takes one, before anything is loaded or started.
import { spawnSync } from "node:child_process";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { PROFILES } from "../../src/scenario/profile.ts";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("--profile with an unknown name", () => {
  it.each([["run", "scenarios/llm-provider-outage.ts", "--dry-run"], ["list"]])(
    "gameday %s exits 2 and lists the valid profiles",
    (...args) => {
      const r = gameday(...args, "--profile", "bogus");
      expect(r.code).toBe(2);
      expect(r.err).toContain(`gameday ${args[0]}: unknown profile "bogus" (known: real, ci)`);
      expect(r.out).toBe("");
    },
  );

  it("a prototype property name is not a profile", () => {
    const r = gameday("list", "--profile", "constructor");
    expect(r.code).toBe(2);
    expect(r.err).toContain('unknown profile "constructor"');
  });

  it("every known profile is still accepted", () => {
    for (const name of Object.keys(PROFILES)) expect(gameday("list", "--profile", name).code).toBe(0);
  });
});
