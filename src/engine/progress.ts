// Progress of a long run: a live status line on a TTY, plain timestamped lines otherwise (CI logs).
import type { LiveStats } from "../load/live.ts";
import { formatDuration } from "../scenario/duration.ts";

export interface LiveStatus {
  scenario: string;
  phase: string;
  elapsedMs: number;
  plannedMs: number;
  p95Ms: number | undefined;
  errorRate: number | undefined;
  rps: number | undefined;
  activeFaults: number;
}

/** The load figures of the status line, over the last few seconds. */
export type TrailingLoad = Pick<LiveStatus, "p95Ms" | "errorRate" | "rps">;

/**
 * The status line's load figures: from the load's live HDR stats (constant cost per tick, however many
 * requests) once the load runner has handed them over and they hold requests in the window, else
 * from `fallback` (the raw sample store: before the load's first tick, after the load, or no load).
 */
export function trailingLoad(
  live: LiveStats | undefined,
  fallback: () => TrailingLoad,
  windowSeconds = 5,
  now = Date.now(),
): TrailingLoad {
  const snap = live?.snapshot(windowSeconds, now);
  if (!snap || snap.requests === 0) return fallback();
  return { p95Ms: snap.p95, errorRate: snap.errorRate, rps: snap.rps };
}

export interface Progress {
  /** A notable event: phase change, fault applied, alert, verdict. Always printed. */
  event(text: string): void;
  /** Periodic status; rendered live on a TTY, every `plainEveryMs` as a plain line otherwise. */
  status(s: LiveStatus): void;
  done(): void;
}

/** What progress needs of its output: process.stderr, or anything that takes text. */
export interface ProgressOut {
  write(text: string): unknown;
  /** A terminal gets the live line; anything else gets plain timestamped lines. */
  isTTY?: boolean;
  /** Terminal width; the live line is cut to fit so it never wraps. */
  columns?: number;
}

export interface ProgressOptions {
  out?: ProgressOut;
  tty?: boolean;
  plainEveryMs?: number;
  quiet?: boolean;
}

function stamp(): string {
  return new Date().toISOString().slice(11, 19);
}

export function formatStatus(s: LiveStatus): string {
  const pct = s.plannedMs > 0 ? Math.min(100, Math.round((s.elapsedMs / s.plannedMs) * 100)) : 0;
  const p95 = s.p95Ms === undefined || Number.isNaN(s.p95Ms) ? "-" : `${Math.round(s.p95Ms)}ms`;
  const err =
    s.errorRate === undefined || Number.isNaN(s.errorRate) ? "-" : `${(s.errorRate * 100).toFixed(1)}%`;
  const rps = s.rps === undefined ? "-" : s.rps.toFixed(0);
  return `${s.scenario} [${s.phase}] ${formatDuration(s.elapsedMs)}/${formatDuration(s.plannedMs)} (${pct}%) p95 ${p95} err ${err} rps ${rps} faults ${s.activeFaults}`;
}

export function createProgress(o: ProgressOptions = {}): Progress {
  const out = o.out ?? process.stderr;
  const tty = o.tty ?? Boolean(out.isTTY);
  const every = o.plainEveryMs ?? 5_000;
  let lastPlain = 0;
  let live = false;
  const clearLive = () => {
    if (live) {
      out.write("\r\x1b[2K");
      live = false;
    }
  };
  if (o.quiet) return { event() {}, status() {}, done() {} };
  return {
    event(text) {
      clearLive();
      out.write(`${stamp()} ${text}\n`);
    },
    status(s) {
      const text = formatStatus(s);
      if (tty) {
        const cols = out.columns ?? 120;
        out.write(`\r\x1b[2K${text.slice(0, cols - 1)}`);
        live = true;
      } else if (Date.now() - lastPlain >= every) {
        lastPlain = Date.now();
        out.write(`${stamp()} ${text}\n`);
      }
    },
    done() {
      clearLive();
    },
  };
}
