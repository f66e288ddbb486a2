// The `reliability-score` PRR item: the history store's reliability score over the listed
// scenarios must reach a minimum. Evaluated before the synchronous checks because a store is read
// asynchronously (PostgreSQL).
import { existsSync } from "node:fs";
import { isAbsolute, join } from "node:path";
import { isPostgresUrl, openRunStore } from "../history/open-store.ts";
import { DEFAULT_SCORE, reliabilityScore } from "../history/score.ts";
import { type CheckOutcome, green, red } from "./checks.ts";
import type { PrrCheck } from "./schema.ts";

type ScoreCheck = Extract<PrrCheck, { kind: "reliability-score" }>;

export async function scoreEvidence(
  check: ScoreCheck,
  ctx: { root: string; now: Date },
): Promise<CheckOutcome> {
  const postgres = isPostgresUrl(check.store);
  const spec = postgres || isAbsolute(check.store) ? check.store : join(ctx.root, check.store);
  // A PRR check must not create an empty store where none was: that would read as "no runs".
  if (!postgres && !existsSync(spec))
    return red(`history store ${check.store} does not exist (no run recorded yet)`);
  let store: Awaited<ReturnType<typeof openRunStore>>;
  try {
    store = await openRunStore(spec);
  } catch (err) {
    return red(`history store ${check.store}: ${(err as Error).message}`);
  }
  try {
    const now = ctx.now.getTime();
    const outcomes = await store.outcomes({ since: now - DEFAULT_SCORE.window, profile: check.profile });
    const wanted = new Set(check.scenarios);
    const score = reliabilityScore(
      wanted.size ? outcomes.filter((o) => wanted.has(o.scenario)) : outcomes,
      now,
      DEFAULT_SCORE,
      check.scenarios,
    );
    const evidence = postgres ? [store.location] : [check.store];
    if (score.overall === null) return red(`no runs in ${check.store} within 30 days`, evidence);
    const each = score.scenarios
      .map((s) => `${s.scenario} ${s.score.toFixed(0)} (${s.status}, ${s.runs} runs)`)
      .join(", ");
    const profile = check.profile ? ` (${check.profile} profile)` : "";
    const line = `reliability score ${score.overall.toFixed(1)}${profile}, minimum ${check.min}: ${each}`;
    return score.overall >= check.min ? green(line, evidence) : red(line, evidence);
  } catch (err) {
    return red(`history store ${check.store}: ${(err as Error).message}`);
  } finally {
    await store.close();
  }
}
