// The store's schema, one numbered migration at a time, the same SQL on SQLite and PostgreSQL.
// A store is migrated when it is opened; a store written by a newer gameday is refused rather
// than misread.
import { type SqlDatabase, StoreError } from "./sql-database.ts";

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

// started_at, profile and normal are repeated on scenario and measurement rows: history, bands
// and the score read those tables by scenario and time without a join over every run.
export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: "runs, scenario results and measurements",
    sql: `
CREATE TABLE runs (
  run_id TEXT PRIMARY KEY,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  profile TEXT NOT NULL,
  scale DOUBLE PRECISION NOT NULL,
  verdict TEXT NOT NULL,
  exit_code INTEGER NOT NULL,
  interrupted INTEGER NOT NULL,
  defects TEXT NOT NULL,
  normal INTEGER NOT NULL,
  host TEXT NOT NULL,
  git_commit TEXT,
  git_branch TEXT,
  gameday_version TEXT NOT NULL,
  run_dir TEXT,
  recorded_at BIGINT NOT NULL
);
-- The newest run (history's default profile) is one step down this index, run_id breaking ties.
CREATE INDEX runs_started ON runs (started_at, run_id);
CREATE TABLE scenario_runs (
  run_id TEXT NOT NULL REFERENCES runs (run_id) ON DELETE CASCADE,
  scenario TEXT NOT NULL,
  title TEXT NOT NULL,
  verdict TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  ended_at BIGINT NOT NULL,
  profile TEXT NOT NULL,
  normal INTEGER NOT NULL,
  stopped TEXT,
  PRIMARY KEY (run_id, scenario)
);
-- Covers outcomes() (the score): every scenario verdict of a profile since a time, in order,
-- read from the index alone.
CREATE INDEX scenario_runs_by_time ON scenario_runs (profile, started_at, run_id, scenario, verdict, normal);
-- lastPass(), normalWindow() and one scenario's outcomes, also from the index alone.
CREATE INDEX scenario_runs_by_scenario ON scenario_runs (scenario, profile, started_at, run_id, verdict, normal);
CREATE TABLE measurements (
  run_id TEXT NOT NULL,
  scenario TEXT NOT NULL,
  metric TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  profile TEXT NOT NULL,
  normal INTEGER NOT NULL,
  value DOUBLE PRECISION,
  unit TEXT NOT NULL,
  target_op TEXT,
  target_value DOUBLE PRECISION,
  target_hard INTEGER,
  verdict TEXT NOT NULL,
  synthetic INTEGER NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (run_id, scenario, metric),
  FOREIGN KEY (run_id, scenario) REFERENCES scenario_runs (run_id, scenario) ON DELETE CASCADE
);
-- One index for series(): a profile's normal rows in (scenario, metric) order, so a window is
-- grouped without sorting it (value and unit make that read index-only on SQLite), and each
-- series' newest points are a short backwards walk from (profile, 1, scenario, metric, now).
-- Profile first, so that a scenario's rows of given runs (normalWindow) come by primary key.
CREATE INDEX measurements_by_series ON measurements (profile, normal, scenario, metric, started_at, run_id, value, unit);
-- series() of one scenario or metric across profiles, or with abnormal runs included.
CREATE INDEX measurements_by_scenario ON measurements (scenario, metric, profile, started_at);
`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Brings the store to SCHEMA_VERSION; returns the versions it applied. */
export async function migrate(
  db: SqlDatabase,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  const latest = migrations[migrations.length - 1]?.version ?? 0;
  return db.transaction(
    async () => {
      // Inside the locked transaction, so two runners opening a new store at once do not race.
      await db.script(
        "CREATE TABLE IF NOT EXISTS gameday_schema (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at BIGINT NOT NULL)",
      );
      const [row] = await db.query<{ v: number | null }>("SELECT MAX(version) AS v FROM gameday_schema");
      const current = Number(row?.v ?? 0);
      if (current > latest)
        throw new StoreError(
          `the store's schema is version ${current}, newer than this gameday knows (${latest}); upgrade gameday to use it`,
        );
      const applied: number[] = [];
      for (const m of migrations) {
        if (m.version <= current) continue;
        await db.script(m.sql);
        await db.execute("INSERT INTO gameday_schema (version, description, applied_at) VALUES (?, ?, ?)", [
          m.version,
          m.description,
          Date.now(),
        ]);
        applied.push(m.version);
      }
      return applied;
    },
    { exclusive: true },
  );
}
