// The run store: every finished run, its scenarios' verdicts and every measurement, on SQLite or
// PostgreSQL through one SqlDatabase. Reads are shaped for the three questions the history
// answers: what is the baseline, how noisy is a metric, how has it moved.
import type { Target, Unit, Verdict } from "../evaluate/verdict.ts";
import { type SqlDatabase, type SqlValue, valuesList } from "./sql-database.ts";
import { isNormal, type StoredMeasurement, type StoredRun } from "./stored-run.ts";

/** A run without its scenarios, and whether it may be a baseline (`normal`). */
export type RunSummary = Omit<StoredRun, "scenarios" | "exitCode" | "gamedayVersion"> & { normal: boolean };

export interface ScenarioOutcome {
  scenario: string;
  runId: string;
  startedAt: number;
  verdict: Verdict;
  normal: boolean;
}

export interface SeriesPoint {
  runId: string;
  startedAt: number;
  value: number | null;
  verdict: Verdict;
}

/** One metric of one scenario over time: the newest points, and a least-squares trend over all. */
export interface Series {
  scenario: string;
  metric: string;
  unit: Unit;
  /** Runs in the window with a value. */
  count: number;
  /** Oldest first; at most the `last` asked for. */
  points: SeriesPoint[];
  /** Change per day by least squares over every value in the window; null under two values. */
  slopePerDay: number | null;
  min: number | null;
  max: number | null;
}

interface RunRow {
  run_id: string;
  started_at: number;
  ended_at: number;
  profile: string;
  scale: number;
  verdict: Verdict;
  exit_code: number;
  interrupted: number;
  defects: string;
  normal: number;
  host: string;
  git_commit: string | null;
  git_branch: string | null;
  gameday_version: string;
  run_dir: string | null;
}

const DAY_MS = 86_400_000;
/**
 * A day in ms as a double: PostgreSQL would make `86400000.0` NUMERIC and do the trend's sums in
 * slow arbitrary precision (SQLite computes them in doubles either way).
 */
const DAY = `CAST(${DAY_MS} AS DOUBLE PRECISION)`;
/** Series whose newest points one statement reads (each adds its filter's parameters). */
const SERIES_PER_STATEMENT = 100;
/** Rows per INSERT: well under SQLite's 32766 parameters and PostgreSQL's 65535. */
const INSERT_CHUNK = 200;

function summary(r: RunRow): RunSummary {
  return {
    runId: r.run_id,
    startedAt: Number(r.started_at),
    endedAt: Number(r.ended_at),
    profile: r.profile,
    scale: Number(r.scale),
    verdict: r.verdict,
    interrupted: Boolean(r.interrupted),
    defects: JSON.parse(r.defects) as string[],
    normal: Boolean(r.normal),
    host: r.host,
    gitCommit: r.git_commit,
    gitBranch: r.git_branch,
    runDir: r.run_dir,
  };
}

const bit = (b: boolean) => (b ? 1 : 0);

/** The conditions whose value is given (`column op ?`), joined with AND, and their parameters in order. */
function given(conditions: ReadonlyArray<readonly [string, SqlValue | undefined]>): {
  sql: string;
  params: SqlValue[];
} {
  const present = conditions.filter((c): c is readonly [string, SqlValue] => c[1] !== undefined);
  return { sql: present.map(([sql]) => sql).join(" AND "), params: present.map(([, value]) => value) };
}

export class RunStore {
  readonly db: SqlDatabase;
  /** Where the store is, fit to print (a PostgreSQL password is redacted). */
  readonly location: string;

  constructor(db: SqlDatabase, location: string) {
    this.db = db;
    this.location = location;
  }

  /** Records a finished run; a run id already stored is left as it is ("exists"). */
  async record(run: StoredRun): Promise<"recorded" | "exists"> {
    const normal = bit(isNormal(run));
    return this.db.transaction(
      async () => {
        const inserted = await this.db.execute(
          `INSERT INTO runs (run_id, started_at, ended_at, profile, scale, verdict, exit_code, interrupted, defects,
             normal, host, git_commit, git_branch, gameday_version, run_dir, recorded_at)
           VALUES ${valuesList(1, 16)} ON CONFLICT (run_id) DO NOTHING`,
          [
            run.runId,
            run.startedAt,
            run.endedAt,
            run.profile,
            run.scale,
            run.verdict,
            run.exitCode,
            bit(run.interrupted),
            JSON.stringify(run.defects),
            normal,
            run.host,
            run.gitCommit,
            run.gitBranch,
            run.gamedayVersion,
            run.runDir,
            Date.now(),
          ],
        );
        if (inserted === 0) return "exists";
        const scenarioRows: SqlValue[][] = run.scenarios.map((s) => [
          run.runId,
          s.scenario,
          s.title,
          s.verdict,
          s.startedAt,
          s.endedAt,
          run.profile,
          normal,
          s.stopped,
        ]);
        await this.insertRows(
          "scenario_runs (run_id, scenario, title, verdict, started_at, ended_at, profile, normal, stopped)",
          scenarioRows,
        );
        const measurementRows: SqlValue[][] = run.scenarios.flatMap((s) =>
          s.measurements.map((m) => [
            run.runId,
            s.scenario,
            m.metric,
            run.startedAt,
            run.profile,
            normal,
            m.value,
            m.unit,
            m.target?.op ?? null,
            m.target?.value ?? null,
            m.target ? bit(m.target.hard) : null,
            m.verdict,
            bit(m.synthetic),
            m.note,
          ]),
        );
        await this.insertRows(
          `measurements (run_id, scenario, metric, started_at, profile, normal, value, unit, target_op, target_value,
             target_hard, verdict, synthetic, note)`,
          measurementRows,
        );
        return "recorded";
      },
      { exclusive: true },
    );
  }

  private async insertRows(into: string, rows: SqlValue[][]): Promise<void> {
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const chunk = rows.slice(i, i + INSERT_CHUNK);
      if (!chunk.length) continue;
      await this.db.execute(
        `INSERT INTO ${into} VALUES ${valuesList(chunk.length, chunk[0]!.length)}`,
        chunk.flat(),
      );
    }
  }

  async runSummary(runId: string): Promise<RunSummary | null> {
    const [row] = await this.db.query<RunRow>("SELECT * FROM runs WHERE run_id = ?", [runId]);
    return row ? summary(row) : null;
  }

  /** The whole run as recorded, or null for an unknown id. */
  async getRun(runId: string): Promise<StoredRun | null> {
    const [row] = await this.db.query<RunRow>("SELECT * FROM runs WHERE run_id = ?", [runId]);
    if (!row) return null;
    const scenarios = await this.db.query<{
      scenario: string;
      title: string;
      verdict: Verdict;
      started_at: number;
      ended_at: number;
      stopped: string | null;
    }>(
      "SELECT scenario, title, verdict, started_at, ended_at, stopped FROM scenario_runs WHERE run_id = ? ORDER BY started_at, scenario",
      [runId],
    );
    const measurements = await this.db.query<MeasurementRow & { scenario: string }>(
      `SELECT scenario, metric, value, unit, target_op, target_value, target_hard, verdict, synthetic, note
         FROM measurements WHERE run_id = ? ORDER BY scenario, metric`,
      [runId],
    );
    const s = summary(row);
    return {
      runId: s.runId,
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      profile: s.profile,
      scale: s.scale,
      verdict: s.verdict,
      exitCode: Number(row.exit_code),
      interrupted: s.interrupted,
      defects: s.defects,
      host: s.host,
      gitCommit: s.gitCommit,
      gitBranch: s.gitBranch,
      gamedayVersion: row.gameday_version,
      runDir: s.runDir,
      scenarios: scenarios.map((sc) => ({
        scenario: sc.scenario,
        title: sc.title,
        verdict: sc.verdict,
        startedAt: Number(sc.started_at),
        endedAt: Number(sc.ended_at),
        stopped: sc.stopped,
        measurements: measurements.filter((m) => m.scenario === sc.scenario).map(measurementFrom),
      })),
    };
  }

  /** Runs newest first. */
  async runs(filter: { since?: number; profile?: string; limit?: number } = {}): Promise<RunSummary[]> {
    const where = given([
      ["started_at >= ?", filter.since],
      ["profile = ?", filter.profile],
    ]);
    const rows = await this.db.query<RunRow>(
      `SELECT * FROM runs ${where.sql ? `WHERE ${where.sql}` : ""} ORDER BY started_at DESC, run_id DESC
       ${filter.limit !== undefined ? `LIMIT ${Math.max(0, Math.floor(filter.limit))}` : ""}`,
      where.params,
    );
    return rows.map(summary);
  }

  /**
   * The newest normal run of the profile in which the scenario passed, optionally on one branch
   * and started before a time (a run is never its own baseline).
   */
  async lastPass(q: {
    scenario: string;
    profile: string;
    branch?: string;
    before?: number;
  }): Promise<RunSummary | null> {
    const where = given([
      ["s.scenario = ?", q.scenario],
      ["s.profile = ?", q.profile],
      ["r.git_branch = ?", q.branch],
      ["s.started_at < ?", q.before],
    ]);
    const [row] = await this.db.query<RunRow>(
      `SELECT r.* FROM scenario_runs s JOIN runs r ON r.run_id = s.run_id
        WHERE ${where.sql} AND s.normal = 1 AND s.verdict = 'PASS'
        ORDER BY s.started_at DESC LIMIT 1`,
      where.params,
    );
    return row ? summary(row) : null;
  }

  /**
   * The measurements of the last `size` normal runs of a scenario and profile started at or before
   * `until` (the run's start: a baseline's own run is in its band): the runs whose spread is the
   * noise band. Keyed by metric, values oldest first.
   */
  async normalWindow(q: {
    scenario: string;
    profile: string;
    until: number;
    size: number;
    branch?: string;
  }): Promise<{ runs: number; values: Map<string, number[]> }> {
    const where = given([
      ["s.scenario = ?", q.scenario],
      ["s.profile = ?", q.profile],
      ["r.started_at <= ?", q.until],
      ["r.git_branch = ?", q.branch],
    ]);
    const runs = await this.db.query<{ run_id: string }>(
      `SELECT s.run_id FROM scenario_runs s JOIN runs r ON r.run_id = s.run_id
        WHERE ${where.sql} AND s.normal = 1
        ORDER BY s.started_at DESC LIMIT ${Math.max(1, Math.floor(q.size))}`,
      where.params,
    );
    const values = new Map<string, number[]>();
    if (!runs.length) return { runs: 0, values };
    const ids = runs.map((r) => r.run_id);
    const rows = await this.db.query<{ metric: string; value: number | null }>(
      `SELECT metric, value FROM measurements WHERE scenario = ? AND run_id IN (${ids.map(() => "?").join(", ")})
        ORDER BY started_at`,
      [q.scenario, ...ids],
    );
    for (const r of rows) {
      if (r.value === null) continue;
      const list = values.get(r.metric) ?? [];
      list.push(Number(r.value));
      values.set(r.metric, list);
    }
    return { runs: runs.length, values };
  }

  /** Every scenario's verdict per run since a time, oldest first: what the score is made of. */
  async outcomes(q: { since: number; profile?: string; scenario?: string }): Promise<ScenarioOutcome[]> {
    const where = given([
      ["started_at >= ?", q.since],
      ["profile = ?", q.profile],
      ["scenario = ?", q.scenario],
    ]);
    const rows = await this.db.query<{
      scenario: string;
      run_id: string;
      started_at: number;
      verdict: Verdict;
      normal: number;
    }>(
      `SELECT scenario, run_id, started_at, verdict, normal FROM scenario_runs
        WHERE ${where.sql} ORDER BY started_at, run_id`,
      where.params,
    );
    return rows.map((r) => ({
      scenario: r.scenario,
      runId: r.run_id,
      startedAt: Number(r.started_at),
      verdict: r.verdict,
      normal: Boolean(r.normal),
    }));
  }

  /**
   * Each metric's series since a time: the newest `last` points (normal runs only unless asked),
   * count, range and a least-squares slope computed in SQL so ten thousand runs stay cheap.
   */
  async series(q: {
    since: number;
    profile?: string;
    scenario?: string;
    metric?: string;
    last: number;
    includeAbnormal?: boolean;
  }): Promise<Series[]> {
    const where = given([
      ["started_at >= ?", q.since],
      ["profile = ?", q.profile],
      ["scenario = ?", q.scenario],
      ["metric = ?", q.metric],
    ]);
    const params = where.params;
    const filter = q.includeAbnormal ? where.sql : `${where.sql} AND normal = 1`;
    // Days since the window's start keep the sums small enough for doubles to stay exact.
    const stats = await this.db.query<{
      scenario: string;
      metric: string;
      unit: Unit;
      n: number;
      sx: number | null;
      sy: number | null;
      sxy: number | null;
      sxx: number | null;
      lo: number | null;
      hi: number | null;
    }>(
      `SELECT scenario, metric, MIN(unit) AS unit, COUNT(value) AS n,
              SUM(CASE WHEN value IS NULL THEN NULL ELSE (started_at - ?) / ${DAY} END) AS sx,
              SUM(value) AS sy,
              SUM(value * ((started_at - ?) / ${DAY})) AS sxy,
              SUM(CASE WHEN value IS NULL THEN NULL ELSE ((started_at - ?) / ${DAY}) * ((started_at - ?) / ${DAY}) END) AS sxx,
              MIN(value) AS lo, MAX(value) AS hi
         FROM measurements WHERE ${filter} GROUP BY scenario, metric ORDER BY scenario, metric`,
      [q.since, q.since, q.since, q.since, ...params],
    );
    const points = await this.newestPoints(
      filter,
      params,
      q.profile !== undefined,
      stats,
      Math.max(1, Math.floor(q.last)),
    );
    const byKey = new Map<string, SeriesPoint[]>();
    for (const p of points) {
      const key = `${p.scenario}\u0000${p.metric}`;
      const list = byKey.get(key) ?? [];
      list.push({
        runId: p.run_id,
        startedAt: Number(p.started_at),
        value: p.value === null ? null : Number(p.value),
        verdict: p.verdict,
      });
      byKey.set(key, list);
    }
    return stats.map((s) => {
      const n = Number(s.n);
      let slope: number | null = null;
      if (n >= 2 && s.sx !== null && s.sxx !== null && s.sxy !== null && s.sy !== null) {
        const denom = n * Number(s.sxx) - Number(s.sx) ** 2;
        if (Math.abs(denom) > 1e-12) slope = (n * Number(s.sxy) - Number(s.sx) * Number(s.sy)) / denom;
      }
      return {
        scenario: s.scenario,
        metric: s.metric,
        unit: s.unit,
        count: n,
        points: byKey.get(`${s.scenario}\u0000${s.metric}`) ?? [],
        slopePerDay: slope,
        min: s.lo === null ? null : Number(s.lo),
        max: s.hi === null ? null : Number(s.hi),
      };
    });
  }

  /**
   * The newest `last` points of each series (oldest first within a series). With a profile, one
   * LIMIT per series: a short backwards walk of measurements_by_series (normal runs) or
   * measurements_by_scenario (all runs), several series to a statement. Numbering every row of
   * the window instead (ROW_NUMBER() OVER …) sorts all of it, seconds at 10,000 runs; it stays for
   * series across profiles, where no index gives a series in time order and a LIMIT per series
   * would read each whole series.
   */
  private async newestPoints(
    filter: string,
    params: SqlValue[],
    byProfile: boolean,
    series: ReadonlyArray<{ scenario: string; metric: string }>,
    last: number,
  ): Promise<PointRow[]> {
    if (!byProfile)
      return this.db.query<PointRow>(
        `SELECT scenario, metric, run_id, started_at, value, verdict FROM (
           SELECT scenario, metric, run_id, started_at, value, verdict,
                  ROW_NUMBER() OVER (PARTITION BY scenario, metric ORDER BY started_at DESC, run_id DESC) AS rn
             FROM measurements WHERE ${filter}) newest
          WHERE rn <= ${last} ORDER BY scenario, metric, started_at, run_id`,
        params,
      );
    const points: PointRow[] = [];
    for (let i = 0; i < series.length; i += SERIES_PER_STATEMENT) {
      const chunk = series.slice(i, i + SERIES_PER_STATEMENT);
      const newest = chunk.map(
        (_, k) =>
          `SELECT * FROM (SELECT scenario, metric, run_id, started_at, value, verdict FROM measurements
             WHERE ${filter} AND scenario = ? AND metric = ? ORDER BY started_at DESC, run_id DESC LIMIT ${last}) AS s${k}`,
      );
      points.push(
        ...(await this.db.query<PointRow>(
          `${newest.join(" UNION ALL ")} ORDER BY scenario, metric, started_at, run_id`,
          chunk.flatMap((s) => [...params, s.scenario, s.metric]),
        )),
      );
    }
    return points;
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}

interface PointRow {
  scenario: string;
  metric: string;
  run_id: string;
  started_at: number;
  value: number | null;
  verdict: Verdict;
}

interface MeasurementRow {
  metric: string;
  value: number | null;
  unit: Unit;
  target_op: Target["op"] | null;
  target_value: number | null;
  target_hard: number | null;
  verdict: Verdict;
  synthetic: number;
  note: string;
}

function measurementFrom(m: MeasurementRow): StoredMeasurement {
  return {
    metric: m.metric,
    value: m.value === null ? null : Number(m.value),
    unit: m.unit,
    target:
      m.target_op === null || m.target_value === null
        ? null
        : { op: m.target_op, value: Number(m.target_value), hard: Boolean(m.target_hard) },
    verdict: m.verdict,
    synthetic: Boolean(m.synthetic),
    note: m.note,
  };
}
