// The progress output of a run, on the real module: a live status line redrawn in place on a
// terminal, plain timestamped lines at most every `plainEveryMs` otherwise (CI logs).
import { sleep } from "../../src/env/process.ts";
import { describe, expect, it } from "vitest";
import {
  createProgress,
  formatStatus,
  type LiveStatus,
  type ProgressOut,
  type TrailingLoad,
  trailingLoad,
} from "../../src/engine/progress.ts";
import { LiveStats } from "../../src/load/live.ts";

/** Collects what progress writes; the only stand-in here, for the output stream. */
function sink(
  o: { isTTY?: boolean; columns?: number } = {},
): ProgressOut & { chunks: string[]; text(): string } {
  const chunks: string[] = [];
  return { ...o, chunks, write: (t: string) => chunks.push(t), text: () => chunks.join("") };
}

const status = (over: Partial<LiveStatus> = {}): LiveStatus => ({
  scenario: "llm-provider-outage",
  phase: "observe",
  elapsedMs: 150_000,
  plannedMs: 840_000,
  p95Ms: 412.6,
  errorRate: 0.0375,
  rps: 19.6,
  activeFaults: 1,
  ...over,
});

const STAMP = /^\d\d:\d\d:\d\d /;

describe("formatStatus", () => {
  it("shows phase, elapsed of planned, p95, error rate, rps and active faults", () => {
    expect(formatStatus(status())).toBe(
      "llm-provider-outage [observe] 2m30s/14m (18%) p95 413ms err 3.8% rps 20 faults 1",
    );
  });

  it("shows - for numbers not known yet and caps the percentage at 100", () => {
    const text = formatStatus(
      status({
        p95Ms: undefined,
        errorRate: Number.NaN,
        rps: undefined,
        elapsedMs: 900_000,
        activeFaults: 0,
      }),
    );
    expect(text).toBe("llm-provider-outage [observe] 15m/14m (100%) p95 - err - rps - faults 0");
  });
});

describe("createProgress on a terminal", () => {
  it("redraws one live line in place, cut to the terminal width", () => {
    const out = sink({ isTTY: true, columns: 40 });
    const p = createProgress({ out });
    p.status(status());
    p.status(status({ elapsedMs: 151_000, phase: "recover", activeFaults: 0 }));
    expect(out.chunks).toHaveLength(2);
    for (const c of out.chunks) {
      // Carriage return + erase line, no newline: the line is replaced, not appended.
      expect(c.startsWith("\r\x1b[2K")).toBe(true);
      expect(c).not.toContain("\n");
      expect(c.length - "\r\x1b[2K".length).toBeLessThanOrEqual(39);
    }
    expect(out.chunks[1]).toContain("[recover] 2m31s");
  });

  it("shows the whole line on a wide terminal: phase, elapsed, p95, error rate, faults", () => {
    const out = sink({ isTTY: true, columns: 200 });
    createProgress({ out }).status(status());
    expect(out.text()).toBe(`\r\x1b[2K${formatStatus(status())}`);
    expect(out.text()).toMatch(/\[observe\] 2m30s\/14m .*p95 413ms err 3\.8% .*faults 1$/);
  });

  it("clears the live line before an event and at the end, so they never mix", () => {
    const out = sink({ isTTY: true, columns: 200 });
    const p = createProgress({ out });
    p.status(status());
    p.event("⚡ toxiproxy down on primary");
    expect(out.chunks[1]).toBe("\r\x1b[2K");
    expect(out.chunks[2]).toMatch(STAMP);
    expect(out.chunks[2]).toMatch(/ ⚡ toxiproxy down on primary\n$/);
    // No live line is showing after the event: a second clear would be noise.
    p.event("↺ reverted f01");
    expect(out.chunks).toHaveLength(4);
    p.status(status());
    p.done();
    expect(out.chunks.at(-1)).toBe("\r\x1b[2K");
  });
});

describe("createProgress in a log (not a terminal)", () => {
  it("writes timestamped status lines, at most one per plainEveryMs", async () => {
    const out = sink({ isTTY: false });
    const p = createProgress({ out, plainEveryMs: 300 });
    p.status(status());
    p.status(status({ elapsedMs: 151_000 }));
    expect(out.chunks).toHaveLength(1);
    expect(out.chunks[0]).toMatch(STAMP);
    expect(out.chunks[0]!.endsWith(`${formatStatus(status())}\n`)).toBe(true);
    expect(out.text()).not.toContain("\x1b");
    await sleep(350);
    p.status(status({ elapsedMs: 152_000, phase: "recover" }));
    expect(out.chunks).toHaveLength(2);
    expect(out.chunks[1]).toMatch(/\[recover\] 2m32s/);
  });

  it("prints every event at once, with its time, and nothing on done", () => {
    const out = sink();
    const p = createProgress({ out, plainEveryMs: 60_000 });
    p.event("▶ primary-down");
    p.status(status());
    p.status(status());
    p.event("✔ primary-down: PASS");
    p.done();
    const lines = out.text().split("\n").filter(Boolean);
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toMatch(STAMP);
    expect(lines[0]).toMatch(/▶ primary-down$/);
    expect(lines[1]).toContain("[observe]");
    expect(lines[2]).toMatch(/PASS$/);
    // The stamp is the wall clock's UTC time of day.
    const hhmmss = lines[0]!.slice(0, 8);
    const now = new Date().toISOString().slice(11, 19);
    expect(Math.abs(toSeconds(now) - toSeconds(hhmmss)) % 86_399).toBeLessThanOrEqual(2);
  });

  it("falls back to the stream's own isTTY, and prints nothing at all when quiet", () => {
    const tty = sink({ isTTY: true, columns: 80 });
    createProgress({ out: tty }).status(status());
    expect(tty.text().startsWith("\r\x1b[2K")).toBe(true);
    const forced = sink({ isTTY: true });
    createProgress({ out: forced, tty: false, plainEveryMs: 0 }).status(status());
    expect(forced.text()).toMatch(/^\d\d:\d\d:\d\d .*\n$/);
    const quiet = sink({ isTTY: true });
    const q = createProgress({ out: quiet, quiet: true });
    q.event("x");
    q.status(status());
    q.done();
    expect(quiet.chunks).toEqual([]);
  });
});

function toSeconds(hhmmss: string): number {
  const [h, m, s] = hhmmss.split(":").map(Number) as [number, number, number];
  return h * 3600 + m * 60 + s;
}

describe("trailingLoad: the status line's p95, error rate and rps", () => {
  const NOW = 1_700_000_010_500;
  const store: TrailingLoad = { p95Ms: 999, errorRate: 0.5, rps: 1 };

  it("reads the load's live HDR stats over the last whole seconds when they hold requests", () => {
    const live = new LiveStats();
    // 5 s before NOW's second: 20 requests a second, 10 ms, one 502 each second; 2 000 ms outlier in
    // the second still filling (left out, as the engine's results for it are still arriving).
    for (let sec = 0; sec < 5; sec++) {
      for (let i = 0; i < 20; i++)
        live.record(1_700_000_005_000 + sec * 1000 + i * 10, 10, i === 0 ? 502 : 200);
    }
    live.record(NOW, 2_000, 200);
    let fellBack = false;
    const got = trailingLoad(
      live,
      () => {
        fellBack = true;
        return store;
      },
      5,
      NOW,
    );
    expect(fellBack).toBe(false);
    expect(got.rps).toBe(20);
    expect(got.errorRate).toBeCloseTo(0.05, 10);
    expect(got.p95Ms).toBeCloseTo(10, 1);
    expect(formatStatus(status(got))).toContain("p95 10ms err 5.0% rps 20");
  });

  it("falls back to the raw store without live stats (no load, or before the load's first tick)", () => {
    expect(trailingLoad(undefined, () => store, 5, NOW)).toEqual(store);
  });

  it("falls back when the live window is empty (after the load ended)", () => {
    const live = new LiveStats();
    live.record(NOW - 30_000, 10, 200);
    expect(trailingLoad(live, () => store, 5, NOW)).toEqual(store);
  });
});
