// The Mermaid gantt timeline of a run: fault windows, alerts (start → resolved), acks, decisions
// and recovery on one wall-clock axis. `dateFormat x` takes epoch milliseconds; durations must be
// whole seconds (Mermaid's gantt parser does not accept "ms").
import type { RunResult } from "../engine/result.ts";

export function mermaidTimeline(result: RunResult): string {
  const lines = [
    "gantt",
    "  title Faults, alerts, acks and recovery (UTC)",
    "  dateFormat x",
    "  axisFormat %H:%M:%S",
  ];
  let n = 0;
  const id = () => `t${++n}`;
  const secs = (from: number, to: number) => `${Math.max(1, Math.ceil((to - from) / 1000))}s`;
  for (const s of result.scenarios) {
    lines.push(`  section ${label(s.id)}`);
    const end = s.times.end;
    for (const f of s.faults) {
      if (f.appliedAt === null) continue;
      lines.push(
        `  Fault ${label(f.summary || f.kind)} :crit, ${id()}, ${f.appliedAt}, ${secs(f.appliedAt, f.revertedAt ?? end)}`,
      );
    }
    for (const a of s.alerts) {
      const from = a.startsAt ?? a.receivedAt;
      lines.push(`  Alert ${label(a.name)} :active, ${id()}, ${from}, ${secs(from, a.resolvedAt ?? end)}`);
      if (a.ackAt !== null) {
        lines.push(
          `  Ack ${label(a.name)}${a.synthetic ? " (synthetic)" : ""} :milestone, ${id()}, ${a.ackAt}, 0s`,
        );
      }
    }
    if (s.times.decision !== null) lines.push(`  Decision :milestone, ${id()}, ${s.times.decision}, 0s`);
    for (const st of s.runbook) {
      lines.push(
        `  Runbook ${label(st.id)} :${st.ok ? "done" : "crit"}, ${id()}, ${st.startedAt}, ${secs(st.startedAt, st.endedAt)}`,
      );
    }
    if (s.times.recover !== null) lines.push(`  Recovered :milestone, ${id()}, ${s.times.recover}, 0s`);
    else lines.push(`  Not recovered by end of run :milestone, ${id()}, ${end}, 0s`);
  }
  return lines.join("\n");
}

/** Task names end at ":" and comments start with "#" or "%%": keep labels free of them. */
function label(text: string): string {
  return (
    text
      .replace(/[:;#%\n\r]/g, " ")
      .replace(/\s+/g, " ")
      .trim()
      .slice(0, 60) || "unnamed"
  );
}
