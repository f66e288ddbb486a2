import { importRuns } from "../../history/import-runs.ts";
import { openRunStore, storeSpec } from "../../history/open-store.ts";
import type { RunStore, RunSummary } from "../../history/run-store.ts";
import { reliabilityScore } from "../../history/score.ts";
import { scoreSettings } from "../../history/settings.ts";
import { configSchema } from "../../scenario/config.ts";
import { parseDuration } from "../../scenario/duration.ts";
import { type Command, flag, type ParsedArgs, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { compareTable, pointsTable, scoreTable, seriesTable } from "../history-tables.ts";
import { terminalWidth } from "../table.ts";
import { configFrom, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

const DEFAULT_SINCE = "30d";
const DEFAULT_LAST = 20;

const STORE_HELP = `  --store S       history store: a SQLite file or a postgres:// URL (default: the config's
                  history.url / history.path, else history.sqlite in its reports folder)
  --config F      config for the store's location and the score settings
                  (default ${DEFAULT_CONFIG_HELP})`;

/** Opens the store the flags and config name; the caller closes it. */
async function storeFrom(args: ParsedArgs) {
  const config = await configFrom(str(args, "config"));
  const spec = storeSpec({
    flag: str(args, "store"),
    history: config?.history,
    reportsDir: config?.reportsDir ?? "reports",
  });
  return { store: await openRunStore(spec), config };
}

function sinceFrom(args: ParsedArgs, now: number): number {
  const text = str(args, "since") ?? DEFAULT_SINCE;
  try {
    return now - parseDuration(text);
  } catch {
    const at = Date.parse(text);
    if (Number.isNaN(at))
      throw new UsageError(`--since ${text}: use a duration such as 30d, 12h, or a date such as 2026-11-01`);
    return at;
  }
}

function lastFrom(args: ParsedArgs): number {
  const text = str(args, "last");
  if (text === undefined) return DEFAULT_LAST;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--last ${text}: a whole number ≥ 1`);
  return n;
}

/** The profile asked for, else the newest run's: values of different profiles are not comparable. */
async function profileFrom(args: ParsedArgs, store: RunStore): Promise<string | undefined> {
  const asked = str(args, "profile");
  if (asked) return asked;
  const [newest] = await store.runs({ limit: 1 });
  return newest?.profile;
}

function json(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

export const historyCommand: Command = {
  name: "history",
  summary: "recorded runs: each metric's values and trend, the reliability score; import run folders",
  usage:
    "history [scenario] [--metric M] [--since 30d] [--profile P] [--last N] [--score] [--json] [--store S]\n       gameday history import <reports-dir|run-dir> [--store S]",
  help: `Reads the history store that every finished run is recorded in.

  gameday history                     every scenario's metrics over the window: runs, newest value,
                                      range, trend per day (least squares) and the last runs as a sparkline
  gameday history failover            one scenario's metrics
  gameday history llm-provider-outage --metric failover.time
                                      that metric run by run (run, time, branch, commit, value, verdict)
  gameday history --score             the reliability score per scenario and overall
  gameday history import reports      records run folders written before (or while the store was
                                      unreachable); runs already stored are skipped

Only normal runs (no defect switch, not ERROR, not interrupted) are in the values and the trend.
The reliability score counts each scenario's normal runs in the window (history.score.window,
default 30d) weighted by recency (half-life history.score.halfLife, default 7d): PASS 1, WARN ½,
FAIL 0; a scenario not run within history.staleAfter (default 30d) is stale and scores 0. The
change-fail rate is the share of runs whose verdict fell from PASS; the error-budget burn is the
FAIL share over the budget 1 − history.score.objective (default 10 % of runs).

Options:
  --metric M      one metric (with a scenario: run by run)
  --since T       window: a duration back from now (30d, 12h) or a date (default ${DEFAULT_SINCE})
  --profile P     runs of this profile (default: the newest run's)
  --last N        runs shown per metric (default ${DEFAULT_LAST})
  --score         the reliability score instead of the values
  --json          machine-readable output
${STORE_HELP}

Exit codes: 0 shown, 2 bad usage, 3 store unreachable or not a store.`,
  options: {
    metric: { type: "string" },
    since: { type: "string" },
    profile: { type: "string" },
    last: { type: "string" },
    score: { type: "boolean" },
    json: { type: "boolean" },
    store: { type: "string" },
    config: { type: "string" },
  },
  async run(args) {
    if (args.positionals[0] === "import") return importCommand(args);
    if (args.positionals.length > 1)
      throw new UsageError(`one scenario at most, got ${args.positionals.join(" ")}`);
    const now = Date.now();
    const since = sinceFrom(args, now);
    const last = lastFrom(args);
    const { store, config } = await storeFrom(args);
    try {
      const profile = await profileFrom(args, store);
      const scenario = args.positionals[0];
      if (flag(args, "score")) {
        const settings = scoreSettings(config?.history ?? configSchema.parse({}).history);
        // The score's own window, unless --since asks for a longer look back.
        const from = Math.min(since, now - settings.window);
        const outcomes = await store.outcomes({ since: from, profile, scenario });
        const score = reliabilityScore(outcomes, now, settings, scenario ? [scenario] : []);
        if (flag(args, "json")) json({ store: store.location, profile: profile ?? null, ...score });
        else {
          console.log(`history store ${store.location}, ${profile ?? "no"} profile`);
          console.log(
            score.scenarios.length ? scoreTable(score, { width: terminalWidth() }) : "no runs recorded yet",
          );
        }
        return EXIT.ok;
      }
      const metric = str(args, "metric");
      const series = await store.series({ since, profile, scenario, metric, last });
      if (flag(args, "json")) {
        json({ store: store.location, profile: profile ?? null, since, series });
        return EXIT.ok;
      }
      console.log(
        `history store ${store.location}, ${profile ?? "no"} profile, since ${new Date(since).toISOString().slice(0, 10)}`,
      );
      if (!series.length) {
        console.log(
          scenario || metric
            ? `no values for ${[scenario, metric].filter(Boolean).join(" ")} in this window (gameday history lists what is recorded)`
            : "no runs recorded in this window",
        );
        return EXIT.ok;
      }
      if (scenario && metric) {
        const runs = new Map<string, RunSummary>();
        for (const s of series)
          for (const p of s.points) {
            const r = runs.has(p.runId) ? null : await store.runSummary(p.runId);
            if (r) runs.set(p.runId, r);
          }
        console.log(series.map((s) => pointsTable(s, runs, { width: terminalWidth() })).join("\n\n"));
      } else console.log(seriesTable(series, { width: terminalWidth() }));
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};

async function importCommand(args: ParsedArgs): Promise<number> {
  const paths = args.positionals.slice(1);
  if (!paths.length) throw new UsageError("history import needs a reports folder or a run folder");
  const { store } = await storeFrom(args);
  try {
    let failed = 0;
    for (const path of paths) {
      const outcome = await importRuns(store, path, (dir, what) => {
        if (!flag(args, "json")) console.log(`${what.padEnd(8)} ${dir}`);
      }).catch((err: NodeJS.ErrnoException) => {
        if (err.code === "ENOENT" || err.code === "ENOTDIR") throw new UsageError(`${path}: no such folder`);
        throw err;
      });
      failed += outcome.failed.length;
      for (const f of outcome.failed) console.error(`${f.dir}: ${f.reason}`);
      if (flag(args, "json")) json({ path, ...outcome });
      else
        console.log(
          `${path}: ${outcome.recorded.length} recorded, ${outcome.existing.length} already stored, ${outcome.skipped.length} without result.json, ${outcome.failed.length} unreadable → ${store.location}`,
        );
    }
    return failed ? EXIT.usage : EXIT.ok;
  } finally {
    await store.close();
  }
}

export const compareCommand: Command = {
  name: "compare",
  summary: "two recorded runs side by side, metric by metric",
  usage: "compare <runA> <runB> [--json] [--store S]",
  help: `Shows each scenario's verdict and every measurement of two recorded runs, with the change
from A to B and whether it is better or worse (by the measurement's target, else its unit).

Options:
  --json          machine-readable output
${STORE_HELP}

Exit codes: 0 shown, 2 a run id that is not in the store, 3 store unreachable.`,
  options: {
    json: { type: "boolean" },
    store: { type: "string" },
    config: { type: "string" },
  },
  async run(args) {
    if (args.positionals.length !== 2) throw new UsageError("compare needs two run ids");
    const [idA, idB] = args.positionals as [string, string];
    const { store } = await storeFrom(args);
    try {
      const [a, b] = await Promise.all([store.getRun(idA), store.getRun(idB)]);
      const missing = [a ? null : idA, b ? null : idB].filter(Boolean);
      if (!a || !b)
        throw new UsageError(
          `no run ${missing.join(" or ")} in the history store ${store.location} (gameday history lists recorded runs; gameday history import records run folders)`,
        );
      if (flag(args, "json")) {
        json({ store: store.location, a, b });
        return EXIT.ok;
      }
      if (a.profile !== b.profile)
        console.log(
          `note: ${idA} used the ${a.profile} profile and ${idB} the ${b.profile}; times are not comparable`,
        );
      console.log(compareTable(a, b, { width: terminalWidth() }));
      return EXIT.ok;
    } finally {
      await store.close();
    }
  },
};
