import fc from "fast-check";
import { Counter, Gauge, Histogram, Registry, Summary } from "prom-client";
import { describe, expect, it } from "vitest";
import {
  matchesSelector,
  parsePromSamples,
  parsePromText,
  parseSelector,
  PromTextError,
} from "../../src/observe/prom-text.ts";

function registry() {
  const reg = new Registry();
  const c = new Counter({
    name: "req_total",
    help: "Requests\\ with a\nnewline",
    labelNames: ["route", "code"],
    registers: [reg],
  });
  c.inc({ route: '/a"b\\c\nd', code: "200" }, 3);
  const g = new Gauge({ name: "queue_depth", help: "Depth", labelNames: ["q"], registers: [reg] });
  g.set({ q: "x" }, 7.5);
  g.set({ q: "inf" }, Number.POSITIVE_INFINITY);
  g.set({ q: "ninf" }, Number.NEGATIVE_INFINITY);
  g.set({ q: "nan" }, Number.NaN);
  const h = new Histogram({ name: "lat_seconds", help: "Latency", buckets: [0.1, 1], registers: [reg] });
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  const s = new Summary({ name: "size_bytes", help: "Size", percentiles: [0.5, 0.9], registers: [reg] });
  s.observe(10);
  s.observe(20);
  return reg;
}

describe("parsePromText on real prom-client output", () => {
  it("reads counters, gauges with ±Inf/NaN, histograms, summaries and escaped labels", async () => {
    const text = await registry().metrics();
    const fams = parsePromText(text);
    const byName = new Map(fams.map((f) => [f.name, f]));
    expect(byName.get("req_total")?.type).toBe("counter");
    expect(byName.get("req_total")?.help).toBe("Requests\\ with a\nnewline");
    expect(byName.get("req_total")?.samples).toEqual([
      { name: "req_total", labels: { route: '/a"b\\c\nd', code: "200" }, value: 3 },
    ]);
    const depth = Object.fromEntries(byName.get("queue_depth")!.samples.map((s) => [s.labels.q, s.value]));
    expect(depth).toEqual({ x: 7.5, inf: Infinity, ninf: -Infinity, nan: Number.NaN });
    const lat = byName.get("lat_seconds")!;
    expect(lat.type).toBe("histogram");
    expect(
      lat.samples.filter((s) => s.name === "lat_seconds_bucket").map((s) => [s.labels.le, s.value]),
    ).toEqual([
      ["0.1", 1],
      ["1", 2],
      ["+Inf", 3],
    ]);
    expect(lat.samples.find((s) => s.name === "lat_seconds_count")?.value).toBe(3);
    const size = byName.get("size_bytes")!;
    expect(size.type).toBe("summary");
    expect(size.samples.filter((s) => s.labels.quantile !== undefined)).toHaveLength(2);
    expect(size.samples.find((s) => s.name === "size_bytes_sum")?.value).toBe(30);
  });

  it("round-trips any label value prom-client can write", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "binary", maxLength: 30 }),
        fc.double({ noNaN: true }),
        async (v, x) => {
          const reg = new Registry();
          new Gauge({ name: "g", help: "h", labelNames: ["l"], registers: [reg] }).set({ l: v }, x);
          const [s] = parsePromSamples(await reg.metrics());
          expect(s?.labels.l).toBe(v);
          // == rather than Object.is: prom-client writes -0 as 0.
          expect(s?.value === x).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("parsePromText strictness", () => {
  it("accepts timestamps, comments, blank lines, spaces around labels and a trailing comma", () => {
    const s = parsePromSamples('# just a comment\n\nup{ job = "a" , } 1 1700000000000\nother 2e3\n');
    expect(s).toEqual([
      { name: "up", labels: { job: "a" }, value: 1, timestampMs: 1700000000000 },
      { name: "other", labels: {}, value: 2000 },
    ]);
  });

  const bad: Array<[string, number, RegExp]> = [
    ["ok 1\nbad{a=1} 2\n", 2, /quoted value/],
    ['ok 1\nx{a="1"} abc\n', 2, /not a sample value/],
    ['x{a="\\t"} 1\n', 1, /invalid escape/],
    ['x{a="1",a="2"} 1\n', 1, /appears twice/],
    ['x{a="1" 1\n', 1, /"," or "}"/],
    ["x 1 2 3\n", 1, /unexpected text/],
    ["x 1 1.5\n", 1, /timestamp/],
    ["# TYPE x weird\n", 1, /unknown metric type/],
    ["# TYPE x gauge\n# TYPE x counter\n", 2, /second TYPE/],
    ["x 1\n# TYPE x gauge\n", 2, /after its samples/],
    ["a 1\nb 1\na 2\n", 3, /appears again/],
    ["# TYPE h histogram\nh_bucket 1\n", 2, /no "le"/],
    ["# TYPE s summary\ns 1\n", 2, /no "quantile"/],
    ["1x 2\n", 1, /metric name/],
    ["x\n", 1, /value/],
  ];
  it.each(bad)("rejects %j at line %i", (text, line, message) => {
    try {
      parsePromText(text);
      expect.unreachable("should have thrown");
    } catch (err) {
      expect(err).toBeInstanceOf(PromTextError);
      expect((err as PromTextError).line).toBe(line);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).toMatch(new RegExp(`^line ${line}: `));
    }
  });

  it("throws only PromTextError on arbitrary input", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 80 }), (text) => {
        try {
          parsePromText(text);
        } catch (err) {
          expect(err).toBeInstanceOf(PromTextError);
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("selectors", () => {
  it("parses and matches name and label equality", () => {
    const sel = parseSelector('queue_depth{q="x"}');
    expect(sel).toEqual({ name: "queue_depth", labels: { q: "x" } });
    expect(matchesSelector({ name: "queue_depth", labels: { q: "x", z: "1" }, value: 1 }, sel)).toBe(true);
    expect(matchesSelector({ name: "queue_depth", labels: { q: "y" }, value: 1 }, sel)).toBe(false);
    expect(parseSelector("up")).toEqual({ name: "up", labels: {} });
    expect(() => parseSelector('up{a="1"} x')).toThrow(/selector .*unexpected/);
    expect(() => parseSelector("up{a=1}")).toThrow(/quoted value/);
  });
});
