// The rollout report view: one plain-data projection of rollout.json (+ its journal) that both
// rollout report templates read. Every judgement the report shows (badges, value texts, which
// checkpoint is evidenced by which journal line) is made here, so an override template only lays
// it out and cannot get the facts wrong.
import type { EventOf } from "../engine/journal-events.ts";
import { formatDuration, formatInstant, formatOffset } from "../report/format.ts";
import type { JournalIndex } from "../report/journal-index.ts";
import { ROLES, type Role } from "../sign/statement.ts";
import type { CriterionStatus, CriterionVerdict } from "./decision.ts";
import type {
  CheckpointRecord,
  DecisionRecord,
  PhaseOutcome,
  RolloutOutcome,
  RolloutResult,
} from "./result.ts";
import { formatValue } from "./rules.ts";

/** A badge's colour class in both templates. */
export type Tone = "pass" | "warn" | "fail" | "error" | "muted";

export interface Link {
  text: string;
  href: string;
}

export interface CriterionView {
  role: string;
  name: string;
  title: string;
  value: string;
  threshold: string;
  /** PASS, FAIL, MISSING (gates); clear, met, FIRED (triggers). */
  status: string;
  tone: Tone;
  reason: string;
  source: string;
  /** One line: "Error rate 0.40 % (< 1.00 %) PASS". */
  short: string;
}

export interface CheckpointView {
  n: number;
  phase: string;
  label: string;
  kind: CheckpointRecord["kind"];
  share: string;
  planned: string;
  at: string;
  offset: string;
  decision: string;
  tone: Tone;
  reasons: string[];
  criteria: CriterionView[];
  evidence: Link | null;
}

export interface DecisionView {
  at: string;
  offset: string;
  phase: string;
  decision: string;
  tone: Tone;
  share: string;
  reasons: string[];
  evidence: Link | null;
}

export interface RolloutReportView {
  rollout: string;
  title: string;
  service: string;
  runId: string;
  file: string;
  profile: string;
  scaleText: string;
  host: string;
  gamedayVersion: string;
  exitCode: number;
  startedAt: string;
  endedAt: string;
  took: string;
  outcome: RolloutOutcome;
  outcomeTone: Tone;
  outcomeText: string;
  startPhase: string;
  endPhase: string;
  stablePhase: string;
  share: string;
  prerequisites: { ok: boolean; lines: Array<{ ok: boolean; text: string }> };
  /** Each criterion once, with where its value comes from: the checkpoint sheets do not repeat it. */
  criteria: Array<{ role: string; name: string; title: string; threshold: string; source: string }>;
  phases: Array<{
    name: string;
    title: string;
    audience: string;
    traffic: string;
    minDuration: string;
    compressed: string;
    startedAt: string;
    endedAt: string;
    outcome: PhaseOutcome;
    tone: Tone;
  }>;
  checkpoints: CheckpointView[];
  decisions: DecisionView[];
  runbooks: Array<{
    kind: string;
    at: string;
    offset: string;
    ok: boolean;
    steps: Array<{ id: string; title: string; ok: boolean; detail: string; took: string }>;
  }>;
  errors: string[];
  journal: { present: boolean; damaged: number };
  signoff: {
    /** Where `rollout advance` writes the folder; the commands are printed for that path. */
    dir: string;
    roles: Array<{ role: Role; keygen: string; sign: string }>;
    verify: string;
  };
}

const OUTCOME: Record<RolloutOutcome, { tone: Tone; text: string }> = {
  COMPLETE: { tone: "pass", text: "the last phase's gate passed" },
  ROLLED_BACK: { tone: "fail", text: "a rollback trigger (or a pause past its limit) sent the rollout back" },
  HELD: { tone: "warn", text: "a gate kept failing past the hold limit" },
  NOT_READY: { tone: "warn", text: "prerequisites unmet: nothing was changed" },
  INTERRUPTED: { tone: "error", text: "stopped by a signal: the share was left where it was" },
  ERROR: { tone: "error", text: "the harness or the environment failed" },
};

const DECISION_TONE: Record<DecisionRecord["decision"], Tone> = {
  PROMOTE: "pass",
  COMPLETE: "pass",
  RESUME: "pass",
  HOLD: "warn",
  PAUSE: "warn",
  ROLLBACK: "fail",
};

const PHASE_TONE: Record<PhaseOutcome, Tone> = {
  promoted: "pass",
  complete: "pass",
  "rolled back": "fail",
  held: "warn",
  interrupted: "error",
  "not reached": "muted",
};

// Gates read as verdicts (upper case); triggers that did nothing stay quiet, a fired one shouts.
const STATUS: Record<CriterionStatus, { text: string; tone: Tone }> = {
  pass: { text: "PASS", tone: "pass" },
  fail: { text: "FAIL", tone: "fail" },
  missing: { text: "MISSING", tone: "error" },
  clear: { text: "clear", tone: "muted" },
  met: { text: "met", tone: "warn" },
  fired: { text: "FIRED", tone: "fail" },
};

export function rolloutReportView(r: RolloutResult, journal: JournalIndex): RolloutReportView {
  const offset = (t: number) => formatOffset(t, r.startedAt);
  const checkpointLine = journalLinks(
    journal,
    journal.entries.filter((e): e is EventOf<"rollout.checkpoint"> => e.type === "rollout.checkpoint"),
  );
  const decisionLine = journalLinks(
    journal,
    journal.entries.filter((e): e is EventOf<"rollout.decision"> => e.type === "rollout.decision"),
  );
  const dir = `reports/${r.runId}`;
  return {
    rollout: r.rollout,
    title: r.title,
    service: r.service ?? "—",
    runId: r.runId,
    file: r.file,
    profile: r.profile,
    scaleText: scaleText(r.profile, r.scale),
    host: r.host,
    gamedayVersion: r.gamedayVersion,
    exitCode: r.exitCode,
    startedAt: formatInstant(r.startedAt),
    endedAt: formatInstant(r.endedAt),
    took: formatDuration(r.endedAt - r.startedAt),
    outcome: r.outcome,
    outcomeTone: OUTCOME[r.outcome].tone,
    outcomeText: OUTCOME[r.outcome].text,
    startPhase: r.startPhase,
    endPhase: r.endPhase,
    stablePhase: r.stablePhase,
    share: shareText(r.share),
    prerequisites: r.prerequisites,
    criteria: criteriaSources(r),
    phases: r.phases.map((p) => ({
      name: p.name,
      title: p.title,
      audience: p.audience,
      traffic: shareText(p.traffic),
      minDuration: spanText(p.minDurationMs),
      compressed: r.scale === 1 ? "" : formatDuration(p.minDurationMs * r.scale),
      startedAt: formatInstant(p.startedAt),
      endedAt: formatInstant(p.endedAt),
      outcome: p.outcome,
      tone: PHASE_TONE[p.outcome],
    })),
    checkpoints: r.checkpoints.map((c, i) => ({
      n: i + 1,
      phase: c.phase,
      label: c.label,
      kind: c.kind,
      share: shareText(c.share),
      planned: c.plannedAtMs === null ? "—" : plannedText(c.plannedAtMs),
      at: formatInstant(c.at),
      offset: offset(c.at),
      decision: c.decision,
      tone: DECISION_TONE[c.decision],
      reasons: c.reasons,
      criteria: c.criteria.map(criterionView),
      evidence: checkpointLine((e) => e.phase === c.phase && e.label === c.label),
    })),
    decisions: r.decisions.map((d) => ({
      at: formatInstant(d.at),
      offset: offset(d.at),
      phase: d.phase,
      decision: d.decision,
      tone: DECISION_TONE[d.decision],
      share: shareText(d.share),
      reasons: d.reasons,
      evidence: decisionLine((e) => e.phase === d.phase && e.decision === d.decision),
    })),
    runbooks: r.runbooks.map((b) => ({
      kind: b.kind,
      at: formatInstant(b.at),
      offset: offset(b.at),
      ok: b.ok,
      steps: b.steps.map((s) => ({
        id: s.id,
        title: s.title,
        ok: s.ok,
        detail: s.detail,
        took: formatDuration(s.endedAt - s.startedAt),
      })),
    })),
    errors: r.errors,
    journal: { present: journal.present, damaged: journal.damaged },
    signoff: {
      dir,
      roles: ROLES.map((role) => ({
        role,
        keygen: `gameday keygen --out keys --name ${role}`,
        sign: `gameday sign ${dir} --role ${role} --key keys/${role}.key.pem`,
      })),
      verify: `gameday verify ${dir} --require ${ROLES.join(",")} --trust keys/trusted`,
    },
  };
}

function criteriaSources(r: RolloutResult): RolloutReportView["criteria"] {
  const seen = new Map<string, RolloutReportView["criteria"][number]>();
  for (const c of r.checkpoints.flatMap((x) => x.criteria)) {
    const key = JSON.stringify([c.role, c.name, c.source]);
    if (!seen.has(key))
      seen.set(key, {
        role: c.role,
        name: c.name,
        title: c.title,
        threshold: thresholdInUnit(c.threshold, c.unit),
        source: c.source,
      });
  }
  return [...seen.values()];
}

function criterionView(c: CriterionVerdict): CriterionView {
  const status = STATUS[c.status];
  const value = c.value === null ? "no data" : valueText(c.value, c.unit);
  const threshold = thresholdInUnit(c.threshold, c.unit);
  return {
    role: c.role,
    name: c.name,
    title: c.title,
    value,
    threshold,
    status: status.text,
    tone: status.tone,
    reason: c.reason,
    source: c.source,
    short: `${c.title} ${value} (${threshold}) ${status.text}`,
  };
}

function valueText(value: number, unit: string): string {
  const text = formatValue(value, unit);
  return unit === "rps" ? `${text} req/s` : text;
}

/** "< 0.05" of a ratio criterion reads "< 5.00 %": the threshold in the unit its value is printed in. */
function thresholdInUnit(threshold: string, unit: string): string {
  const m = /^(<|≤|>|≥)\s*(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)$/i.exec(threshold.trim());
  if (!m) return threshold;
  return `${m[1]} ${valueText(Number(m[2]), unit)}`;
}

function shareText(share: number): string {
  return `${Number(share.toFixed(2))} %`;
}

/** A planned rollout span as a plan states it: "15m", "1d 12h", "3d". */
function spanText(ms: number): string {
  const parts: string[] = [];
  let rest = Math.round(ms / 1000);
  for (const [size, unit] of [
    [86_400, "d"],
    [3_600, "h"],
    [60, "m"],
    [1, "s"],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n) parts.push(`${n}${unit}`);
  }
  return parts.length ? parts.join(" ") : ms > 0 ? `${Math.round(ms)} ms` : "0s";
}

/** A checkpoint's planned offset: seconds read as a stopwatch does, days as a plan does. */
function plannedText(ms: number): string {
  return ms < 60_000 ? formatDuration(ms) : spanText(ms);
}

function scaleText(profile: string, scale: number): string {
  if (scale === 1) return `profile "${profile}", scale 1 (real time)`;
  const inverse = Math.round(1 / scale);
  const ratio = Math.abs(1 / scale - inverse) < 1e-9 ? `1/${inverse}` : String(scale);
  return `profile "${profile}", scale ${ratio}: a day of rollout took ${formatDuration(86_400_000 * scale)}`;
}

/**
 * Links records to their journal lines in order: the n-th record matches the first entry after the
 * previous match that agrees with it, so a journal with extra or missing lines links what it can.
 */
function journalLinks<E extends { seq: number }>(
  journal: JournalIndex,
  entries: E[],
): (matches: (e: E) => boolean) => Link | null {
  let next = 0;
  return (matches) => {
    for (let i = next; i < entries.length; i++) {
      const e = entries[i]!;
      if (!matches(e)) continue;
      next = i + 1;
      const line = journal.lineOf.get(e.seq);
      return line === undefined ? null : { text: `journal.jsonl#L${line}`, href: `journal.jsonl#L${line}` };
    }
    return null;
  };
}
