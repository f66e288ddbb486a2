// `gameday history import <reports-dir>`: run folders written before the store existed (or while
// it was unreachable) go into it. Idempotent: a run already stored is skipped.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { readResult } from "../report/result-file.ts";
import type { RunStore } from "./run-store.ts";
import { storedRunFrom } from "./stored-run.ts";

export interface ImportOutcome {
  recorded: string[];
  existing: string[];
  /** Folders with a result.json that could not be read, and why. */
  failed: Array<{ dir: string; reason: string }>;
  /** Folders without result.json (runs still going, or killed before their results). */
  skipped: string[];
}

/** A run folder itself, or a reports folder holding run folders. */
export function runFolders(path: string): string[] {
  const dir = resolve(path);
  if (existsSync(join(dir, "result.json")) || existsSync(join(dir, "journal.jsonl"))) return [dir];
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((p) => statSync(p).isDirectory())
    .sort();
}

export async function importRuns(
  store: RunStore,
  path: string,
  onRun?: (dir: string, outcome: "recorded" | "exists" | "failed" | "skipped") => void,
): Promise<ImportOutcome> {
  const out: ImportOutcome = { recorded: [], existing: [], failed: [], skipped: [] };
  for (const dir of runFolders(path)) {
    if (!existsSync(join(dir, "result.json"))) {
      if (existsSync(join(dir, "journal.jsonl"))) {
        out.skipped.push(dir);
        onRun?.(dir, "skipped");
      }
      continue;
    }
    let result: ReturnType<typeof readResult>;
    try {
      result = readResult(dir);
    } catch (err) {
      out.failed.push({ dir, reason: (err as Error).message });
      onRun?.(dir, "failed");
      continue;
    }
    // Results written before history kept the defect switches only in the journal's run.start.
    const defects = result.defects ?? defectsFromJournal(dir);
    const outcome = await store.record(storedRunFrom({ ...result, defects }, dir));
    (outcome === "recorded" ? out.recorded : out.existing).push(result.runId);
    onRun?.(dir, outcome);
  }
  return out;
}

function defectsFromJournal(dir: string): string[] {
  try {
    const first = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n", 1)[0] ?? "";
    const start = JSON.parse(first) as { type?: string; defects?: unknown };
    return start.type === "run.start" && Array.isArray(start.defects) ? (start.defects as string[]) : [];
  } catch {
    return [];
  }
}
