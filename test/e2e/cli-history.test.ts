// `gameday history`, `gameday history import` and `gameday compare` as a user types them, on a
// SQLite store in a temporary folder filled from run folders made of the sample result; and the
// ways they, and `gameday run --baseline`, refuse bad input: exact exit codes and messages, and
// for `run` nothing started (no run folder written).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import { freePort } from "../../src/env/process.ts";
import type { ReliabilityScore } from "../../src/history/score.ts";
import type { Series } from "../../src/history/run-store.ts";
import type { StoredRun } from "../../src/history/stored-run.ts";
import { DAY_MS, runResult, SAMPLE_JOURNAL } from "../history-runs.ts";
import { tempDirs } from "../temp-dirs.ts";
import { runGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
const temp = tempDirs();
// The CLI runs in a folder of its own: no gameday.config.ts, no .gameday/env.json, no reports/ of the repo.
const work = temp.make("gameday-cli-history-");
const reports = join(work, "reports");
const store = join(work, "store", "history.sqlite");

afterAll(() => temp.removeAll());

function gameday(...args: string[]) {
  return runGameday(args, { cwd: work, timeoutMs: 60_000 });
}

const runIdAt = (t: number, tag: string) =>
  `${new Date(t).toISOString().slice(0, 19).replace(/:/g, "-")}Z-${tag}`;

/** A run folder as `gameday run` leaves it: result.json and journal.jsonl. */
function writeRunFolder(parent: string, result: RunResult, journal?: string): string {
  const dir = join(parent, result.runId);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "result.json"), JSON.stringify(result));
  writeFileSync(join(dir, "journal.jsonl"), journal ?? readFileSync(SAMPLE_JOURNAL, "utf8"));
  return dir;
}

const now = Date.now();
/** Eight daily normal runs on main: ttd rises 100 ms a day, 2.0 s → 2.7 s. */
const daily = Array.from({ length: 8 }, (_, i) => {
  const at = now - (8 - i) * DAY_MS;
  return runResult({
    id: runIdAt(at, `d00${i}`),
    at,
    branch: "main",
    commit: `${i}`.repeat(40),
    values: { "llm-provider-outage": { ttd: 2000 + 100 * i } },
  });
});
const first = daily[0]!;
const last = daily[7]!;
/** Newest of all: written before history (no `defects` in result.json), a defect switch on in its journal. */
const defectAt = now - DAY_MS / 2;
const defect = runResult({
  id: runIdAt(defectAt, "dfct"),
  at: defectAt,
  legacy: true,
  values: { "llm-provider-outage": { ttd: 9999 } },
});

describe("gameday history, history import and compare", () => {
  beforeAll(() => {
    for (const r of daily) writeRunFolder(reports, r);
    const [start, ...rest] = readFileSync(SAMPLE_JOURNAL, "utf8").split("\n");
    const runStart = {
      ...(JSON.parse(start!) as Record<string, unknown>),
      runId: defect.runId,
      defects: ["failover_slow"],
    };
    writeRunFolder(reports, defect, [JSON.stringify(runStart), ...rest].join("\n"));
    // A run killed before its results: only a journal.
    mkdirSync(join(reports, "2026-01-01T00-00-00Z-kill"));
    writeFileSync(join(reports, "2026-01-01T00-00-00Z-kill", "journal.jsonl"), `${start}\n`);
    writeFileSync(join(reports, "README.txt"), "not a run folder\n");
  });

  it("history import records every run folder; a second import records nothing and says so", () => {
    const r = gameday("history", "import", reports, "--store", store);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    for (const run of [...daily, defect])
      expect(r.stdout).toContain(`recorded ${join(reports, run.runId)}\n`);
    expect(r.stdout).toContain(`skipped  ${join(reports, "2026-01-01T00-00-00Z-kill")}\n`);
    expect(r.stdout).toContain(
      `${reports}: 9 recorded, 0 already stored, 1 without result.json, 0 unreadable → ${store}\n`,
    );
    const again = gameday("history", "import", reports, "--store", store);
    expect(again.code).toBe(0);
    expect(again.stdout).not.toContain("recorded ");
    expect(again.stdout).toContain(`exists   ${join(reports, last.runId)}\n`);
    expect(again.stdout).toContain(
      `${reports}: 0 recorded, 9 already stored, 1 without result.json, 0 unreadable → ${store}\n`,
    );
    // One run folder on its own.
    const one = gameday("history", "import", join(reports, first.runId), "--store", store, "--json");
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toEqual({
      path: join(reports, first.runId),
      recorded: [],
      existing: [first.runId],
      failed: [],
      skipped: [],
    });
  });

  it("history: every scenario's metrics over the window, normal runs only", () => {
    const r = gameday("history", "--store", store);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(new RegExp(`^history store ${store}, ci profile, since \\d{4}-\\d{2}-\\d{2}$`));
    // The defect run's 9999 ms is in neither the count, the range nor the trend.
    expect(r.stdout).toMatch(
      /llm-provider-outage\s+ttd\s+8\s+2\.7s\s+2s … 2\.7s\s+\+100ms\/day \(worse\)\s+▁▂▃▄▅▆▇█/,
    );
    expect(r.stdout).toMatch(
      /llm-provider-outage\s+failover\.time\s+8\s+900ms\s+900ms … 900ms\s+±0ms\/day\s+▄{8}/,
    );
    expect(r.stdout).toMatch(/cache-cold-start\s+ttr\s+0\s+never\s+—\s+—/);
    for (const s of ["cache-cold-start", "llm-provider-outage", "rollback-drill"])
      expect(r.stdout).toContain(s);
  });

  it("history <scenario> --metric M: that metric run by run", () => {
    const r = gameday("history", "llm-provider-outage", "--metric", "ttd", "--store", store);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("llm-provider-outage ttd\n");
    for (const [i, run] of daily.entries())
      expect(r.stdout).toMatch(
        new RegExp(
          `${run.runId}\\s+\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}\\s+main\\s+${`${i}`.repeat(8)}\\s+${(2000 + 100 * i) / 1000}s\\s+PASS`,
        ),
      );
    expect(r.stdout).not.toContain(defect.runId);
    expect(r.stdout).toContain("trend over 8 runs: +100ms/day (worse)  ▁▂▃▄▅▆▇█");
    const none = gameday("history", "llm-provider-outage", "--metric", "no.such.metric", "--store", store);
    expect(none.code).toBe(0);
    expect(none.stdout).toContain("no values for llm-provider-outage no.such.metric in this window");
  });

  it("history --score: the reliability score per scenario and overall", () => {
    const r = gameday("history", "--score", "--store", store);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/cache-cold-start\s+0\.0\s+fail\s+8\s/);
    expect(r.stdout).toMatch(/llm-provider-outage\s+100\.0\s+pass\s+8\s/);
    // cache-cold-start failed in all 8 of its runs: 8 FAIL in 24 scenario runs, 33 % against a 10 % budget.
    expect(r.stdout).toContain(
      "reliability score: 66.7 / 100 over 30d (half-life 7d, stale after 30d); change-fail rate 0 %; error-budget burn 333 % of 10 % failed runs allowed",
    );
    const json = JSON.parse(
      gameday("history", "--score", "--json", "--store", store).stdout,
    ) as ReliabilityScore & { store: string; profile: string };
    expect(json.store).toBe(store);
    expect(json.profile).toBe("ci");
    expect(json.overall).toBe(66.7);
    expect(json.budgetBurnPct).toBe(333.3);
    expect(json.scenarios.map((s) => [s.scenario, s.score, s.status, s.runs, s.lastRunAt])).toEqual([
      ["cache-cold-start", 0, "fail", 8, last.scenarios[1]!.times.start],
      ["llm-provider-outage", 100, "pass", 8, last.scenarios[0]!.times.start],
      ["rollback-drill", 100, "pass", 8, last.scenarios[2]!.times.start],
    ]);
  });

  it("history --json: the series, newest points, trend", () => {
    const r = gameday("history", "--json", "--last", "3", "--store", store);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as { store: string; profile: string; since: number; series: Series[] };
    expect(json.store).toBe(store);
    expect(json.profile).toBe("ci");
    expect(json.since).toBeGreaterThanOrEqual(now - 30 * DAY_MS);
    expect(json.since).toBeLessThan(now - 29 * DAY_MS);
    const ttd = json.series.find((s) => s.scenario === "llm-provider-outage" && s.metric === "ttd")!;
    expect(ttd).toMatchObject({ unit: "ms", count: 8, min: 2000, max: 2700 });
    expect(ttd.slopePerDay).toBeCloseTo(100, 6);
    expect(ttd.points.map((p) => [p.runId, p.value])).toEqual(
      daily.slice(5).map((d, i) => [d.runId, 2500 + 100 * i]),
    );
    expect(json.series).toHaveLength(11);
  });

  it("compare A B: every measurement side by side with the change and which way it went", () => {
    const r = gameday("compare", first.runId, last.runId, "--store", store);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`scenario\\s+metric\\s+${first.runId}\\s+${last.runId}\\s+change`));
    expect(r.stdout).toMatch(/llm-provider-outage\s+verdict\s+PASS\s+PASS/);
    expect(r.stdout).toMatch(/ttd\s+2s PASS\s+2\.7s PASS\s+\+700ms \(\+35 %\)\s+worse/);
    expect(r.stdout).toMatch(/failover\.time\s+900ms PASS\s+900ms PASS\s+±0ms \(\+0 %\)/);
    expect(r.stdout).toMatch(/ttr\s+never FAIL\s+never FAIL/);
    const json = JSON.parse(
      gameday("compare", last.runId, defect.runId, "--json", "--store", store).stdout,
    ) as {
      store: string;
      a: StoredRun;
      b: StoredRun;
    };
    expect(json.store).toBe(store);
    expect(json.a).toMatchObject({
      runId: last.runId,
      gitBranch: "main",
      gitCommit: "7".repeat(40),
      defects: [],
    });
    // Its result.json predates `defects`: the switch came from the journal's run.start.
    expect(json.b).toMatchObject({
      runId: defect.runId,
      defects: ["failover_slow"],
      gitBranch: null,
      runDir: join(reports, defect.runId),
    });
  });

  it("bad input: exit 2 for usage, 3 for a store that is not one, with the reason", async () => {
    const unknown = gameday("compare", first.runId, "no-such-run", "--store", store);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toBe(
      `gameday compare: no run no-such-run in the history store ${store} (gameday history lists recorded runs; gameday history import records run folders)\n`,
    );
    expect(unknown.stdout).toBe("");
    expect(gameday("compare", first.runId, "--store", store)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("gameday compare: compare needs two run ids"),
    });

    writeFileSync(join(work, "notes.sqlite"), "these are notes, not a database\n".repeat(8));
    const notSqlite = gameday("history", "--store", "notes.sqlite");
    expect(notSqlite.code).toBe(3);
    expect(notSqlite.stderr).toBe(
      `gameday history: history store: ${join(work, "notes.sqlite")} is not a SQLite database (its first bytes are not the SQLite header)\n`,
    );

    const port = await freePort();
    const refused = gameday(
      "compare",
      "a",
      "b",
      "--store",
      `postgres://gameday:s3cret@127.0.0.1:${port}/history`,
    );
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `gameday compare: history store: PostgreSQL at postgres://gameday:***@127.0.0.1:${port}/history refused the connection`,
    );
    expect(refused.stderr).not.toContain("s3cret");

    const since = gameday("history", "--since", "bogus", "--store", join(work, "never-created.sqlite"));
    expect(since.code).toBe(2);
    expect(since.stderr).toBe(
      "gameday history: --since bogus: use a duration such as 30d, 12h, or a date such as 2026-11-01\n",
    );
    expect(existsSync(join(work, "never-created.sqlite"))).toBe(false);
    expect(gameday("history", "--last", "0", "--store", store)).toMatchObject({
      code: 2,
      stderr: expect.stringContaining("--last 0: a whole number ≥ 1"),
    });

    const missing = gameday("history", "import", join(work, "no-such-folder"), "--store", store);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`gameday history: ${join(work, "no-such-folder")}: no such folder`);

    const broken = join(work, "broken-reports");
    mkdirSync(join(broken, "run-1"), { recursive: true });
    writeFileSync(join(broken, "run-1", "result.json"), "{ not json");
    const unreadable = gameday("history", "import", broken, "--store", store);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(
      new RegExp(`^${join(broken, "run-1")}: ${join(broken, "run-1", "result.json")}: not valid JSON`),
    );
    expect(unreadable.stdout).toContain(
      `${broken}: 0 recorded, 0 already stored, 0 without result.json, 1 unreadable`,
    );
  });
});

describe("gameday run --baseline: checked against the store before anything starts", () => {
  const scenario = join(root, "test/fixtures/scenarios/history/failover-short.ts");
  const config = join(root, "gameday.config.ts");
  const runStore = join(work, "run-store", "history.sqlite");
  const realRun = runResult({ id: "2026-11-30T09-00-00Z-real", at: now - DAY_MS, profile: "real" });
  const run = (out: string, ...extra: string[]) =>
    gameday(
      "run",
      scenario,
      "--config",
      config,
      "--profile",
      "ci",
      "--out",
      join(work, out),
      "--quiet",
      ...extra,
    );
  const nothingStarted = (out: string) => {
    const dir = join(work, out);
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  };

  beforeAll(() => {
    const folder = join(work, "real-reports");
    writeRunFolder(folder, realRun);
    const imported = gameday("history", "import", folder, "--store", runStore);
    expect(imported.code, imported.stderr).toBe(0);
  });

  it("a run id that is not in the store: exit 2", () => {
    const r = run("out-unknown", "--baseline", "nonexistent-run", "--store", runStore);
    expect(r.stderr).toBe(
      `gameday run: --baseline nonexistent-run: no such run in the history store ${runStore}; nothing was started\n`,
    );
    expect(r.code).toBe(2);
    nothingStarted("out-unknown");
  });

  it("a run of another profile: exit 2, measurements of different profiles are not comparable", () => {
    const r = run("out-profile", "--baseline", realRun.runId, "--store", runStore);
    expect(r.stderr).toBe(
      `gameday run: --baseline ${realRun.runId}: that run used the real profile and this one ci; measurements of different profiles are not comparable; nothing was started\n`,
    );
    expect(r.code).toBe(2);
    nothingStarted("out-profile");
  });

  it("a --baseline that names nothing: exit 2; a store that is not one: exit 3", () => {
    const bad = run("out-bad", "--baseline", "two words", "--store", runStore);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'gameday run: --baseline "two words": use last-pass, branch:<name> or a run id\n',
    );
    nothingStarted("out-bad");
    const notes = join(work, "run-notes.sqlite");
    writeFileSync(notes, "not a database\n".repeat(8));
    const store = run("out-store", "--baseline", "last-pass", "--store", notes);
    expect(store.code).toBe(3);
    expect(store.stderr).toContain(
      `gameday run: environment error: history store: ${notes} is not a SQLite database`,
    );
    expect(store.stderr).toContain("nothing was started");
    nothingStarted("out-store");
  });
});
