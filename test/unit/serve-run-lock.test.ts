// The run lock on a real folder: one holder at a time, a refusal that says who holds it, and locks
// left by dead processes on this host taken over while another host's lock is left alone.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { EnvironmentError } from "../../src/cli/exit-codes.ts";
import {
  acquireRunLock,
  LOCK_FILE,
  type LockHolder,
  RunLockHeld,
  readRunLock,
} from "../../src/serve/run-lock.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
afterAll(() => dirs.removeAll());

/** A pid that belonged to a process which has exited. */
function deadPid(): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", () => resolve(child.pid!));
  });
}

function foreignLock(over: Partial<LockHolder>): LockHolder {
  return {
    pid: 4242,
    host: hostname(),
    by: "alice",
    via: "api",
    scenarios: ["llm-outage"],
    runId: "20260102-030405-abcd",
    since: Date.now() - 60_000,
    ...over,
  };
}

describe("run lock", () => {
  it("acquire writes the holder, release removes the file", () => {
    const dir = join(dirs.make("gameday-lock-"), "reports", "nested");
    const lock = acquireRunLock(dir, { by: "cli", via: "cli", scenarios: ["a.ts"], runId: null });
    expect(lock.path).toBe(join(dir, LOCK_FILE));
    expect(readRunLock(dir)).toEqual({
      pid: process.pid,
      host: hostname(),
      by: "cli",
      via: "cli",
      scenarios: ["a.ts"],
      runId: null,
      since: lock.holder.since,
    });
    lock.setRunId("run-1");
    expect(readRunLock(dir)?.runId).toBe("run-1");
    lock.release();
    expect(existsSync(lock.path)).toBe(false);
    expect(readRunLock(dir)).toBeNull();
  });

  it("a second acquire is refused with the holder's details, and exits like an environment error", () => {
    const dir = dirs.make("gameday-lock-");
    const first = acquireRunLock(dir, { by: "nightly", via: "schedule", scenarios: ["x", "y"], runId: null });
    first.setRunId("20260102-030405-abcd");
    let caught: unknown;
    try {
      acquireRunLock(dir, { by: "bob", via: "api", scenarios: ["z"], runId: null });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(RunLockHeld);
    expect(caught).toBeInstanceOf(EnvironmentError);
    const held = caught as RunLockHeld;
    expect(held.holder).toMatchObject({
      by: "nightly",
      via: "schedule",
      pid: process.pid,
      runId: "20260102-030405-abcd",
    });
    expect(held.message).toMatch(
      new RegExp(
        `^a gameday run is in progress in ${dir}: run 20260102-030405-abcd of x, y started by nightly via schedule ` +
          `\\(pid ${process.pid} on ${hostname()}, since \\d\\d:\\d\\d:\\d\\d\\); wait for it or stop it ` +
          `\\(gameday serve: POST /api/v1/runs/20260102-030405-abcd/stop\\)$`,
      ),
    );
    // The refused attempt left the holder's lock as it was.
    expect(readRunLock(dir)?.by).toBe("nightly");
    first.release();
    acquireRunLock(dir, { by: "bob", via: "api", scenarios: ["z"], runId: null }).release();
  });

  it("a lock whose process has died on this host is taken over", async () => {
    const dir = dirs.make("gameday-lock-");
    const pid = await deadPid();
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(foreignLock({ pid })));
    const lock = acquireRunLock(dir, { by: "carol", via: "api", scenarios: ["s"], runId: null });
    expect(readRunLock(dir)).toMatchObject({ pid: process.pid, by: "carol" });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it("release is idempotent and never removes a lock that is no longer ours", () => {
    const dir = dirs.make("gameday-lock-");
    const lock = acquireRunLock(dir, { by: "cli", via: "cli", scenarios: [], runId: null });
    lock.release();
    lock.release();
    const next = foreignLock({ since: Date.now() });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(next));
    lock.release();
    expect(readRunLock(dir)).toEqual(next);
  });

  it("a lock from another host is never taken over, even with a pid that is dead here", async () => {
    const dir = dirs.make("gameday-lock-");
    const pid = await deadPid();
    const other = foreignLock({ pid, host: "ci-runner-7", via: "cli" });
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify(other));
    expect(() => acquireRunLock(dir, { by: "dave", via: "cli", scenarios: [], runId: null })).toThrow(
      /started by alice via cli \(pid \d+ on ci-runner-7, .*kill -INT \d+ on ci-runner-7/,
    );
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), "utf8"))).toEqual(other);
  });

  it("a lock file that does not hold a holder is treated as held while it is fresh", () => {
    const dir = dirs.make("gameday-lock-");
    writeFileSync(join(dir, LOCK_FILE), "");
    expect(() => acquireRunLock(dir, { by: "erin", via: "api", scenarios: [], runId: null })).toThrow(
      /being written or is damaged/,
    );
    expect(readRunLock(dir)).toBeNull();
  });
});
