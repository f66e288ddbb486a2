// The CLI contract: help for every command, exit codes, precise errors for bad input.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { commands } from "../../src/cli/commands/index.ts";

const root = resolve(import.meta.dirname, "../..");
const main = join(root, "src/cli/main.ts");

function gameday(...args: string[]) {
  const r = spawnSync(process.execPath, ["--disable-warning=ExperimentalWarning", main, ...args], {
    cwd: root,
    encoding: "utf8",
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("gameday CLI", () => {
  it("lists every command in --help and answers --version", () => {
    const help = gameday("--help");
    expect(help.code).toBe(0);
    for (const c of commands) expect(help.out).toContain(c.name);
    expect(gameday("--version").out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(commands.map((c) => c.name))("%s --help prints usage and exits 0", (name) => {
    const r = gameday(name, "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain(`usage: gameday ${name}`);
    expect(gameday(name, "--version").code).toBe(0);
  });

  it("unknown commands and options exit 2 with the usage", () => {
    const r = gameday("frobnicate");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown command "frobnicate" \(known: /);
    const o = gameday("list", "--bogus");
    expect(o.code).toBe(2);
    expect(o.err).toContain("usage: gameday list");
  });

  it("validate: bad files exit 2 with file: path: message lines, nothing started", () => {
    const r = gameday("validate", "test/fixtures/scenarios/bad");
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^test\/fixtures\/scenarios\/bad\/broken-fields\.ts: id: id must be lowercase/m);
    expect(r.err).toMatch(/conflict\.ts: timeline\.1\.inject: conflicts with timeline\.0/);
    expect(r.err).toMatch(/syntax\.ts: cannot be loaded: /);
    expect(r.err).toMatch(/problems; nothing was started/);
    expect(gameday("validate", "no/such/dir").code).toBe(2);
  });

  it("validate and list the bundled scenarios", () => {
    const v = gameday("validate", "scenarios");
    expect(v.err).toBe("");
    expect(v.code).toBe(0);
    expect(v.out.trim().split("\n")).toHaveLength(8);
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
      expect(l.out).toContain(id);
    }
  });

  it("run --dry-run prints the plan and touches nothing", () => {
    const r = gameday("run", "scenarios/llm-provider-outage.ts", "--dry-run", "--profile", "ci");
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("llm-provider-outage");
    expect(r.out).toMatch(/4s\s+http 502 on llm-primary \(100%, 20s\) until 24s/);
    expect(r.out).toContain("nothing was touched");
  });

  it("run rejects an unknown target before starting anything", () => {
    const r = gameday(
      "run",
      "test/fixtures/scenarios/good/outage.ts",
      "--config",
      "test/fixtures/configs/no-proxies.config.ts",
    );
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
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
      expect(v.err).toBe("");
      expect(v.code).toBe(0);
      expect(v.out).toContain("(spike-2x)");
      expect(gameday("list", elsewhere).out).toMatch(/spike-2x\s+Spike to 2× forecast/);
      // Only "gameday" falls back to the harness: any other missing package is still an error.
      writeFileSync(
        join(elsewhere, "typo.ts"),
        'import { defineScenario } from "gamedey";\nexport default defineScenario({});\n',
      );
      const t = gameday("validate", join(elsewhere, "typo.ts"));
      expect(t.code).toBe(2);
      expect(t.err).toMatch(/typo\.ts: cannot be loaded: Cannot find package 'gamedey'/);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
