// `gameday rollout plan|check|advance|serve <file>`: judge and drive a feature rollout through its
// phases (seeds 000–003) with the same measurements, runbooks and signed reports as gamedays.
import { userInfo } from "node:os";
import { createProgress, type Progress } from "../../engine/progress.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { formatDuration } from "../../scenario/duration.ts";
import type { CriterionVerdict } from "../../rollout/decision.ts";
import { evaluatePhase, recommendations } from "../../rollout/evaluate.ts";
import { type LoadedRollout, loadRollout } from "../../rollout/loader.ts";
import { checkPrerequisites } from "../../rollout/prerequisites.ts";
import { sourceOf } from "../../rollout/readings.ts";
import { frozenAt, rampSteps, thresholdText } from "../../rollout/rules.ts";
import {
  formatRolloutDuration,
  phaseCheckpoints,
  rampHoldMs,
  type RolloutProfile,
  rolloutProfileByName,
  scaled,
} from "../../rollout/schedule.ts";
import type { Rollout } from "../../rollout/schema.ts";
import { readRolloutState } from "../../rollout/state.ts";
import { acquireRunLock } from "../../serve/run-lock.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT, EnvironmentError, UsageError } from "../exit-codes.ts";
import { heldEnvironment } from "../run-session.ts";
import { guardSignals } from "../run-signals.ts";
import { table, type TableOptions, terminalWidth } from "../table.ts";
import { VERSION } from "../version.ts";
import { ROLLOUT_SERVE_HELP, rolloutServe } from "./rollout-serve.ts";
import { configFrom, DEFAULT_CONFIG, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

function planText(r: Rollout, profile: RolloutProfile, o: TableOptions = {}): string {
  const out: string[] = [];
  const ci = profile.scale !== 1;
  const scaledText = (ms: number) =>
    ci ? ` (${formatDuration(scaled(ms, profile))} in ${profile.name})` : "";
  out.push(`rollout ${r.name}: ${r.title}${r.service ? ` — ${r.service}` : ""}`);
  out.push(
    `traffic share: field ${r.flag.field} by ${r.flag.method} ${r.flag.path} on service ${r.flag.service}`,
  );
  out.push("");
  out.push("prerequisites (seed 000):");
  const pr = r.prerequisites;
  if (pr.prr)
    out.push(
      `  PRR ${pr.prr.file}: ≥ ${pr.prr.minGreen} % green, every other item time-boxed by a valid exception`,
    );
  if (pr.gamedays)
    out.push(
      `  latest gameday PASS in ${pr.gamedays.reports} for ${pr.gamedays.scenarios.join(", ")}${pr.gamedays.withinDays ? ` within ${pr.gamedays.withinDays} days` : ""}${pr.gamedays.profile ? ` (profile ${pr.gamedays.profile})` : ""}`,
    );
  if (!pr.prr && !pr.gamedays) out.push("  none declared");
  out.push("");
  out.push(
    table(
      ["phase", "title", "audience", "traffic", "min duration", "ramp from previous"],
      r.phases.map((p, i) => [
        p.name,
        p.title,
        p.audience,
        `${p.traffic} %`,
        `${formatRolloutDuration(p.minDuration)}${scaledText(p.minDuration)}`,
        i === 0
          ? "—"
          : rampSteps(r.phases[i - 1]!.traffic, p.traffic, r.ramp)
              .map((s) => `${s} %`)
              .join(" → ") || "—",
      ]),
      o,
    ),
  );
  out.push(
    `ramp: each step ≤ ${r.ramp.maxFactor}× the previous share (first exposure ≤ ${r.ramp.initial} %), held ${formatDuration(r.ramp.hold)}${ci ? ` (${formatDuration(rampHoldMs(r, profile))})` : ""}; ramp-down immediate; after a rollback, re-ramp from the previous stable phase`,
  );
  for (const p of r.phases) {
    out.push("");
    out.push(`${p.name} gate (promote only on green):`);
    for (const c of p.gate) out.push(`  ${c.name} ${thresholdText(c)}  ← ${sourceOf(c, profile)}`);
    const cps = phaseCheckpoints(p, r, profile);
    out.push(
      `  checkpoints: ${cps.map((c) => (ci ? `${c.label}@${formatDuration(c.atMs)}` : c.label)).join(", ")}`,
    );
  }
  out.push("");
  for (const [kind, list] of [
    ["pause triggers (seed 001 §5.1)", r.pause],
    ["rollback triggers (seed 001 §5.2)", r.rollback],
  ] as const) {
    out.push(`${kind}:`);
    if (!list.length) out.push("  none");
    for (const t of list)
      out.push(
        `  ${t.name} ${thresholdText(t)}${t.for ? ` for ${formatDuration(t.for)}` : ""}${"to" in t && kind.startsWith("rollback") ? ` → ${t.to === "first" ? "first phase" : "previous stable phase"}` : ""}  ← ${sourceOf(t, profile)}`,
      );
  }
  out.push(
    `a pause longer than ${formatRolloutDuration(r.pauseLimit)} becomes a rollback; a failing gate holds at most ${formatRolloutDuration(r.holdLimit)}`,
  );
  out.push("");
  out.push(`freeze windows: ${r.freeze.length ? "" : "none"}`);
  const now = Date.now();
  for (const w of r.freeze)
    out.push(
      `  ${"from" in w ? `${new Date(w.from).toISOString()} → ${new Date(w.to).toISOString()}` : `cron "${w.cron}" for ${formatDuration(w.duration)}${w.timezone ? ` (${w.timezone})` : ""}`}: ${w.reason}`,
    );
  const frozen = frozenAt(r.freeze, now);
  if (frozen) out.push(`  in force now: ${frozen.reason} until ${new Date(frozen.until).toISOString()}`);
  out.push("");
  out.push(
    `runbooks: pause ${r.runbooks.pause.length} step(s), rollback ${r.runbooks.rollback.length} step(s)${r.load ? `; synthetic load ${r.load.rate ?? "staged"} req/s on ${r.load.target}` : ""}`,
  );
  return out.join("\n");
}

function criteriaTable(list: CriterionVerdict[], o: TableOptions = {}): string {
  return table(
    ["kind", "criterion", "value", "threshold", "status", "reason"],
    list.map((c) => [
      c.role,
      c.title,
      c.value === null ? "—" : String(Number(c.value.toPrecision(4))),
      c.threshold,
      c.status.toUpperCase(),
      c.reason,
    ]),
    o,
  );
}

async function loaded(
  args: { positionals: string[] },
  config: GamedayConfig | undefined,
  usage: string,
): Promise<LoadedRollout> {
  const file = args.positionals[1];
  if (!file) throw new UsageError(`name a rollout file (rollouts/<name>.ts)\nusage: gameday ${usage}`);
  return loadRollout(file, config);
}

function phaseIndex(r: Rollout, name: string | undefined, option: string): number | undefined {
  if (name === undefined) return undefined;
  const i = r.phases.findIndex((p) => p.name === name);
  if (i < 0)
    throw new UsageError(
      `${option} ${name}: no such phase (known: ${r.phases.map((p) => p.name).join(", ")})`,
    );
  return i;
}

/** The targets to check against: an environment `gameday env up` holds, or the config's own addresses. */
async function checkTargets(config: GamedayConfig, progress: Progress): Promise<GamedayConfig> {
  const held = await heldEnvironment(config, progress);
  if (held) return held.config;
  if (config.provider !== "external")
    throw new EnvironmentError(
      `nothing to check: provider "${config.provider}" starts its stack only for a run; bring it up with gameday env up, or use provider "external" with your service's addresses`,
    );
  return config;
}

export const rolloutCommand: Command = {
  name: "rollout",
  summary: "judge and drive a feature rollout: phases, gates, checkpoints, pause and rollback",
  usage:
    "rollout plan|check|advance|serve <file> [--profile real|ci] [--config F] [--out DIR] [--phase P] [--from P] [--defect NAME…] [--waive-prerequisites WHY] [--json]",
  help: `A rollout file (rollouts/*.ts, export default defineRollout({...})) lists phases P0…P4 with
their traffic share, minimum duration and gate criteria (PromQL, a probe, or firing alerts, each
with a threshold), the prerequisites (PRR ≥ 90 % green with the rest time-boxed, last gamedays
PASS), seed 003's checkpoint schedule, pause and rollback triggers, ramp rules and freeze windows.

plan      prints phases, ramp steps, gates, checkpoints (and their compressed times with
          --profile ci), triggers, freeze windows; touches nothing
check     evaluates one phase now (--phase, default: where the rollout stands, else the first):
          every criterion's value, threshold and reason, the prerequisites and freezes, and
          one decision: PROMOTE, HOLD, PAUSE or ROLLBACK, with what to do next. A trigger
          whose condition is met counts as fired (one check cannot judge its \`for\`).
          Missing data never promotes. Reads the config's Prometheus and Alertmanager, or the
          stack \`gameday env up\` holds.
advance   drives the rollout: checks the prerequisites (nothing changes when they fail), then
          per phase ramps the share through the flag service (≤ 2× per step, each held and
          checked), runs every checkpoint (compressed by --profile), promotes on a green gate,
          holds on a failing one (up to holdLimit), pauses on a pause trigger until it clears
          (a pause past pauseLimit becomes a rollback), and on a rollback trigger sets the
          previous stable phase's share at once and runs the rollback runbook. Journals every
          decision and writes <out>/<run-id>/ with rollout.json, rollout_report.md and
          rollout_report.html (sign them with gameday sign, like run reports). The state in
          <out>/rollouts/<name>.state.json makes the next advance resume where this one
          stopped; after a rollback it re-ramps from the previous stable phase. Ctrl-C stops
          after writing the reports and leaves the share where it is.
serve     ${ROLLOUT_SERVE_HELP.split("\n").join("\n          ")}

Options:
  --profile P   real (default) or ci: a day of rollout is 3 s, checkpoints at least 1 s apart,
                PromQL windows at least 3 s
  --config F    run config (default ${DEFAULT_CONFIG_HELP})
  --out DIR     reports folder (default: the config's reportsDir)
  --phase P     check: the phase to evaluate
  --from P      advance: start at this phase instead of where the state file says
  --defect NAME advance, reference stack only: a defect switch on from the start (repeatable)
  --waive-prerequisites WHY
                advance: go on although prerequisites fail; WHY is journalled and reported
  --listen H:P  serve: where to listen (default 127.0.0.1:8091)
  --token T     serve: bearer token (required off loopback)
  --json        check: print the evaluation as JSON
  --quiet       advance: no progress output

Exit codes: 0 PROMOTE (check) or COMPLETE (advance); 1 HOLD, PAUSE or ROLLBACK (check), or
rolled back, held or prerequisites unmet (advance); 2 invalid file or usage; 3 a data source or
the environment unreachable, or another gameday run holds the reports folder; 130 interrupted.`,
  options: {
    profile: { type: "string" },
    config: { type: "string" },
    out: { type: "string" },
    phase: { type: "string" },
    from: { type: "string" },
    defect: { type: "string", multiple: true },
    "waive-prerequisites": { type: "string" },
    listen: { type: "string" },
    token: { type: "string" },
    json: { type: "boolean" },
    quiet: { type: "boolean" },
  },
  async run(args) {
    const action = args.positionals[0];
    if (action === "serve") return rolloutServe(args);
    if (action !== "plan" && action !== "check" && action !== "advance")
      throw new UsageError(
        `rollout needs plan, check, advance or serve${action ? ` (got "${action}")` : ""}`,
      );
    const profile = rolloutProfileByName(str(args, "profile") ?? "real");
    const config = await configFrom(str(args, "config"));
    if (action === "plan") {
      const { rollout } = await loaded(args, config, rolloutCommand.usage);
      console.log(planText(rollout, profile, { width: terminalWidth() }));
      return EXIT.ok;
    }
    if (!config) throw new UsageError(`no config: pass --config F or create ${DEFAULT_CONFIG}`);
    const { file, rollout } = await loaded(args, config, rolloutCommand.usage);
    const reportsDir = str(args, "out") ?? config.reportsDir;
    if (action === "check") {
      const progress = createProgress({ quiet: true });
      const explicit = phaseIndex(rollout, str(args, "phase"), "--phase");
      const saved = readRolloutState(reportsDir, rollout.name);
      const index =
        explicit ??
        (saved
          ? Math.max(
              0,
              rollout.phases.findIndex((p) => p.name === saved.phase),
            )
          : 0);
      const targets = await checkTargets(config, progress);
      const prerequisites = await checkPrerequisites(rollout, { root: process.cwd() });
      const out = await evaluatePhase({
        rollout,
        phaseIndex: index,
        ctx: { config: targets, profile },
        prerequisites,
      });
      const e = out.evaluation;
      const next = recommendations(rollout, index, e);
      const phase = rollout.phases[index]!;
      if (flag(args, "json"))
        console.log(
          JSON.stringify(
            {
              rollout: rollout.name,
              phase: phase.name,
              traffic: phase.traffic,
              ...e,
              prerequisites,
              recommendations: next,
              unreachable: out.unreachable,
            },
            null,
            2,
          ),
        );
      else {
        console.log(
          `rollout ${rollout.name} ${phase.name} (${phase.traffic} %) — checked ${new Date(out.at).toISOString()}`,
        );
        for (const l of prerequisites.lines) console.log(`prerequisite ${l.ok ? "ok " : "NOT"} ${l.text}`);
        console.log(criteriaTable(e.criteria, { width: terminalWidth() }));
        console.log(`\n${e.decision}`);
        for (const reason of e.reasons) console.log(`  ${reason}`);
        console.log("next:");
        for (const line of next) console.log(`  ${line}`);
      }
      for (const u of out.unreachable) console.error(`unreachable: ${u}`);
      if (out.unreachable.length) return EXIT.error;
      return e.decision === "PROMOTE" ? EXIT.ok : EXIT.fail;
    }
    // advance
    const from = str(args, "from");
    phaseIndex(rollout, from, "--from");
    const defects = (args.values.defect as string[] | undefined) ?? [];
    if (defects.length && config.provider !== "reference")
      throw new UsageError("--defect works with the reference stack only");
    const progress = createProgress({ quiet: flag(args, "quiet") });
    const lock = acquireRunLock(reportsDir, {
      by: userInfo().username,
      via: "cli",
      scenarios: [`rollout:${rollout.name}`],
      runId: null,
    });
    const controller = new AbortController();
    const guard = guardSignals({
      progress,
      firstMessage: "stopping the rollout where it stands, writing reports",
      onFirst: (sig) => controller.abort(new Error(`interrupted by ${sig}`)),
    });
    try {
      const held = await heldEnvironment(config, progress, defects);
      const { advanceRollout } = await import("../../rollout/advance.ts");
      const outcome = await advanceRollout({
        loaded: { file, rollout },
        config: held?.config ?? config,
        environment: held?.environment,
        profile,
        reportsDir,
        root: process.cwd(),
        signal: controller.signal,
        progress,
        defects,
        from,
        waive: str(args, "waive-prerequisites"),
        gamedayVersion: VERSION,
        onStart: (info) => lock.setRunId(info.runId),
      });
      const r = outcome.result;
      console.log("");
      console.log(
        table(
          ["phase", "traffic", "outcome", "checkpoints"],
          r.phases.map((p) => [
            p.name,
            `${p.traffic} %`,
            p.outcome,
            String(r.checkpoints.filter((c) => c.phase === p.name).length),
          ]),
          { width: terminalWidth() },
        ),
      );
      console.log(
        `\nrollout ${r.rollout} run ${r.runId}: ${r.outcome} at ${r.endPhase} (${r.share} %), stable ${r.stablePhase} — reports in ${outcome.runDir}`,
      );
      for (const e of r.errors) console.error(`error: ${e}`);
      return outcome.exitCode;
    } finally {
      guard.dispose();
      lock.release();
    }
  },
};
