// Never leave a fault behind. Every fault is registered here before it is applied; reverts run at
// most once each, newest first, whatever path the run takes out. After a SIGKILL, cleanupRun finds
// from the journal what was registered but never reverted, and scans the fault targets for anything
// still carrying the run's tag (a fault applied after its registration line was torn, say).
import type { DriverContext, FaultDriver, Leftover } from "../faults/driver.ts";
import { createDrivers, type Drivers } from "../faults/index.ts";
import type { EventOf } from "./journal-events.ts";
import { Journal, readJournal } from "./journal.ts";

type Revert = (reason?: string) => Promise<void>;

export interface RevertAllResult {
  reverted: string[];
  failed: Array<{ faultId: string; error: string }>;
}

export class CleanupRegistry {
  /** Registration order; reverts run in the reverse of it. */
  readonly #order: string[] = [];
  readonly #pending = new Map<string, Revert>();
  readonly #running = new Map<string, Promise<void>>();

  /** Registers the undo of a fault before it is applied. Registering an id twice is a harness bug. */
  register(faultId: string, revert: Revert): void {
    if (this.#pending.has(faultId) || this.#running.has(faultId)) {
      throw new Error(`fault ${faultId} is already registered for cleanup`);
    }
    this.#order.push(faultId);
    this.#pending.set(faultId, revert);
  }

  /**
   * Reverts one fault. A second call, or a concurrent one, gets the first call's promise: the undo
   * runs at most once, and a failed undo is not retried here (cleanupRun can retry from the journal).
   */
  revert(faultId: string, reason: string): Promise<void> {
    const running = this.#running.get(faultId);
    if (running) return running;
    const fn = this.#pending.get(faultId);
    if (!fn) return Promise.resolve();
    this.#pending.delete(faultId);
    // Called through a promise so a synchronous throw becomes a rejection like any other failure.
    const p = Promise.resolve().then(() => fn(reason));
    this.#running.set(faultId, p);
    return p;
  }

  /** Faults registered and not yet being reverted. */
  get pending(): string[] {
    return this.#order.filter((id) => this.#pending.has(id));
  }

  /** Reverts everything registered, newest first, one at a time; failures are collected, never thrown. */
  async revertAll(reason: string): Promise<RevertAllResult> {
    const reverted: string[] = [];
    const failed: RevertAllResult["failed"] = [];
    for (const id of [...this.#order].reverse()) {
      try {
        await this.revert(id, reason);
        reverted.push(id);
      } catch (err) {
        failed.push({ faultId: id, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return { reverted, failed };
  }
}

export interface CleanupItem {
  /** Set when the fault was found in the journal; absent for a leftover found only by its tag. */
  faultId?: string;
  kind: string;
  target: string;
  how: "journal" | "tag";
  ok: boolean;
  /** What was done, or why it failed. */
  detail: string;
}

export interface CleanupReport {
  /** Human-readable lines, one per action, for the CLI. */
  lines: string[];
  reverted: number;
  failed: number;
  items: CleanupItem[];
}

export interface CleanupOptions {
  /** Scan Toxiproxy and the HTTP fault proxies for leftovers carrying the run's tag (default true). */
  scanLeftovers?: boolean;
  /** Drivers to use instead of createDrivers(ctx) (tests, or a caller that already holds them). */
  drivers?: Drivers;
}

function emptyReport(): CleanupReport {
  return { lines: [], reverted: 0, failed: 0, items: [] };
}

function record(report: CleanupReport, item: CleanupItem, line: string): void {
  report.items.push(item);
  report.lines.push(line);
  if (item.ok) report.reverted += 1;
  else report.failed += 1;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function removeLeftovers(drivers: Drivers, tagPrefix: string, report: CleanupReport): Promise<void> {
  for (const driver of Object.values(drivers) as FaultDriver[]) {
    let found: Leftover[];
    try {
      found = await driver.leftovers(tagPrefix);
    } catch (err) {
      record(
        report,
        { kind: driver.kind, target: "*", how: "tag", ok: false, detail: message(err) },
        `could not scan ${driver.kind} targets: ${message(err)}`,
      );
      continue;
    }
    for (const l of found) {
      try {
        await driver.removeLeftover(l);
        record(
          report,
          { kind: l.kind, target: l.target, how: "tag", ok: true, detail: `removed ${l.tag}` },
          `removed leftover ${l.description}`,
        );
      } catch (err) {
        record(
          report,
          { kind: l.kind, target: l.target, how: "tag", ok: false, detail: message(err) },
          `could not remove ${l.description}: ${message(err)}`,
        );
      }
    }
  }
}

/**
 * Undoes what a killed run left: every `fault.registered` without a `fault.reverted` is reverted
 * through its driver with the journalled spec and `fault.applied.previous` (or, when the run died
 * mid-apply, `fault.captured.previous`), newest first, and the
 * outcome is appended to the same journal; then anything still tagged `gameday-<runId>` is removed.
 */
export async function cleanupRun(
  journalPath: string,
  ctx: DriverContext,
  opts: CleanupOptions = {},
): Promise<CleanupReport> {
  const { entries, damaged } = readJournal(journalPath);
  const start = entries.find((e): e is EventOf<"run.start"> => e.type === "run.start");
  const drivers = opts.drivers ?? createDrivers(ctx);
  const report = emptyReport();
  if (damaged.length)
    report.lines.push(
      `journal has ${damaged.length} damaged line(s) (first at line ${damaged[0]!.line}); the tag scan covers what they held`,
    );
  const done = new Set(
    entries.filter((e): e is EventOf<"fault.reverted"> => e.type === "fault.reverted").map((e) => e.faultId),
  );
  const applied = new Map(
    entries
      .filter((e): e is EventOf<"fault.applied"> => e.type === "fault.applied")
      .map((e) => [e.faultId, e]),
  );
  const captured = new Map(
    entries
      .filter((e): e is EventOf<"fault.captured"> => e.type === "fault.captured")
      .map((e) => [e.faultId, e.previous]),
  );
  const open = entries
    .filter((e): e is EventOf<"fault.registered"> => e.type === "fault.registered" && !done.has(e.faultId))
    .reverse();
  if (open.length) {
    const journal = new Journal(journalPath);
    try {
      for (const reg of open) {
        const driver = drivers[reg.kind] as FaultDriver;
        const base = { faultId: reg.faultId, kind: reg.kind, target: reg.target, how: "journal" as const };
        try {
          const out = await driver.revert(
            reg.spec,
            { faultId: reg.faultId, tag: reg.tag },
            // fault.applied is missing when the run died while the change was being sent.
            applied.get(reg.faultId)?.previous ?? captured.get(reg.faultId),
          );
          journal.write({
            type: "fault.reverted",
            faultId: reg.faultId,
            reason: "cleanup",
            detail: out ? out.detail : undefined,
          });
          record(
            report,
            { ...base, ok: true, detail: "reverted" },
            `reverted ${reg.faultId}: ${reg.kind} on ${reg.target}`,
          );
        } catch (err) {
          journal.write({ type: "fault.revert_failed", faultId: reg.faultId, error: message(err) });
          record(
            report,
            { ...base, ok: false, detail: message(err) },
            `could not revert ${reg.faultId} (${reg.kind} on ${reg.target}): ${message(err)}`,
          );
        }
      }
    } finally {
      journal.close();
    }
  }
  if (opts.scanLeftovers !== false) {
    if (start) await removeLeftovers(drivers, `gameday-${start.runId}`, report);
    else
      report.lines.push(
        "journal has no run.start: the tag scan was skipped (run `gameday cleanup` without --run to remove every gameday- tag)",
      );
  }
  if (report.lines.length === 0) report.lines.push("nothing left behind");
  return report;
}

/** Removes every leftover carrying any gameday tag (`gameday-`) from Toxiproxy and the HTTP fault proxies. */
export async function cleanupAll(
  ctx: DriverContext,
  opts: Pick<CleanupOptions, "drivers"> = {},
): Promise<CleanupReport> {
  const report = emptyReport();
  await removeLeftovers(opts.drivers ?? createDrivers(ctx), "gameday-", report);
  if (report.lines.length === 0) report.lines.push("nothing left behind");
  return report;
}
