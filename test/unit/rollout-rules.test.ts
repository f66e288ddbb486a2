// Every rollout rule on its own: thresholds, the decision order (triggers before gates, missing data
// never promotes), ramp steps (≤ 2×, ramp-down immediate), rollback targets (re-ramp from the
// previous stable phase), freeze windows, trigger sustain, the checkpoint schedule under profiles,
// prerequisites (PRR share and time-boxed exceptions, last gamedays), and file validation.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { CriterionVerdict } from "../../src/rollout/decision.ts";
import { evaluateMetrics, TriggerMemory } from "../../src/rollout/evaluate.ts";
import { checkRollout, loadRollout } from "../../src/rollout/loader.ts";
import { checkPrerequisites } from "../../src/rollout/prerequisites.ts";
import {
  decide,
  frozenAt,
  judgeGate,
  judgeTrigger,
  meets,
  pickValue,
  rampProblem,
  rampSteps,
  rollbackPhase,
} from "../../src/rollout/rules.ts";
import {
  applyRolloutProfile,
  phaseCheckpoints,
  promDuration,
  ROLLOUT_PROFILES,
} from "../../src/rollout/schedule.ts";
import { type Rollout, type RolloutInput, rolloutSchema } from "../../src/rollout/schema.ts";
import { ValidationError } from "../../src/scenario/errors.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

const gateErr = { name: "error_rate", promql: "q", below: 0.02, unit: "ratio" as const };
const INPUT: RolloutInput = {
  name: "demo",
  title: "Demo",
  flag: { service: "flags", path: "/flags", field: "share" },
  phases: [
    { name: "P0", title: "Internal", audience: "eng", traffic: 0, minDuration: "3d", gate: [gateErr] },
    { name: "P1", title: "Canary", audience: "1 client", traffic: 1, minDuration: "5d", gate: [gateErr] },
    {
      name: "P2",
      title: "Beta",
      audience: "10 %",
      traffic: 10,
      minDuration: "7d",
      gate: [gateErr, { name: "p99_s", promql: "q", below: 2 }],
    },
    { name: "P3", title: "Wide", audience: "50 %", traffic: 50, minDuration: "7d", gate: [gateErr] },
  ],
  pause: [{ name: "error_rate", promql: "q", above: 0.1 }],
  rollback: [
    { name: "error_rate", promql: "q", above: 0.2, for: "15m" },
    { name: "corruption", alert: { name: "DataIntegrityViolation" }, above: 0, to: "first" },
  ],
};
const R: Rollout = rolloutSchema.parse(INPUT);

const verdict = (over: Partial<CriterionVerdict>): CriterionVerdict => ({
  role: "gate",
  name: "x",
  title: "x",
  threshold: "< 1",
  unit: "value",
  value: 0,
  status: "pass",
  reason: "",
  source: "q",
  ...over,
});

describe("thresholds and values", () => {
  it("compares each way, strictly where the name says so", () => {
    expect(meets({ below: 0.02 }, 0.019)).toBe(true);
    expect(meets({ below: 0.02 }, 0.02)).toBe(false);
    expect(meets({ atMost: 0 }, 0)).toBe(true);
    expect(meets({ above: 0.2 }, 0.2)).toBe(false);
    expect(meets({ atLeast: 0.55 }, 0.55)).toBe(true);
  });

  it("takes the worst series for a gate and the most alarming for a trigger; NaN is no data", () => {
    expect(pickValue({ below: 1 }, "gate", [0.1, 0.5, Number.NaN])).toBe(0.5);
    expect(pickValue({ atLeast: 0.5 }, "gate", [0.6, 0.4])).toBe(0.4);
    expect(pickValue({ above: 0.2 }, "rollback", [0.1, 0.3])).toBe(0.3);
    expect(pickValue({ below: 0.99 }, "pause", [0.995, 0.98])).toBe(0.98);
    expect(pickValue({ below: 1 }, "gate", [Number.NaN])).toBeNull();
    expect(pickValue({ below: 1 }, "gate", [])).toBeNull();
  });

  it("a gate without data is missing, with the reason", () => {
    const v = judgeGate(R.phases[0]!.gate[0]!, { value: null, source: "q", error: "empty result" });
    expect(v.status).toBe("missing");
    expect(v.reason).toContain("empty result");
    expect(judgeGate(R.phases[0]!.gate[0]!, { value: 0.03, source: "q" }).status).toBe("fail");
  });
});

describe("decide", () => {
  it("never promotes on missing data, and says which criterion and why", () => {
    const e = decide({
      criteria: [
        verdict({ status: "pass" }),
        verdict({
          name: "p99_s",
          title: "p99",
          status: "missing",
          value: null,
          reason: "no data (empty result): cannot pass",
        }),
      ],
    });
    expect(e.decision).toBe("HOLD");
    expect(e.reasons[0]).toMatch(/p99.*no data.*never promote on missing data/);
  });

  it("a trigger without data also blocks promotion", () => {
    const e = decide({
      criteria: [verdict({}), verdict({ role: "rollback", status: "missing", value: null })],
    });
    expect(e.decision).toBe("HOLD");
  });

  it("rollback beats pause beats a failing gate; a data-loss trigger goes to the first phase", () => {
    const fail = verdict({ status: "fail" });
    const pause = verdict({ role: "pause", status: "fired" });
    const back = verdict({ role: "rollback", status: "fired", to: "previous" });
    const first = verdict({ role: "rollback", status: "fired", to: "first" });
    expect(decide({ criteria: [fail, pause] }).decision).toBe("PAUSE");
    expect(decide({ criteria: [fail, pause, back] }).decision).toBe("ROLLBACK");
    expect(decide({ criteria: [back] }).rollbackTo).toBe("previous");
    expect(decide({ criteria: [back, first] }).rollbackTo).toBe("first");
    expect(decide({ criteria: [verdict({ role: "pause", status: "met" })] }).decision).toBe("PROMOTE");
  });

  it("promotes only when gates pass, prerequisites hold, no freeze and the phase is complete", () => {
    const ok = [verdict({})];
    expect(decide({ criteria: ok }).decision).toBe("PROMOTE");
    expect(
      decide({ criteria: ok, prerequisites: { ok: false, lines: [{ ok: false, text: "PRR 80 %" }] } })
        .reasons,
    ).toEqual(["prerequisite: PRR 80 %"]);
    const frozen = decide({ criteria: ok, frozen: { reason: "year-end", until: Date.UTC(2027, 0, 4) } });
    expect(frozen.decision).toBe("HOLD");
    expect(frozen.reasons[0]).toContain("year-end until 2027-01-04");
    expect(
      decide({ criteria: ok, phaseComplete: { done: false, reason: "P2 at 1h of 7d" } }).reasons,
    ).toEqual(["P2 at 1h of 7d"]);
  });
});

describe("ramp rules (seed 001 §3.2)", () => {
  it("ramps at most 2× per step, the first exposure at most the initial share", () => {
    expect(rampSteps(0, 1, R.ramp)).toEqual([1]);
    expect(rampSteps(1, 10, R.ramp)).toEqual([2, 4, 8, 10]);
    expect(rampSteps(10, 50, R.ramp)).toEqual([20, 40, 50]);
    expect(rampSteps(50, 100, R.ramp)).toEqual([100]);
    expect(rampSteps(0, 10, { ...R.ramp, initial: 5 })).toEqual([5, 10]);
    for (const [from, to] of [
      [0, 100],
      [3, 97],
      [1, 50],
    ] as const) {
      let prev: number = from;
      for (const s of rampSteps(from, to, R.ramp)) {
        expect(rampProblem(prev, s, R.ramp)).toBeNull();
        prev = s;
      }
      expect(prev).toBe(to);
    }
  });

  it("refuses a jump beyond 2×, and a first exposure beyond the initial share", () => {
    expect(rampProblem(10, 50, R.ramp)).toMatch(/at most 2× the previous share \(20 %\)/);
    expect(rampProblem(0, 10, R.ramp)).toMatch(/first exposure goes to at most 1 %/);
    expect(rampProblem(20, 40, R.ramp)).toBeNull();
  });

  it("ramps down in one immediate step", () => {
    expect(rampSteps(50, 10, R.ramp)).toEqual([10]);
    expect(rampSteps(100, 0, R.ramp)).toEqual([0]);
    expect(rampProblem(50, 0, R.ramp)).toBeNull();
    expect(rampSteps(10, 10, R.ramp)).toEqual([]);
  });

  it("re-ramps from the previous stable phase; data loss goes back to the first", () => {
    expect(rollbackPhase(3, "previous")).toBe(2);
    expect(rollbackPhase(0, "previous")).toBe(0);
    expect(rollbackPhase(3, "first")).toBe(0);
  });
});

describe("freeze windows (seed 000)", () => {
  it("an absolute window holds from its start up to (not including) its end", () => {
    const w = rolloutSchema.parse({
      ...INPUT,
      freeze: [{ from: "2026-12-23T00:00:00Z", to: "2027-01-04T00:00:00Z", reason: "year-end" }],
    }).freeze;
    expect(frozenAt(w, Date.UTC(2026, 11, 22, 23, 59))).toBeNull();
    expect(frozenAt(w, Date.UTC(2026, 11, 23))?.reason).toBe("year-end");
    expect(frozenAt(w, Date.UTC(2027, 0, 3, 23))?.until).toBe(Date.UTC(2027, 0, 4));
    expect(frozenAt(w, Date.UTC(2027, 0, 4))).toBeNull();
  });

  it("a recurring window starts at each cron fire and lasts its duration", () => {
    // Fridays 17:00 UTC for 64 h: the weekend.
    const w = rolloutSchema.parse({
      ...INPUT,
      freeze: [{ cron: "0 17 * * 5", duration: "64h", timezone: "UTC", reason: "weekend" }],
    }).freeze;
    expect(frozenAt(w, Date.UTC(2026, 11, 4, 16, 59))).toBeNull(); // Friday 16:59
    expect(frozenAt(w, Date.UTC(2026, 11, 4, 17, 0))?.until).toBe(Date.UTC(2026, 11, 7, 9, 0)); // → Monday 09:00
    expect(frozenAt(w, Date.UTC(2026, 11, 6, 12))?.reason).toBe("weekend"); // Sunday
    expect(frozenAt(w, Date.UTC(2026, 11, 7, 9, 0))).toBeNull();
  });

  it("a bad window is a validation problem", () => {
    const problems = checkRollout(
      {
        ...INPUT,
        freeze: [
          { from: "2027-01-04T00:00:00Z", to: "2026-12-23T00:00:00Z", reason: "x" },
          { cron: "not cron", duration: "1h", reason: "y" },
        ],
      },
      "r.ts",
    );
    expect(problems.map((p) => p.path)).toEqual(expect.arrayContaining(["freeze.0.to"]));
    expect(problems.some((p) => p.path.startsWith("freeze.1") && /cron/.test(p.message))).toBe(true);
  });
});

describe("triggers", () => {
  const sustained = R.rollback[0]!;
  it("fires only after holding for `for`, and memory resets when the condition clears", () => {
    const m = new TriggerMemory();
    const t0 = 1_000_000;
    const at = (now: number, value: number) => {
      const since = m.observe("rollback", sustained.name, value > 0.2, now);
      return judgeTrigger(sustained, "rollback", { value, source: "q" }, { metSince: since, now }).status;
    };
    expect(at(t0, 0.3)).toBe("met");
    expect(at(t0 + 14 * 60_000, 0.3)).toBe("met");
    expect(at(t0 + 15 * 60_000, 0.3)).toBe("fired");
    expect(at(t0 + 16 * 60_000, 0.1)).toBe("clear");
    expect(at(t0 + 17 * 60_000, 0.3)).toBe("met");
  });

  it("the ci profile compresses `for` like checkpoints, with the same floor; runbook waits like a drill's", () => {
    const withBook = rolloutSchema.parse({
      ...INPUT,
      steadyState: { errorRate: 0.01, sustain: "60s" },
      runbooks: {
        rollback: [{ id: "R1", title: "wait", actions: [{ kind: "wait-healthy", within: "15m" }] }],
      },
    });
    const ci = applyRolloutProfile(withBook, ROLLOUT_PROFILES.ci!);
    expect(ci.rollback[0]!.for).toBe(1_000);
    expect(ci.rollback[1]!.for).toBe(0);
    expect(ci.runbooks.rollback[0]!.actions[0]).toMatchObject({ kind: "wait-healthy", within: 30_000 });
    expect(ci.steadyState.sustain).toBe(2_000);
    expect(applyRolloutProfile(withBook, ROLLOUT_PROFILES.real!)).toBe(withBook);
  });
});

describe("checkpoint schedule (seed 003)", () => {
  it("runs 15m … 36h, then daily, and the gate at the minimum duration", () => {
    const cps = phaseCheckpoints(R.phases[0]!, R, ROLLOUT_PROFILES.real!);
    expect(cps.map((c) => c.label)).toEqual([
      "15m",
      "30m",
      "1h",
      "2h",
      "4h",
      "8h",
      "24h",
      "36h",
      "60h",
      "gate (3d)",
    ]);
    expect(cps.at(-1)).toMatchObject({ final: true, atMs: 3 * 86_400_000 });
  });

  it("under ci keeps checkpoints at least 1 s apart and in order", () => {
    const cps = phaseCheckpoints(R.phases[2]!, R, ROLLOUT_PROFILES.ci!);
    for (let i = 1; i < cps.length; i++)
      expect(cps[i]!.atMs - cps[i - 1]!.atMs).toBeGreaterThanOrEqual(1_000);
    expect(cps.at(-1)!.atMs).toBe(21_000);
  });

  it("writes windows the way PromQL reads them", () => {
    expect(promDuration(900_000)).toBe("15m");
    expect(promDuration(3_000)).toBe("3s");
    expect(promDuration(1_500)).toBe("1500ms");
  });
});

describe("gate-checkpoint evaluation from metrics", () => {
  it("promotes when every criterion is sent and green, holds naming a missing one", async () => {
    const ok = await evaluateMetrics(
      { rollout: R, phaseIndex: 2 },
      { error_rate: 0.01, p99_s: 1.2, corruption: 0 },
    );
    expect(ok.evaluation.decision).toBe("PROMOTE");
    const missing = await evaluateMetrics({ rollout: R, phaseIndex: 2 }, { error_rate: 0.01, corruption: 0 });
    expect(missing.evaluation.decision).toBe("HOLD");
    expect(missing.evaluation.reasons.join("\n")).toContain("metrics.p99_s not given");
  });

  it("one value feeds the gate and the triggers of the same name", async () => {
    const e = await evaluateMetrics(
      { rollout: R, phaseIndex: 2 },
      { error_rate: 0.25, p99_s: 1, corruption: 0 },
    );
    expect(e.evaluation.decision).toBe("ROLLBACK");
    expect(e.evaluation.criteria.filter((c) => c.name === "error_rate").map((c) => c.status)).toEqual([
      "fired",
      "fired",
      "fail",
    ]);
  });
});

describe("prerequisites (seed 000)", () => {
  const prrFile = (dir: string, items: string) =>
    writeFileSync(
      join(dir, "svc.prr.ts"),
      `export default { service: "svc", owners: { sre: "a", security: "b", product: "c", platform: "d" }, items: [${items}] };\n`,
    );
  const green = (i: number) =>
    `{ id: "g${i}", category: "runbooks", title: "g${i}", check: { kind: "file-exists", paths: ["here.txt"] } }`;
  const red = (exception: string) =>
    `{ id: "open", category: "security", title: "open", check: { kind: "file-exists", paths: ["missing.txt"] }${exception} }`;
  const withPrr = rolloutSchema.parse({ ...INPUT, prerequisites: { prr: { file: "svc.prr.ts" } } });
  const now = new Date("2026-12-03T12:00:00Z");

  it("≥ 90 % green with the rest time-boxed passes; an expired exception fails naming it", async () => {
    const dir = dirs.make("rollout-prr-");
    writeFileSync(join(dir, "here.txt"), "x");
    prrFile(
      dir,
      [
        ...Array.from({ length: 9 }, (_, i) => green(i)),
        red(
          `, exception: { owner: "AppSec", granted: "2026-11-25", due: "2026-12-09", reason: "in the next sprint" }`,
        ),
      ].join(","),
    );
    const ok = await checkPrerequisites(withPrr, { root: dir, now });
    expect(ok.ok).toBe(true);
    expect(ok.lines[0]!.text).toContain("90 % green");
    // A new folder: the PRR module of the first is cached by its path.
    const dir2 = dirs.make("rollout-prr-");
    writeFileSync(join(dir2, "here.txt"), "x");
    prrFile(
      dir2,
      [
        ...Array.from({ length: 9 }, (_, i) => green(i)),
        red(`, exception: { owner: "AppSec", granted: "2026-11-10", due: "2026-11-24", reason: "late" }`),
      ].join(","),
    );
    const expired = await checkPrerequisites(withPrr, { root: dir2, now });
    expect(expired.ok).toBe(false);
    expect(expired.lines.find((l) => !l.ok)?.text).toMatch(/open is red.*expired on 2026-11-24/);
  });

  it("below 90 % green fails even when every open item is excepted", async () => {
    const dir = dirs.make("rollout-prr-");
    writeFileSync(join(dir, "here.txt"), "x");
    const exc = `, exception: { owner: "AppSec", granted: "2026-11-25", due: "2026-12-09", reason: "soon" }`;
    prrFile(dir, [...Array.from({ length: 4 }, (_, i) => green(i)), red(exc)].join(","));
    const out = await checkPrerequisites(withPrr, { root: dir, now });
    expect(out.ok).toBe(false);
    expect(out.lines[0]).toMatchObject({ ok: false });
    expect(out.lines[0]!.text).toContain("80 % green");
  });

  it("gamedays: a scenario with no run in the reports folder fails", async () => {
    const dir = dirs.make("rollout-gd-");
    const r = rolloutSchema.parse({
      ...INPUT,
      prerequisites: { gamedays: { scenarios: ["rollback-drill"], reports: "." } },
    });
    const out = await checkPrerequisites(r, { root: dir, now });
    expect(out.ok).toBe(false);
    expect(out.lines[0]!.text).toContain("gameday rollback-drill: no run");
  });
});

describe("rollout files", () => {
  it("reports every problem as file: path: message", async () => {
    const dir = dirs.make("rollout-file-");
    const file = join(dir, "bad.ts");
    writeFileSync(
      file,
      `export default ${JSON.stringify({
        ...INPUT,
        phases: [
          { ...INPUT.phases[0], traffic: 10 },
          {
            ...INPUT.phases[1],
            name: "P0",
            traffic: 5,
            gate: [{ name: "e", promql: "q[$window]", below: 1 }],
          },
        ],
        pause: [{ name: "x", promql: "q", probe: "p", above: 1 }],
      })};\n`,
    );
    const err = await loadRollout(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    const text = (err as ValidationError).message;
    expect(text).toContain(`${file}: phases.1.name: "P0" is also the name of phases.0`);
    expect(text).toContain(`${file}: phases.1.traffic: 5 % is less than P0's 10 %`);
    expect(text).toContain(`${file}: phases.1.gate.0.window: the query uses $window: give window`);
    expect(text).toContain(`${file}: pause.0.probe: has both promql and probe`);
  });

  it("checks the services, probes and data sources it names against the config", () => {
    const config = {
      services: [{ name: "copilot", url: "http://127.0.0.1:1", health: "/healthz" }],
      probes: [],
      proxies: [],
      provider: "external",
    };
    const problems = checkRollout(
      { ...INPUT, phases: [{ ...INPUT.phases[0], gate: [{ name: "p", probe: "nope", below: 1 }] }] },
      "r.ts",
      config as never,
    );
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual(
      expect.arrayContaining([
        'flag.service: unknown service "flags" (known: copilot)',
        'phases.0.gate.0.probe: unknown probe "nope" (known: none in the config)',
        "rollback.1.alert: the config has no alertmanager to ask",
      ]),
    );
  });
});
