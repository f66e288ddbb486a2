// The life of a load process (the built-in engine or the user's k6), the same for both: spawned in
// its own process group so a terminal's Ctrl-C reaches the harness only, which then stops it once
// (SIGINT: stop sending, let requests in flight end, write the last results); SIGKILLed when it has
// not exited within the grace period, and when the harness itself exits. Its stderr goes to a log
// file, with the last lines kept for error messages.
import { type ChildProcess, type SpawnOptions, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

export interface LoadProcessOptions {
  /** Named in the error when the process cannot be started, e.g. "the load engine". */
  what: string;
  bin: string;
  args: string[];
  spawn?: Pick<SpawnOptions, "cwd" | "env">;
  stdin: "pipe" | "ignore";
  stderrLog: string;
  /** Aborting sends SIGINT, then SIGKILL after graceMs. */
  signal?: AbortSignal;
  graceMs: number;
  /** Called once when the process is being stopped (before the SIGINT). */
  onStop?: () => void;
}

export interface LoadProcessExit {
  code: number | null;
  signal: string | null;
  /** The process was stopped through the signal or stop(). */
  aborted: boolean;
  /** It did not exit within the grace period and was SIGKILLed. */
  killed: boolean;
  /** Stop → exit, ms; undefined when not stopped. */
  stopMs: number | undefined;
  /** Last lines of its stderr. */
  stderrTail: string;
}

/** What a load run reports of its process, the same for the engine and k6. */
export interface LoadRunOutcome {
  exitCode: number | null;
  signal: string | null;
  /** The run was aborted through the AbortSignal (or stopped by the harness). */
  aborted: boolean;
  /** The process did not stop within the grace period and was SIGKILLed. */
  killed: boolean;
  /** Abort → exit, ms; undefined when not aborted. */
  stopMs: number | undefined;
  durationMs: number;
  command: string[];
  /** Last lines of the process's stderr, for error messages. */
  stderrTail: string;
}

export interface LoadProcess {
  child: ChildProcess;
  /** Resolves once the process has exited and its stdout was read to the end. */
  exit: Promise<LoadProcessExit>;
  /** Stops it as an abort does. */
  stop(): void;
}

export function startLoadProcess(o: LoadProcessOptions): LoadProcess {
  const child = spawn(o.bin, o.args, {
    ...o.spawn,
    stdio: [o.stdin, "pipe", "pipe"],
    detached: true,
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stderrLog = createWriteStream(o.stderrLog);
  let stderrTail = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderrLog.write(chunk);
    stderrTail = (stderrTail + chunk.toString("utf8")).slice(-4_000);
  });

  let aborted = false;
  let killed = false;
  let stoppedAt = 0;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = () => {
    if (aborted || !running()) return;
    aborted = true;
    stoppedAt = performance.now();
    o.onStop?.();
    child.kill("SIGINT");
    killTimer = setTimeout(() => {
      if (running()) {
        killed = true;
        child.kill("SIGKILL");
      }
    }, o.graceMs);
  };

  const exit = new Promise<{ code: number | null; signal: string | null }>((resolveExit, reject) => {
    child.once("error", (err) => reject(new Error(`could not start ${o.what} (${o.bin}): ${err.message}`)));
    // 'close' fires after stdout has been read to the end, so every result is in.
    child.once("close", (code, sig) => resolveExit({ code, signal: sig }));
    if (o.signal?.aborted) stop();
    else o.signal?.addEventListener("abort", stop, { once: true });
  })
    .then(async (e): Promise<LoadProcessExit> => {
      const ended = performance.now();
      await new Promise<void>((r) => stderrLog.end(r));
      return {
        ...e,
        aborted,
        killed,
        stopMs: aborted ? ended - stoppedAt : undefined,
        stderrTail: stderrTail.trim().split("\n").slice(-10).join("\n"),
      };
    })
    .finally(() => {
      if (killTimer) clearTimeout(killTimer);
      o.signal?.removeEventListener("abort", stop);
      process.removeListener("exit", killOnExit);
      if (running()) child.kill("SIGKILL");
      if (!stderrLog.writableEnded) stderrLog.end();
    });
  return { child, exit, stop };
}
