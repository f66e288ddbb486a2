// One gameday at a time per reports folder. Two runs against the same targets would inject faults
// into each other's measurements, so `gameday run` and `gameday serve` (API and schedules) take the
// same lock file before anything is started. The file says who holds it, so whoever is refused
// can be told whom to ask, and a lock left behind by a crashed process on this host is taken over
// instead of blocking every later run.
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { EnvironmentError } from "../cli/exit-codes.ts";

export const LOCK_FILE = ".gameday-run.lock";

export interface LockHolder {
  pid: number;
  host: string;
  /** A person's name, the schedule's name, or "cli". */
  by: string;
  via: "cli" | "api" | "schedule";
  scenarios: string[];
  /** null until the run has its id (the lock is taken before the run folder exists). */
  runId: string | null;
  since: number;
}

export interface RunLock {
  path: string;
  holder: LockHolder;
  setRunId(id: string): void;
  release(): void;
}

const lockHolder = z.object({
  pid: z.number().int(),
  host: z.string(),
  by: z.string(),
  via: z.enum(["cli", "api", "schedule"]),
  scenarios: z.array(z.string()),
  runId: z.string().nullable(),
  since: z.number(),
});

/** Thrown when another run holds the reports folder; exit 3 like any environment that is not ready. */
export class RunLockHeld extends EnvironmentError {
  override name = "RunLockHeld";
  readonly holder: LockHolder;
  readonly dir: string;
  constructor(dir: string, holder: LockHolder) {
    super(heldMessage(dir, holder));
    this.dir = dir;
    this.holder = holder;
  }
}

function heldMessage(dir: string, h: LockHolder): string {
  if (h.host === UNKNOWN) {
    return (
      `a gameday run is in progress in ${dir}: its lock file ${LOCK_FILE} is being written or is damaged; ` +
      `if no run is going, remove ${join(dir, LOCK_FILE)}`
    );
  }
  const scenarios = h.scenarios.length > 0 ? h.scenarios.join(", ") : "(no scenarios)";
  const how =
    h.via === "cli"
      ? `Ctrl-C where it runs, or kill -INT ${h.pid} on ${h.host}`
      : `gameday serve: POST /api/v1/runs/${h.runId ?? "<id>"}/stop`;
  return (
    `a gameday run is in progress in ${dir}: run ${h.runId ?? "(starting)"} of ${scenarios} ` +
    `started by ${h.by} via ${h.via} (pid ${h.pid} on ${h.host}, since ${clock(h.since)}); ` +
    `wait for it or stop it (${how})`
  );
}

function clock(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

type LockFile =
  | { state: "absent" }
  | { state: "held"; holder: LockHolder }
  /** Created but not (yet, or ever) written: the creator may be between open and write, or died there. */
  | { state: "unreadable"; mtimeMs: number };

function inspect(path: string): LockFile {
  let text: string;
  let mtimeMs: number;
  try {
    mtimeMs = statSync(path).mtimeMs;
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (isCode(err, "ENOENT")) return { state: "absent" };
    throw err;
  }
  try {
    const parsed = lockHolder.safeParse(JSON.parse(text));
    if (parsed.success) return { state: "held", holder: parsed.data };
  } catch {
    // Partial JSON: handled like any content that is not a holder.
  }
  return { state: "unreadable", mtimeMs };
}

/** Who holds the reports folder's run lock, or null when nobody does (or the file says nothing usable). */
export function readRunLock(reportsDir: string): LockHolder | null {
  const f = inspect(join(reportsDir, LOCK_FILE));
  return f.state === "held" ? f.holder : null;
}

// An unreadable lock younger than this may be one being written right now.
const UNREADABLE_GRACE_MS = 10_000;

export function acquireRunLock(reportsDir: string, who: Omit<LockHolder, "pid" | "host" | "since">): RunLock {
  mkdirSync(reportsDir, { recursive: true });
  const path = join(reportsDir, LOCK_FILE);
  const holder: LockHolder = {
    pid: process.pid,
    host: hostname(),
    by: who.by,
    via: who.via,
    scenarios: [...who.scenarios],
    runId: who.runId,
    since: Date.now(),
  };

  if (!create(path, holder)) {
    const found = inspect(path);
    if (found.state === "held" && !isStale(found.holder)) throw new RunLockHeld(reportsDir, found.holder);
    if (found.state === "unreadable" && Date.now() - found.mtimeMs < UNREADABLE_GRACE_MS) {
      throw new RunLockHeld(reportsDir, unknownHolder(found.mtimeMs));
    }
    if (found.state !== "absent") removeIfUnchanged(reportsDir, path, found);
    // Once only: whoever created the file meanwhile is alive and holds it.
    if (!create(path, holder)) {
      const again = inspect(path);
      throw new RunLockHeld(reportsDir, again.state === "held" ? again.holder : unknownHolder(Date.now()));
    }
  }

  let released = false;
  return {
    path,
    holder,
    setRunId(id) {
      if (released) return;
      holder.runId = id;
      if (!ours(path, holder)) return;
      // Replaced by rename, so a reader never sees half a file.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(holder));
      renameSync(tmp, path);
    },
    release() {
      if (released) return;
      released = true;
      if (!ours(path, holder)) return;
      try {
        unlinkSync(path);
      } catch (err) {
        if (!isCode(err, "ENOENT")) throw err;
      }
    },
  };
}

function create(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, "wx");
  } catch (err) {
    if (isCode(err, "EEXIST")) return false;
    throw err;
  }
  try {
    // One write, so the window in which the file exists empty is as small as it can be.
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

/**
 * Removes the stale lock we looked at, and only that one. A plain unlink could remove a lock another
 * process took over a moment ago; moving the file aside first lets us check what we removed and put
 * a live lock back.
 */
function removeIfUnchanged(reportsDir: string, path: string, seen: LockFile): void {
  const aside = `${path}.stale.${process.pid}.${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch (err) {
    if (isCode(err, "ENOENT")) return;
    throw err;
  }
  const moved = inspect(aside);
  const same =
    seen.state === "held"
      ? moved.state === "held" &&
        moved.holder.pid === seen.holder.pid &&
        moved.holder.since === seen.holder.since
      : moved.state === "unreadable";
  if (!same) {
    try {
      linkSync(aside, path);
    } catch (err) {
      if (!isCode(err, "EEXIST")) throw err;
    }
    unlinkSync(aside);
    throw new RunLockHeld(reportsDir, moved.state === "held" ? moved.holder : unknownHolder(Date.now()));
  }
  unlinkSync(aside);
}

function ours(path: string, holder: LockHolder): boolean {
  const f = inspect(path);
  return (
    f.state === "held" &&
    f.holder.pid === holder.pid &&
    f.holder.since === holder.since &&
    f.holder.host === holder.host
  );
}

/** Only a process on this host can be checked; a lock from elsewhere (shared folder) is never stale. */
function isStale(h: LockHolder): boolean {
  if (h.host !== hostname()) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (err) {
    // EPERM: alive, but another user's.
    return isCode(err, "ESRCH");
  }
}

const UNKNOWN = "unknown";

function unknownHolder(since: number): LockHolder {
  return { pid: 0, host: UNKNOWN, by: UNKNOWN, via: "cli", scenarios: [], runId: null, since };
}

function isCode(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as NodeJS.ErrnoException).code === code;
}
