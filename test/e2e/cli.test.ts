// The CLI contract: help for every command, exit codes, precise errors for bad input.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");

function gameday(...args: string[]) {
  return runGameday(args, { cwd: root });
}

describe("gameday CLI", () => {
  it("lists every command in --help and answers --version", () => {
    const help = gameday("--help");
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.stdout).toContain(c.name);
    expect(gameday("--version").stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(commands.map((c) => c.name))("%s --help prints usage and exits 0", (name) => {
    const r = gameday(name, "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: gameday ${name}`);
    expect(gameday(name, "--version").code).toBe(0);
  });

  it("unknown commands and options exit 2 with the usage", () => {
    const r = gameday("frobnicate");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command "frobnicate" \(known: /);
    const o = gameday("list", "--bogus");
    expect(o.code).toBe(2);
    expect(o.stderr).toContain("usage: gameday list");
  });

  it("validate: bad files exit 2 with file: path: message lines, nothing started", () => {
    const r = gameday("validate", "test/fixtures/scenarios/bad");
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^test\/fixtures\/scenarios\/bad\/broken-fields\.ts: id: id must be lowercase/m);
    expect(r.stderr).toMatch(/conflict\.ts: timeline\.1\.inject: conflicts with timeline\.0/);
    expect(r.stderr).toMatch(/syntax\.ts: cannot be loaded: /);
    expect(r.stderr).toMatch(/problems; nothing was started/);
    expect(gameday("validate", "no/such/dir").code).toBe(2);
  });

  it("validate and list the bundled scenarios", () => {
    const v = gameday("validate", "scenarios");
    expect(v.stderr).toBe("");
    expect(v.code).toBe(0);
    expect(v.stdout.trim().split("\n")).toHaveLength(8);
    const l = gameday("list", "--profile", "ci");
    expect(l.code).toBe(0);
    for (const id of [
      "llm-provider-outage",
      "cache-cold-start",
      "vector-latency-spike",
      "embedding-throttle",
      "token-cost-surge",
      "pii-leakage-probe",
      "rollback-drill",
      "spike-2x",
    ]) {
      expect(l.stdout).toContain(id);
    }
  });

  it("run --dry-run prints the plan and touches nothing", () => {
    const r = gameday("run", "scenarios/llm-provider-outage.ts", "--dry-run", "--profile", "ci");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("llm-provider-outage");
    expect(r.stdout).toMatch(/4s\s+http 502 on llm-primary \(100%, 20s\) until 24s/);
    expect(r.stdout).toContain("nothing was touched");
  });

  it("run rejects an unknown target before starting anything", () => {
    const r = gameday(
      "run",
      "test/fixtures/scenarios/good/outage.ts",
      "--config",
      "test/fixtures/configs/no-proxies.config.ts",
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /outage\.ts: timeline\.0\.inject\.target: unknown HTTP fault proxy "llm-primary" \(known: none in the config\)/,
    );
  });

  it('a scenario file kept outside this repository still resolves `import … from "gameday"`', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), "gameday-team-repo-"));
    try {
      copyFileSync(join(root, "scenarios/spike-2x.ts"), join(elsewhere, "spike-2x.ts"));
      // With the load helper it imports (./load/chat.ts), which imports its types from "gameday" too.
      mkdirSync(join(elsewhere, "load"));
      copyFileSync(join(root, "scenarios/load/chat.ts"), join(elsewhere, "load", "chat.ts"));
      const v = gameday("validate", join(elsewhere, "spike-2x.ts"));
      expect(v.stderr).toBe("");
      expect(v.code).toBe(0);
      expect(v.stdout).toContain("(spike-2x)");
      expect(gameday("list", elsewhere).stdout).toMatch(/spike-2x\s+Spike to 2× forecast/);
      // Only "gameday" falls back to the harness: any other missing package is still an error.
      writeFileSync(
        join(elsewhere, "typo.ts"),
        'import { defineScenario } from "gamedey";\nexport default defineScenario({});\n',
      );
      const t = gameday("validate", join(elsewhere, "typo.ts"));
      expect(t.code).toBe(2);
      expect(t.stderr).toMatch(/typo\.ts: cannot be loaded: Cannot find package 'gamedey'/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
