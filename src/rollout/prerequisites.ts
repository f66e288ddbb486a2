// Seed 000's prerequisites, checked before a rollout changes any traffic: the PRR at least 90 %
// green with every other item time-boxed by a valid exception (≤ 14 days, not expired), and the
// latest gameday of each listed scenario passed. Reuses the PRR's own checks and evidence rules.
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { describeRun, listRuns, pickEvidence } from "../prr/gameday-evidence.ts";
import { prrCheck } from "../prr/index.ts";
import type { PrerequisiteResult } from "./decision.ts";
import type { Rollout } from "./schema.ts";

const DAY_MS = 86_400_000;

export async function checkPrerequisites(
  r: Rollout,
  o: { root: string; now?: Date },
): Promise<PrerequisiteResult> {
  const now = o.now ?? new Date();
  const lines: PrerequisiteResult["lines"] = [];
  const prr = r.prerequisites.prr;
  if (prr) {
    const file = resolve(o.root, prr.file);
    try {
      const report = await prrCheck(file, { root: o.root, now });
      const total = report.items.length;
      const greenPct = Math.round((report.green / total) * 1000) / 10;
      const enough = greenPct >= prr.minGreen;
      lines.push({
        ok: enough,
        text: `PRR ${report.service}: ${greenPct} % green (${report.green} of ${total}; needs ≥ ${prr.minGreen} %)`,
      });
      for (const item of report.items.filter((i) => i.status === "red"))
        lines.push({
          ok: false,
          text: `PRR item ${item.id} is red without a valid time-boxed exception: ${item.reason}`,
        });
      for (const item of report.items.filter((i) => i.status === "excepted"))
        lines.push({
          ok: true,
          text: `PRR item ${item.id} open, time-boxed: due ${item.exception?.due} (owner ${item.exception?.owner})`,
        });
    } catch (err) {
      lines.push({
        ok: false,
        text: `PRR ${prr.file} could not be checked: ${(err as Error).message.split("\n")[0]}`,
      });
    }
  }
  const g = r.prerequisites.gamedays;
  if (g) {
    if (!existsSync(resolve(o.root, g.reports)))
      lines.push({
        ok: false,
        text: `no gameday reports folder ${g.reports}: the listed scenarios have no run`,
      });
    else {
      // listRuns joins its two arguments: an absolute reports folder is made relative to the root.
      const runs = listRuns(o.root, relative(o.root, resolve(o.root, g.reports)) || ".");
      for (const scenario of g.scenarios) {
        const pick = pickEvidence(runs, scenario, { strict: true, profile: g.profile });
        if (pick.kind === "none") {
          lines.push({
            ok: false,
            text: `gameday ${scenario}: no run in ${g.reports}${g.profile ? ` with profile ${g.profile}` : ""}`,
          });
          continue;
        }
        const ageDays = (now.getTime() - pick.run.result.endedAt) / DAY_MS;
        const stale = g.withinDays !== undefined && ageDays > g.withinDays;
        if (pick.kind === "failed")
          lines.push({
            ok: false,
            text: `gameday ${scenario}: latest ${describeRun(pick.run)} is ${pick.verdict}, not PASS`,
          });
        else if (stale)
          lines.push({
            ok: false,
            text: `gameday ${scenario}: latest passing ${describeRun(pick.run)} is ${Math.floor(ageDays)} days old (within ${g.withinDays} required)`,
          });
        else lines.push({ ok: true, text: `gameday ${scenario}: ${describeRun(pick.run)} PASS` });
      }
    }
  }
  if (!lines.length) lines.push({ ok: true, text: "no prerequisites declared" });
  return { ok: lines.every((l) => l.ok), lines };
}
