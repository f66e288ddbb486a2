// Read-back verification: after a fault is applied the engine asks the driver whether the target
// shows it, and after it is reverted whether it is gone. Some effects land asynchronously (a signal
// being delivered, a restarted process), so the answer is polled for a short while before it counts.
import type { FaultDriver, FaultRef } from "../faults/driver.ts";
import type { FaultSpec } from "../scenario/schema.ts";

export interface ReadBack {
  /** null: the driver cannot tell for this fault, or the read failed (see detail). */
  active: boolean | null;
  /** The answer matched what was expected (a driver that cannot tell counts as a match). */
  ok: boolean;
  detail?: string;
}

const POLL_MS = 25;
const WITHIN_MS = 2_000;

export async function readBack(
  driver: FaultDriver,
  spec: FaultSpec,
  ref: FaultRef,
  previous: unknown,
  expectActive: boolean,
  withinMs = WITHIN_MS,
): Promise<ReadBack> {
  if (driver.readBack === "none")
    return { active: null, ok: true, detail: `${driver.kind} faults cannot be read back` };
  const deadline = Date.now() + withinMs;
  for (;;) {
    let active: boolean | undefined;
    try {
      active = await driver.isActive(spec, ref, previous);
    } catch (err) {
      // Cannot verify is not verified: after a revert this keeps the fault open for `gameday cleanup`.
      return { active: null, ok: false, detail: `read-back failed: ${(err as Error).message}` };
    }
    if (active === undefined)
      return { active: null, ok: true, detail: "the driver cannot tell for this fault" };
    if (active === expectActive || Date.now() >= deadline) {
      return active === expectActive
        ? { active, ok: true }
        : {
            active,
            ok: false,
            detail: expectActive
              ? `not observable on ${spec.target} ${withinMs} ms after apply`
              : `still present on ${spec.target} ${withinMs} ms after revert`,
          };
    }
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
