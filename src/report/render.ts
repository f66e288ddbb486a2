// renderReports: result.json + journal.jsonl in a run folder → every human and CI report beside them.
import { listFiles } from "../sign/files.ts";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { mermaidTimeline } from "./mermaid.ts";
import { indexJournal } from "./journal-index.ts";
import { readResult, writeResult } from "./result-file.ts";
import { scenarioCharts } from "./scenario-charts.ts";
import { loadTemplate } from "./templates.ts";
import { buildView } from "./view.ts";

/** Files renderReports writes, each from the template `<name>.hbs`. */
export const REPORT_TEMPLATES = [
  "gameday_report.md",
  "report.html",
  "junit.xml",
  "rollback.md",
  "ic-update.md",
] as const;

export interface RenderOptions {
  /** A folder whose `<name>.hbs` files replace the bundled templates of the same name. */
  templatesDir?: string;
}

/** Renders every report into runDir and rewrites result.json canonically; returns the written paths. */
export async function renderReports(runDir: string, opts: RenderOptions = {}): Promise<string[]> {
  const result = readResult(runDir);
  const written = [await writeResult(runDir, result)];
  const journal = indexJournal(join(runDir, "journal.jsonl"));
  const files = [...new Set([...listFiles(runDir), ...REPORT_TEMPLATES])].sort();
  const view = buildView(result, journal, files);
  const charts = new Map(result.scenarios.map((s) => [s.id, scenarioCharts(s)]));
  const full = {
    ...view,
    mermaid: mermaidTimeline(result),
    scenarios: view.scenarios.map((s) => ({ ...s, charts: charts.get(s.id) ?? [] })),
  };
  // Templates are loaded before anything is written, so a broken override leaves no half-rendered set.
  const templates = REPORT_TEMPLATES.map((name) => ({ name, t: loadTemplate(name, opts.templatesDir) }));
  const rendered = templates.map(({ name, t }) => ({ name, text: t.render(full) }));
  for (const { name, text } of rendered) {
    const path = join(runDir, name);
    writeFileSync(path, text);
    written.push(path);
  }
  return written;
}
