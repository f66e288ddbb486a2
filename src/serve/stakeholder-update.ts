// The incident commander's stakeholder update (seed 004, "IC comms template"), filled from what the
// live run already knows, so that in a drill the IC practises sending it rather than typing numbers
// off a dashboard. Impact compares the load before the first fault with the worst of it since.
import type { LiveDecision, LivePoint, LiveRunState, Severity } from "./live-state.ts";

export interface StakeholderUpdateOptions {
  /** What the incident is called in the update; default: the run's scenarios. */
  title?: string;
  /** The update's time (default: now). */
  now?: number;
  /** IANA time zone of the HH:MM clocks (default UTC). */
  timeZone?: string;
}

const SEV_TAG: Record<Severity, string> = { sev2: "[Sev-2]", sev3: "[Sev-3]" };

const NEXT: Record<Severity, string> = {
  sev2: "Verify rollback: health checks, smoke tests, unit cost within cap; RCA owner and ETA",
  sev3: "Monitor and mitigate; re-assess at the next checkpoint",
};
const NEXT_UNTRIAGED = "IC triage: Sev-2 (flip flags / roll back) or Sev-3 (monitor and mitigate)";

/** The seed's incident flow: what each severity tells the team to do. */
export function decisionWhat(severity: Severity): string {
  return severity === "sev2" ? "Sev-2: flip flags / roll back" : "Sev-3: monitor and mitigate";
}

export function stakeholderUpdate(
  state: LiveRunState,
  o: StakeholderUpdateOptions = {},
): { severity: Severity | null; text: string } {
  const clock = clockIn(o.timeZone ?? "UTC");
  const decisions = [...state.decisions].sort((a, b) => a.t - b.t);
  const latest = decisions.at(-1) ?? null;
  // A later decision without a severity (a note, a hand-over) does not undo the declared one.
  const severity = decisions.findLast((d) => d.severity !== null)?.severity ?? null;
  const ic = decisions.findLast((d) => d.by !== null)?.by ?? "unassigned";
  const title = o.title ?? (state.scenarios.join(", ") || state.runId);

  const lines = [
    `${severity ? SEV_TAG[severity] : "[Sev-?]"} ${title} (gameday drill) @ ${clock(o.now ?? Date.now())}`,
    `Impact: ${impact(state)}`,
    `Action: ${latest ? action(latest, clock) : "No decision recorded yet"}`,
    `Next: ${severity ? NEXT[severity] : NEXT_UNTRIAGED}`,
    `Owner: IC ${ic} | gameday run ${state.runId}`,
  ];
  return { severity, text: lines.join("\n") };
}

function action(d: LiveDecision, clock: (t: number) => string): string {
  const by = d.by ? ` by ${d.by}` : "";
  const why = d.why ? ` (${d.why})` : "";
  return `${d.what}${by} @ ${clock(d.t)}${why}`;
}

function impact(state: LiveRunState): string {
  const inject = state.markers.filter((m) => m.kind === "inject").sort((a, b) => a.t - b.t)[0];
  if (!inject) {
    const p95 = median(values(state.series, "p95Ms"));
    const err = median(values(state.series, "errorRate"));
    return `none yet (no fault injected); p95 latency ${ms(p95)}, error ${pct(err)}`;
  }
  const before = state.series.filter((p) => p.t < inject.t);
  const after = state.series.filter((p) => p.t >= inject.t);
  const p95Base = median(values(before, "p95Ms"));
  const p95Peak = max(values(after, "p95Ms"));
  const errBase = median(values(before, "errorRate"));
  const errPeak = max(values(after, "errorRate"));
  return (
    `p95 latency ${ms(p95Peak)} (baseline ${ms(p95Base)}), ` +
    `error ${pct(errPeak)} peak (baseline ${pct(errBase)})`
  );
}

function values(points: LivePoint[], key: "p95Ms" | "errorRate"): number[] {
  const out: number[] = [];
  for (const p of points) {
    const v = p[key];
    if (v !== null && Number.isFinite(v)) out.push(v);
  }
  return out;
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

function max(xs: number[]): number | null {
  return xs.length === 0 ? null : Math.max(...xs);
}

function ms(v: number | null): string {
  return v === null ? "n/a" : `${Math.round(v)} ms`;
}

function pct(rate: number | null): string {
  if (rate === null) return "n/a";
  const p = rate * 100;
  // Error rates in a healthy baseline are often well under 1%; one decimal would show them as 0%.
  return `${Number(p.toFixed(p !== 0 && Math.abs(p) < 1 ? 2 : 1))}%`;
}

function clockIn(timeZone: string): (t: number) => string {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone,
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return (t) => f.format(new Date(t));
}
