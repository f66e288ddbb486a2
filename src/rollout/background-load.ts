// The rollout's own synthetic traffic (staging, the reference stack): the built-in engine run in
// back-to-back rounds of the load's duration for as long as the rollout advances, every response
// in one sample store, so checkpoints see live traffic and the report gets a per-second series.
import { join } from "node:path";
import type { Journal } from "../engine/journal.ts";
import { urlOf } from "../engine/scenario-load.ts";
import { failureClassifier } from "../engine/failures.ts";
import { runHttpLoad } from "../load/http-engine.ts";
import { percentile, type SampleStore } from "../measure/samples.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { HttpLoad } from "../scenario/schema.ts";
import type { LoadPoint } from "./result.ts";

export interface BackgroundLoad {
  /** Stops sending and waits for the round in flight to end. */
  stop(): Promise<void>;
  /** Requests per second, error rate and p95 for each second the load ran. */
  series(): LoadPoint[];
}

export function startBackgroundLoad(
  load: HttpLoad,
  o: { config: GamedayConfig; store: SampleStore; outDir: string; journal: Journal; scenario: string },
): BackgroundLoad {
  const stopper = new AbortController();
  const isFailure = failureClassifier(load.failOn);
  const baseUrl = urlOf(o.config, load.target);
  const started = Date.now();
  const rounds = (async () => {
    for (let round = 1; !stopper.signal.aborted; round++) {
      o.journal.write({
        type: "load.start",
        scenario: o.scenario,
        command: ["gameday-load", "→", load.target, `round ${round}`],
      });
      const res = await runHttpLoad({
        load,
        baseUrl,
        outDir: join(o.outDir, String(round)),
        store: o.store,
        signal: stopper.signal,
      });
      o.journal.write({ type: "load.end", scenario: o.scenario, exitCode: res.exitCode, signal: res.signal });
      if (res.scenarioError) throw new Error(res.scenarioError);
      if (res.exitCode !== 0 && !res.aborted)
        throw new Error(`load engine exited with code ${res.exitCode}: ${res.stderrTail || "no output"}`);
    }
  })();
  // A failing load is reported at stop; until then the rollout goes on (the checkpoints see it).
  rounds.catch(() => {});
  return {
    async stop() {
      stopper.abort();
      await rounds;
    },
    series() {
      const buckets = new Map<number, { n: number; failed: number; values: number[] }>();
      for (const s of o.store.samples("http_req_duration", {}, started)) {
        const sec = Math.floor(s.t / 1000) * 1000;
        const b = buckets.get(sec) ?? { n: 0, failed: 0, values: [] };
        b.n += 1;
        if (isFailure(Number(s.tags.status ?? "0"))) b.failed += 1;
        b.values.push(s.value);
        buckets.set(sec, b);
      }
      return [...buckets.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([t, b]) => ({
          t,
          rps: b.n,
          errorRate: b.n ? b.failed / b.n : null,
          p95Ms: b.n ? percentile(b.values, 95) : null,
        }));
    },
  };
}
