// The config a run actually used (every address resolved), kept in the run folder so that
// `gameday cleanup --run <id>` reaches the same targets after the run was SIGKILLed.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { GamedayConfig } from "../scenario/config.ts";

export const RESOLVED_CONFIG = join("env", "config.json");

export function writeResolvedConfig(runDir: string, cfg: GamedayConfig): void {
  mkdirSync(join(runDir, "env"), { recursive: true });
  writeFileSync(join(runDir, RESOLVED_CONFIG), JSON.stringify(cfg, null, 2));
}
