// Observing a scenario while its timeline runs: probes into the sample store, the stop conditions
// over it, the load, and the status line once a second. Started before the first step; stopped in
// two halves at the end, because the faults are reverted between them (with the load still on).
import { startStopMonitor } from "../evaluate/stop.ts";
import type { LiveStats } from "../load/live.ts";
import type { SampleStore } from "../measure/samples.ts";
import { startProbes } from "../observe/probes.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { Scenario } from "../scenario/schema.ts";
import type { Journal } from "./journal.ts";
import { type LiveStatus, type Progress, trailingLoad } from "./progress.ts";
import { trailingHealth } from "./runbook.ts";
import { startLoad } from "./scenario-load.ts";

export interface ObservationContext {
  scenario: Pick<Scenario, "id" | "load" | "stopIf">;
  /** The scenario's file: a k6 script is found relative to it. */
  scenarioFile: string;
  /** The scenario's folder of the run: the load writes its logs and summary there. */
  scenarioDir: string;
  cfg: GamedayConfig;
  store: SampleStore;
  journal: Journal;
  progress: Progress;
  isFailure: (status: number) => boolean;
  /** Aborted when the scenario ends early (stop condition, error, interruption): the load stops too. */
  signal: AbortSignal;
  /** The scenario's error list: a load that fails makes the scenario ERROR. */
  errors: string[];
  /** A stop condition held (once per reason the monitor finds; the caller keeps the first). */
  onStop: (reason: string) => void;
  /** Where the scenario is, for the status line. */
  where: () => Pick<LiveStatus, "phase" | "elapsedMs" | "plannedMs" | "activeFaults">;
}

export interface Observation {
  /** Stops checking stop conditions and updating the status line. */
  stopWatching(): void;
  /** Ends the load and waits for it, then stops the probes. */
  drain(): Promise<void>;
}

export function startObservation(c: ObservationContext): Observation {
  const { scenario: s, store, journal } = c;
  const probes = startProbes(c.cfg.probes, { store, journal, prometheusUrl: c.cfg.prometheus?.url });
  const stopMonitor = startStopMonitor({
    stopIf: s.stopIf,
    store,
    failed: (tags) => c.isFailure(Number(tags.status ?? "0")),
    onStop: c.onStop,
  });

  // Load runs for its own duration; it is aborted when the scenario stops early.
  const loadAbort = new AbortController();
  c.signal.addEventListener("abort", () => loadAbort.abort(), { once: true });
  // The engine's live stats, for the status line only: stop conditions read the raw store (exact windows).
  let live: LiveStats | undefined;
  const loadDone: Promise<unknown> = s.load
    ? startLoad(s.load, {
        scenario: s.id,
        scenarioFile: c.scenarioFile,
        cfg: c.cfg,
        outDir: c.scenarioDir,
        store,
        journal,
        signal: loadAbort.signal,
        onProgress: (l) => {
          live = l;
        },
        errors: c.errors,
      })
    : Promise.resolve();

  const fromStore = () => {
    const h = trailingHealth(store, 5_000, c.isFailure);
    return {
      p95Ms: h.count ? h.p95 : undefined,
      errorRate: h.count ? h.errorRate : undefined,
      rps: h.count / 5,
    };
  };
  const ticker = setInterval(() => {
    c.progress.status({ scenario: s.id, ...c.where(), ...trailingLoad(live, fromStore) });
  }, 1_000);

  return {
    stopWatching() {
      clearInterval(ticker);
      stopMonitor.stop();
    },
    async drain() {
      loadAbort.abort();
      await loadDone;
      await probes.stop();
    },
  };
}
