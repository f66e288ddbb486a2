// Terminal tables: full lines when piped, fitted and word-wrapped to the terminal's width otherwise.
import { describe, expect, it } from "vitest";
import { prrReportText } from "../../src/cli/commands/prr.ts";
import { fitWidths, MIN_COLUMN, table, terminalWidth, wrapCell } from "../../src/cli/table.ts";
import type { PrrReport } from "../../src/prr/index.ts";

const HEAD = ["status", "category", "item", "reason"];
const LONG_REASON =
  "llm-provider-outage: no run found; cache-cold-start: no run found; vector-latency-spike: no run found; " +
  "embedding-throttle: no run found; token-cost-surge: no run found; pii-leakage-probe: no run found; " +
  "rollback-drill: no run found; spike-2x: no run found";
const ROWS = [
  ["GREEN", "runbooks", "runbook-on-call", "runbooks/on-call.md has all 4 required steps"],
  ["RED", "compliance", "gameday-all-scenarios", LONG_REASON],
  ["GREEN", "security", "security-pins", "package-lock.json present"],
];

/** The table as it printed before widths existed: every row on one line. */
const FULL = [
  `status  category    item                   reason`,
  `------  ----------  ---------------------  ${"-".repeat(LONG_REASON.length)}`,
  `GREEN   runbooks    runbook-on-call        runbooks/on-call.md has all 4 required steps`,
  `RED     compliance  gameday-all-scenarios  ${LONG_REASON}`,
  `GREEN   security    security-pins          package-lock.json present`,
].join("\n");

const words = (s: string) => s.split(/\s+/).filter(Boolean);

describe("table", () => {
  it("without a width (not a terminal) prints every row on one full line, as before", () => {
    expect(table(HEAD, ROWS)).toBe(FULL);
    expect(table(HEAD, ROWS, {})).toBe(FULL);
    expect(table(HEAD, ROWS, { width: undefined })).toBe(FULL);
  });

  it("a table that fits the width is byte-identical to the unwrapped one", () => {
    const short = ROWS.filter((r) => r[3] !== LONG_REASON);
    const unwrapped = table(HEAD, short);
    const needed = Math.max(...unwrapped.split("\n").map((l) => l.length));
    expect(table(HEAD, short, { width: needed })).toBe(unwrapped);
    expect(table(HEAD, short, { width: 200 })).toBe(unwrapped);
    expect(table(HEAD, ROWS, { width: FULL.split("\n")[3]!.length })).toBe(FULL);
  });

  it("wraps at 80: every line fits, the short columns stay whole, the reason keeps its words in order", () => {
    const out = table(HEAD, ROWS, { width: 80 });
    const lines = out.split("\n");
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(lines[0]).toBe("status  category    item                   reason");
    expect(lines[1]).toBe(`------  ----------  ---------------------  ${"-".repeat(80 - 43)}`);
    expect(lines[2]).toBe("GREEN   runbooks    runbook-on-call        runbooks/on-call.md has all 4");
    expect(lines[3]).toBe(`${" ".repeat(43)}required steps`);
    // The red row: its first line carries the other cells, continuation lines are blank up to the
    // reason column, and nothing of the reason is lost or reordered.
    const red = lines.findIndex((l) => l.startsWith("RED"));
    const next = lines.findIndex((l, i) => i > red && l.startsWith("GREEN"));
    expect(lines[red]!.slice(0, 43)).toBe("RED     compliance  gameday-all-scenarios  ");
    const continuation = lines.slice(red + 1, next);
    expect(continuation.length).toBeGreaterThan(3);
    for (const l of continuation) expect(l.slice(0, 43)).toBe(" ".repeat(43));
    const reason = [lines[red]!, ...continuation].map((l) => l.slice(43)).join(" ");
    expect(words(reason)).toEqual(words(LONG_REASON));
    expect(lines[next]).toBe("GREEN   security    security-pins          package-lock.json present");
  });

  it("breaks a word longer than its column (a URL, a path) hard, keeping every character", () => {
    const url = `https://example.invalid/${"very-long-path-segment/".repeat(6)}runbook.md`;
    const out = table(["item", "evidence"], [["runbook", `see ${url} for the steps`]], { width: 40 });
    const lines = out.split("\n");
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(40);
    const column = lines.slice(2).map((l) => l.slice("runbook  ".length));
    expect(column.join("").replace(/ /g, "")).toBe(`see${url}forthesteps`);
    expect(column.filter((c) => c.length === 40 - "runbook  ".length).length).toBeGreaterThan(2);
  });

  it("never shrinks a column below its header or the minimum; a table that cannot fit runs over", () => {
    const head = ["scenario", "a-long-header-name", "x"];
    const rows = [["s".repeat(30), "v".repeat(40), "y".repeat(30)]];
    const widths = fitWidths(head, [30, 40, 30], 20);
    expect(widths).toEqual([MIN_COLUMN, "a-long-header-name".length, MIN_COLUMN]);
    const out = table(head, rows, { width: 20 });
    expect(out.split("\n")[0]).toBe("scenario  a-long-header-name  x");
    expect(out.split("\n").slice(2).join("").replace(/ /g, "")).toContain("s".repeat(MIN_COLUMN));
  });

  it("shrinks the widest column first, the rightmost on a tie", () => {
    expect(fitWidths(["a", "b", "c"], [10, 50, 10], 60)).toEqual([10, 36, 10]);
    expect(fitWidths(["a", "b", "c"], [30, 10, 30], 64)).toEqual([25, 10, 25]);
    expect(fitWidths(["a", "b", "c"], [30, 10, 30], 63)).toEqual([25, 10, 24]);
    expect(fitWidths(["a", "b", "c"], [60, 10, 30], 84)).toEqual([40, 10, 30]);
    expect(fitWidths(["a", "b", "c"], [60, 10, 30], 64)).toEqual([25, 10, 25]);
  });
});

describe("wrapCell", () => {
  it("returns a cell that fits untouched, spacing included", () => {
    expect(wrapCell("a  b", 10)).toEqual(["a  b"]);
  });
  it("fills lines word by word; a word too long for any line starts its own and is cut at the edge", () => {
    expect(wrapCell("one two three four", 9)).toEqual(["one two", "three", "four"]);
    expect(wrapCell("ab abcdefghijklmnop cd", 8)).toEqual(["ab", "abcdefgh", "ijklmnop", "cd"]);
    expect(wrapCell("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
  });
});

describe("terminalWidth", () => {
  it("is the terminal's width on a TTY, undefined when piped, and COLUMNS overrides both", () => {
    expect(terminalWidth({ isTTY: true, columns: 97 }, {})).toBe(97);
    expect(terminalWidth({ isTTY: false, columns: 97 }, {})).toBeUndefined();
    expect(terminalWidth({}, {})).toBeUndefined();
    expect(terminalWidth({}, { COLUMNS: "100" })).toBe(100);
    expect(terminalWidth({ isTTY: true, columns: 97 }, { COLUMNS: "120" })).toBe(120);
    expect(terminalWidth({ isTTY: true, columns: 97 }, { COLUMNS: "wide" })).toBe(97);
    expect(terminalWidth({}, { COLUMNS: "0" })).toBeUndefined();
  });
});

describe("prr check output", () => {
  const report: PrrReport = {
    service: "Ops Copilot API (v2)",
    owners: { sre: "IC", security: "AppSec", product: "PM", platform: "EM" },
    checkedOn: "2026-12-03",
    items: ROWS.map(([status, category, id, reason]) => ({
      id: id!,
      category: category as PrrReport["items"][number]["category"],
      title: id!,
      kind: "gameday",
      status: status!.toLowerCase() as PrrReport["items"][number]["status"],
      reason: reason!,
      evidence: [],
      exception: null,
    })),
    green: 2,
    excepted: 0,
    red: 1,
    percent: 66.7,
    ready: false,
  };

  it("fits 100 columns on a terminal and prints full lines when piped", () => {
    const wrapped = prrReportText(report, { width: 100 }).split("\n");
    for (const l of wrapped) expect(l.length, l).toBeLessThanOrEqual(100);
    expect(wrapped[0]).toBe("PRR Ops Copilot API (v2) — checked 2026-12-03");
    expect(wrapped.at(-1)).toBe("2 green, 0 excepted, 1 red — 67% ready (not ready)");
    const text = (lines: string[]) => words(lines.filter((l) => !/^[- ]+$/.test(l)).join(" "));
    expect(text(wrapped)).toEqual(text(prrReportText(report).split("\n")));

    const piped = prrReportText(report).split("\n");
    expect(piped).toContain(`RED     compliance  gameday-all-scenarios  ${LONG_REASON}`);
    // title, header, rule, one line per item, blank, tally
    expect(piped.length).toBe(3 + ROWS.length + 2);
    expect(wrapped.length).toBeGreaterThan(piped.length);
  });
});
