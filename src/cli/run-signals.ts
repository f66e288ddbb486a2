// Signals and crashes while faults may be applied (gameday run, gameday serve): the first SIGINT or
// SIGTERM stops orderly (every fault reverted, reports written); a second one, or an internal
// error, takes the way out that cannot be waited for — revert faults, stop what the run's
// environment started (in their own process groups they would outlive us), exit. Bounded, so a
// hung target cannot keep the process alive.
import type { Progress } from "../engine/progress.ts";
import { EXIT } from "./exit-codes.ts";

/** How long the emergency exit waits for fault reverts, then for the environment's processes. */
const EMERGENCY_REVERT_MS = 5_000;
const EMERGENCY_STOP_GRACE_MS = 2_000;

export interface SignalGuard {
  /** Removes the handlers (the orderly path finished). */
  dispose(): void;
}

export function guardSignals(o: {
  progress: Progress;
  /** The first signal: stop orderly. */
  onFirst: (sig: NodeJS.Signals) => void;
  /** What the first signal does, for the message. */
  firstMessage: string;
}): SignalGuard {
  let exiting = false;
  const emergencyExit = (reason: string, code: number) => {
    if (exiting) return;
    exiting = true;
    const within = (p: Promise<unknown>, ms: number) =>
      Promise.race([p, new Promise((done) => setTimeout(done, ms).unref())]);
    // Loaded lazily like the engine itself; by now it is in memory whenever a fault can be applied.
    void import("../engine/run.ts")
      .then(({ revertEverything, stopStartedEnvironments }) =>
        within(revertEverything(reason), EMERGENCY_REVERT_MS).then(() =>
          within(stopStartedEnvironments(EMERGENCY_STOP_GRACE_MS), EMERGENCY_STOP_GRACE_MS + 2_000),
        ),
      )
      .finally(() => process.exit(code));
  };
  let signals = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    signals += 1;
    if (signals === 1) {
      o.progress.event(`${sig} received: ${o.firstMessage} (again to force exit)`);
      o.onFirst(sig);
    } else if (!exiting) {
      o.progress.event(`${sig} again: reverting faults, stopping the environment and exiting now`);
      emergencyExit(`second ${sig}`, EXIT.interrupted);
    }
  };
  const onCrash = (err: unknown) => {
    // Once exiting, a further error (say the report of this one failing to print) must not
    // print again: each attempt would raise the next, and the exit would never get its turn.
    if (exiting) return;
    o.progress.event(
      `internal error: ${(err as Error)?.stack ?? String(err)}; reverting every fault and stopping the environment`,
    );
    emergencyExit("uncaught exception", EXIT.error);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("uncaughtException", onCrash);
  process.on("unhandledRejection", onCrash);
  return {
    dispose() {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    },
  };
}
