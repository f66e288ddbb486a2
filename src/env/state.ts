// State of an environment brought up by `gameday env up`: the resolved config and the pid of the
// process that holds it, so `gameday run` can reuse it and `gameday env down` can stop it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { GamedayConfig } from "../scenario/config.ts";
import { alive } from "./process.ts";

export interface EnvState {
  pid: number;
  startedAt: number;
  provider: string;
  /**
   * The resolved config. Its receiver.listen is the address the environment's Alertmanager delivers
   * to: every run on this environment binds its receiver there, and `gameday ack` finds it there.
   */
  config: GamedayConfig;
  logDir: string;
  /** Pids of the processes the environment started (name → pid), for a crashed holder's leftovers. */
  pidFile?: string;
}

export const STATE_DIR = ".gameday";
export const ENV_STATE_FILE = join(STATE_DIR, "env.json");

/** The state of a running environment, or undefined (a stale file of a dead holder is ignored). */
export function readEnvState(file = ENV_STATE_FILE): EnvState | undefined {
  const state = readEnvStateFile(file);
  return state && alive(state.pid) ? state : undefined;
}

/** The state file as written, whether or not its holder still runs. */
export function readEnvStateFile(file = ENV_STATE_FILE): EnvState | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as EnvState;
  } catch {
    return undefined;
  }
}

export function writeEnvState(state: EnvState, file = ENV_STATE_FILE): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(state, null, 2));
}

export function clearEnvState(file = ENV_STATE_FILE): void {
  rmSync(file, { force: true });
}
