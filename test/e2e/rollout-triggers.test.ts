// Rollout triggers end to end on the real reference stack (ci profile):
// - with the rerank_capacity defect the new path breaks at 50 %: the next check after the service
//   starts failing rolls back to P2 (10 %) at once, runs the rollback runbook, and the time from
//   the service's own first failure to the decision is bounded by one check interval plus the
//   trigger's data floor (its sustain, one scrape and the query window);
// - a real fault on the primary LLM (Toxiproxy proxy disabled) pages LLMProviderDown, a P1 pause
//   trigger: the rollout holds its share until the page clears, resumes and completes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RESOLVED_CONFIG } from "../../src/engine/resolved-config.ts";
import { rolloutSchema } from "../../src/rollout/schema.ts";
import {
  applyRolloutProfile,
  rampHoldMs,
  ROLLOUT_PROFILES,
  scaledWindow,
} from "../../src/rollout/schedule.ts";
import type { GamedayConfig } from "../../src/scenario/config.ts";
import { type GamedayChild, spawnGameday, waitFor } from "../gameday-child.ts";
import {
  advanceArgs,
  eventsOf,
  groundTruth,
  journalOf,
  rolloutResult,
  runFolder,
  readyRollout,
} from "../rollout-run.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-rollout-triggers-"));
const children: GamedayChild[] = [];
afterAll(async () => {
  await Promise.all(children.map((c) => c.stop(2_000)));
  rmSync(work, { recursive: true, force: true });
});

const CI = ROLLOUT_PROFILES.ci!;
/** Prometheus scrapes the copilot every second in the reference stack. */
const SCRAPE_MS = 1_000;

function advance(file: string, out: string, extra: string[] = []): GamedayChild {
  const child = spawnGameday(advanceArgs(file, out, extra), { cwd: work });
  children.push(child);
  return child;
}

describe("rollout triggers (reference stack, ci profile)", () => {
  it("rolls back to the previous stable phase when the new path breaks at 50 %, within one check interval plus the data floor", async () => {
    const file = readyRollout(work);
    const out = join(work, "defect");
    // From P2: the service starts at its default 100 %, which the rollout cuts to P2's 10 % first.
    const child = advance(file, out, ["--defect", "rerank_capacity", "--from", "P2"]);
    expect(await child.exited, child.output()).toBe(1);
    const runDir = runFolder(out)!;
    const result = rolloutResult(runDir);
    expect(result.outcome).toBe("ROLLED_BACK");
    expect(result).toMatchObject({ endPhase: "P2", stablePhase: "P2", share: 10 });
    expect(result.phases.map((p) => p.outcome)).toEqual([
      "not reached",
      "not reached",
      "promoted",
      "rolled back",
      "not reached",
    ]);

    const rollback = result.decisions.find((d) => d.decision === "ROLLBACK");
    if (!rollback) throw new Error(`no ROLLBACK decision: ${JSON.stringify(result.decisions)}`);
    expect(rollback.phase).toBe("P3");
    expect(rollback.reasons.join("\n")).toMatch(/Error rate > 20 % sustained/);

    // Ground truth: when the service itself started failing on the new path.
    const truth = groundTruth(runDir);
    // No failure before the share reached 50 % (the defect is on from the start).
    expect(truth.filter((e) => e.type === "rerank_failing").map((e) => e.detail?.share)).toEqual([50]);
    const failing = truth.find((e) => e.type === "rerank_failing");
    if (!failing) throw new Error("the service never recorded rerank_failing");
    const { default: input } = (await import(file)) as { default: unknown };
    const rollout = applyRolloutProfile(rolloutSchema.parse(input), CI);
    const trigger = rollout.rollback.find((t) => t.name === "error_rate_sustained")!;
    const interval = rampHoldMs(rollout, CI);
    const floor = trigger.for + SCRAPE_MS + scaledWindow(trigger.window ?? 0, CI);
    const took = rollback.at - failing.t;
    console.log(
      `defect → rollback decision: ${took} ms (bound ${interval + floor} ms = check interval ${interval} + sustain ${trigger.for} + scrape ${SCRAPE_MS} + window ${scaledWindow(trigger.window ?? 0, CI)})`,
    );
    expect(took).toBeGreaterThan(0);
    expect(took).toBeLessThanOrEqual(interval + floor);

    // Ramp-down is immediate: the very next share write is P2's 10 %, and the service applied it.
    const shares = eventsOf(journalOf(runDir), "rollout.share");
    const cut = shares.find((s) => s.why === "rollback")!;
    expect(cut).toMatchObject({ from: 50, to: 10, readback: 10 });
    expect(cut.t - rollback.at).toBeLessThan(1_000);
    const applied = truth.find(
      (e) => e.type === "v2_share_changed" && e.detail?.to === 10 && e.t > failing.t,
    );
    expect(applied).toBeDefined();
    const recovered = truth.find((e) => e.type === "rerank_recovered" && e.t > failing.t);
    expect(recovered).toBeDefined();

    // The rollback runbook ran, every step of it.
    const book = result.runbooks.find((r) => r.kind === "rollback")!;
    expect(book.steps.map((s) => s.id)).toEqual(["R1", "R2", "R3", "R4"]);
    expect(book.ok, JSON.stringify(book.steps)).toBe(true);
    // The next advance re-ramps from the previous stable phase.
    const state = JSON.parse(readFileSync(join(out, "rollouts", "retrieval-v2.state.json"), "utf8"));
    expect(state).toMatchObject({ phase: "P2", stablePhase: "P2", outcome: "ROLLED_BACK" });
  }, 240_000);

  it("pauses on a P1 page from a real LLM outage, holds the share, resumes when it clears, and completes", async () => {
    // A pause may last up to 7 days (21 s in ci) here, so the page can clear before it becomes a rollback.
    const file = readyRollout(work, `pauseLimit: "7d"`);
    const out = join(work, "pause");
    const child = advance(file, out, ["--from", "P4"]);
    const runDir = await waitFor("the run folder", () => runFolder(out), {
      ms: 30_000,
      context: child.output,
    });
    const config = await waitFor(
      "the resolved config",
      () => JSON.parse(readFileSync(join(runDir, RESOLVED_CONFIG), "utf8")) as GamedayConfig,
      { ms: 60_000, context: child.output },
    );
    const toxiproxy = `http://${config.toxiproxy!.api}`;
    const setPrimary = async (enabled: boolean) => {
      const res = await fetch(`${toxiproxy}/proxies/llm-primary-tcp`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ enabled }),
      });
      expect(res.status).toBe(200);
    };
    await waitFor(
      "P4's third checkpoint",
      () =>
        eventsOf(journalOf(runDir), "rollout.checkpoint").find((c) => c.phase === "P4" && c.label === "1h"),
      { ms: 60_000, context: child.output },
    );
    await setPrimary(false);
    const pause = await waitFor(
      "a PAUSE decision",
      () => eventsOf(journalOf(runDir), "rollout.decision").find((d) => d.decision === "PAUSE"),
      { ms: 20_000, context: child.output },
    );
    expect(pause.reasons.join("\n")).toMatch(/P1 incident declared|Circuit breaker OPEN|Error rate > 10 %/);
    // Held for a while: rechecks keep it paused.
    await waitFor(
      "two paused rechecks",
      () => {
        const n = eventsOf(journalOf(runDir), "rollout.checkpoint").filter((c) =>
          c.label.startsWith("paused"),
        ).length;
        return n >= 2 ? n : undefined;
      },
      { ms: 20_000, context: child.output },
    );
    await setPrimary(true);
    const resume = await waitFor(
      "a RESUME decision",
      () => eventsOf(journalOf(runDir), "rollout.decision").find((d) => d.decision === "RESUME"),
      { ms: 30_000, context: child.output },
    );
    expect(await child.exited, child.output()).toBe(0);
    const result = rolloutResult(runDir);
    expect(result.outcome).toBe("COMPLETE");
    // No share change while paused (the share stays at 100 %: there is none at all from P4 on).
    const journal = journalOf(runDir);
    expect(eventsOf(journal, "rollout.share").filter((s) => s.t > pause.t && s.t < resume.t)).toEqual([]);
    expect(result.runbooks.find((r) => r.kind === "pause")?.ok).toBe(true);
    // The page really fired and resolved in between, as the receiver saw it.
    const alerts = eventsOf(journal, "alert.received").filter((a) => a.name === "LLMProviderDown");
    expect(alerts.some((a) => a.status === "firing")).toBe(true);
    const decisions = result.decisions.map((d) => d.decision);
    expect(decisions.indexOf("PAUSE")).toBeLessThan(decisions.indexOf("RESUME"));
    expect(decisions.at(-1)).toBe("COMPLETE");
  }, 240_000);
});
