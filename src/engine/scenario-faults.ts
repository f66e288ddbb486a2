// A scenario's faults: each one registered for cleanup before it is applied, applied, read back
// from its target, and reverted on its planned end or when the scenario ends. The phase follows
// them: inject while one is applied, recover once the last one is reverted.
import { describeFault } from "../faults/describe.ts";
import { type FaultDriver, faultTag } from "../faults/driver.ts";
import type { Drivers } from "../faults/index.ts";
import type { FaultSpec } from "../scenario/schema.ts";
import type { CleanupRegistry } from "./cleanup.ts";
import type { Journal } from "./journal.ts";
import { readBack } from "./readback.ts";
import type { ScenarioPhase } from "./scenario-phase.ts";

export interface FaultContext {
  runId: string;
  scenario: string;
  drivers: Drivers;
  /** The run's registry: what it holds is reverted on every exit path of the run. */
  registry: CleanupRegistry;
  journal: Journal;
  phase: ScenarioPhase;
  /** Fault ids are numbered across the whole run (f01, f02, …). */
  nextFaultId: () => string;
  log: (text: string) => void;
}

/** When the timeline meant the fault to start, and how late its step fired. */
export interface FaultTiming {
  plannedAt: number;
  lateMs: number;
}

export class ScenarioFaults {
  readonly #c: FaultContext;
  readonly #active = new Set<string>();
  /** Every fault this scenario registered, in order. */
  readonly #registered: string[] = [];

  constructor(context: FaultContext) {
    this.#c = context;
  }

  /** Faults applied and not yet reverted (the status line's count). */
  get activeCount(): number {
    return this.#active.size;
  }

  /**
   * Registers, applies and reads back one fault; returns its id. Throws when an exact read-back
   * shows the fault is not active (the experiment would not run what it claims).
   */
  async apply(spec: FaultSpec, timing: FaultTiming): Promise<string> {
    const { journal, registry } = this.#c;
    const faultId = this.#c.nextFaultId();
    const tag = faultTag(this.#c.runId, faultId);
    const driver = this.#c.drivers[spec.kind] as FaultDriver;
    const ref = { faultId, tag };
    let previous: unknown;
    journal.write({
      type: "fault.registered",
      scenario: this.#c.scenario,
      faultId,
      kind: spec.kind,
      target: spec.target,
      tag,
      spec,
    });
    // Registered before apply: whatever happens next, this revert runs exactly once.
    registry.register(faultId, async (reason?: string) => {
      try {
        const out = await driver.revert(spec, ref, previous);
        // Not journalled as reverted until the target shows it gone, so `gameday cleanup` retries it.
        const check = await readBack(driver, spec, ref, previous, false);
        journal.write({ type: "fault.readback", faultId, after: "revert", ...check });
        if (!check.ok)
          throw new Error(
            `fault ${faultId} (${spec.kind} on ${spec.target}) was not reverted: ${check.detail}`,
          );
        journal.write({
          type: "fault.reverted",
          faultId,
          reason: reason ?? "cleanup",
          detail: out ? out.detail : undefined,
        });
      } catch (err) {
        journal.write({ type: "fault.revert_failed", faultId, error: (err as Error).message });
        throw err;
      }
    });
    this.#registered.push(faultId);
    this.#c.phase.set("inject");
    if (driver.capture) {
      previous = await driver.capture(spec, ref);
      journal.write({ type: "fault.captured", faultId, previous });
    }
    const applied = await driver.apply(spec, ref, previous);
    previous = applied.previous ?? previous;
    this.#active.add(faultId);
    journal.write({
      type: "fault.applied",
      faultId,
      plannedAt: timing.plannedAt,
      lateMs: Math.round(timing.lateMs),
      previous: applied.previous,
      detail: applied.detail,
    });
    this.#c.log(`⚡ ${describeFault(spec)}${applied.detail ? ` ${JSON.stringify(applied.detail)}` : ""}`);
    const shown = await readBack(driver, spec, ref, previous, true);
    journal.write({ type: "fault.readback", faultId, after: "apply", ...shown });
    if (!shown.ok) {
      const what = `fault ${faultId} (${spec.kind} on ${spec.target}): ${shown.detail}`;
      // An exact read-back that misses means the experiment is not running what it claims; a
      // best-effort one (an http-action read endpoint) may only differ in shape, so it warns.
      if (driver.readBack === "exact") throw new Error(what);
      this.#c.log(`⚠ ${what}`);
    }
    return faultId;
  }

  /** Reverts one fault (once, however often asked); the scenario recovers when none is left. */
  async revert(faultId: string, reason: string): Promise<void> {
    await this.#c.registry.revert(faultId, reason);
    this.#active.delete(faultId);
    if (this.#active.size === 0 && this.#c.phase.current !== "baseline") this.#c.phase.set("recover");
  }

  /**
   * The scenario's end: reverts what is still registered, newest first. A failure is not thrown
   * here: the registry keeps it, and its pass at the run's end reports it as a run error.
   */
  async revertAll(reason: string): Promise<void> {
    for (const id of [...this.#registered].reverse())
      await this.#c.registry.revert(id, reason).catch(() => {});
    this.#active.clear();
  }
}
