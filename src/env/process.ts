// Child processes the harness starts (toxiproxy-server, redis-server, the reference stack; the load
// engine has its own runner): spawned in their own process group with logs in the run folder, checked for readiness,
// stopped with SIGTERM then SIGKILL. Each start is recorded in a state file so that `gameday cleanup`
// and `gameday env down` can stop what a SIGKILLed harness left running.
import { type ChildProcess, spawn } from "node:child_process";
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer, connect } from "node:net";
import { dirname, join } from "node:path";

export interface Readiness {
  tcp?: { host: string; port: number };
  http?: string;
  /** How long to wait for readiness. */
  timeoutMs?: number;
  /**
   * Whether the probed port must be held by the child's own process group (default true). Off for
   * commands that serve through another process (a container runtime's port forwarder, say).
   */
  ownsPort?: boolean;
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

/**
 * The port a child was told to listen on is held by another process. A port picked by freePort() can
 * be taken by anyone between the pick and the child's bind; startOnFreePort() then tries a new one.
 */
export class PortTakenError extends Error {
  readonly port: number;
  constructor(port: number, detail: string) {
    super(`port ${port} is taken: ${detail}`);
    this.port = port;
    this.name = "PortTakenError";
  }
}

export class ManagedProcess {
  readonly name: string;
  readonly options: StartOptions;
  child: ChildProcess;
  /** The current spawn's output until it is ready, for its bind errors: the shared log file also holds
   * what an earlier, failed spawn flushed late. */
  #recentOutput: string | undefined = "";
  #exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  private constructor(options: StartOptions, child: ChildProcess) {
    this.name = options.name;
    this.options = options;
    this.child = child;
    this.#exited = this.#watch(child);
    this.#keepRecentOutput(child);
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
    const port = ready.ownsPort === false ? undefined : readinessPort(ready);
    let lastError = "not tried";
    let nextOwnerCheck = 0;
    while (Date.now() < deadline) {
      if (!this.running) {
        await sleep(100); // the last lines reach the log after the exit event
        this.#throwIfBindFailed(port);
        throw new Error(
          `${this.name} exited before it was ready (code ${this.exitInfo?.code}, signal ${this.exitInfo?.signal}); see ${this.#logFile()}`,
        );
      }
      let answered = false;
      try {
        if (ready.tcp) await tcpReady(ready.tcp.host, ready.tcp.port);
        if (ready.http) {
          const res = await fetch(ready.http, { signal: AbortSignal.timeout(1_000) });
          await res.arrayBuffer();
          if (res.status >= 500) throw new Error(`HTTP ${res.status}`);
        }
        answered = true;
      } catch (err) {
        lastError = (err as Error).message;
      }
      // Whatever answered must be this child: a process that failed to bind may stay up (toxiproxy-server
      // does) while another program answers on its port.
      if (port !== undefined && this.pid !== undefined && (answered || Date.now() >= nextOwnerCheck)) {
        nextOwnerCheck = Date.now() + 500;
        const owner = portListener(port, this.pid);
        if (owner?.kind === "foreign") {
          throw new PortTakenError(
            port,
            `${this.name} was to listen there, but pid ${owner.pid ?? "?"} (${owner.command}) does`,
          );
        }
        if (answered && owner?.kind === "none") answered = false;
      }
      if (answered) {
        this.#recentOutput = undefined; // ready: nothing more to look for
        return;
      }
      this.#throwIfBindFailed(port);
      await sleep(50);
    }
    throw new Error(
      `${this.name} not ready within ${ready.timeoutMs ?? 15_000} ms (${lastError}); see ${this.#logFile()}`,
    );
  }

  #keepRecentOutput(child: ChildProcess): void {
    this.#recentOutput = "";
    const keep = (chunk: Buffer): void => {
      if (child !== this.child || this.#recentOutput === undefined) return;
      this.#recentOutput = (this.#recentOutput + chunk.toString("utf8")).slice(-64 * 1024);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
  }

  #logFile(): string {
    return join(this.options.logDir, `${this.name}.log`);
  }

  /** Throws when this spawn logged "address already in use" (redis, Go and Node all say it so). */
  #throwIfBindFailed(port: number | undefined): void {
    if (port === undefined) return;
    const line = (this.#recentOutput ?? "")
      .split("\n")
      .find((l) => /address already in use|EADDRINUSE/i.test(l));
    if (line) throw new PortTakenError(port, `${this.name}: ${line.trim()}`);
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
    this.#keepRecentOutput(this.child);
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

/**
 * Starts a child on a port picked by freePort(); when another process takes the port before the child
 * binds it, starts it again on a new port. `build` turns a port into the start options.
 */
export async function startOnFreePort(
  build: (port: number) => StartOptions,
  o: { host?: string; attempts?: number } = {},
): Promise<{ process: ManagedProcess; port: number }> {
  const attempts = o.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort(o.host);
    try {
      return { process: await ManagedProcess.start(build(port)), port };
    } catch (err) {
      if (!(err instanceof PortTakenError) || attempt >= attempts) throw err;
    }
  }
}

/** Starts a child on a fixed port, or with port 0 on a free one as startOnFreePort() does. */
export async function startOnPort(
  port: number,
  build: (port: number) => StartOptions,
  o: { host?: string; attempts?: number } = {},
): Promise<{ process: ManagedProcess; port: number }> {
  if (port === 0) return startOnFreePort(build, o);
  return { process: await ManagedProcess.start(build(port)), port };
}

export type PortListener =
  | { kind: "ours" }
  | { kind: "none" }
  | { kind: "foreign"; pid: number | undefined; command: string };

/**
 * Who holds the listening TCP socket on `port` (any address): a process of the group `pgid` ("ours"),
 * some other process ("foreign", with its pid when /proc lets us see it), or nobody. Undefined where
 * /proc/net/tcp cannot be read (not Linux): the caller then trusts the readiness probe alone.
 */
export function portListener(port: number, pgid: number): PortListener | undefined {
  const inodes = listeningInodes(port);
  if (inodes === undefined) return undefined;
  if (inodes.size === 0) return { kind: "none" };
  let holder: number | undefined;
  for (const pid of processIds()) {
    if (!holdsSocket(pid, inodes)) continue;
    if (processGroup(pid) === pgid) return { kind: "ours" };
    holder ??= pid;
  }
  return { kind: "foreign", pid: holder, command: holder === undefined ? "not visible" : commandOf(holder) };
}

function listeningInodes(port: number): Set<string> | undefined {
  const inodes = new Set<string>();
  let readable = false;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
      readable = true;
    } catch {
      continue;
    }
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode; st 0A is LISTEN.
    for (const line of text.split("\n").slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== "0A") continue;
      const local = f[1] ?? "";
      if (Number.parseInt(local.slice(local.lastIndexOf(":") + 1), 16) === port) inodes.add(f[9] ?? "");
    }
  }
  return readable ? inodes : undefined;
}

function processIds(): number[] {
  try {
    return readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .map(Number);
  } catch {
    return [];
  }
}

function holdsSocket(pid: number, inodes: Set<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m?.[1] && inodes.has(m[1])) return true;
    } catch {
      // fd closed while we looked
    }
  }
  return false;
}

function processGroup(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // After "(comm) ": state ppid pgrp …; comm may itself hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean).join(" ").slice(0, 120);
  } catch {
    return "unknown command";
  }
}

function readinessPort(ready: Readiness): number | undefined {
  if (ready.tcp) return ready.tcp.port;
  if (!ready.http) return undefined;
  const url = new URL(ready.http);
  return Number(url.port || (url.protocol === "https:" ? 443 : 80));
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

/**
 * Stops every process group a state file still lists (after the harness was SIGKILLed, or on its
 * way out after a crash). All groups get SIGTERM at once and SIGKILL after one shared grace period,
 * so the whole stop takes at most about graceMs. Returns the names stopped.
 */
export async function stopRecorded(file: string, graceMs = 2_000): Promise<string[]> {
  const live = Object.entries(readState(file)).filter(([, pid]) => alive(pid));
  for (const [, pid] of live) signalGroup(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (live.some(([, pid]) => alive(pid)) && Date.now() < deadline) await sleep(50);
  for (const [, pid] of live) if (alive(pid)) signalGroup(pid, "SIGKILL");
  const killed = Date.now() + 1_000;
  while (live.some(([, pid]) => alive(pid)) && Date.now() < killed) await sleep(20);
  if (existsSync(file)) writeFileSync(file, "{}");
  return live.map(([name]) => name);
}
