// Scheduled gamedays. Each schedule's cron tick asks the server to start a run; the server says
// whether it did. A tick that finds a run going is not queued (a gameday an hour late is a different
// gameday) but recorded as a skip, so the console can show that Tuesday's drill did not happen and why.
import { Cron } from "croner";
import type { ScheduleConfig } from "../scenario/config.ts";
import type { ScheduleSkip, ScheduleState } from "./live-state.ts";

export interface ScheduleFire {
  schedule: ScheduleConfig;
  /** Wall-clock ms of the tick. */
  at: number;
}

export type FireOutcome = { started: true; runId: string } | { started: false; reason: string };

export interface SchedulerOptions {
  fire(f: ScheduleFire): Promise<FireOutcome> | FireOutcome;
  onChange?(s: ScheduleState): void;
  log?(text: string): void;
}

export interface Scheduler {
  states(): ScheduleState[];
  stop(): void;
}

const MAX_SKIPS = 50;

interface Entry {
  config: ScheduleConfig;
  state: ScheduleState;
  job: Cron | null;
  /** A fire() that has not answered yet: the next tick is skipped rather than asking twice. */
  pendingSince: number | null;
}

export function startScheduler(schedules: ScheduleConfig[], o: SchedulerOptions): Scheduler {
  let stopped = false;
  const entries: Entry[] = schedules.map((config) => ({
    config,
    state: {
      name: config.name,
      cron: config.cron,
      timezone: config.timezone ?? null,
      scenarios: [...config.scenarios],
      profile: config.profile,
      nextAt: null,
      lastFiredAt: null,
      lastRunId: null,
      skipped: [],
    },
    job: null,
    pendingSince: null,
  }));

  function changed(e: Entry): void {
    try {
      o.onChange?.(snapshot(e.state));
    } catch (err) {
      o.log?.(`schedule ${e.state.name}: change listener failed: ${messageOf(err)}`);
    }
  }

  function skip(e: Entry, at: number, reason: string): void {
    const skipped: ScheduleSkip[] = [...e.state.skipped, { at, reason }];
    e.state.skipped = skipped.slice(-MAX_SKIPS);
    o.log?.(`schedule ${e.state.name}: skipped at ${new Date(at).toISOString()}: ${reason}`);
  }

  function settle(e: Entry, at: number, outcome: FireOutcome): void {
    e.pendingSince = null;
    if (outcome.started) {
      e.state.lastRunId = outcome.runId;
      o.log?.(`schedule ${e.state.name}: started run ${outcome.runId}`);
    } else {
      skip(e, at, outcome.reason);
    }
    changed(e);
  }

  // Never awaited: croner calls this on every tick (no `protect`), and a tick during a long run has
  // to be seen to be recorded as skipped.
  function tick(e: Entry): void {
    const at = Date.now();
    e.state.lastFiredAt = at;
    e.state.nextAt = nextAfter(e, at);
    if (e.pendingSince !== null) {
      skip(e, at, `the previous fire (${new Date(e.pendingSince).toISOString()}) has not answered yet`);
      changed(e);
      return;
    }
    e.pendingSince = at;
    changed(e);
    let result: Promise<FireOutcome> | FireOutcome;
    try {
      result = o.fire({ schedule: e.config, at });
    } catch (err) {
      settle(e, at, { started: false, reason: `fire failed: ${messageOf(err)}` });
      return;
    }
    Promise.resolve(result).then(
      (outcome) => settle(e, at, outcome),
      (err: unknown) => settle(e, at, { started: false, reason: `fire failed: ${messageOf(err)}` }),
    );
  }

  try {
    for (const e of entries) {
      e.job = new Cron(e.config.cron, e.config.timezone ? { timezone: e.config.timezone } : {}, () =>
        tick(e),
      );
      e.state.nextAt = nextAfter(e, Date.now());
    }
  } catch (err) {
    for (const e of entries) e.job?.stop();
    throw err;
  }

  return {
    states: () => entries.map((e) => snapshot(e.state)),
    stop() {
      if (stopped) return;
      stopped = true;
      for (const e of entries) {
        e.job?.stop();
        e.state.nextAt = null;
      }
    },
  };
}

/** During a tick croner may still report the tick itself as the next run; we want the one after now. */
function nextAfter(e: Entry, now: number): number | null {
  const next = e.job?.nextRun(new Date(now))?.getTime() ?? null;
  return next !== null && next > now ? next : null;
}

function snapshot(s: ScheduleState): ScheduleState {
  return { ...s, scenarios: [...s.scenarios], skipped: s.skipped.map((x) => ({ ...x })) };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
