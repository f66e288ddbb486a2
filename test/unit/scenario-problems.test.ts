// Every problem of a scenario file is reported at once, whatever its class: schema, unknown
// targets and fault conflicts, each as `<file>: <path>: <message>`.
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
const config = "test/fixtures/configs/targets.config.ts";

/** The run, with its stderr as lines: one problem per line. */
function gameday(...args: string[]) {
  const r = runGameday(args, { cwd: root });
  return { ...r, err: r.stderr.trim().split("\n") };
}

const validate = (...args: string[]) => gameday("validate", ...args);

describe("gameday validate reports all problems together", () => {
  it("a conflict and an unknown target in one file", () => {
    const file = "test/fixtures/scenarios/problems/all-at-once.ts";
    const r = validate(file, "--config", config);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([
      `${file}: timeline.1.inject: conflicts with timeline.0: two http faults on "llm-primary" at the same time`,
      `${file}: timeline.2.inject.target: unknown Toxiproxy proxy "vector-db" (known: vector-store)`,
      "gameday validate: 2 problems; nothing was started",
    ]);
  });

  it("a schema error and an unknown target in one file", () => {
    const file = "test/fixtures/scenarios/problems/schema-and-target.ts";
    const r = validate(file, "--config", config);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(3);
    expect(r.err[0]).toMatch(new RegExp(`^${file}: title: `));
    expect(r.err[1]).toBe(
      `${file}: timeline.0.inject.target: unknown Toxiproxy proxy "vector-db" (known: vector-store)`,
    );
  });

  it("without a config only the schema and conflicts are checked", () => {
    const file = "test/fixtures/scenarios/problems/all-at-once.ts";
    const r = validate(file, "--config", "test/fixtures/configs/no-proxies.config.ts");
    expect(r.code).toBe(2);
    expect(r.err.filter((l) => l.includes("conflicts with timeline.0"))).toHaveLength(1);
  });
});

describe("a host off loopback is a config problem before anything runs", () => {
  const remote = "test/fixtures/configs/remote-host.config.ts";
  const problem = `${remote}: services.copilot.url: host "10.1.2.3" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately`;

  it("gameday validate reports it, exit 2", () => {
    const r = validate("scenarios/llm-provider-outage.ts", "--config", remote);
    expect(r.code).toBe(2);
    expect(r.err).toContain(problem);
  });

  it("gameday run --dry-run reports it, exit 2, and prints no plan", () => {
    const r = gameday("run", "scenarios/llm-provider-outage.ts", "--dry-run", "--config", remote);
    expect(r.code).toBe(2);
    expect(r.err).toContain(problem);
    expect(r.stdout).toBe("");
  });
});
