// What every environment provider hands back, in a module of its own: the providers (local,
// reference, testcontainers, held) depend on this shape, and environment.ts, which picks a
// provider, depends on them, never the other way round.
import type { ProcessControl } from "../faults/driver.ts";
import type { GamedayConfig } from "../scenario/config.ts";

export interface Environment {
  /** The config with every address resolved, the alert receiver's included (receiver.listen). */
  config: GamedayConfig;
  processes?: ProcessControl;
  /** Ground-truth state changes recorded by the reference service, for accuracy checks. */
  groundTruth?: () => Promise<unknown[]>;
  /** Flip a defect switch of the reference service. */
  setDefect?: (name: string, on: boolean) => Promise<void>;
  stop(): Promise<void>;
}
