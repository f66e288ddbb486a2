// A throwaway PostgreSQL 15 server for tests of the shared run-history store: its own cluster in a
// fresh temporary folder, on a free loopback port, trust auth, fsync off. make setup installs
// Debian's postgresql-15, whose programs live in POSTGRES_BIN_DIR (not on PATH); the package's own
// "main" cluster is never started or used.
//
// initdb and postgres refuse to run as root, so under root (as in CI containers) they run as the
// `postgres` OS user the Debian package creates.
//
// What a killed test process leaves: nothing, after a moment. Each server has a small sh watchdog
// whose stdin is a pipe from this process. When this process exits in any way, SIGKILL included, the
// pipe closes; the watchdog then asks postgres for a fast shutdown (SIGINT), waits for it to exit
// and removes the temporary folder. Tests still call stop() in afterAll, which shuts the server down
// with `pg_ctl stop -m fast`, removes the folder and dismisses the watchdog before the file ends.
import { type ChildProcess, execFile, execFileSync, spawn } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Client } from "pg";
import { freePort } from "../src/env/process.ts";

export const POSTGRES_BIN_DIR = "/usr/lib/postgresql/15/bin";
export const POSTGRES_TEST_DATABASE = "gameday_test";
const HOST = "127.0.0.1";
const READY_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 30_000;

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:PORT/gameday_test; no password (trust auth). */
  url: string;
  port: number;
  /** The temporary folder: the cluster (data/) and the unix socket. Gone after stop(). */
  dir: string;
  /** Fast shutdown, then removes the folder. Safe to call twice. */
  stop(): Promise<void>;
}

type RunAs = { uid: number; gid: number } | undefined;

const execFileAsync = promisify(execFile);

function bin(name: string): string {
  return join(POSTGRES_BIN_DIR, name);
}

/** Under root, the `postgres` user's ids (null when there is no such user); otherwise ourselves. */
function runAs(): RunAs | null {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string): number => {
    try {
      return Number.parseInt(
        execFileSync("id", [flag, "postgres"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }),
        10,
      );
    } catch {
      return Number.NaN;
    }
  };
  const uid = id("-u");
  const gid = id("-g");
  return Number.isNaN(uid) || Number.isNaN(gid) ? null : { uid, gid };
}

/**
 * Why a PostgreSQL 15 server cannot be started here, or null when it can. Tests skip with this
 * reason (describe.skipIf) and print it.
 */
export function postgresUnavailable(): string | null {
  for (const name of ["initdb", "postgres", "pg_ctl"]) {
    if (!existsSync(bin(name)))
      return `PostgreSQL 15 is not installed (no ${bin(name)}): make setup installs Debian's postgresql-15`;
  }
  if (runAs() === null)
    return "running as root and there is no `postgres` user to run initdb and postgres as (they refuse root)";
  return null;
}

/** Starts a PostgreSQL 15 server with an empty `gameday_test` database, ready for connections. */
export async function startPostgres(): Promise<PostgresServer> {
  const unavailable = postgresUnavailable();
  if (unavailable) throw new Error(unavailable);
  const user = runAs() ?? undefined;
  const dir = mkdtempSync(join(tmpdir(), "gameday-pg-"));
  if (user) chownSync(dir, user.uid, user.gid);
  // Started before initdb, so a test process killed from here on leaves no folder behind.
  const watchdog = startWatchdog(dir, user);
  const data = join(dir, "data");
  try {
    // --no-sync: a test cluster need not survive a power cut, and it makes initdb much faster.
    await execFileAsync(
      bin("initdb"),
      ["-D", data, "--auth=trust", "-U", "postgres", "--encoding=UTF8", "--locale=C", "--no-sync"],
      { cwd: dir, ...user, env: postgresEnv() },
    );
    // A port picked by freePort() can be taken before postgres binds it: postgres then exits with
    // "Address already in use" and another port is tried.
    for (let attempt = 1; ; attempt++) {
      const port = await freePort(HOST);
      const server = spawnPostgres(dir, data, port, user);
      watchdog.watch(server.child.pid);
      try {
        await waitReady(server, dir, port);
        await createDatabase(dir, port);
      } catch (err) {
        await server.kill();
        if (err instanceof PortTakenError && attempt < 3) continue;
        throw err;
      }
      return {
        url: `postgres://postgres@${HOST}:${port}/${POSTGRES_TEST_DATABASE}`,
        port,
        dir,
        stop: once(async () => {
          try {
            await execFileAsync(
              bin("pg_ctl"),
              ["stop", "-D", data, "-m", "fast", "-w", "-t", String(STOP_TIMEOUT_MS / 1000)],
              { cwd: dir, ...user, env: postgresEnv() },
            );
          } finally {
            await server.kill();
            await watchdog.dismiss();
            rmSync(dir, { recursive: true, force: true });
          }
        }),
      };
    }
  } catch (err) {
    await watchdog.dismiss();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

class PortTakenError extends Error {
  override name = "PortTakenError";
}

/** Our environment without libpq's PG* variables, which would point the programs elsewhere. */
function postgresEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("PG")));
}

// $1: the temporary folder. stdin, a pipe from the test process, says "pid N" for each postgres
// started and "done" after a clean stop. At EOF without "done" the test process is gone: stop the
// server (SIGINT: fast shutdown), wait for it, remove the folder.
const WATCHDOG = `
pg=
while read -r word arg; do
  case $word in
    pid) pg=$arg ;;
    done) exit 0 ;;
  esac
done
if [ -n "$pg" ]; then
  kill -INT "$pg" 2>/dev/null
  while kill -0 "$pg" 2>/dev/null; do sleep 0.1; done
fi
rm -rf "$1"
`;

interface Watchdog {
  watch(pid: number | undefined): void;
  /** Tells the watchdog to exit without touching anything, and waits for it. */
  dismiss(): Promise<void>;
}

function startWatchdog(dir: string, user: RunAs): Watchdog {
  // Same user as postgres, so that it may signal postgres and remove the cluster's files.
  const child = spawn("sh", ["-c", WATCHDOG, "sh", dir], {
    cwd: dir,
    ...user,
    stdio: ["pipe", "ignore", "ignore"],
  });
  const exited = exitOf(child);
  // Neither it nor its pipe may keep a finished test process alive: the pipe closing is the signal.
  child.unref();
  child.stdin?.on("error", () => {}); // EPIPE, should it have died: nothing left to tell it
  (child.stdin as Socket | null)?.unref();
  return {
    watch(pid) {
      if (pid !== undefined) child.stdin?.write(`pid ${pid}\n`);
    },
    dismiss: once(async () => {
      child.stdin?.end("done\n");
      await exited;
    }),
  };
}

interface Postgres {
  child: ChildProcess;
  exited: Promise<void>;
  /** The tail of its log (stderr), for error messages. */
  log(): string;
  /** SIGINT (fast shutdown), SIGKILL if it is still there after STOP_TIMEOUT_MS; waits for the exit. */
  kill(): Promise<void>;
}

function spawnPostgres(dir: string, data: string, port: number, user: RunAs): Postgres {
  const args = [
    ["-D", data],
    ["-p", String(port)],
    ["-c", `listen_addresses=${HOST}`],
    // The socket goes in our folder: the default, /var/run/postgresql, belongs to the package.
    ["-c", `unix_socket_directories=${dir}`],
    // Durability buys a test nothing and costs it seconds.
    ["-c", "fsync=off"],
    ["-c", "synchronous_commit=off"],
    ["-c", "full_page_writes=off"],
    ["-c", "shared_buffers=16MB"],
  ].flat();
  const child = spawn(bin("postgres"), args, {
    cwd: dir,
    ...user,
    env: postgresEnv(),
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-8 * 1024);
  });
  const exited = exitOf(child);
  child.unref();
  (child.stderr as Socket | null)?.unref();
  return {
    child,
    exited,
    log: () => log,
    kill: once(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    }),
  };
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.once("error", () => resolve());
  });
}

/**
 * Connects through the unix socket in our own folder, so whatever answers is our server. postgres
 * binds its TCP port before it creates the socket and exits when it cannot, so an answer there also
 * means 127.0.0.1:port is ours.
 */
async function waitReady(server: Postgres, dir: string, port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError = "not tried";
  let gone = false;
  void server.exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline) {
    if (gone) {
      await new Promise((r) => setTimeout(r, 50)); // the last log lines
      const log = server.log().trim();
      if (/address already in use/i.test(log)) throw new PortTakenError(`port ${port} is taken: ${log}`);
      throw new Error(`postgres exited before it was ready (code ${server.child.exitCode}):\n${log}`);
    }
    const client = new Client({ host: dir, port, user: "postgres", database: "postgres" });
    try {
      await client.connect();
      await client.query("select 1");
      return;
    } catch (err) {
      // ENOENT until the socket exists, then "the database system is starting up" for a moment.
      lastError = (err as Error).message;
    } finally {
      await client.end().catch(() => {});
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `postgres not ready within ${READY_TIMEOUT_MS} ms on port ${port} (${lastError}):\n${server.log().trim()}`,
  );
}

async function createDatabase(dir: string, port: number): Promise<void> {
  const client = new Client({ host: dir, port, user: "postgres", database: "postgres" });
  await client.connect();
  try {
    await client.query(`create database ${POSTGRES_TEST_DATABASE}`);
  } finally {
    await client.end();
  }
}

/** `fn`, run at most once: later calls get the first call's promise. */
function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
