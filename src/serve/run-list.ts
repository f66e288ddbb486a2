// Finished runs as the console lists them: each run folder of the reports folder with a
// result.json, newest first. Results are read once per folder change (mtime), so a console
// polling the list does not re-parse every result each time.
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunResult } from "../engine/result.ts";
import { RESULT_FILE } from "../report/result-file.ts";
import type { RunListItem, RunStarter } from "./live-state.ts";

/** Run ids are folder names: letters, digits, dashes, dots and underscores, never a path. */
export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

const cache = new Map<string, { mtimeMs: number; item: RunListItem | null }>();

export function finishedRuns(reportsDir: string, limit = 100): RunListItem[] {
  if (!existsSync(reportsDir)) return [];
  const items: RunListItem[] = [];
  for (const name of readdirSync(reportsDir)) {
    if (!RUN_ID.test(name)) continue;
    const item = finishedRun(reportsDir, name);
    if (item) items.push(item);
  }
  return items.sort((a, b) => b.startedAt - a.startedAt).slice(0, limit);
}

const STARTER_FILE = "started-by.json";

export function writeStarter(runDir: string, starter: RunStarter): void {
  try {
    writeFileSync(join(runDir, STARTER_FILE), `${JSON.stringify(starter)}\n`);
  } catch {
    // Only the runs list's "started by" column is lost.
  }
}

function readStarter(runDir: string): RunStarter | null {
  try {
    const s = JSON.parse(readFileSync(join(runDir, STARTER_FILE), "utf8")) as Partial<RunStarter>;
    return typeof s.by === "string" && (s.via === "cli" || s.via === "api" || s.via === "schedule")
      ? { by: s.by, via: s.via }
      : null;
  } catch {
    return null;
  }
}

export function finishedRun(reportsDir: string, runId: string, startedBy?: RunStarter): RunListItem | null {
  if (!RUN_ID.test(runId)) return null;
  const file = join(reportsDir, runId, RESULT_FILE);
  let mtimeMs: number;
  try {
    mtimeMs = statSync(file).mtimeMs;
  } catch {
    return null;
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === mtimeMs) return hit.item;
  let item: RunListItem | null = null;
  try {
    const r = JSON.parse(readFileSync(file, "utf8")) as RunResult;
    item = {
      runId: r.runId,
      status: "finished",
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      profile: r.profile,
      scenarios: r.scenarios.map((s) => s.id),
      verdict: r.verdict,
      startedBy: startedBy ?? readStarter(join(reportsDir, runId)),
      reports: reportLinks(reportsDir, runId),
    };
  } catch {
    item = null;
  }
  cache.set(file, { mtimeMs, item });
  return item;
}

export function reportLinks(reportsDir: string, runId: string): RunListItem["reports"] {
  const link = (file: string) =>
    existsSync(join(reportsDir, runId, file)) ? `/reports/${runId}/${file}` : null;
  return { html: link("report.html"), markdown: link("gameday_report.md"), junit: link("junit.xml") };
}
