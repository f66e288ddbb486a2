// Executes a drill's runbook steps (the seed's rollback runbook) against the real service, timing
// each step. A step fails when any of its actions fails; later steps still run, so the report shows
// the whole drill, and recovery is measured from the samples either way.
import type { SampleStore } from "../measure/samples.ts";
import { percentile } from "../measure/samples.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { RunbookAction, RunbookStep, SteadyState } from "../scenario/schema.ts";
import { callService } from "../faults/service-call.ts";
import { delay } from "./clock.ts";
import type { Journal } from "./journal.ts";

/** What the runbook needs to know about alerts: which are firing now. */
export interface FiringAlerts {
  firing(): Array<{ name: string }>;
}

export interface RunbookContext {
  scenario: string;
  config: GamedayConfig;
  store: SampleStore;
  steadyState: SteadyState;
  isFailure: (status: number) => boolean;
  alerts: FiringAlerts;
  journal: Journal;
  signal: AbortSignal;
  log: (text: string) => void;
}

const POLL_MS = 250;

export async function executeRunbook(steps: RunbookStep[], ctx: RunbookContext): Promise<boolean> {
  let allOk = true;
  for (const step of steps) {
    const startedAt = Date.now();
    const details: string[] = [];
    let ok = true;
    for (const action of step.actions) {
      try {
        details.push(await runAction(action, ctx));
      } catch (err) {
        if (ctx.signal.aborted) throw err;
        ok = false;
        details.push(`FAILED: ${(err as Error).message}`);
      }
    }
    const endedAt = Date.now();
    ctx.journal.write({
      type: "runbook.step",
      scenario: ctx.scenario,
      id: step.id,
      title: step.title,
      startedAt,
      endedAt,
      ok,
      detail: details.join("; "),
    });
    ctx.log(`runbook ${step.id} ${ok ? "ok" : "FAILED"} in ${endedAt - startedAt} ms: ${step.title}`);
    allOk &&= ok;
  }
  return allOk;
}

/** Polls `check` until it returns a string (success detail) or the time runs out. */
async function waitFor(
  within: number,
  signal: AbortSignal,
  what: string,
  check: () => Promise<string | undefined>,
): Promise<string> {
  const deadline = Date.now() + within;
  let last = "";
  for (;;) {
    try {
      const done = await check();
      if (done !== undefined) return done;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() >= deadline)
      throw new Error(`${what} not reached within ${within} ms${last ? ` (${last})` : ""}`);
    await delay(POLL_MS, signal);
  }
}

/** Steady state over the trailing window: p95 and error rate of requests in the last `windowMs`. */
export function trailingHealth(
  store: SampleStore,
  windowMs: number,
  isFailure: (status: number) => boolean,
  now = Date.now(),
) {
  const values: number[] = [];
  let failed = 0;
  for (const s of store.samples("http_req_duration", {}, now - windowMs, now + 1)) {
    values.push(s.value);
    if (isFailure(Number(s.tags.status ?? "0"))) failed += 1;
  }
  return {
    count: values.length,
    p95: values.length ? percentile(values, 95) : Number.NaN,
    errorRate: values.length ? failed / values.length : Number.NaN,
  };
}

async function runAction(a: RunbookAction, ctx: RunbookContext): Promise<string> {
  switch (a.kind) {
    case "note":
      return a.text;
    case "declare":
      return `${a.severity} declared${a.note ? `: ${a.note}` : ""}`;
    case "http": {
      const r = await callService(ctx.config, a.target, a.call, ctx.signal);
      return `${a.call.method} ${a.target}${a.call.path} → ${r.status}`;
    }
    case "smoke": {
      const results: string[] = [];
      for (const flow of a.flows) {
        const r = await callService(ctx.config, a.target, flow.call, ctx.signal);
        results.push(`${flow.name} ${r.status}`);
      }
      return `smoke ${results.join(", ")}`;
    }
    case "wait-healthy": {
      const ss = ctx.steadyState;
      const window = Math.min(ss.sustain, 5_000);
      return waitFor(a.within, ctx.signal, "healthy state", async () => {
        for (const svc of ctx.config.services) {
          const res = await fetch(`${svc.url.replace(/\/$/, "")}${svc.health}`, {
            signal: AbortSignal.timeout(2_000),
          });
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`${svc.name} health ${res.status}`);
        }
        const h = trailingHealth(ctx.store, window, ctx.isFailure);
        if (h.count === 0) return "health checks 200 (no load running)";
        if (ss.p95Ms !== undefined && !(h.p95 <= ss.p95Ms))
          throw new Error(`p95 ${Math.round(h.p95)} ms > ${ss.p95Ms} ms`);
        if (ss.errorRate !== undefined && !(h.errorRate <= ss.errorRate))
          throw new Error(`error rate ${(h.errorRate * 100).toFixed(1)}% > ${ss.errorRate * 100}%`);
        return `health checks 200, p95 ${Math.round(h.p95)} ms, errors ${(h.errorRate * 100).toFixed(1)}%`;
      });
    }
    case "check-cost":
      return waitFor(a.within, ctx.signal, `unit cost ≤ $${a.maxUsd}`, async () => {
        const now = Date.now();
        const v = [...ctx.store.samples("unit_cost_usd", {}, now - 2_000, now + 1)].map((s) => s.value);
        if (v.length === 0) throw new Error("no unit cost samples in the last 2 s");
        const mean = v.reduce((x, y) => x + y, 0) / v.length;
        if (mean > a.maxUsd) throw new Error(`unit cost $${mean.toFixed(5)} > $${a.maxUsd}`);
        return `unit cost $${mean.toFixed(5)} ≤ $${a.maxUsd}`;
      });
    case "alerts-cleared":
      return waitFor(a.within, ctx.signal, "alerts cleared", async () => {
        const firing = ctx.alerts.firing().filter((x) => a.names.length === 0 || a.names.includes(x.name));
        if (firing.length) throw new Error(`still firing: ${firing.map((x) => x.name).join(", ")}`);
        return a.names.length ? `alerts cleared: ${a.names.join(", ")}` : "no alerts firing";
      });
  }
}
