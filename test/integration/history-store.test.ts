// The run-history store, one suite run against both engines it supports: an embedded SQLite file
// (node:sqlite) and a real PostgreSQL 15 server (test/postgres-server.ts). Every test starts from an
// empty store: a new file, or a new database created on the one server this file starts.
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Client } from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import { freePort } from "../../src/env/process.ts";
import { judgeRun } from "../../src/history/judge.ts";
import { MIGRATIONS, migrate, SCHEMA_VERSION } from "../../src/history/migrations.ts";
import { isPostgresUrl, openRunStore } from "../../src/history/open-store.ts";
import { openPostgres } from "../../src/history/postgres-database.ts";
import { DEFAULT_REGRESSION } from "../../src/history/regression.ts";
import type { RunStore } from "../../src/history/run-store.ts";
import { DEFAULT_SCORE } from "../../src/history/score.ts";
import { type SqlDatabase, StoreError } from "../../src/history/sql-database.ts";
import { openSqlite } from "../../src/history/sqlite-database.ts";
import { type StoredRun, storedRunFrom } from "../../src/history/stored-run.ts";
import { DAY_MS, HOUR_MS, type RunSpec, runResult } from "../history-runs.ts";
import { type PostgresServer, postgresUnavailable, startPostgres } from "../postgres-server.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const pgMissing = postgresUnavailable();
if (pgMissing) console.warn(`skipping the PostgreSQL run-store tests: ${pgMissing}`);

/** 2026-11-01T00:00Z: the runs' clock. */
const T0 = Date.UTC(2026, 10, 1);
const at = (hours: number) => T0 + hours * HOUR_MS;
/** Measurements per sample run (5 + 4 + 2) and scenarios per sample run. */
const MEASUREMENTS = 11;
const SCENARIOS = 3;

const stored = (spec: RunSpec, runDir: string | null = null) => storedRunFrom(runResult(spec), runDir);

/** getRun returns a scenario's measurements ordered by metric name. */
function byMetric(run: StoredRun): StoredRun {
  return {
    ...run,
    scenarios: run.scenarios.map((s) => ({
      ...s,
      measurements: [...s.measurements].sort((a, b) =>
        a.metric < b.metric ? -1 : a.metric > b.metric ? 1 : 0,
      ),
    })),
  };
}

async function count(store: RunStore, table: string): Promise<number> {
  const [row] = await store.db.query<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`);
  return Number(row?.n);
}

/** The database under a store, without migrating it. */
async function rawDatabase(spec: string): Promise<SqlDatabase> {
  return isPostgresUrl(spec) ? openPostgres(spec) : openSqlite(spec);
}

async function withStore<T>(spec: string, fn: (store: RunStore) => Promise<T>): Promise<T> {
  const store = await openRunStore(spec);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `fn` must reject with a StoreError whose message matches every pattern; returns the message. */
async function storeError(fn: () => Promise<unknown>, ...patterns: RegExp[]): Promise<string> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, "expected a StoreError").toBeInstanceOf(StoreError);
  const message = (caught as Error).message;
  for (const p of patterns) expect(message).toMatch(p);
  return message;
}

/** Two processes recording `perProcess` runs each into one store, released at the same moment. */
async function recordFromTwoProcesses(
  spec: string,
  perProcess: number,
): Promise<Array<{ start: number; end: number }>> {
  const src = (p: string) => JSON.stringify(new URL(p, import.meta.url).pathname);
  const script = `
    const { openRunStore } = await import(${src("../../src/history/open-store.ts")});
    const { storedRunFrom } = await import(${src("../../src/history/stored-run.ts")});
    const { runResult } = await import(${src("../history-runs.ts")});
    const [spec, prefix, n, t0] = process.argv.slice(1);
    const store = await openRunStore(spec);
    console.log("ready");
    await new Promise((go) => process.stdin.once("data", go));
    const start = Date.now();
    for (let i = 0; i < Number(n); i++)
      await store.record(storedRunFrom(runResult({ id: prefix + i, at: Number(t0) + i * 60000 }), null));
    const end = Date.now();
    await store.close();
    console.log(JSON.stringify({ start, end }));
    process.stdin.destroy();`;
  const children = ["p1-", "p2-"].map((prefix, k) =>
    spawn(
      process.execPath,
      [
        "--disable-warning=ExperimentalWarning",
        "--input-type=module",
        "-e",
        script,
        spec,
        prefix,
        String(perProcess),
        String(at(k * 1000)),
      ],
      { stdio: ["pipe", "pipe", "pipe"] },
    ),
  );
  const outputs = children.map((child) => {
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c;
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c;
    });
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on("data", () => {
        if (out.startsWith("ready\n")) resolve();
      });
      child.once("exit", (code) => reject(new Error(`exited (${code}) before it was ready: ${err}`)));
    });
    const exited = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
      child.once("close", (code) => resolve({ code, out, err })),
    );
    return { child, ready, exited };
  });
  await Promise.all(outputs.map((o) => o.ready));
  for (const o of outputs) o.child.stdin.write("go\n");
  const done = await Promise.all(outputs.map((o) => o.exited));
  return done.map((d) => {
    expect(d.code, d.err).toBe(0);
    return JSON.parse(d.out.trim().split("\n").pop()!) as { start: number; end: number };
  });
}

interface Backend {
  /** A new empty store's spec (a file path or a postgres:// URL). */
  fresh(): Promise<string>;
}

function storeSuite(backend: Backend): void {
  it("creates the schema on open, records its version, and opening again changes nothing", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      expect(SCHEMA_VERSION).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
      const versions = await store.db.query<{ version: number; description: string; applied_at: number }>(
        "SELECT version, description, applied_at FROM gameday_schema ORDER BY version",
      );
      expect(versions.map((v) => [Number(v.version), v.description])).toEqual(
        MIGRATIONS.map((m) => [m.version, m.description]),
      );
      expect(Number(versions[0]!.applied_at)).toBeGreaterThan(Date.now() - 60_000);
      for (const table of ["runs", "scenario_runs", "measurements"])
        expect(await count(store, table)).toBe(0);
      expect(await store.record(stored({ id: "first", at: at(1) }))).toBe("recorded");
      // Migrating a store that is up to date applies nothing.
      expect(await migrate(store.db)).toEqual([]);
    });
    await withStore(spec, async (store) => {
      expect(await count(store, "gameday_schema")).toBe(MIGRATIONS.length);
      expect(await count(store, "runs")).toBe(1);
      expect((await store.getRun("first"))?.scenarios).toHaveLength(SCENARIOS);
    });
    // Two openers of a new store at once: one migrates, the other finds it done.
    const other = await backend.fresh();
    const [a, b] = await Promise.all([openRunStore(other), openRunStore(other)]);
    try {
      expect(await count(a, "gameday_schema")).toBe(MIGRATIONS.length);
      expect(await b.record(stored({ id: "x", at: at(1) }))).toBe("recorded");
      expect(await a.runSummary("x")).not.toBeNull();
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("applies a later migration once, then refuses the store from this (older) gameday with an upgrade message", async () => {
    const spec = await backend.fresh();
    const next = SCHEMA_VERSION + 1;
    await withStore(spec, async (store) => {
      const later = [
        ...MIGRATIONS,
        {
          version: next,
          description: "run notes",
          sql: "CREATE TABLE run_notes (run_id TEXT NOT NULL, note TEXT NOT NULL)",
        },
      ];
      expect(await migrate(store.db, later)).toEqual([next]);
      expect(await migrate(store.db, later)).toEqual([]);
      expect(
        await store.db.execute("INSERT INTO run_notes (run_id, note) VALUES (?, ?)", ["r", "kept"]),
      ).toBe(1);
    });
    await storeError(
      () => openRunStore(spec),
      new RegExp(`schema is version ${next}, newer than this gameday knows \\(${SCHEMA_VERSION}\\)`),
      /upgrade gameday/,
    );
    // The refusal changed nothing: the newer schema and its data are still there.
    const db = await rawDatabase(spec);
    try {
      expect(await db.query("SELECT run_id, note FROM run_notes")).toEqual([{ run_id: "r", note: "kept" }]);
      const [row] = await db.query<{ v: number }>("SELECT MAX(version) AS v FROM gameday_schema");
      expect(Number(row?.v)).toBe(next);
    } finally {
      await db.close();
    }
  });

  it("records a run and reads every field back as it was", async () => {
    const spec = await backend.fresh();
    const result = runResult({
      id: "2026-11-01T01-00-00Z-c0de",
      at: at(1),
      profile: "real",
      branch: "feature/history-store",
      commit: "0123456789abcdef0123456789abcdef01234567",
      defects: ["failover_slow", "cache_cold"],
      values: {
        "llm-provider-outage": { ttd: 2512.5, mtta: null, "failover.success": 0.1 + 0.2 },
        "rollback-drill": { ttr: 1_234_567_890_123 },
      },
    });
    result.scale = 1;
    result.host = "runner-ü-1";
    result.gamedayVersion = "0.2.0-rc.1";
    const cache = result.scenarios.find((s) => s.id === "cache-cold-start")!;
    cache.stopped = "stop condition: error rate 62% > 50% for 10s";
    const check = cache.measurements.find((m) => m.metric === "check:cache-hit")!;
    // A second reading of the same name, no target, a negative value and a note with quotes and "?".
    cache.measurements.push({
      ...check,
      value: -12.5,
      unit: "value",
      target: null,
      note: "it's ? 'odd'",
      synthetic: true,
    });
    const run = storedRunFrom(result, "/srv/reports/2026-11-01T01-00-00Z-c0de");
    expect(run.scenarios[1]!.measurements.map((m) => m.metric)).toContain("check:cache-hit#2");
    // A run that ended in ERROR before any scenario, interrupted, outside git, written before history.
    const errored = storedRunFrom(
      runResult({ id: "errored", at: at(2), verdict: "ERROR", interrupted: true, only: [], legacy: true }),
      null,
    );
    await withStore(spec, async (store) => {
      expect(await store.record(run)).toBe("recorded");
      expect(await store.record(errored)).toBe("recorded");
    });
    await withStore(spec, async (store) => {
      const back = await store.getRun(run.runId);
      expect(back).toEqual(byMetric(run));
      const cacheBack = back!.scenarios.find((s) => s.scenario === "cache-cold-start")!;
      expect(cacheBack.measurements.find((m) => m.metric === "ttr")?.value).toBeNull();
      expect(cacheBack.measurements.find((m) => m.metric === "check:cache-hit#2")).toEqual({
        metric: "check:cache-hit#2",
        value: -12.5,
        unit: "value",
        target: null,
        verdict: "WARN",
        synthetic: true,
        note: "it's ? 'odd'",
      });
      expect(back!.scenarios.map((s) => s.scenario)).toEqual([
        "llm-provider-outage",
        "cache-cold-start",
        "rollback-drill",
      ]);
      expect(await store.getRun("errored")).toEqual({ ...errored, scenarios: [] });
      expect(errored).toMatchObject({
        verdict: "ERROR",
        exitCode: 130,
        interrupted: true,
        gitCommit: null,
        gitBranch: null,
        defects: [],
      });
      expect(await store.getRun("no-such-run")).toBeNull();
      expect(await store.runSummary(run.runId)).toEqual({
        runId: run.runId,
        startedAt: at(1),
        endedAt: run.endedAt,
        profile: "real",
        scale: 1,
        verdict: "FAIL",
        interrupted: false,
        defects: ["failover_slow", "cache_cold"],
        normal: false,
        host: "runner-ü-1",
        gitCommit: "0123456789abcdef0123456789abcdef01234567",
        gitBranch: "feature/history-store",
        runDir: "/srv/reports/2026-11-01T01-00-00Z-c0de",
      });
      expect((await store.runs()).map((r) => [r.runId, r.normal])).toEqual([
        ["errored", false],
        [run.runId, false],
      ]);
      expect((await store.runs({ profile: "ci" })).map((r) => r.runId)).toEqual(["errored"]);
      expect((await store.runs({ since: at(1.5) })).map((r) => r.runId)).toEqual(["errored"]);
      expect((await store.runs({ limit: 1 })).map((r) => r.runId)).toEqual(["errored"]);
    });
  });

  it("records a run id once: the second time is 'exists' and nothing is duplicated or changed", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      const run = stored({ id: "once", at: at(1) });
      expect(await store.record(run)).toBe("recorded");
      expect(await store.record(run)).toBe("exists");
      const changed = stored({
        id: "once",
        at: at(5),
        profile: "real",
        values: { "llm-provider-outage": { ttd: 1 } },
      });
      expect(await store.record(changed)).toBe("exists");
      expect(await count(store, "runs")).toBe(1);
      expect(await count(store, "scenario_runs")).toBe(SCENARIOS);
      expect(await count(store, "measurements")).toBe(MEASUREMENTS);
      expect(await store.getRun("once")).toEqual(byMetric(run));
    });
  });

  it("lastPass: the newest normal run of the profile where the scenario passed, by branch and before a time", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      const runs: RunSpec[] = [
        { id: "main-1", at: at(1), branch: "main" },
        { id: "feature-2", at: at(2), branch: "feature" },
        { id: "real-3", at: at(3), branch: "main", profile: "real" },
        { id: "defect-4", at: at(4), branch: "main", defects: ["failover_slow"] },
        { id: "error-5", at: at(5), branch: "main", verdict: "ERROR" },
        { id: "interrupted-6", at: at(6), branch: "main", interrupted: true },
        { id: "failed-7", at: at(7), branch: "main", scenarios: { "llm-provider-outage": "FAIL" } },
        { id: "warn-8", at: at(8), branch: "main", scenarios: { "llm-provider-outage": "WARN" } },
      ];
      for (const r of runs) expect(await store.record(stored(r))).toBe("recorded");
      const last = async (q: { profile?: string; branch?: string; before?: number; scenario?: string }) =>
        (
          await store.lastPass({
            scenario: q.scenario ?? "llm-provider-outage",
            profile: q.profile ?? "ci",
            branch: q.branch,
            before: q.before,
          })
        )?.runId ?? null;
      expect(await last({})).toBe("feature-2");
      expect(await last({ branch: "main" })).toBe("main-1");
      expect(await last({ branch: "feature" })).toBe("feature-2");
      expect(await last({ branch: "release" })).toBeNull();
      expect(await last({ profile: "real" })).toBe("real-3");
      expect(await last({ profile: "staging" })).toBeNull();
      // A run is never its own baseline: `before` its start leaves it out.
      expect(await last({ before: at(2) })).toBe("main-1");
      expect(await last({ before: at(1) })).toBeNull();
      // rollback-drill passed in every run; only the normal ones count.
      expect(await last({ scenario: "rollback-drill" })).toBe("warn-8");
      expect(await last({ scenario: "rollback-drill", before: at(8) })).toBe("failed-7");
      // cache-cold-start failed in every run.
      expect(await last({ scenario: "cache-cold-start" })).toBeNull();
      expect(await last({ scenario: "no-such-scenario" })).toBeNull();
      const summary = await store.lastPass({ scenario: "llm-provider-outage", profile: "ci" });
      expect(summary).toMatchObject({
        runId: "feature-2",
        gitBranch: "feature",
        normal: true,
        startedAt: at(2),
      });
    });
  });

  it("normalWindow: the last N normal runs' values up to a time (the baseline's own run included), oldest first", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      for (let i = 1; i <= 6; i++) {
        await store.record(
          stored({
            id: `n${i}`,
            at: at(i * 2),
            branch: i % 2 ? "odd" : "even",
            values: { "llm-provider-outage": { ttd: i * 1000 } },
          }),
        );
        // Between the normal runs, runs that must never be in a band, with values far off.
        const off = { "llm-provider-outage": { ttd: 99_000 } };
        if (i === 2)
          await store.record(
            stored({ id: "defect", at: at(i * 2 + 1), defects: ["failover_slow"], values: off }),
          );
        if (i === 3)
          await store.record(stored({ id: "error", at: at(i * 2 + 1), verdict: "ERROR", values: off }));
        if (i === 4)
          await store.record(stored({ id: "stopped", at: at(i * 2 + 1), interrupted: true, values: off }));
        if (i === 5)
          await store.record(stored({ id: "real", at: at(i * 2 + 1), profile: "real", values: off }));
      }
      const window = (q: { until: number; size: number; branch?: string; scenario?: string }) =>
        store.normalWindow({
          scenario: q.scenario ?? "llm-provider-outage",
          profile: "ci",
          until: q.until,
          size: q.size,
          branch: q.branch,
        });
      const w = await window({ until: at(10), size: 3 });
      expect(w.runs).toBe(3);
      expect(w.values.get("ttd")).toEqual([3000, 4000, 5000]);
      expect(w.values.get("failover.time")).toEqual([900, 900, 900]);
      expect([...w.values.keys()].sort()).toEqual([
        "cost.containment",
        "failover.success",
        "failover.time",
        "mtta",
        "ttd",
      ]);
      const all = await window({ until: at(100), size: 10 });
      expect(all.runs).toBe(6);
      expect(all.values.get("ttd")).toEqual([1000, 2000, 3000, 4000, 5000, 6000]);
      expect((await window({ until: at(10), size: 10, branch: "even" })).values.get("ttd")).toEqual([
        2000, 4000,
      ]);
      const none = await window({ until: at(1), size: 10 });
      expect(none.runs).toBe(0);
      expect(none.values.size).toBe(0);
      // Readings that never came (cache-cold-start's ttr) are not values.
      const cache = await window({ until: at(100), size: 10, scenario: "cache-cold-start" });
      expect(cache.runs).toBe(6);
      expect(cache.values.has("ttr")).toBe(false);
      expect(cache.values.get("ttd")).toEqual([3000, 3000, 3000, 3000, 3000, 3000]);
    });
  });

  it("outcomes and series: counts, the newest points in order, range and least-squares slope, filters, abnormal runs left out", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      // Ten daily normal runs: ttd rises 100 ms a day, mtta falls 200 ms a day.
      for (let d = 0; d < 10; d++)
        await store.record(
          stored({
            id: `day-${d}`,
            at: T0 + d * DAY_MS,
            values: { "llm-provider-outage": { ttd: 1000 + 100 * d, mtta: 5000 - 200 * d } },
          }),
        );
      await store.record(
        stored({
          id: "defect",
          at: T0 + 9.5 * DAY_MS,
          defects: ["failover_slow"],
          values: { "llm-provider-outage": { ttd: 50_000 } },
        }),
      );
      await store.record(
        stored({
          id: "real",
          at: T0 + 9.6 * DAY_MS,
          profile: "real",
          values: { "llm-provider-outage": { ttd: 7 } },
        }),
      );

      const series = await store.series({
        since: T0,
        profile: "ci",
        scenario: "llm-provider-outage",
        last: 4,
      });
      expect(series.map((s) => s.metric)).toEqual([
        "cost.containment",
        "failover.success",
        "failover.time",
        "mtta",
        "ttd",
      ]);
      const ttd = series.find((s) => s.metric === "ttd")!;
      expect(ttd).toMatchObject({
        scenario: "llm-provider-outage",
        unit: "ms",
        count: 10,
        min: 1000,
        max: 1900,
      });
      expect(ttd.points).toEqual(
        [6, 7, 8, 9].map((d) => ({
          runId: `day-${d}`,
          startedAt: T0 + d * DAY_MS,
          value: 1000 + 100 * d,
          verdict: "PASS",
        })),
      );
      expect(ttd.slopePerDay).toBeCloseTo(100, 6);
      const mtta = series.find((s) => s.metric === "mtta")!;
      expect(mtta.slopePerDay).toBeCloseTo(-200, 6);
      expect(mtta.slopePerDay!).toBeLessThan(0);
      expect(series.find((s) => s.metric === "failover.time")!.slopePerDay).toBeCloseTo(0, 9);

      // The window's start: the first five days are not in it.
      const later = await store.series({
        since: T0 + 5 * DAY_MS,
        profile: "ci",
        scenario: "llm-provider-outage",
        metric: "ttd",
        last: 100,
      });
      expect(later).toHaveLength(1);
      expect(later[0]).toMatchObject({ count: 5, min: 1500, max: 1900 });
      expect(later[0]!.points.map((p) => p.runId)).toEqual(["day-5", "day-6", "day-7", "day-8", "day-9"]);
      expect(later[0]!.slopePerDay).toBeCloseTo(100, 6);

      // Abnormal runs only when asked for; other profiles never.
      const withAbnormal = await store.series({
        since: T0,
        profile: "ci",
        scenario: "llm-provider-outage",
        metric: "ttd",
        last: 2,
        includeAbnormal: true,
      });
      expect(withAbnormal[0]).toMatchObject({ count: 11, max: 50_000 });
      expect(withAbnormal[0]!.points.map((p) => p.runId)).toEqual(["day-9", "defect"]);
      const real = await store.series({ since: T0, profile: "real", metric: "ttd", last: 5 });
      expect(real.map((s) => [s.scenario, s.count, s.min, s.slopePerDay])).toEqual([
        ["cache-cold-start", 1, 3000, null],
        ["llm-provider-outage", 1, 7, null],
      ]);

      // A reading that never came: points without values, no range, no trend.
      const [ttr] = await store.series({
        since: T0,
        profile: "ci",
        scenario: "cache-cold-start",
        metric: "ttr",
        last: 3,
      });
      expect(ttr).toMatchObject({ count: 0, min: null, max: null, slopePerDay: null });
      expect(ttr!.points.map((p) => [p.runId, p.value, p.verdict])).toEqual([
        ["day-7", null, "FAIL"],
        ["day-8", null, "FAIL"],
        ["day-9", null, "FAIL"],
      ]);
      // Every profile, every scenario: one series per (scenario, metric), sorted.
      const everything = await store.series({ since: 0, last: 1 });
      expect(everything.map((s) => `${s.scenario} ${s.metric}`)).toEqual([
        ...["check:cache-hit", "mtta", "ttd", "ttr"].map((m) => `cache-cold-start ${m}`),
        ...["cost.containment", "failover.success", "failover.time", "mtta", "ttd"].map(
          (m) => `llm-provider-outage ${m}`,
        ),
        ...["mtta", "ttr"].map((m) => `rollback-drill ${m}`),
      ]);
      expect(
        everything
          .find((s) => s.scenario === "llm-provider-outage" && s.metric === "ttd")!
          .points.map((p) => p.runId),
      ).toEqual(["real"]);

      const outcomes = await store.outcomes({ since: T0 + 8 * DAY_MS });
      // Oldest first by each scenario's own start: in each run llm-provider-outage, cache-cold-start, rollback-drill.
      expect(outcomes.map((o) => [o.runId, o.scenario, o.verdict, o.normal])).toEqual([
        ["day-8", "llm-provider-outage", "PASS", true],
        ["day-8", "cache-cold-start", "FAIL", true],
        ["day-8", "rollback-drill", "PASS", true],
        ["day-9", "llm-provider-outage", "PASS", true],
        ["day-9", "cache-cold-start", "FAIL", true],
        ["day-9", "rollback-drill", "PASS", true],
        ["defect", "llm-provider-outage", "PASS", false],
        ["defect", "cache-cold-start", "FAIL", false],
        ["defect", "rollback-drill", "PASS", false],
        ["real", "llm-provider-outage", "PASS", true],
        ["real", "cache-cold-start", "FAIL", true],
        ["real", "rollback-drill", "PASS", true],
      ]);
      expect(outcomes.map((o) => o.startedAt)).toEqual(
        [...outcomes.map((o) => o.startedAt)].sort((a, b) => a - b),
      );
      const filtered = await store.outcomes({ since: T0, profile: "ci", scenario: "rollback-drill" });
      expect(filtered).toHaveLength(11);
      expect(filtered.every((o) => o.scenario === "rollback-drill")).toBe(true);
      expect(filtered.filter((o) => !o.normal).map((o) => o.runId)).toEqual(["defect"]);
      expect(await store.outcomes({ since: T0 + 100 * DAY_MS })).toEqual([]);
    });
  });

  it("records many runs from two connections at once: every one lands, once", async () => {
    const spec = await backend.fresh();
    const [a, b] = await Promise.all([openRunStore(spec), openRunStore(spec)]);
    try {
      const n = 30;
      const outcomes = await Promise.all(
        Array.from({ length: 2 * n }, (_, i) =>
          (i % 2 ? a : b).record(stored({ id: `run-${i}`, at: at(i) })),
        ),
      );
      expect(outcomes).toEqual(Array(2 * n).fill("recorded"));
      // The same runs from both at once: each is recorded by exactly one of them.
      const twice = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          [a, b].map((s) => s.record(stored({ id: `both-${i}`, at: at(100 + i) }))),
        ).flat(),
      );
      for (let i = 0; i < 10; i++)
        expect([twice[2 * i], twice[2 * i + 1]].sort()).toEqual(["exists", "recorded"]);
      for (const store of [a, b]) {
        expect(await count(store, "runs")).toBe(2 * n + 10);
        expect(await count(store, "scenario_runs")).toBe((2 * n + 10) * SCENARIOS);
        expect(await count(store, "measurements")).toBe((2 * n + 10) * MEASUREMENTS);
      }
      expect(await b.getRun("run-7")).toEqual(byMetric(stored({ id: "run-7", at: at(7) })));
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("a record that fails leaves nothing behind and takes no concurrent record on the same connection with it", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      // Two readings under one name in a scenario (storedRunFrom would have renamed the second).
      const broken = stored({ id: "broken", at: at(1) });
      const llm = broken.scenarios[0]!;
      llm.measurements.push({ ...llm.measurements[0]! });
      const outcomes = await Promise.allSettled([
        store.record(stored({ id: "before", at: at(0) })),
        store.record(broken),
        store.record(stored({ id: "after", at: at(2) })),
      ]);
      expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
      expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
      expect((await store.runs()).map((r) => r.runId)).toEqual(["after", "before"]);
      expect(await count(store, "scenario_runs")).toBe(2 * SCENARIOS);
      expect(await count(store, "measurements")).toBe(2 * MEASUREMENTS);
      // Fixed, it records.
      llm.measurements.pop();
      expect(await store.record(broken)).toBe("recorded");
    });
  });

  it("records inside an outer transaction join it: all of them stored, or none when it fails", async () => {
    const spec = await backend.fresh();
    await withStore(spec, async (store) => {
      const batch = (prefix: string) => [1, 2, 3].map((i) => stored({ id: `${prefix}-${i}`, at: at(i) }));
      const failed = await store.db
        .transaction(async () => {
          for (const run of batch("undone")) expect(await store.record(run)).toBe("recorded");
          throw new Error("the batch fails after its third run");
        })
        .catch((err: Error) => err.message);
      expect(failed).toBe("the batch fails after its third run");
      expect(await count(store, "runs")).toBe(0);
      expect(await count(store, "measurements")).toBe(0);
      await store.db.transaction(async () => {
        for (const run of batch("kept")) await store.record(run);
      });
      expect((await store.runs()).map((r) => r.runId)).toEqual(["kept-3", "kept-2", "kept-1"]);
      expect(await count(store, "measurements")).toBe(3 * MEASUREMENTS);
    });
  });

  it("records from two processes at once: both wait their turn, every run lands", async () => {
    const spec = await backend.fresh();
    // Created first, so the two processes only record.
    await withStore(spec, async () => {});
    const n = 40;
    const [p1, p2] = await recordFromTwoProcesses(spec, n);
    // Both were recording at the same time.
    expect(Math.max(p1!.start, p2!.start)).toBeLessThan(Math.min(p1!.end, p2!.end));
    await withStore(spec, async (store) => {
      expect(await count(store, "runs")).toBe(2 * n);
      expect(await count(store, "measurements")).toBe(2 * n * MEASUREMENTS);
      const ids = (await store.runs()).map((r) => r.runId);
      for (let i = 0; i < n; i++) expect(ids).toEqual(expect.arrayContaining([`p1-${i}`, `p2-${i}`]));
    });
  });

  describe("judgeRun against the store", () => {
    /** Five normal runs (failover 480–520 ms, ttd 2.4–2.6 s), then a defect run and an interrupted one. */
    async function history(): Promise<RunStore> {
      const store = await openRunStore(await backend.fresh());
      const failover = [480, 500, 520, 500, 500];
      const ttd = [2400, 2500, 2600, 2500, 2500];
      for (let i = 0; i < 5; i++)
        await store.record(
          stored({
            id: `h${i + 1}`,
            at: at(i + 1),
            values: { "llm-provider-outage": { "failover.time": failover[i]!, ttd: ttd[i]! } },
          }),
        );
      await store.record(
        stored({
          id: "h6-defect",
          at: at(6),
          defects: ["failover_slow"],
          values: { "llm-provider-outage": { "failover.time": 1500 } },
        }),
      );
      await store.record(
        stored({
          id: "h7-interrupted",
          at: at(7),
          interrupted: true,
          values: { "llm-provider-outage": { "failover.time": 100 } },
        }),
      );
      return store;
    }

    /** The run being judged: failover 950 ms (its target, ≤ 1 s, met), ttd 4 s; cache-cold-start passes for once. */
    function judged(values: Record<string, number | null> = { "failover.time": 950, ttd: 4000 }): RunResult {
      const result = runResult({
        id: "h8-judged",
        at: at(8),
        scenarios: { "cache-cold-start": "PASS" },
        values: { "llm-provider-outage": values, "cache-cold-start": { ttr: 5000 } },
      });
      for (const m of result.scenarios.find((s) => s.id === "cache-cold-start")!.measurements)
        m.verdict = "PASS";
      return result;
    }

    const measurement = (r: RunResult, scenario: string, metric: string) =>
      r.scenarios.find((s) => s.id === scenario)!.measurements.find((m) => m.metric === metric)!;

    it("flags a measurement beyond the band as a regression (FAIL, exit 1) and leaves one inside alone", async () => {
      const store = await history();
      try {
        const input = judged();
        expect(input.verdict).toBe("PASS");
        const out = await judgeRun(input, {
          store,
          baseline: { kind: "last-pass" },
          regression: DEFAULT_REGRESSION,
          score: DEFAULT_SCORE,
          strict: false,
        });
        expect(out.baseline).toEqual({
          selector: "last-pass",
          runs: { "llm-provider-outage": "h5", "cache-cold-start": null, "rollback-drill": "h5" },
          regressions: 1,
        });
        const failover = measurement(out, "llm-provider-outage", "failover.time");
        // Band of the five normal runs (the baseline's own included): median 500, MAD 0, so ± minDelta 250 ms.
        expect(failover.comparison).toEqual({
          baselineRunId: "h5",
          baseline: 500,
          delta: 450,
          median: 500,
          band: [250, 750],
          bandRuns: 5,
          worse: "higher",
          regressed: true,
        });
        expect(failover.verdict).toBe("FAIL");
        expect(failover.note).toBe(
          "first 2xx from secondary; regression: worse than the band of 5 normal runs (baseline h5)",
        );
        const ttd = measurement(out, "llm-provider-outage", "ttd");
        expect(ttd.comparison).toMatchObject({
          baseline: 2500,
          delta: 1500,
          median: 2500,
          band: [500, 4500],
          regressed: false,
        });
        expect(ttd.verdict).toBe("PASS");
        // failover.success: ratio, higher is better; never below the band.
        expect(measurement(out, "llm-provider-outage", "failover.success").comparison).toMatchObject({
          worse: "lower",
          regressed: false,
        });
        expect(out.scenarios.find((s) => s.id === "llm-provider-outage")!.verdict).toBe("FAIL");
        expect(out.scenarios.find((s) => s.id === "rollback-drill")!.verdict).toBe("PASS");
        // No baseline: nothing compared, verdict as measured.
        const cache = out.scenarios.find((s) => s.id === "cache-cold-start")!;
        expect(cache.verdict).toBe("PASS");
        expect(cache.measurements.every((m) => m.comparison === undefined)).toBe(true);
        expect(out.verdict).toBe("FAIL");
        expect(out.exitCode).toBe(1);
        // The history section: the failover series is the normal runs and this one, last.
        const series = out.history!.series.find(
          (s) => s.scenario === "llm-provider-outage" && s.metric === "failover.time",
        )!;
        expect(series.points.map((p) => [p.runId, p.value, p.current])).toEqual([
          ["h1", 480, false],
          ["h2", 500, false],
          ["h3", 520, false],
          ["h4", 500, false],
          ["h5", 500, false],
          ["h8-judged", 950, true],
        ]);
        expect(out.history!.store).toBe(store.location);
        expect(out.history!.score.scenarios.map((s) => s.scenario)).toEqual([
          "cache-cold-start",
          "llm-provider-outage",
          "rollback-drill",
        ]);
      } finally {
        await store.close();
      }
    });

    it("with regression.fail false a regression is WARN (exit 0, 1 under --strict); a reading that never came regresses", async () => {
      const store = await history();
      try {
        const settings = { ...DEFAULT_REGRESSION, fail: false };
        const warn = await judgeRun(judged(), {
          store,
          baseline: { kind: "last-pass" },
          regression: settings,
          score: DEFAULT_SCORE,
          strict: false,
        });
        expect(measurement(warn, "llm-provider-outage", "failover.time")).toMatchObject({
          verdict: "WARN",
          comparison: { regressed: true },
        });
        expect(warn.scenarios.map((s) => s.verdict)).toEqual(["WARN", "PASS", "PASS"]);
        expect(warn.verdict).toBe("WARN");
        expect(warn.exitCode).toBe(0);
        const strict = await judgeRun(judged(), {
          store,
          baseline: { kind: "last-pass" },
          regression: settings,
          score: DEFAULT_SCORE,
          strict: true,
        });
        expect(strict.exitCode).toBe(1);

        const never = await judgeRun(judged({ "failover.time": null, ttd: 20_000 }), {
          store,
          baseline: { kind: "last-pass" },
          regression: DEFAULT_REGRESSION,
          score: DEFAULT_SCORE,
          strict: false,
        });
        expect(never.baseline?.regressions).toBe(2);
        const failover = measurement(never, "llm-provider-outage", "failover.time");
        expect(failover.comparison).toMatchObject({ baseline: 500, delta: null, regressed: true });
        expect(failover.note).toBe(
          "first 2xx from secondary; regression: never happened, unlike in the band of 5 normal runs (baseline h5)",
        );
        expect(never.exitCode).toBe(1);
      } finally {
        await store.close();
      }
    });

    it("a named baseline run: the band is the normal runs up to it; without --baseline nothing is compared", async () => {
      const store = await history();
      try {
        const out = await judgeRun(judged({ "failover.time": 700 }), {
          store,
          baseline: { kind: "run", runId: "h3" },
          regression: DEFAULT_REGRESSION,
          score: DEFAULT_SCORE,
          strict: false,
        });
        expect(out.baseline?.runs).toEqual({
          "llm-provider-outage": "h3",
          "cache-cold-start": "h3",
          "rollback-drill": "h3",
        });
        // h1–h3: median 500, MAD 20 → 3 × 1.4826 × 20 ≈ 89 ms, under the 250 ms floor.
        expect(measurement(out, "llm-provider-outage", "failover.time").comparison).toMatchObject({
          baselineRunId: "h3",
          baseline: 520,
          delta: 180,
          median: 500,
          band: [250, 750],
          bandRuns: 3,
          regressed: false,
        });
        // cache-cold-start failed in h3: its ttr never came there, so there is nothing to compare it with.
        expect(measurement(out, "cache-cold-start", "ttr").comparison).toBeUndefined();
        expect(out.baseline?.regressions).toBe(0);
        expect(out.exitCode).toBe(0);

        const plain = await judgeRun(judged(), {
          store,
          baseline: null,
          regression: DEFAULT_REGRESSION,
          score: DEFAULT_SCORE,
          strict: false,
        });
        expect(plain.baseline).toBeNull();
        expect(plain.scenarios.flatMap((s) => s.measurements).every((m) => m.comparison === undefined)).toBe(
          true,
        );
        expect(plain.verdict).toBe("PASS");
      } finally {
        await store.close();
      }
    });
  });
}

describe("the run store on SQLite", () => {
  let n = 0;
  storeSuite({ fresh: async () => join(temp.make("gameday-store-"), `history-${++n}.sqlite`) });

  it("creates the store's folder, and takes an empty file as a new store", async () => {
    const dir = temp.make("gameday-store-");
    await withStore(join(dir, "a", "b", "history.sqlite"), async (store) => {
      expect(store.location).toBe(join(dir, "a", "b", "history.sqlite"));
      expect(await count(store, "runs")).toBe(0);
    });
    writeFileSync(join(dir, "empty.sqlite"), "");
    await withStore(join(dir, "empty.sqlite"), async (store) => {
      expect(await store.record(stored({ id: "r", at: at(1) }))).toBe("recorded");
    });
  });

  it("refuses a file that is not a SQLite database, naming it, and leaves it as it was", async () => {
    const file = join(temp.make("gameday-store-"), "notes.sqlite");
    const text = "these are my notes, not a database\n".repeat(20);
    writeFileSync(file, text);
    const message = await storeError(() => openRunStore(file), /is not a SQLite database/);
    expect(message).toContain(file);
    expect(readFileSync(file, "utf8")).toBe(text);
  });
});

describe("opening a PostgreSQL store that is not there", () => {
  it("a port nothing listens on: 'refused', the password redacted", async () => {
    const port = await freePort();
    const message = await storeError(
      () => openRunStore(`postgres://gameday:s3cret@127.0.0.1:${port}/history`),
      /refused the connection/,
    );
    expect(message).toContain(`postgres://gameday:***@127.0.0.1:${port}/history`);
    expect(message).not.toContain("s3cret");
  });
});

describe.skipIf(pgMissing !== null)("the run store on PostgreSQL 15", () => {
  let server: PostgresServer;
  let admin: Client;
  let n = 0;

  beforeAll(async () => {
    server = await startPostgres();
    admin = new Client({ connectionString: server.url });
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.end().catch(() => {});
    await server?.stop();
  });

  const databaseUrl = (name: string) => {
    const u = new URL(server.url);
    u.pathname = `/${name}`;
    return u.toString();
  };

  storeSuite({
    fresh: async () => {
      const name = `store_${++n}`;
      await admin.query(`CREATE DATABASE ${name}`);
      return databaseUrl(name);
    },
  });

  it("a database that does not exist: StoreError naming it", async () => {
    await storeError(
      () => openRunStore(databaseUrl("no_such_db")),
      /database "no_such_db" does not exist/,
      /create it first/,
    );
  });
});
