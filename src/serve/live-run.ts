// The console's view of the run going on, folded from the run's own journal events (the same
// stream the journal file, the progress line and the reports read) and its per-second status.
// It only observes: acknowledgements and decisions go through the journal like any other.
import type { JournalEntry } from "../engine/journal-events.ts";
import type { Journal } from "../engine/journal.ts";
import type { LiveStatus } from "../engine/progress.ts";
import type { RunResult } from "../engine/result.ts";
import { describeFault } from "../faults/describe.ts";
import type { AlertBook, AlertState } from "../observe/alert-book.ts";
import type {
  LiveAlert,
  LiveDecision,
  LiveFault,
  LiveMarker,
  LivePoint,
  LiveRunState,
  PanelValue,
  RunStarter,
  ServeEvent,
} from "./live-state.ts";

/** Points kept for the charts: 15 minutes at one a second. */
const SERIES_POINTS = 900;

export interface LiveRunInit {
  runId: string;
  runDir: string;
  scenarios: string[];
  profile: string;
  startedBy: RunStarter;
  journal: Journal;
  book: AlertBook;
  publish: (e: ServeEvent) => void;
}

export class LiveRun {
  readonly journal: Journal;
  readonly book: AlertBook;
  readonly #state: LiveRunState;
  readonly #publish: (e: ServeEvent) => void;
  readonly #registered = new Map<string, Omit<LiveFault, "appliedAt">>();
  readonly #off: () => void;

  constructor(o: LiveRunInit) {
    this.journal = o.journal;
    this.book = o.book;
    this.#publish = o.publish;
    this.#state = {
      runId: o.runId,
      runDir: o.runDir,
      scenarios: o.scenarios,
      profile: o.profile,
      startedBy: o.startedBy,
      startedAt: Date.now(),
      status: "starting",
      scenario: null,
      phase: null,
      elapsedMs: 0,
      plannedMs: 0,
      markers: [],
      series: [],
      faults: [],
      alerts: [],
      decisions: [],
      panels: [],
      verdict: null,
      exitCode: null,
    };
    this.#off = o.journal.onEvent((e) => this.#onEntry(e));
  }

  get runId(): string {
    return this.#state.runId;
  }

  /** A copy safe to serialize while the run goes on. */
  snapshot(): LiveRunState {
    const s = this.#state;
    return {
      ...s,
      markers: [...s.markers],
      series: [...s.series],
      faults: [...s.faults],
      alerts: [...s.alerts],
      decisions: [...s.decisions],
      panels: [...s.panels],
    };
  }

  /** The scenario running now (decisions are recorded against it), or null between scenarios. */
  get scenario(): string | null {
    return this.#state.scenario;
  }

  get status(): LiveRunState["status"] {
    return this.#state.status;
  }

  markStopping(): void {
    if (this.#state.status !== "finished") this.#state.status = "stopping";
  }

  onStatus(s: LiveStatus, at = Date.now()): void {
    const point: LivePoint = {
      t: at,
      p95Ms: finite(s.p95Ms),
      errorRate: finite(s.errorRate),
      rps: finite(s.rps),
    };
    const st = this.#state;
    st.series.push(point);
    if (st.series.length > SERIES_POINTS) st.series.splice(0, st.series.length - SERIES_POINTS);
    st.elapsedMs = Math.round(s.elapsedMs);
    st.plannedMs = s.plannedMs;
    this.#publish({
      type: "status",
      runId: st.runId,
      point,
      scenario: s.scenario,
      phase: s.phase,
      elapsedMs: Math.round(s.elapsedMs),
      plannedMs: s.plannedMs,
    });
  }

  panels(values: PanelValue[]): void {
    this.#state.panels = values;
    this.#publish({ type: "panels", runId: this.#state.runId, panels: values });
  }

  finish(result: RunResult | null): void {
    this.#off();
    const st = this.#state;
    st.status = "finished";
    st.verdict = result?.verdict ?? "ERROR";
    st.exitCode = result?.exitCode ?? 3;
  }

  #marker(e: JournalEntry, kind: LiveMarker["kind"], scenario: string | null, label: string): void {
    const marker: LiveMarker = { kind, t: e.t, scenario, label };
    this.#state.markers.push(marker);
    this.#publish({ type: "marker", runId: this.#state.runId, marker });
  }

  #alertsChanged(): void {
    this.#state.alerts = this.book.list().map(liveAlert);
    this.#publish({ type: "alerts", runId: this.#state.runId, alerts: this.#state.alerts });
  }

  #faultsChanged(): void {
    this.#publish({ type: "faults", runId: this.#state.runId, faults: this.#state.faults });
  }

  #onEntry(e: JournalEntry): void {
    const st = this.#state;
    switch (e.type) {
      case "run.start":
        st.status = "running";
        this.#marker(e, "start", null, `run ${e.runId} (${e.profile})`);
        break;
      case "scenario.start":
        st.scenario = e.scenario;
        st.plannedMs = e.plannedMs;
        st.elapsedMs = 0;
        break;
      case "phase":
        st.phase = e.phase;
        if (e.phase === "recover") this.#marker(e, "recover", e.scenario, `${e.scenario}: recovering`);
        break;
      case "fault.registered":
        this.#registered.set(e.faultId, {
          faultId: e.faultId,
          scenario: e.scenario,
          kind: e.kind,
          target: e.target,
          summary: describeFault(e.spec),
        });
        break;
      case "fault.applied": {
        const reg = this.#registered.get(e.faultId);
        if (!reg) break;
        st.faults = [...st.faults, { ...reg, appliedAt: e.t }];
        this.#marker(e, "inject", reg.scenario, reg.summary);
        this.#faultsChanged();
        break;
      }
      case "fault.reverted": {
        const reg = this.#registered.get(e.faultId);
        const was = st.faults.length;
        st.faults = st.faults.filter((f) => f.faultId !== e.faultId);
        if (reg)
          this.#marker(e, "revert", reg.scenario, `${reg.kind} on ${reg.target} reverted (${e.reason})`);
        if (st.faults.length !== was) this.#faultsChanged();
        break;
      }
      case "alert.received":
        if (e.status === "firing") this.#marker(e, "detect", st.scenario, `${e.name} firing (${e.receiver})`);
        // The book takes the alert in right after this journal write returns.
        queueMicrotask(() => this.#alertsChanged());
        break;
      case "alert.ack":
        this.#marker(
          e,
          "ack",
          st.scenario,
          `${e.name} acknowledged by ${e.by}${e.synthetic ? " (synthetic)" : ""}`,
        );
        // The book records the ack right after this journal write returns.
        queueMicrotask(() => this.#alertsChanged());
        break;
      case "decision": {
        const decision: LiveDecision = {
          t: e.t,
          scenario: e.scenario,
          what: e.what,
          severity: e.severity ?? null,
          by: e.by ?? null,
          why: e.why ?? null,
        };
        st.decisions.push(decision);
        this.#marker(e, "decision", e.scenario, e.by ? `${e.what} (${e.by})` : e.what);
        this.#publish({ type: "decision", runId: st.runId, decision });
        break;
      }
      case "stop":
        this.#marker(e, "stop", e.scenario, `stop condition: ${e.reason}`);
        break;
      case "scenario.end":
        st.scenario = null;
        st.phase = null;
        break;
      case "run.end":
        this.#marker(e, "end", null, `run ended: ${e.verdict}${e.interrupted ? " (interrupted)" : ""}`);
        break;
      default:
        break;
    }
  }
}

function liveAlert(a: AlertState): LiveAlert {
  return {
    fingerprint: a.fingerprint,
    name: a.name,
    status: a.status,
    receiver: a.receiver,
    severity: a.labels.severity ?? null,
    summary: a.annotations.summary ?? a.annotations.description ?? null,
    startsAt: a.startsAt,
    firstReceivedAt: a.firstReceivedAt,
    ack: a.ack ? { at: a.ack.at, by: a.ack.by, via: a.ack.via, synthetic: a.ack.synthetic } : null,
  };
}

function finite(n: number | undefined): number | null {
  return n === undefined || !Number.isFinite(n) ? null : n;
}
