// renderReports: result.json + journal.jsonl in a run folder → every human and CI report beside them.
import { listFiles } from "../sign/files.ts";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Handlebars from "handlebars";
import { historyChart } from "./history-charts.ts";
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

/** A problem with a template folder: `file` is the template it is about, absent for the folder. */
export interface TemplateFolderProblem {
  file?: string;
  message: string;
}

/**
 * What is wrong with a folder of template overrides: it must exist, hold at least one .hbs file,
 * every one named after one of `templates`, a run's reports by default (a misspelt name would
 * silently render the bundled one), each parsing. Empty when it is usable.
 */
export function templateFolderProblems(
  dir: string,
  templates: readonly string[] = REPORT_TEMPLATES,
): TemplateFolderProblem[] {
  const known = templates.map((t) => `${t}.hbs`).join(", ");
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [{ message: `${dir} is not a folder` }];
  const names = new Set<string>(templates);
  const files = readdirSync(dir).filter((f) => f.endsWith(".hbs"));
  const problems: TemplateFolderProblem[] = [];
  for (const f of files) {
    const file = join(dir, f);
    if (!names.has(f.slice(0, -".hbs".length))) {
      problems.push({ file, message: `not a report template (known: ${known})` });
      continue;
    }
    try {
      Handlebars.parse(readFileSync(file, "utf8"));
    } catch (err) {
      problems.push({ file, message: (err as Error).message.split("\n")[0] ?? "" });
    }
  }
  if (!files.length) problems.push({ message: `${dir} holds no .hbs file (known: ${known})` });
  return problems;
}

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
    history: view.history && {
      ...view.history,
      scenarios: view.history.scenarios.map((h) => ({
        ...h,
        series: h.series.map((x) => ({ ...x, chart: historyChart(x) })),
      })),
    },
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
