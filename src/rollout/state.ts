// Where a rollout stands between `advance` runs: the phase it is in and the last stable one, so the
// next advance resumes there, and after a rollback re-ramps from the previous stable phase
// (seed 001 §3.2) instead of from the phase that failed.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { ROLLOUT_OUTCOMES } from "./result.ts";

const stateSchema = z.strictObject({
  rollout: z.string(),
  /** The phase to run next. */
  phase: z.string(),
  stablePhase: z.string(),
  share: z.number(),
  outcome: z.enum(ROLLOUT_OUTCOMES),
  runId: z.string(),
  updatedAt: z.number(),
});

export type RolloutState = z.output<typeof stateSchema>;

export function stateFile(reportsDir: string, rollout: string): string {
  return join(reportsDir, "rollouts", `${rollout}.state.json`);
}

/** The saved state, or null when there is none; a corrupt file is an error naming it. */
export function readRolloutState(reportsDir: string, rollout: string): RolloutState | null {
  const file = stateFile(reportsDir, rollout);
  if (!existsSync(file)) return null;
  const parsed = stateSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(
      `${file} is not a rollout state (${parsed.error.issues[0]?.message}); remove it or pass --from PHASE`,
    );
  return parsed.data;
}

export function writeRolloutState(reportsDir: string, s: RolloutState): void {
  const file = stateFile(reportsDir, s.rollout);
  mkdirSync(join(reportsDir, "rollouts"), { recursive: true });
  // Written aside and renamed, so a crash never leaves half a state.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(s, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}
