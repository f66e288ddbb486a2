// `gameday cleanup [--run ID]`: undo what a killed run left behind. Faults are found from the run's
// journal (registered but never reverted, with the values needed to revert them) and by the run's
// tag on Toxiproxy and the HTTP fault proxies; processes the run started are stopped afterwards.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { readJournal } from "../../engine/journal.ts";
import { RUN_ID_PATTERN } from "../../engine/run-id.ts";
import { RESOLVED_CONFIG } from "../../engine/resolved-config.ts";
import { stopRecorded } from "../../env/process.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { type Command, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

function unfinished(runDir: string): boolean {
  const journal = join(runDir, "journal.jsonl");
  if (!existsSync(journal)) return false;
  const { entries } = readJournal(journal);
  const reverted = new Set(
    entries
      .filter((e) => e.type === "fault.reverted")
      .map((e) => (e.type === "fault.reverted" ? e.faultId : "")),
  );
  const open = entries.some((e) => e.type === "fault.registered" && !reverted.has(e.faultId));
  return open || !entries.some((e) => e.type === "run.end");
}

function pidFiles(runDir: string): string[] {
  const dir = join(runDir, "env");
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /pids?\.json$/.test(f))
    .map((f) => join(dir, f));
}

export const cleanupCommand: Command = {
  name: "cleanup",
  summary: "undo faults and stop processes a killed run left behind",
  usage: "cleanup [--run ID] [--out DIR] [--config F]",
  help: `After a run was killed (SIGKILL, power loss), finds what it left: faults registered in its
journal but never reverted, toxics and HTTP-proxy rules carrying its run tag, and processes
its environment started. Reverts and stops them, and appends what it did to the run's journal.

Without --run, every run in the reports folder that did not finish is cleaned up.

Options:
  --run ID     the run id (a folder name under the reports folder)
  --out DIR    reports folder (default: the config's reportsDir, "reports")
  --config F   config used when the run folder has no resolved config
               (default ${DEFAULT_CONFIG_HELP})`,
  options: { run: { type: "string" }, out: { type: "string" }, config: { type: "string" } },
  async run(args) {
    const fallback = await configFrom(str(args, "config")).catch(() => undefined);
    const reports = str(args, "out") ?? fallback?.reportsDir ?? "reports";
    const id = str(args, "run");
    if (id !== undefined && !RUN_ID_PATTERN.test(id))
      throw new UsageError(`"${id}" is not a run id (like 20261123T074512Z-3fa1)`);
    const runs =
      id !== undefined
        ? [id]
        : existsSync(reports)
          ? readdirSync(reports)
              .filter((d) => RUN_ID_PATTERN.test(d))
              .sort()
          : [];
    if (id !== undefined && !existsSync(join(reports, id)))
      throw new UsageError(`no run folder ${join(reports, id)}`);
    const { cleanupRun } = await import("../../engine/cleanup.ts");
    let failures = 0;
    let cleaned = 0;
    for (const run of runs) {
      const runDir = join(reports, run);
      if (id === undefined && !unfinished(runDir)) continue;
      const resolvedFile = join(runDir, RESOLVED_CONFIG);
      const config: GamedayConfig | undefined = existsSync(resolvedFile)
        ? (JSON.parse(readFileSync(resolvedFile, "utf8")) as GamedayConfig)
        : fallback;
      if (config) {
        const report = await cleanupRun(join(runDir, "journal.jsonl"), { config });
        for (const line of report.lines) console.log(`${run}: ${line}`);
        failures += report.failed;
      } else {
        console.log(`${run}: no resolved config and no ${DEFAULT_CONFIG}; only processes can be stopped`);
      }
      for (const file of pidFiles(runDir)) {
        const stopped = await stopRecorded(file);
        if (stopped.length) console.log(`${run}: stopped ${stopped.join(", ")}`);
      }
      cleaned += 1;
    }
    console.log(
      cleaned
        ? `cleaned up ${cleaned} run${cleaned === 1 ? "" : "s"}${failures ? `, ${failures} item(s) could not be undone` : ""}`
        : "nothing to clean up",
    );
    return failures ? EXIT.error : EXIT.ok;
  },
};
