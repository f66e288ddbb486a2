// `gameday` as a child process for tests and benchmarks that need it running while they act on
// it (serve, run --ui): output collected from both streams, its exit as a promise, and a stop that
// sends SIGTERM, then SIGKILL if it has not gone within the grace.
import { type ChildProcess, spawn } from "node:child_process";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");

export interface GamedayChild {
  child: ChildProcess;
  /** Everything printed so far, stdout and stderr interleaved as they arrived. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

export function spawnGameday(args: string[], o: { cwd: string; env?: NodeJS.ProcessEnv }): GamedayChild {
  const child = spawn(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", join(root, "src/cli/main.ts"), ...args],
    { cwd: o.cwd, env: o.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (c: Buffer) => {
    output += c;
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  return {
    child,
    output: () => output,
    exited,
    async stop(graceMs = 5_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const kill = setTimeout(() => child.kill("SIGKILL"), graceMs);
      await exited;
      clearTimeout(kill);
    },
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
