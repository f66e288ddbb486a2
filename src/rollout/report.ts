// renderRolloutReports: rollout.json + journal.jsonl in a rollout folder → rollout_report.md and
// rollout_report.html beside them, the documents the four roles read before they sign.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { indexJournal } from "../report/journal-index.ts";
import { loadTemplate } from "../report/templates.ts";
import { rolloutCharts } from "./report-charts.ts";
import { rolloutReportView } from "./report-view.ts";
import { readRolloutResult, writeRolloutResult } from "./result-file.ts";

/** Files renderRolloutReports writes, each from the template `<name>.hbs`. */
export const ROLLOUT_REPORT_TEMPLATES = ["rollout_report.md", "rollout_report.html"] as const;

export interface RolloutRenderOptions {
  /** A folder whose `<name>.hbs` files replace the bundled templates of the same name. */
  templatesDir?: string;
}

/** Renders both reports into dir and rewrites rollout.json canonically; returns the written paths. */
export function renderRolloutReports(dir: string, opts: RolloutRenderOptions = {}): string[] {
  const result = readRolloutResult(dir);
  const view = {
    ...rolloutReportView(result, indexJournal(join(dir, "journal.jsonl"))),
    charts: rolloutCharts(result),
  };
  // Everything is rendered before anything is written, so a broken override leaves no half-rendered set.
  const rendered = ROLLOUT_REPORT_TEMPLATES.map((name) => ({
    name,
    text: loadTemplate(name, opts.templatesDir).render(view),
  }));
  const written = [writeRolloutResult(dir, result)];
  for (const { name, text } of rendered) {
    const path = join(dir, name);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}
