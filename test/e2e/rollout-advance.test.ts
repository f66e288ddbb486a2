// `gameday rollout advance` end to end on the real reference stack (ci profile): a healthy rollout
// promotes P0 → P4 through every checkpoint, and every share it sets is the share the service
// itself records; unmet prerequisites change nothing.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { rolloutSchema } from "../../src/rollout/schema.ts";
import { phaseCheckpoints, ROLLOUT_PROFILES } from "../../src/rollout/schedule.ts";
import { environmentPidFile } from "../../src/env/environment.ts";
import { alive } from "../../src/env/process.ts";
import { spawnGameday, waitFor } from "../gameday-child.ts";
import {
  advanceArgs,
  eventsOf,
  groundTruth,
  journalOf,
  rolloutResult,
  runFolder,
  readyRollout,
  writeTestRollout,
} from "../rollout-run.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-rollout-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("gameday rollout advance (reference stack, ci profile)", () => {
  it("promotes a healthy rollout P0 → P4 through every checkpoint, each share confirmed by the service", async () => {
    const file = readyRollout(work);
    const out = join(work, "healthy");
    const child = spawnGameday(advanceArgs(file, out), { cwd: work });
    const code = await child.exited;
    const runDir = runFolder(out);
    expect(code, child.output()).toBe(0);
    if (!runDir) throw new Error(`no run folder in ${out}:\n${child.output()}`);
    const result = rolloutResult(runDir);
    expect(result.outcome).toBe("COMPLETE");
    expect(result.prerequisites.ok).toBe(true);
    expect(result.phases.map((p) => p.outcome)).toEqual([
      "promoted",
      "promoted",
      "promoted",
      "promoted",
      "complete",
    ]);

    // Every checkpoint of every phase ran, in order, the last one the gate that promoted.
    const { default: input } = (await import(file)) as { default: unknown };
    const rollout = rolloutSchema.parse(input);
    for (const phase of rollout.phases) {
      const planned = phaseCheckpoints(phase, rollout, ROLLOUT_PROFILES.ci!).map((c) => c.label);
      const ran = result.checkpoints.filter((c) => c.phase === phase.name && c.kind !== "ramp");
      expect(
        ran.map((c) => c.label),
        phase.name,
      ).toEqual(planned);
      expect(ran.at(-1)?.decision).toBe("PROMOTE");
      // A gate never promotes without a value for every criterion.
      expect(
        ran
          .at(-1)
          ?.criteria.filter((c) => c.role === "gate")
          .every((c) => c.status === "pass"),
      ).toBe(true);
    }

    // Ramp rules: each step at most 2× the previous, from the service's default share (100 %)
    // first down to P0's 0 %.
    const journal = journalOf(runDir);
    const shares = eventsOf(journal, "rollout.share");
    expect(shares.map((s) => s.to)).toEqual([0, 1, 2, 4, 8, 10, 20, 40, 50, 100]);
    expect(shares.every((s) => s.readback === s.to)).toBe(true);
    for (let i = 2; i < shares.length; i++) expect(shares[i]!.to).toBeLessThanOrEqual(shares[i - 1]!.to * 2);

    // Ground truth: the copilot's own record of each share it applied, in the same order, each
    // within its 500 ms flag re-read (plus slack) of the harness writing it.
    const applied = groundTruth(runDir).filter((e) => e.type === "v2_share_changed");
    expect(applied.map((e) => e.detail?.to)).toEqual(shares.map((s) => s.to));
    applied.forEach((e, i) => {
      const lag = e.t - shares[i]!.t;
      expect(lag).toBeGreaterThanOrEqual(-50);
      expect(lag).toBeLessThan(1_500);
    });

    // The synthetic load ran for the whole rollout (a point per second, from the first share
    // write to the end), and a healthy rollout served it: under 1 % failed.
    const span = (result.endedAt - shares[0]!.t) / 1000;
    expect(result.load.length).toBeGreaterThan(span * 0.8);
    const total = result.load.reduce((n, p) => n + p.rps, 0);
    const failed = result.load.reduce((n, p) => n + p.rps * (p.errorRate ?? 0), 0);
    expect(failed / total).toBeLessThan(0.01);
    const md = readFileSync(join(runDir, "rollout_report.md"), "utf8");
    expect(md).toContain("COMPLETE");
    expect(existsSync(join(runDir, "rollout_report.html"))).toBe(true);
    const state = JSON.parse(readFileSync(join(out, "rollouts", "retrieval-v2.state.json"), "utf8"));
    expect(state).toMatchObject({ phase: "P4", stablePhase: "P4", outcome: "COMPLETE", share: 100 });
  }, 240_000);

  it("changes nothing when prerequisites fail: exit 1, NOT_READY, each reason named, no stack started", async () => {
    const dir = join(work, "not-ready");
    const reports = join(dir, "gamedays");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(reports, { recursive: true });
    writeFileSync(
      join(dir, "open.prr.ts"),
      `export default { service: "svc", owners: { sre: "a", security: "b", product: "c", platform: "d" }, items: [
  { id: "sbom", category: "security", title: "SBOM", check: { kind: "file-exists", paths: ["sbom.json"] } } ] };\n`,
    );
    const file = writeTestRollout(
      dir,
      `prerequisites: { prr: { file: ${JSON.stringify(join(dir, "open.prr.ts"))} }, gamedays: { scenarios: ["rollback-drill"], reports: ${JSON.stringify(reports)} } }`,
    );
    const out = join(dir, "out");
    const child = spawnGameday(advanceArgs(file, out), { cwd: dir });
    expect(await child.exited, child.output()).toBe(1);
    const runDir = runFolder(out)!;
    const result = rolloutResult(runDir);
    expect(result.outcome).toBe("NOT_READY");
    const text = result.prerequisites.lines.filter((l) => !l.ok).map((l) => l.text);
    expect(text.join("\n")).toMatch(/0 % green/);
    expect(text.join("\n")).toMatch(/PRR item sbom is red/);
    expect(text.join("\n")).toMatch(/gameday rollback-drill: no run/);
    expect(eventsOf(journalOf(runDir), "rollout.share")).toEqual([]);
    expect(existsSync(join(runDir, "logs"))).toBe(false);
    expect(existsSync(join(out, "rollouts"))).toBe(false);
    expect(child.output()).toContain("NOT_READY");
  }, 60_000);

  it("SIGTERM mid-phase: exit 130, INTERRUPTED with its reports, every process of the stack gone, resumable there", async () => {
    const file = readyRollout(work);
    const out = join(work, "interrupted");
    const child = spawnGameday(advanceArgs(file, out), { cwd: work });
    const runDir = await waitFor("the run folder", () => runFolder(out), {
      ms: 30_000,
      context: child.output,
    });
    await waitFor(
      "P0's second checkpoint",
      () =>
        eventsOf(journalOf(runDir), "rollout.checkpoint").find((c) => c.phase === "P0" && c.label === "30m"),
      { ms: 60_000, context: child.output },
    );
    const pids = Object.values(
      JSON.parse(readFileSync(environmentPidFile(runDir), "utf8")) as Record<string, unknown>,
    )
      .map((p) => (typeof p === "number" ? p : (p as { pid?: number }).pid))
      .filter((p): p is number => typeof p === "number");
    expect(pids.length).toBeGreaterThan(3);
    child.child.kill("SIGTERM");
    expect(await child.exited, child.output()).toBe(130);
    const result = rolloutResult(runDir);
    expect(result.outcome).toBe("INTERRUPTED");
    expect(result.phases[0]!.outcome).toBe("interrupted");
    expect(existsSync(join(runDir, "rollout_report.md"))).toBe(true);
    expect(eventsOf(journalOf(runDir), "rollout.end")[0]).toMatchObject({
      outcome: "INTERRUPTED",
      exitCode: 130,
    });
    expect(
      pids.filter((p) => alive(p)),
      "no process of the rollout's environment is left",
    ).toEqual([]);
    const state = JSON.parse(readFileSync(join(out, "rollouts", "retrieval-v2.state.json"), "utf8"));
    expect(state).toMatchObject({ phase: "P0", outcome: "INTERRUPTED" });
  }, 120_000);
});
