// A reports folder holds run folders and, since every run is recorded, the history store
// (history.sqlite) beside them: tests that look for "the run folder" take directories only.
import { existsSync, readdirSync } from "node:fs";

/** The run folders in a reports folder, oldest first (run ids sort by time); [] if it does not exist. */
export function runFolders(reports: string): string[] {
  if (!existsSync(reports)) return [];
  return readdirSync(reports, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith("."))
    .map((e) => e.name)
    .sort();
}
