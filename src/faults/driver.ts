// The contract every fault driver meets. The engine registers a fault (journal + cleanup registry)
// before calling apply, so a driver never has to remember anything itself: what it needs to undo a
// change it reads in `capture` (journalled before apply runs, so a run killed mid-apply can still
// be undone) or returns as `previous` from apply; either is journalled and handed back to revert.
import type { FaultKind, FaultSpec } from "../scenario/schema.ts";
import type { GamedayConfig } from "../scenario/config.ts";

export interface FaultRef {
  /** Unique within the run, e.g. "f03". */
  faultId: string;
  /** Carried by everything the fault creates (toxic names, proxy rule tags): "gameday-<runId>-<faultId>". */
  tag: string;
}

export interface Applied {
  /** Whatever revert needs to restore the previous state (a flag's old value, a proxy's enabled state). */
  previous?: unknown;
  /** Facts worth journalling, e.g. { keysPurged: 1234 }. */
  detail?: Record<string, unknown>;
}

/** A fault the run left behind (found by its tag after a SIGKILL). */
export interface Leftover {
  kind: FaultKind;
  target: string;
  tag: string;
  description: string;
}

/** Control over processes the environment started; only these may be signalled. */
export interface ProcessControl {
  pid(name: string): number | undefined;
  restart(name: string): Promise<void>;
}

export interface DriverContext {
  /** The config with every address resolved (no port 0 left). */
  config: GamedayConfig;
  processes?: ProcessControl;
}

export interface FaultDriver<S extends FaultSpec = FaultSpec> {
  readonly kind: S["kind"];
  /**
   * Reads, before anything changes, what revert will need (a flag's current value). The engine
   * journals the answer before calling apply and passes it in as `captured`.
   */
  capture?(spec: S, ref: FaultRef): Promise<unknown>;
  apply(spec: S, ref: FaultRef, captured?: unknown): Promise<Applied>;
  /** Must be idempotent: reverting twice, or reverting a fault that never applied, is fine. */
  revert(spec: S, ref: FaultRef, previous: unknown): Promise<Applied | undefined>;
  /**
   * How far `isActive` can be trusted: "exact" reads the fault itself back (a toxic, a proxy rule, a
   * process state); "best-effort" infers it from what the target answers (an http-action read
   * endpoint whose shape may differ from the change sent); "none" cannot observe anything.
   */
  readonly readBack: "exact" | "best-effort" | "none";
  /**
   * Read-back: is the fault observable on the target right now? `undefined` when the driver cannot
   * tell for this spec (said in its comment). `previous` is what capture or apply returned.
   */
  isActive(spec: S, ref: FaultRef, previous?: unknown): Promise<boolean | undefined>;
  /** Faults carrying a tag that starts with `tagPrefix` ("gameday-<runId>" or "gameday-"). */
  leftovers(tagPrefix: string): Promise<Leftover[]>;
  /** Removes one leftover found by `leftovers`. */
  removeLeftover(leftover: Leftover): Promise<void>;
}

export function faultTag(runId: string, faultId: string): string {
  return `gameday-${runId}-${faultId}`;
}
