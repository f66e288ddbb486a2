// --baseline: which earlier run a scenario's measurements are compared with.
//   last-pass       the newest normal run of the same profile in which the scenario passed
//   branch:<name>   the same, among runs recorded on that git branch
//   <run-id>        that run (same profile, normal)
import type { RunStore, RunSummary } from "./run-store.ts";

export type BaselineSelector =
  | { kind: "last-pass" }
  | { kind: "branch"; branch: string }
  | { kind: "run"; runId: string };

/** A --baseline value that cannot name a baseline: exit 2, nothing run. */
export class BaselineError extends Error {
  override name = "BaselineError";
}

export function parseBaseline(text: string): BaselineSelector {
  const t = text.trim();
  if (t === "last-pass") return { kind: "last-pass" };
  if (t.startsWith("branch:")) {
    const branch = t.slice("branch:".length).trim();
    if (!branch) throw new BaselineError("--baseline branch: needs a branch name, e.g. branch:main");
    return { kind: "branch", branch };
  }
  if (/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t)) return { kind: "run", runId: t };
  throw new BaselineError(`--baseline ${JSON.stringify(text)}: use last-pass, branch:<name> or a run id`);
}

export function describeBaseline(s: BaselineSelector): string {
  return s.kind === "last-pass" ? "last-pass" : s.kind === "branch" ? `branch:${s.branch}` : s.runId;
}

/**
 * Checks a selector against the store before the run starts: a named run must exist, be of the
 * run's profile and be normal. last-pass and branch: are resolved per scenario later (a scenario
 * without one is reported, not an error).
 */
export async function checkBaseline(
  store: RunStore,
  s: BaselineSelector,
  profile: string,
): Promise<RunSummary | null> {
  if (s.kind !== "run") return null;
  const run = await store.runSummary(s.runId);
  if (!run)
    throw new BaselineError(`--baseline ${s.runId}: no such run in the history store ${store.location}`);
  if (run.profile !== profile)
    throw new BaselineError(
      `--baseline ${s.runId}: that run used the ${run.profile} profile and this one ${profile}; measurements of different profiles are not comparable`,
    );
  const why = abnormal(run);
  if (why) throw new BaselineError(`--baseline ${s.runId}: ${why}, so it cannot be a baseline`);
  return run;
}

export function abnormal(run: RunSummary): string | null {
  if (run.defects.length) return `that run had defect switches on (${run.defects.join(", ")})`;
  if (run.interrupted) return "that run was interrupted";
  if (run.verdict === "ERROR") return "that run ended in ERROR";
  return null;
}

/** The baseline run for one scenario, or null when the store has none yet. */
export async function baselineFor(
  store: RunStore,
  s: BaselineSelector,
  q: { scenario: string; profile: string; before: number },
): Promise<RunSummary | null> {
  if (s.kind === "run") return store.runSummary(s.runId);
  return store.lastPass({
    scenario: q.scenario,
    profile: q.profile,
    before: q.before,
    branch: s.kind === "branch" ? s.branch : undefined,
  });
}
