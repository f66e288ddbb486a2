// Child processes the harness starts (toxiproxy-server, redis-server, the reference stack, k6 is
// separate): spawned in their own process group with logs in the run folder, checked for readiness,
// stopped with SIGTERM then SIGKILL. Each start is recorded in a state file so that `gameday cleanup`
// and `gameday env down` can stop what a SIGKILLed harness left running.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { dirname, join } from "node:path";

export interface Readiness {
  tcp?: { host: string; port: number };
  http?: string;
  /** How long to wait for readiness. */
  timeoutMs?: number;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
  cwd?: string;
  /** Folder for <name>.log (stdout and stderr). */
  logDir: string;
  ready?: Readiness;
  /** State file that records pids for cleanup after a crash. */
  stateFile?: string;
}

export class ManagedProcess {
  readonly name: string;
  readonly options: StartOptions;
  child: ChildProcess;
  #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(options: StartOptions, child: ChildProcess) {
    this.name = options.name;
    this.options = options;
    this.child = child;
    this.#exited = this.#watch(child);
  }

  static async start(options: StartOptions): Promise<ManagedProcess> {
    const mp = new ManagedProcess(options, ManagedProcess.#spawn(options));
    if (options.stateFile) recordPid(options.stateFile, options.name, mp.pid!);
    try {
      if (options.ready) await mp.waitReady(options.ready);
    } catch (err) {
      await mp.stop();
      throw err;
    }
    return mp;
  }

  static #spawn(options: StartOptions): ChildProcess {
    mkdirSync(options.logDir, { recursive: true });
    const log = createWriteStream(join(options.logDir, `${options.name}.log`), { flags: "a" });
    const child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on("error", (err) => log.write(`spawn error: ${err.message}\n`));
    child.on("exit", () => setTimeout(() => log.end(), 50));
    return child;
  }

  #watch(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitInfo = { code, signal };
        resolve({ code, signal });
      });
      child.once("error", () => {
        this.exitInfo = { code: null, signal: null };
        resolve({ code: null, signal: null });
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  async waitReady(ready: Readiness): Promise<void> {
    const deadline = Date.now() + (ready.timeoutMs ?? 15_000);
    let lastError = "not tried";
    while (Date.now() < deadline) {
      if (!this.running) {
        throw new Error(
          `${this.name} exited before it was ready (code ${this.exitInfo?.code}, signal ${this.exitInfo?.signal}); see ${join(this.options.logDir, `${this.name}.log`)}`,
        );
      }
      try {
        if (ready.tcp) await tcpReady(ready.tcp.host, ready.tcp.port);
        if (ready.http) {
          const res = await fetch(ready.http, { signal: AbortSignal.timeout(1_000) });
          await res.arrayBuffer();
          if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        }
        return;
      } catch (err) {
        lastError = (err as Error).message;
        await sleep(50);
      }
    }
    throw new Error(
      `${this.name} not ready within ${ready.timeoutMs ?? 15_000} ms (${lastError}); see ${join(this.options.logDir, `${this.name}.log`)}`,
    );
  }

  /** SIGTERM the process group, SIGKILL after the grace period. Safe to call twice. */
  async stop(graceMs = 3_000): Promise<void> {
    if (!this.running || this.pid === undefined) return;
    signalGroup(this.pid, "SIGTERM");
    const timer = setTimeout(() => this.pid !== undefined && signalGroup(this.pid, "SIGKILL"), graceMs);
    await this.#exited;
    clearTimeout(timer);
    if (this.options.stateFile) forgetPid(this.options.stateFile, this.name);
  }

  signal(sig: NodeJS.Signals): void {
    if (this.pid !== undefined && this.running) signalGroup(this.pid, sig);
  }

  /** Starts the same command again (after a SIGKILL fault); waits for readiness. */
  async restart(): Promise<void> {
    if (this.running) await this.stop();
    this.exitInfo = undefined;
    this.child = ManagedProcess.#spawn(this.options);
    this.#exited = this.#watch(this.child);
    if (this.options.stateFile) recordPid(this.options.stateFile, this.name, this.pid!);
    if (this.options.ready) await this.waitReady(this.options.ready);
  }

  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.#exited;
  }
}

function signalGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

export function tcpReady(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port });
    sock.setTimeout(1_000);
    sock.once("connect", () => {
      sock.destroy();
      resolve();
    });
    sock.once("timeout", () => {
      sock.destroy();
      reject(new Error(`timeout connecting to ${host}:${port}`));
    });
    sock.once("error", (err) => reject(err));
  });
}

/** A free TCP port on loopback (bind to 0, read, close). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- pid state for crash cleanup --------------------------------------------------------------------

type PidState = Record<string, number>;

function readState(file: string): PidState {
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as PidState;
  } catch {
    return {};
  }
}

function recordPid(file: string, name: string, pid: number): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ ...readState(file), [name]: pid }, null, 2));
}

function forgetPid(file: string, name: string): void {
  const state = readState(file);
  delete state[name];
  writeFileSync(file, JSON.stringify(state, null, 2));
}

/** Whether a process exists and has not exited (a zombie waiting to be reaped counts as gone). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** Stops every process group a state file still lists (after the harness was SIGKILLed). Returns the names stopped. */
export async function stopRecorded(file: string, graceMs = 2_000): Promise<string[]> {
  const state = readState(file);
  const stopped: string[] = [];
  for (const [name, pid] of Object.entries(state)) {
    if (!alive(pid)) continue;
    signalGroup(pid, "SIGTERM");
    const deadline = Date.now() + graceMs;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) signalGroup(pid, "SIGKILL");
    stopped.push(name);
  }
  if (existsSync(file)) writeFileSync(file, "{}");
  return stopped;
}
