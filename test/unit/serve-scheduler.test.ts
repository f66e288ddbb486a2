// The scheduler on real croner ticks (a seconds cron): a run is started, ticks during it are skipped
// with the reason, failing or slow fire() calls are recorded, and stop() stops the ticking.
import { afterEach, describe, expect, it } from "vitest";
import { sleep } from "../../src/env/process.ts";
import type { ScheduleConfig } from "../../src/scenario/config.ts";
import type { ScheduleState } from "../../src/serve/live-state.ts";
import {
  type FireOutcome,
  type ScheduleFire,
  type Scheduler,
  startScheduler,
} from "../../src/serve/scheduler.ts";

const schedule = (name: string, over: Partial<ScheduleConfig> = {}): ScheduleConfig => ({
  name,
  cron: "* * * * * *",
  scenarios: [`scenarios/${name}.ts`],
  profile: "ci",
  ...over,
});

async function until(what: string, ok: () => boolean, timeoutMs = 4000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let scheduler: Scheduler | undefined;
afterEach(() => scheduler?.stop());

describe("scheduler", () => {
  it("starts a run, skips ticks while it goes, records failing and unanswered fires, and stops", async () => {
    const fires: ScheduleFire[] = [];
    const changes: ScheduleState[] = [];
    const logs: string[] = [];
    let running: Promise<void> | null = null;
    let finishRun = () => {};

    scheduler = startScheduler(
      [
        schedule("nightly", { timezone: "Europe/Berlin" }),
        schedule("broken"),
        schedule("stuck", { profile: "real" }),
      ],
      {
        fire(f): Promise<FireOutcome> | FireOutcome {
          fires.push(f);
          if (f.schedule.name === "broken") throw new Error("scenario folder is gone");
          if (f.schedule.name === "stuck") return new Promise<FireOutcome>(() => {});
          if (running) return { started: false, reason: "run run-1 is in progress" };
          running = new Promise<void>((resolve) => {
            finishRun = resolve;
          });
          return Promise.resolve({ started: true, runId: "run-1" });
        },
        onChange: (s) => changes.push(s),
        log: (text) => logs.push(text),
      },
    );

    const initial = scheduler.states();
    expect(initial.map((s) => [s.name, s.timezone, s.profile])).toEqual([
      ["nightly", "Europe/Berlin", "ci"],
      ["broken", null, "ci"],
      ["stuck", null, "real"],
    ]);
    for (const s of initial) {
      expect(s.nextAt).toBeGreaterThan(Date.now() - 5);
      expect(s.nextAt).toBeLessThanOrEqual(Date.now() + 1000);
    }

    const state = (name: string) => scheduler!.states().find((s) => s.name === name)!;
    await until("two skipped nightly ticks", () => state("nightly").skipped.length >= 2);

    const nightly = state("nightly");
    expect(nightly.lastRunId).toBe("run-1");
    expect(nightly.skipped.every((s) => s.reason === "run run-1 is in progress")).toBe(true);
    expect(nightly.lastFiredAt).toBeGreaterThanOrEqual(nightly.skipped.at(-1)!.at);
    expect(nightly.nextAt).toBeGreaterThan(Date.now());
    expect(nightly.timezone).toBe("Europe/Berlin");
    const nightlyFires = fires.filter((f) => f.schedule.name === "nightly");
    expect(nightlyFires[0]!.schedule.timezone).toBe("Europe/Berlin");
    expect(nightlyFires.length).toBeGreaterThanOrEqual(3);

    const broken = state("broken");
    expect(broken.lastRunId).toBeNull();
    expect(broken.skipped.length).toBeGreaterThanOrEqual(2);
    expect(broken.skipped[0]!.reason).toBe("fire failed: scenario folder is gone");

    // The unanswered fire is asked once; later ticks are skipped without asking again.
    const stuck = state("stuck");
    expect(fires.filter((f) => f.schedule.name === "stuck")).toHaveLength(1);
    expect(stuck.skipped[0]!.reason).toMatch(/^the previous fire \(.+\) has not answered yet$/);

    expect(changes.some((c) => c.name === "nightly" && c.lastRunId === "run-1")).toBe(true);
    expect(logs).toContain("schedule nightly: started run run-1");

    // States are copies: changing one changes nothing in the scheduler.
    state("nightly").skipped.length = 0;
    expect(state("nightly").skipped.length).toBeGreaterThanOrEqual(2);

    scheduler.stop();
    finishRun();
    const firedBefore = fires.length;
    await sleep(1100);
    expect(fires.length).toBe(firedBefore);
    expect(scheduler.states().every((s) => s.nextAt === null)).toBe(true);
  });
});
