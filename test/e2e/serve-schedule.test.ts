// `gameday serve` with a schedule a few seconds ahead, on the real reference stack: the fire starts
// a real run; fires while it goes are skipped and recorded (schedule state and schedule-log.jsonl);
// SIGTERM to the server mid-run stops the run with every fault reverted and every process of its
// environment gone, and the server exits 0.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import type { RunResult } from "../../src/engine/result.ts";
import { environmentPidFile } from "../../src/env/environment.ts";
import { alive, freePort } from "../../src/env/process.ts";
import type { ScheduleState } from "../../src/serve/live-state.ts";
import { SCHEDULE_LOG } from "../../src/cli/commands/serve.ts";
import { type GamedayChild, spawnGameday, waitFor } from "../gameday-child.ts";
import { runFolders } from "../run-folders.ts";

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-schedule-"));
let child: GamedayChild | undefined;

afterAll(async () => {
  await child?.stop(1_000);
  rmSync(work, { recursive: true, force: true });
});

describe("gameday serve with a schedule", () => {
  it("fires a real run, skips and records fires while it goes, and SIGTERM mid-run leaves no fault behind", async () => {
    const port = await freePort();
    const config = join(work, "gameday.config.ts");
    writeFileSync(
      config,
      `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "reference",
  receiver: { listen: "127.0.0.1:${await freePort()}" },
  autoAck: { after: "60s" },
  reportsDir: "reports",
  serve: { listen: "127.0.0.1:${port}" },
  schedules: [
    { name: "every-5s", cron: "*/5 * * * * *", scenarios: [${JSON.stringify(join(root, "scenarios/llm-provider-outage.ts"))}], profile: "ci" },
  ],
});
`,
    );
    const base = `http://127.0.0.1:${port}`;
    child = spawnGameday(["serve", "--config", config], { cwd: work });
    const output = child.output;

    const schedules = async () =>
      ((await (await fetch(`${base}/api/v1/schedules`)).json()) as { schedules: ScheduleState[] }).schedules;
    // The first fire starts a run (the stack takes a few seconds to come up)…
    const runId = await waitFor(
      "the first scheduled run",
      async () => (await schedules())[0]?.lastRunId ?? undefined,
      {
        ms: 30_000,
        context: output,
      },
    );
    const reports = join(work, "reports");
    const runDir = join(reports, runId);
    // …whose fault gets applied while later fires are skipped.
    const journal = () =>
      existsSync(join(runDir, "journal.jsonl"))
        ? readFileSync(join(runDir, "journal.jsonl"), "utf8")
            .trim()
            .split("\n")
            .filter(Boolean)
            .map((l) => JSON.parse(l) as JournalEntry)
        : [];
    await waitFor(
      "the run's fault",
      () => (journal().some((e) => e.type === "fault.applied") ? true : undefined),
      {
        ms: 60_000,
        context: output,
      },
    );
    const pids = Object.values(
      JSON.parse(readFileSync(environmentPidFile(runDir), "utf8")) as Record<string, unknown>,
    )
      .map((p) => (typeof p === "number" ? p : (p as { pid?: number }).pid))
      .filter((p): p is number => typeof p === "number");
    expect(pids.length, "the reference stack's processes are recorded").toBeGreaterThan(3);
    const skipped = await waitFor(
      "a skipped fire",
      async () => {
        const s = (await schedules())[0];
        return s && s.skipped.length >= 1 ? s : undefined;
      },
      { context: output },
    );
    expect(skipped.skipped[0]?.reason).toMatch(/a gameday run is in progress/);
    expect(skipped.lastRunId).toBe(runId);
    expect(skipped.nextAt).toBeGreaterThan(Date.now() - 1_000);
    const log = readFileSync(join(reports, SCHEDULE_LOG), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { schedule: string; skipped: boolean; reason: string });
    expect(log[0]).toMatchObject({ schedule: "every-5s", skipped: true });

    // Stop the server mid-run.
    const stillRunning = journal().every((e) => e.type !== "run.end");
    expect(stillRunning, "the run is still going when the server is stopped").toBe(true);
    child.child.kill("SIGTERM");
    const code = await Promise.race([
      child.exited,
      new Promise<never>((_, fail) =>
        setTimeout(() => fail(new Error(`serve did not stop:\n${output()}`)), 60_000),
      ),
    ]);
    expect(code, output()).toBe(0);

    const entries = journal();
    const applied = entries
      .filter((e) => e.type === "fault.applied")
      .map((e) => (e as { faultId: string }).faultId);
    const reverted = entries
      .filter((e) => e.type === "fault.reverted")
      .map((e) => (e as { faultId: string }).faultId);
    expect(applied.length).toBeGreaterThan(0);
    expect(reverted.sort()).toEqual([...new Set(applied)].sort());
    expect(entries.filter((e) => e.type === "fault.revert_failed")).toEqual([]);
    expect(
      entries.filter(
        (e) =>
          e.type === "fault.readback" &&
          (e as { after: string }).after === "revert" &&
          !(e as { ok: boolean }).ok,
      ),
    ).toEqual([]);
    expect(
      pids.filter((p) => alive(p)),
      "no process of the run's environment is left",
    ).toEqual([]);
    const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as RunResult;
    expect(result.interrupted).toBe(true);
    expect(runFolders(reports)).toEqual([runId]);
    expect(output()).toMatch(/gameday serve stopped/);
  }, 180_000);
});
