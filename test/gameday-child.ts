// `gameday` as a child process, for every test (and benchmark) that runs the CLI: one place that
// starts it, collects its output and reports its exit, with one shape of result. `spawnGameday`
// for a child the test acts on while it runs (signals, acks, a server), `runGameday` for a command
// that is simply run to its end.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const main = join(root, "src/cli/main.ts");
const NODE_ARGS = ["--disable-warning=ExperimentalWarning"];

export interface GamedayOptions {
  /** Working directory; the repository root when not given. */
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Extra Node options before the CLI (e.g. --require a preload). */
  nodeArgs?: string[];
}

/** How a `gameday` child ended, and everything it printed. */
export interface GamedayExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** stdout and stderr together: interleaved as they arrived (spawned), or stdout then stderr (run). */
  output: string;
  stdout: string;
  stderr: string;
}

export interface GamedayChild {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  stdout(): string;
  stderr(): string;
  /** How it ended, once it has. */
  ended: Promise<GamedayExit>;
  /** Its exit code, once it has ended (`ended`'s code). */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGameday(args: string[], o: GamedayOptions = {}): GamedayChild {
  const child = spawn(process.execPath, [...NODE_ARGS, ...(o.nodeArgs ?? []), main, ...args], {
    cwd: o.cwd ?? root,
    env: o.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (c: Buffer) => {
    output += c;
    stdout += c;
  });
  child.stderr?.on("data", (c: Buffer) => {
    output += c;
    stderr += c;
  });
  // Its streams are read to their end ("close") unless something it left running holds them open
  // (`env up` leaves a stack), so the result comes at close, or 1 s after exit at the latest.
  const ended = new Promise<GamedayExit>((done) => {
    const end = () => {
      if (process.env.GAMEDAY_DEBUG) console.log(output);
      done({ code: child.exitCode, signal: child.signalCode, output, stdout, stderr });
    };
    child.once("close", end);
    child.once("exit", () => setTimeout(end, 1_000).unref());
  });
  const exited = ended.then((e) => e.code);
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    stderr: () => stderr,
    ended,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await ended;
      clearTimeout(kill);
    },
  };
}

/** Runs `gameday …` to its end (killed after `timeoutMs`, 60 s by default). */
export function runGameday(args: string[], o: GamedayOptions & { timeoutMs?: number } = {}): GamedayExit {
  const r = spawnSync(process.execPath, [...NODE_ARGS, ...(o.nodeArgs ?? []), main, ...args], {
    cwd: o.cwd ?? root,
    env: o.env ?? process.env,
    encoding: "utf8",
    timeout: o.timeoutMs ?? 60_000,
  });
  if (r.error && r.status === null && r.signal === null) throw r.error;
  return {
    code: r.status,
    signal: r.signal,
    output: `${r.stdout}${r.stderr}`,
    stdout: r.stdout,
    stderr: r.stderr,
  };
}

/** Polls `probe` until it gives a value (a probe that throws counts as no value yet). */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | Promise<T | undefined>,
  o: { ms?: number; context?: () => string } = {},
): Promise<T> {
  const ms = o.ms ?? 15_000;
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${ms} ms waiting for ${what}${o.context ? `:\n${o.context()}` : ""}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/**
 * Children of one test file, spawned without GAMEDAY_SERVE_TOKEN from the caller's shell (the
 * token cases decide the token themselves); `stopAll` in afterAll stops any still running.
 */
export function serveChildren(): {
  spawn(args: string[], cwd: string): GamedayChild;
  stopAll(): Promise<void>;
} {
  const children = new Set<GamedayChild>();
  const env = { ...process.env };
  delete env.GAMEDAY_SERVE_TOKEN;
  return {
    spawn(args, cwd) {
      const c = spawnGameday(args, { cwd, env });
      children.add(c);
      void c.exited.then(() => children.delete(c));
      return c;
    },
    async stopAll() {
      await Promise.all([...children].map((c) => c.stop()));
    },
  };
}
