// A periodic loop scheduled against the clock: tick k is due at start + k × interval, so slow ticks
// and timer lateness never accumulate into drift. A tick that overruns skips the slots it missed
// instead of firing a burst to catch up, and ticks never overlap.

/** Runs `tick` now and then at every interval slot until `signal` aborts; resolves after the last tick ends. */
export async function runEvery(
  intervalMs: number,
  tick: () => Promise<void>,
  signal: AbortSignal,
): Promise<void> {
  if (!(intervalMs > 0)) throw new RangeError(`interval must be positive, got ${intervalMs}`);
  const start = Date.now();
  let k = 0;
  while (!signal.aborted) {
    await tick();
    k = Math.max(k + 1, Math.floor((Date.now() - start) / intervalMs) + 1);
    await sleepUntil(start + k * intervalMs, signal);
  }
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, at - Date.now()));
    signal.addEventListener("abort", done, { once: true });
  });
}
