// Exit codes of the CLI contract (DESIGN.md). CI pipelines key on these.
export const EXIT = {
  /** All PASS (WARN allowed unless --strict). */
  ok: 0,
  /** Any FAIL. */
  fail: 1,
  /** Invalid input or usage. */
  usage: 2,
  /** ERROR: the harness or environment failed. */
  error: 3,
  /** Interrupted (after cleanup). */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** Thrown for bad command-line usage; mapped to exit 2 with the command's usage line. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Thrown when the environment or harness fails (unreachable target, missing binary); exit 3. */
export class EnvironmentError extends Error {
  override name = "EnvironmentError";
}
