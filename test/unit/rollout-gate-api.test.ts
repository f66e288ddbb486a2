// The gate-checkpoint API's core without HTTP: real rollout files loaded from a temp folder, a
// parsed body in, a status and body out. Missing data holds, a fired rollback trigger wins, and
// every refusal names the field or lists what is known.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type GateCheckpointAnswer,
  type GateCheckpointResult,
  gateCheckpoint,
  loadGateRollouts,
} from "../../src/rollout/gate-api.ts";
import type { LoadedRollout } from "../../src/rollout/loader.ts";
import { ValidationError } from "../../src/scenario/errors.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();

/** A rollout file as a team writes it, without `defineRollout` (plain default export). */
function rolloutFile(name: string, phases: string[]): string {
  const phase = (p: string, i: number) =>
    `{ name: "${p}", title: "Phase ${p}", audience: "ring ${i}", traffic: ${[0, 1, 5, 25, 100][i] ?? 100}, minDuration: "3d", gate: [ { name: "error_rate", promql: "x", below: 0.05, unit: "ratio" }, { name: "p95_ms", promql: "y", atMost: 800, unit: "ms" } ] }`;
  return `export default {
  name: "${name}",
  title: "The ${name} launch",
  flag: { service: "flags", path: "/flags", field: "share" },
  phases: [ ${phases.map(phase).join(", ")} ],
  pause: [ { name: "saturation", promql: "z", above: 0.9 } ],
  rollback: [ { name: "error_rate", promql: "x", above: 0.2, unit: "ratio" } ],
};
`;
}

let dir: string;
let one: LoadedRollout[];
let two: LoadedRollout[];

beforeAll(async () => {
  dir = dirs.make("gameday-gate-api-");
  mkdirSync(join(dir, "rollouts"));
  writeFileSync(join(dir, "rollouts/demo.ts"), rolloutFile("demo", ["P0", "P1", "P2"]));
  writeFileSync(join(dir, "rollouts/other.ts"), rolloutFile("other", ["A", "B"]));
  writeFileSync(join(dir, "rollouts/types.d.ts"), "export {};\n");
  writeFileSync(join(dir, "rollouts/notes.md"), "not a rollout\n");
  one = await loadGateRollouts([join(dir, "rollouts/demo.ts")]);
  two = await loadGateRollouts([join(dir, "rollouts")]);
});

afterAll(() => dirs.removeAll());

const GREEN = { error_rate: 0.01, p95_ms: 420, saturation: 0.3 };

function ok(r: GateCheckpointResult): GateCheckpointAnswer {
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as GateCheckpointAnswer;
}

function error(r: GateCheckpointResult, status: number): string {
  expect(r.status, JSON.stringify(r.body)).toBe(status);
  return (r.body as { error: string }).error;
}

describe("gateCheckpoint", () => {
  it("PROMOTE when every gate criterion passes and no trigger fires: pass, the next phase, every verdict", async () => {
    const a = ok(await gateCheckpoint(one, { gate: "P0", metrics: GREEN }));
    expect(a).toMatchObject({
      pass: true,
      decision: "PROMOTE",
      rollout: "demo",
      gate: "P0",
      traffic: 0,
      ignored: [],
      frozen: null,
    });
    expect(a.rollbackTo).toBeUndefined();
    expect(a.reasons).toEqual(["all 2 gate criteria pass, no trigger fired"]);
    expect(a.recommendations[0]).toBe("promote to P1 (1 %), ramping at most 2× per step");
    expect(a.criteria.map((c) => [c.role, c.name, c.status, c.value, c.source])).toEqual([
      ["rollback", "error_rate", "clear", 0.01, "metrics"],
      ["pause", "saturation", "clear", 0.3, "metrics"],
      ["gate", "error_rate", "pass", 0.01, "metrics"],
      ["gate", "p95_ms", "pass", 420, "metrics"],
    ]);
    // The last phase promotes to "done".
    const last = ok(await gateCheckpoint(one, { gate: "P2", metrics: GREEN }));
    expect(last.recommendations[0]).toBe("P2 complete: the rollout is done");
  });

  it("HOLD when a metric is missing (absent or null), with the reason and what to send", async () => {
    const { p95_ms: _, ...withoutP95 } = GREEN;
    const a = ok(await gateCheckpoint(one, { gate: "P1", metrics: withoutP95 }));
    expect(a.pass).toBe(false);
    expect(a.decision).toBe("HOLD");
    expect(a.reasons).toEqual([
      "gate p95_ms: no data (metrics.p95_ms not given): cannot pass — never promote on missing data",
    ]);
    expect(a.recommendations).toEqual([
      "hold P1 at 1 %: do not promote until every line below is resolved",
      "p95_ms: no data (metrics.p95_ms not given): cannot pass; send or fix this metric",
    ]);
    expect(a.criteria.find((c) => c.role === "gate" && c.name === "p95_ms")).toMatchObject({
      status: "missing",
      value: null,
    });

    const nulled = ok(await gateCheckpoint(one, { gate: "P1", metrics: { ...GREEN, saturation: null } }));
    expect(nulled.decision).toBe("HOLD");
    expect(nulled.reasons[0]).toMatch(
      /^pause saturation: no data .*cannot rule it out — never promote on missing data$/,
    );

    // A failing gate holds too, naming the value against the threshold.
    const failing = ok(await gateCheckpoint(one, { gate: "P1", metrics: { ...GREEN, p95_ms: 950 } }));
    expect(failing.decision).toBe("HOLD");
    expect(failing.reasons).toEqual(["gate p95_ms: 950 ms misses ≤ 800"]);
  });

  it("ROLLBACK when a rollback trigger's metric exceeds its threshold, back to the previous phase; PAUSE for a pause trigger", async () => {
    const a = ok(await gateCheckpoint(one, { gate: "P1", metrics: { ...GREEN, error_rate: 0.31 } }));
    expect(a.pass).toBe(false);
    expect(a.decision).toBe("ROLLBACK");
    expect(a.rollbackTo).toBe("previous");
    expect(a.reasons).toEqual(["rollback error_rate: 31.0 % > 0.2"]);
    expect(a.recommendations[0]).toBe(
      "roll back now to P0 (0 %), the previous stable phase; run the rollback runbook",
    );
    expect(a.criteria[0]).toMatchObject({
      role: "rollback",
      name: "error_rate",
      status: "fired",
      to: "previous",
    });

    const paused = ok(await gateCheckpoint(one, { gate: "P1", metrics: { ...GREEN, saturation: 0.95 } }));
    expect(paused.decision).toBe("PAUSE");
    expect(paused.recommendations[0]).toBe(
      "pause P1: hold the share at 1 % until the trigger clears; do not promote",
    );
  });

  it("404 for an unknown gate, listing the known gates", async () => {
    expect(error(await gateCheckpoint(one, { gate: "P9", metrics: GREEN }), 404)).toBe(
      'no gate "P9" in rollout demo (known gates: P0, P1, P2)',
    );
  });

  it("400 naming the field: metrics missing or not an object, gate missing or empty, unknown fields", async () => {
    expect(error(await gateCheckpoint(one, { gate: "P0" }), 400)).toBe(
      "invalid payload: metrics: required: an object of metric name → number or null",
    );
    expect(error(await gateCheckpoint(one, { gate: "P0", metrics: [0.1] }), 400)).toBe(
      "invalid payload: metrics: must be an object of metric name → number or null, not an array",
    );
    expect(error(await gateCheckpoint(one, { metrics: GREEN }), 400)).toBe(
      'invalid payload: gate: required: the phase name (e.g. "P1")',
    );
    expect(error(await gateCheckpoint(one, { gate: "", metrics: GREEN }), 400)).toBe(
      'invalid payload: gate: must not be empty: the phase name (e.g. "P1")',
    );
    expect(error(await gateCheckpoint(one, { gate: "P0", metrics: GREEN, phase: "P0" }), 400)).toBe(
      'invalid payload: (body): Unrecognized key: "phase"',
    );
    expect(error(await gateCheckpoint(one, "P0"), 400)).toMatch(/^invalid payload: \(body\): /);
  });

  it("400 for a metric value that is not a finite number, naming metrics.<key>", async () => {
    expect(
      error(await gateCheckpoint(one, { gate: "P0", metrics: { ...GREEN, error_rate: "0.01" } }), 400),
    ).toBe('invalid payload: metrics.error_rate: must be a finite number or null, not "0.01"');
    expect(error(await gateCheckpoint(one, { gate: "P0", metrics: { ...GREEN, p95_ms: true } }), 400)).toBe(
      "invalid payload: metrics.p95_ms: must be a finite number or null, not true",
    );
    // JSON cannot carry Infinity, but a caller of the core can.
    expect(
      error(
        await gateCheckpoint(one, { gate: "P0", metrics: { ...GREEN, p95_ms: Number.POSITIVE_INFINITY } }),
        400,
      ),
    ).toBe("invalid payload: metrics.p95_ms: must be a finite number or null, not Infinity");
  });

  it("ignored lists the metric keys no criterion uses; they do not change the decision", async () => {
    const body = JSON.parse(
      JSON.stringify({ gate: "P0", metrics: { ...GREEN, cpu: 0.5, queue_depth: null } }).replace(
        '"cpu"',
        '"__proto__":1,"cpu"',
      ),
    ) as unknown;
    const a = ok(await gateCheckpoint(one, body));
    expect(a.decision).toBe("PROMOTE");
    expect(a.ignored).toEqual(["__proto__", "cpu", "queue_depth"]);
  });

  it("rollout is required when more than one is loaded; an unknown one is 404 listing the known ones", async () => {
    expect(two.map((r) => r.rollout.name)).toEqual(["demo", "other"]);
    expect(error(await gateCheckpoint(two, { gate: "P0", metrics: GREEN }), 400)).toBe(
      "invalid payload: rollout: required when more than one rollout is loaded (demo, other)",
    );
    const a = ok(await gateCheckpoint(two, { rollout: "other", gate: "B", metrics: GREEN }));
    expect(a).toMatchObject({ rollout: "other", gate: "B", traffic: 1, decision: "PROMOTE" });
    expect(error(await gateCheckpoint(two, { rollout: "nope", gate: "P0", metrics: GREEN }), 404)).toBe(
      'no rollout "nope" (known: demo, other)',
    );
    expect(error(await gateCheckpoint(two, { rollout: "other", gate: "P0", metrics: GREEN }), 404)).toBe(
      'no gate "P0" in rollout other (known gates: A, B)',
    );
    // With one loaded, naming it is allowed.
    expect(ok(await gateCheckpoint(one, { rollout: "demo", gate: "P0", metrics: GREEN })).pass).toBe(true);
  });

  it("404 with how to configure when no rollouts are loaded", async () => {
    expect(error(await gateCheckpoint([], { gate: "P0", metrics: GREEN }), 404)).toMatch(
      /^no rollouts loaded: list rollout files or folders under `rollouts` in the config/,
    );
    expect(error(await gateCheckpoint([], {}, { noneLoaded: "pass rollout files" }), 404)).toBe(
      "no rollouts loaded: pass rollout files",
    );
  });
});

describe("loadGateRollouts", () => {
  it("refuses, every problem at once: a missing path, an empty folder, a second rollout of the same name", async () => {
    const bad = dirs.make("gameday-gate-api-bad-");
    mkdirSync(join(bad, "empty"));
    writeFileSync(join(bad, "again.ts"), rolloutFile("demo", ["P0"]));
    const err = await loadGateRollouts([
      join(dir, "rollouts/demo.ts"),
      join(bad, "missing.ts"),
      join(bad, "empty"),
      join(bad, "again.ts"),
    ]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).problems).toEqual([
      { file: join(bad, "missing.ts"), path: "", message: "no such file or folder" },
      { file: join(bad, "empty"), path: "", message: "no rollout files (*.ts, *.js) in this folder" },
      {
        file: join(bad, "again.ts"),
        path: "name",
        message: `"demo" is also the name of the rollout in ${join(dir, "rollouts/demo.ts")}`,
      },
    ]);
  });
});
