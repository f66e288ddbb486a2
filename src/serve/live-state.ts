// What the console and the HTTP API see of runs: plain data, the same shapes in GET responses and
// in the server-sent event stream (docs/api.md). Built from the run's journal events and its
// per-second status; the console renders nothing it could not get from here.
import type { Verdict } from "../evaluate/verdict.ts";

/** A point on the live timeline. `detect` is the first firing of an alert, `recover` the phase change. */
export interface LiveMarker {
  kind: "start" | "inject" | "revert" | "detect" | "ack" | "decision" | "recover" | "stop" | "end";
  /** Wall-clock ms (the journal entry's t). */
  t: number;
  scenario: string | null;
  label: string;
}

/** One second of load as the progress line sees it (trailing 5 s window). */
export interface LivePoint {
  t: number;
  p95Ms: number | null;
  errorRate: number | null;
  rps: number | null;
}

export interface LiveFault {
  faultId: string;
  scenario: string;
  kind: string;
  target: string;
  summary: string;
  appliedAt: number | null;
}

export interface LiveAck {
  at: number;
  by: string;
  via: string;
  synthetic: boolean;
}

export interface LiveAlert {
  fingerprint: string;
  name: string;
  status: "firing" | "resolved";
  receiver: string;
  severity: string | null;
  summary: string | null;
  startsAt: number | null;
  firstReceivedAt: number;
  ack: LiveAck | null;
}

export type Severity = "sev2" | "sev3";

/** An incident commander's decision (seed 004: Sev-2 → flip flags / roll back, Sev-3 → monitor and mitigate). */
export interface LiveDecision {
  t: number;
  scenario: string;
  what: string;
  severity: Severity | null;
  by: string | null;
  why: string | null;
}

export type PanelGroup = "SRE" | "FinOps" | "Safety" | "Product";

export interface PanelValue {
  id: string;
  group: PanelGroup;
  title: string;
  unit: string;
  /** null: the service does not expose it (the query returned nothing) or Prometheus did not answer. */
  value: number | null;
  t: number;
  error: string | null;
}

export type RunStatus = "starting" | "running" | "stopping" | "finished";

export interface RunStarter {
  /** A person's name, the schedule's name, or "cli". */
  by: string;
  via: "cli" | "api" | "schedule";
}

export interface LiveRunState {
  runId: string;
  runDir: string;
  scenarios: string[];
  profile: string;
  startedBy: RunStarter;
  startedAt: number;
  status: RunStatus;
  scenario: string | null;
  phase: string | null;
  elapsedMs: number;
  plannedMs: number;
  markers: LiveMarker[];
  /** The last 15 minutes, one point a second. */
  series: LivePoint[];
  faults: LiveFault[];
  alerts: LiveAlert[];
  decisions: LiveDecision[];
  panels: PanelValue[];
  verdict: Verdict | null;
  exitCode: number | null;
}

/** A run in the runs list: the live one, or a finished one read from its run folder. */
export interface RunListItem {
  runId: string;
  status: RunStatus;
  startedAt: number;
  endedAt: number | null;
  profile: string;
  scenarios: string[];
  verdict: Verdict | null;
  startedBy: RunStarter | null;
  /** Console-relative links to the rendered reports that exist. */
  reports: { html: string | null; markdown: string | null; junit: string | null };
}

export interface ScheduleSkip {
  at: number;
  reason: string;
}

export interface ScheduleState {
  name: string;
  cron: string;
  timezone: string | null;
  scenarios: string[];
  profile: string;
  nextAt: number | null;
  lastFiredAt: number | null;
  lastRunId: string | null;
  /** Fires that found a run going, newest last (the last 50). */
  skipped: ScheduleSkip[];
}

/** The event stream (`GET /api/v1/events`): one SSE `event:` per type, `data:` the JSON. */
export type ServeEvent =
  | { type: "hello"; run: LiveRunState | null; runs: RunListItem[]; schedules: ScheduleState[] }
  | {
      type: "status";
      runId: string;
      point: LivePoint;
      scenario: string;
      phase: string;
      elapsedMs: number;
      plannedMs: number;
    }
  | { type: "marker"; runId: string; marker: LiveMarker }
  | { type: "alerts"; runId: string; alerts: LiveAlert[] }
  | { type: "faults"; runId: string; faults: LiveFault[] }
  | { type: "decision"; runId: string; decision: LiveDecision }
  | { type: "panels"; runId: string; panels: PanelValue[] }
  | { type: "run"; run: RunListItem }
  | { type: "schedule"; schedule: ScheduleState }
  | { type: "notice"; level: "info" | "warn"; text: string };

export type ServeEventType = ServeEvent["type"];
