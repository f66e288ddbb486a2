// Process faults, only on processes the environment started: SIGSTOP (reverted with SIGCONT) and
// SIGKILL/SIGTERM (reverted by a restart). The pid is journalled so a cleanup in another process
// can still SIGCONT a stopped process.
import { readFileSync } from "node:fs";
import type { ProcessFault } from "../scenario/schema.ts";
import type { Applied, DriverContext, FaultDriver, FaultRef, Leftover, ProcessControl } from "./driver.ts";

interface Previous {
  pid: number;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(-pid, sig);
    return true;
  } catch {
    try {
      process.kill(pid, sig);
      return true;
    } catch {
      return false;
    }
  }
}

/** The process state letter from /proc (T = stopped, Z = zombie), or undefined when it is gone. */
function state(pid: number): string | undefined {
  try {
    return /\) (\S) /.exec(readFileSync(`/proc/${pid}/stat`, "utf8"))?.[1];
  } catch {
    return undefined;
  }
}

export class ProcessDriver implements FaultDriver<ProcessFault> {
  readonly kind = "process" as const;
  readonly #processes: ProcessControl | undefined;

  constructor(ctx: DriverContext) {
    this.#processes = ctx.processes;
  }

  #pid(target: string): number {
    const pid = this.#processes?.pid(target);
    if (pid === undefined)
      throw new Error(
        `process "${target}" was not started by this environment; only such processes can be signalled`,
      );
    return pid;
  }

  async apply(spec: ProcessFault, _ref?: FaultRef): Promise<Applied> {
    const pid = this.#pid(spec.target);
    if (!signal(pid, spec.signal))
      throw new Error(`could not send ${spec.signal} to ${spec.target} (pid ${pid})`);
    // Signal delivery is asynchronous: t_inject is when the stop is confirmed, not when it was asked for.
    if (spec.signal === "SIGSTOP") {
      const deadline = Date.now() + 1_000;
      while (state(pid) !== "T" && state(pid) !== undefined && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    return { previous: { pid } satisfies Previous, detail: { pid, signal: spec.signal } };
  }

  async revert(spec: ProcessFault, _ref: FaultRef | undefined, previous: unknown): Promise<Applied> {
    const pid = (previous as Previous | undefined)?.pid;
    if (spec.signal === "SIGSTOP") {
      if (pid !== undefined) signal(pid, "SIGCONT");
      return { detail: { pid, signal: "SIGCONT" } };
    }
    if (spec.restart && this.#processes) {
      await this.#processes.restart(spec.target);
      return { detail: { restarted: spec.target, pid: this.#processes.pid(spec.target) } };
    }
    return { detail: { restarted: false } };
  }

  readonly readBack = "exact" as const;

  /** Undefined for a kill without restart: the process is meant to stay down, revert or not. */
  async isActive(spec: ProcessFault, _ref?: FaultRef): Promise<boolean | undefined> {
    if (spec.signal !== "SIGSTOP" && !spec.restart) return undefined;
    const pid = this.#processes?.pid(spec.target);
    if (pid === undefined) return spec.signal !== "SIGSTOP";
    const s = state(pid);
    if (spec.signal === "SIGSTOP") return s === "T";
    return s === undefined || s === "Z";
  }

  async leftovers(): Promise<Leftover[]> {
    return [];
  }

  async removeLeftover(): Promise<void> {}
}
