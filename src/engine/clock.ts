// Scheduling against a monotonic origin: every step's delay is computed from the origin, never
// from the previous step, so lateness does not accumulate (no drift over a 14-minute scenario).
import { performance } from "node:perf_hooks";

export class ScenarioClock {
  /** Monotonic origin (performance.now()). */
  readonly origin: number;
  /** Wall-clock time at the origin. */
  readonly wallOrigin: number;

  constructor() {
    this.origin = performance.now();
    this.wallOrigin = Date.now();
  }

  /** Milliseconds since the origin. */
  elapsed(): number {
    return performance.now() - this.origin;
  }

  /** Wall-clock instant of an offset, for journal entries and measurement windows. */
  wallAt(offsetMs: number): number {
    return this.wallOrigin + offsetMs;
  }

  /**
   * Resolves at `offsetMs` after the origin with how late it fired, or rejects with the abort reason.
   * A coarse timer gets close, then a short final wait absorbs timer slack.
   */
  until(offsetMs: number, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let timer: NodeJS.Timeout | undefined;
      const onAbort = () => {
        if (timer) clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      const fire = () => {
        const remaining = offsetMs - this.elapsed();
        if (remaining > 1) {
          timer = setTimeout(fire, remaining > 30 ? remaining - 10 : remaining);
          return;
        }
        signal?.removeEventListener("abort", onAbort);
        resolve(Math.max(0, this.elapsed() - offsetMs));
      };
      fire();
    });
  }
}

/** An abortable sleep. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
