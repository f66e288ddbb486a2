// Probes: periodic observations of the system under test that land in the SampleStore.
//   http   → `probe:<name>`: the JSON field at `field` (dot path) or the latency in ms, tag ok "1"/"0".
//            When a field is configured but unreadable (request failed, not JSON, not numeric) the
//            value is NaN with ok "0": consumers read values from ok="1" samples only.
//   scrape → each series matching a selector, under its own metric name with its labels as tags.
//   promql → `promql:<name>`: every series of the instant query, result labels as tags, at
//            Prometheus's evaluation time.
// A failing probe journals `probe.error` (at most one per ERROR_WINDOW_MS per probe, with a count
// of what was held back) and keeps going; it never throws into the run.
import type { Journal } from "../engine/journal.ts";
import { SampleStore } from "../measure/samples.ts";
import type { ProbeConfig } from "../scenario/config.ts";
import { matchesSelector, parsePromSamples, parseSelector, type SeriesSelector } from "./prom-text.ts";
import { instantQuery } from "./promql.ts";
import { runEvery } from "./ticker.ts";

export interface ProbeContext {
  store: SampleStore;
  journal?: Journal;
  /** Base URL of Prometheus; required by promql probes. */
  prometheusUrl?: string;
}

export interface RunningProbes {
  /** Stops every probe, aborting requests in flight; resolves when all loops have ended. */
  stop(): Promise<void>;
}

export const ERROR_WINDOW_MS = 10_000;

type Reading = (signal: AbortSignal) => Promise<void>;

export function startProbes(probes: ProbeConfig[], ctx: ProbeContext): RunningProbes {
  const stopper = new AbortController();
  const loops = probes.map((p) => {
    const report = errorReporter(p.name, ctx.journal);
    let read: Reading;
    try {
      read = reader(p, ctx);
    } catch (err) {
      report((err as Error).message);
      return Promise.resolve();
    }
    return runEvery(
      p.interval,
      async () => {
        const signal = AbortSignal.any([stopper.signal, AbortSignal.timeout(p.timeout)]);
        try {
          await read(signal);
        } catch (err) {
          if (!stopper.signal.aborted) report(describe(err, p.timeout));
        }
      },
      stopper.signal,
    );
  });
  return {
    async stop() {
      stopper.abort();
      await Promise.all(loops);
    },
  };
}

function reader(p: ProbeConfig, ctx: ProbeContext): Reading {
  switch (p.kind) {
    case "http":
      return httpReader(p, ctx.store);
    case "scrape":
      return scrapeReader(p, ctx.store);
    case "promql": {
      const base = ctx.prometheusUrl;
      if (!base) throw new Error(`promql probe ${p.name}: no Prometheus URL configured (prometheus.url)`);
      return async (signal) => {
        const r = await instantQuery(base, p.query, { timeoutMs: p.timeout, signal });
        for (const s of r.series) ctx.store.add(`promql:${p.name}`, s.t, s.value, s.labels);
      };
    }
  }
}

function httpReader(p: Extract<ProbeConfig, { kind: "http" }>, store: SampleStore): Reading {
  const metric = `probe:${p.name}`;
  const path = p.field?.split(".");
  return async (signal) => {
    const t = Date.now();
    const started = performance.now();
    let res: Response;
    let body: string;
    try {
      res = await fetch(p.url, { signal, headers: { "user-agent": "gameday-probe" } });
      body = await res.text();
    } catch (err) {
      store.add(metric, t, path ? Number.NaN : performance.now() - started, { ok: "0" });
      throw err;
    }
    const latency = performance.now() - started;
    const statusOk = res.status === p.expectStatus;
    if (!path) {
      store.add(metric, t, latency, { ok: statusOk ? "1" : "0" });
      if (!statusOk) throw new Error(`HTTP ${res.status}, expected ${p.expectStatus}`);
      return;
    }
    const value = fieldValue(body, path);
    const ok = statusOk && typeof value === "number";
    store.add(metric, t, typeof value === "number" ? value : Number.NaN, { ok: ok ? "1" : "0" });
    if (!statusOk) throw new Error(`HTTP ${res.status}, expected ${p.expectStatus}`);
    if (typeof value === "string") throw new Error(value);
  };
}

/** The number at a dot path of a JSON body, or a reason why there is none. */
export function fieldValue(body: string, path: string[]): number | string {
  let cur: unknown;
  try {
    cur = JSON.parse(body);
  } catch {
    return `response is not JSON (field ${path.join(".")} wanted)`;
  }
  for (const key of path) {
    if (cur === null || typeof cur !== "object" || !Object.hasOwn(cur, key))
      return `no field ${path.join(".")} in the response`;
    cur = (cur as Record<string, unknown>)[key];
  }
  if (typeof cur === "number") return cur;
  if (typeof cur === "boolean") return cur ? 1 : 0;
  if (typeof cur === "string" && cur.trim() !== "" && Number.isFinite(Number(cur))) return Number(cur);
  return `field ${path.join(".")} is ${JSON.stringify(cur)?.slice(0, 40)}, not a number`;
}

function scrapeReader(p: Extract<ProbeConfig, { kind: "scrape" }>, store: SampleStore): Reading {
  const selectors: SeriesSelector[] = p.metrics.map((m) => parseSelector(m));
  return async (signal) => {
    const t = Date.now();
    const res = await fetch(p.url, { signal, headers: { accept: "text/plain;version=0.0.4" } });
    const text = await res.text();
    if (!res.ok) throw new Error(`HTTP ${res.status} from ${p.url}`);
    const samples = parsePromSamples(text);
    const missing: string[] = [];
    selectors.forEach((sel, i) => {
      let found = false;
      for (const s of samples) {
        if (!matchesSelector(s, sel)) continue;
        store.add(s.name, t, s.value, s.labels);
        found = true;
      }
      if (!found) missing.push(p.metrics[i]!);
    });
    if (missing.length) throw new Error(`no series matched ${missing.join(", ")} at ${p.url}`);
  };
}

/**
 * One reading of a probe, outside a run (rollout checkpoints): the values it would store. An http
 * probe gives its field or latency, a promql probe every series, a scrape probe the series of its
 * first metric. Throws with the probe's reason when it cannot be read.
 */
export async function readProbeOnce(p: ProbeConfig, prometheusUrl?: string): Promise<number[]> {
  const store = new SampleStore();
  const signal = AbortSignal.timeout(p.timeout);
  try {
    await reader(p, { store, prometheusUrl })(signal);
  } catch (err) {
    throw new Error(`probe ${p.name}: ${describe(err, p.timeout)}`);
  }
  const metric =
    p.kind === "http"
      ? `probe:${p.name}`
      : p.kind === "promql"
        ? `promql:${p.name}`
        : parseSelector(p.metrics[0]!).name;
  const ok: Record<string, string> = p.kind === "http" ? { ok: "1" } : {};
  return [...store.samples(metric, ok)].map((x) => x.value);
}

function describe(err: unknown, timeoutMs: number): string {
  const e = err as Error;
  if (e.name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  const cause = (e.cause as Error | undefined)?.message;
  return cause ? `${e.message} (${cause})` : e.message;
}

/** Journals the first error at once, then at most one per window with the count held back. */
function errorReporter(probe: string, journal: Journal | undefined): (message: string) => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let held = 0;
  return (message) => {
    const now = Date.now();
    if (now - lastAt < ERROR_WINDOW_MS) {
      held++;
      return;
    }
    const suffix = held
      ? ` (${held} more error${held === 1 ? "" : "s"} in the previous ${ERROR_WINDOW_MS / 1000} s not journalled)`
      : "";
    journal?.write({ type: "probe.error", probe, error: message + suffix }, now);
    lastAt = now;
    held = 0;
  };
}
