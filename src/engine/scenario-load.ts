// A scenario's load on its engine: the built-in HTTP engine or the user's k6, started with the
// scenario and ended with it (or aborted when it stops early), its failures kept as the scenario's
// errors. `urlOf` resolves the load's target name against the run's config.
import { dirname, isAbsolute, join, resolve } from "node:path";
import { EnvironmentError } from "../cli/exit-codes.ts";
import { runHttpLoad } from "../load/http-engine.ts";
import { runK6 } from "../load/k6-runner.ts";
import type { LiveStats } from "../load/live.ts";
import type { SampleStore } from "../measure/samples.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { LoadSpec } from "../scenario/schema.ts";
import type { Journal } from "./journal.ts";

export interface LoadRun {
  scenario: string;
  scenarioFile: string;
  cfg: GamedayConfig;
  outDir: string;
  store: SampleStore;
  journal: Journal;
  signal: AbortSignal;
  onProgress: (live: LiveStats) => void;
  /** The scenario's error list: a load that fails makes the scenario ERROR. */
  errors: string[];
}

/** Starts a scenario's load on its engine; resolves when the load has ended, never rejects. */
export function startLoad(load: LoadSpec, l: LoadRun): Promise<void> {
  const fail = (message: string) => {
    l.errors.push(message);
    l.journal.write({ type: "error", scenario: l.scenario, message });
  };
  if (load.kind === "http") {
    l.journal.write({
      type: "load.start",
      scenario: l.scenario,
      command: ["gameday-load", "→", load.target],
    });
    return runHttpLoad({
      load,
      baseUrl: urlOf(l.cfg, load.target),
      outDir: l.outDir,
      store: l.store,
      signal: l.signal,
      onProgress: l.onProgress,
    })
      .then((res) => {
        l.journal.write({
          type: "load.end",
          scenario: l.scenario,
          exitCode: res.exitCode,
          signal: res.signal,
        });
        if (res.scenarioError) fail(`load: ${res.scenarioError}`);
        if (res.exitCode !== 0 && !res.aborted)
          fail(`load engine exited with code ${res.exitCode}: ${res.stderrTail || "no output"}`);
      })
      .catch((err: Error) => fail(`load: ${err.message}`));
  }
  const script = isAbsolute(load.script) ? load.script : resolve(dirname(l.scenarioFile), load.script);
  const targetUrl = load.target ? urlOf(l.cfg, load.target) : l.cfg.services[0]?.url;
  l.journal.write({ type: "load.start", scenario: l.scenario, command: ["k6", "run", script] });
  return runK6({
    script,
    load,
    targetUrl,
    outDir: l.outDir,
    store: l.store,
    signal: l.signal,
    onProgress: l.onProgress,
  })
    .then((res) => {
      l.journal.write({ type: "load.end", scenario: l.scenario, exitCode: res.exitCode, signal: res.signal });
      // k6 exits 99 when a script threshold fails; that is the script's verdict, not a harness error.
      if (res.exitCode !== 0 && res.exitCode !== 99 && !l.signal.aborted) {
        l.errors.push(`k6 exited with code ${res.exitCode}; see ${join(l.scenario, "k6.stderr.log")}`);
      }
    })
    .catch((err: Error) => fail(`load: ${err.message}`));
}

/** The base URL a load aimed at `name` (a service or proxy of the config) sends to. */
export function urlOf(cfg: GamedayConfig, name: string): string {
  const svc = cfg.services.find((x) => x.name === name);
  if (svc) return svc.url;
  const proxy = cfg.proxies.find((p) => p.name === name);
  if (proxy) return `http://${proxy.listen}`;
  throw new EnvironmentError(`load target "${name}" is neither a service nor a proxy in the config`);
}
