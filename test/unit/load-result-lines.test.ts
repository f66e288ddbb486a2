// The built-in engine's result stream (load-engine/main.go resultWriter) as the harness reads it:
// header line, one tab-separated line per request, chunks torn at any byte.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type LoadResult, ResultLineParser } from "../../src/load/result-lines.ts";

const HEADER = "#gameday-load\t1\tindex\tstart_ns\tlatency_ns\tstatus\terror";

interface Row {
  index: number;
  startNs: bigint;
  latencyNs: number;
  status: number;
  error: string;
  headers: string[];
  body?: string;
}

/** One line as the engine writes it. */
function line(r: Row): string {
  const cols = [
    String(r.index),
    String(r.startNs),
    String(r.latencyNs),
    String(r.status),
    r.error,
    ...r.headers,
  ];
  if (r.body !== undefined) cols.push(r.body);
  return `${cols.join("\t")}\n`;
}

function parse(chunks: Array<Buffer | string>): { results: LoadResult[]; parser: ResultLineParser } {
  const results: LoadResult[] = [];
  const parser = new ResultLineParser((r) => results.push(r));
  for (const c of chunks) parser.write(c);
  parser.end();
  return { results, parser };
}

/** Start in ms from unix ns, computed exactly with BigInt (the reference for the parser's split). */
const exactMs = (ns: bigint) => Number(ns / 1_000_000n) + Number(ns % 1_000_000n) / 1e6;

describe("ResultLineParser", () => {
  it("reads the header line: asked-for headers (h:) and whether bodies follow", () => {
    const a = parse([`${HEADER}\th:x-provider\th:x-cost-usd\tbody\n`]).parser;
    expect(a.columns).toEqual({ headers: ["x-provider", "x-cost-usd"], body: true });
    const b = parse([`${HEADER}\n`]).parser;
    expect(b.columns).toEqual({ headers: [], body: false });
    const c = parse([`${HEADER}\th:body\n`]).parser;
    expect(c.columns).toEqual({ headers: ["body"], body: false });
    expect(a.malformed + b.malformed + c.malformed).toBe(0);
  });

  it("parses a result: index, start with ns precision, latency, status, header values, base64 body", () => {
    const body = Buffer.from('{"answer":"ok"}').toString("base64");
    const { results, parser } = parse([
      `${HEADER}\th:x-provider\th:x-cost-usd\tbody\n`,
      line({
        index: 7,
        startNs: 1767225600123456789n,
        latencyNs: 2_500_000,
        status: 200,
        error: "",
        headers: ["secondary", "0.0021"],
        body,
      }),
    ]);
    expect(parser.malformed).toBe(0);
    expect(results).toHaveLength(1);
    const r = results[0]!;
    expect(r).toMatchObject({
      index: 7,
      latencyMs: 2.5,
      status: 200,
      error: "",
      headerValues: ["secondary", "0.0021"],
    });
    // 1767225600123 ms and 456789 ns: float64 keeps ~0.24 µs at this epoch.
    expect(r.startMs - 1767225600123).toBeCloseTo(0.456789, 5);
    expect(Buffer.from(r.body!, "base64").toString("utf8")).toBe('{"answer":"ok"}');
  });

  it("keeps the microseconds of a 19-digit unix ns start", () => {
    const base = 1767225600000000000n;
    const { results } = parse([
      `${HEADER}\n`,
      ...[0n, 1_000n, 2_000n, 999_000n, 1_000_000n, 1_500_000n].map((d, i) =>
        line({ index: i, startNs: base + d, latencyNs: 1, status: 200, error: "", headers: [] }),
      ),
    ]);
    const rel = results.map((r) => r.startMs - 1767225600000);
    // Float64 spacing at this epoch is 2^-12 ms (~0.24 µs).
    expect(rel[0]).toBe(0);
    expect(rel[1]).toBeCloseTo(0.001, 3);
    expect(rel[2]).toBeCloseTo(0.002, 3);
    expect(rel[3]).toBeCloseTo(0.999, 3);
    expect(rel[4]).toBe(1);
    expect(rel[5]).toBe(1.5);
    // Strictly increasing: no two distinct microseconds collapse.
    for (let k = 1; k < rel.length; k++) expect(rel[k]!).toBeGreaterThan(rel[k - 1]!);
  });

  it("matches the exact BigInt conversion for any 19-digit start", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1_000_000_000_000_000_000n, max: 9_999_999_999_999_999_999n }), (ns) => {
        const { results } = parse([
          `${HEADER}\n`,
          line({ index: 0, startNs: ns, latencyNs: 1, status: 200, error: "", headers: [] }),
        ]);
        // Float64 spacing at 1e13 ms is ~2 µs: the result is the nearest double, within 1 µs.
        expect(Math.abs(results[0]!.startMs - exactMs(ns))).toBeLessThanOrEqual(0.001);
      }),
    );
  });

  it("reads empty errors, network errors (status 0) and missing header values", () => {
    const { results, parser } = parse([
      `${HEADER}\th:x-provider\n`,
      "0\t1767225600000000000\t1000\t200\t\tprimary\n",
      '1\t1767225600000000000\t2000\t0\tPost "http://127.0.0.1:1/v1/chat#1": dial tcp 127.0.0.1:1: connect: connection refused\t\n',
      "2\t1767225600000000000\t3000\t503\t503 Service Unavailable\tsecondary\n",
      "3\t1767225600000000000\t4000\t200\t\n", // a line cut before its header columns
      "-1\t1767225600000000000\t5000\t0\tno targets\t\n",
    ]);
    expect(parser.malformed).toBe(0);
    expect(results.map((r) => [r.index, r.status, r.error, r.headerValues])).toEqual([
      [0, 200, "", ["primary"]],
      [1, 0, 'Post "http://127.0.0.1:1/v1/chat#1": dial tcp 127.0.0.1:1: connect: connection refused', [""]],
      [2, 503, "503 Service Unavailable", ["secondary"]],
      [3, 200, "", [""]],
      [-1, 0, "no targets", [""]],
    ]);
    expect(results.map((r) => r.latencyMs)).toEqual([0.001, 0.002, 0.003, 0.004, 0.005]);
    expect(results.every((r) => r.body === undefined)).toBe(true);
  });

  it("counts malformed lines and goes on", () => {
    const good = "5\t1767225600000000000\t1000\t200\t\n";
    const { results, parser } = parse([
      "not the header\n", // before the header: not a result
      `${HEADER}\n`,
      "\n", // blank lines are no lines
      "x\t1767225600000000000\t1000\t200\t\n", // index not a number
      "6\tsoon\t1000\t200\t\n", // start not a number
      "7\t1767225600000000000\tfast\t200\t\n", // latency not a number
      "8\t1767225600000000000\t1000\tOK\t\n", // status not a number
      "9\t1767225600000000000\t1000\n", // too few columns
      "garbage\n",
      good,
      good.slice(0, -1), // the last line, without a newline, is read at end()
    ]);
    expect(parser.malformed).toBe(7);
    expect(results.map((r) => r.index)).toEqual([5, 5]);
  });

  it("drops an over-long line once, whether it arrives whole or in many chunks, and reads on", () => {
    const good = "5\t1767225600000000000\t1000\t200\t\n";
    const long = `1\t1767225600000000000\t1000\t200\t\t${"A".repeat((1 << 20) + 10)}\n`;
    const whole = parse([`${HEADER}\tbody\n`, long, good]);
    expect(whole.parser.malformed).toBe(1);
    expect(whole.results.map((r) => r.index)).toEqual([5]);

    const chunks = [`${HEADER}\tbody\n`];
    for (let i = 0; i < long.length; i += 64 * 1024) chunks.push(long.slice(i, i + 64 * 1024));
    chunks.push(good);
    const torn = parse(chunks);
    expect(torn.parser.malformed).toBe(1);
    expect(torn.results.map((r) => r.index)).toEqual([5]);

    // Endless (no newline before the end): still one, and nothing is read from it at end().
    const endless = parse([`${HEADER}\n`, good, ...Array.from({ length: 40 }, () => "B".repeat(64 * 1024))]);
    expect(endless.parser.malformed).toBe(1);
    expect(endless.results).toHaveLength(1);
  });

  // Random results with multi-byte header values and bodies, torn anywhere (including inside a
  // UTF-8 character): the same results as one whole write.
  const row = fc.record({
    index: fc.nat({ max: 1_000_000 }),
    startNs: fc.bigInt({ min: 1_700_000_000_000_000_000n, max: 1_900_000_000_000_000_000n }),
    latencyNs: fc.nat({ max: 60_000_000_000 }),
    status: fc.constantFrom(0, 200, 204, 301, 404, 429, 500, 502, 503),
    error: fc.string({ maxLength: 40 }).map((s) => s.replace(/[\t\n\r]/g, " ")),
    headers: fc.tuple(
      fc.constantFrom("primary", "secondary", "prïmary-é", "", "日本"),
      fc.string({ unit: "binary", maxLength: 12 }).map((s) => s.replace(/[\t\n\r]/g, " ")),
    ),
    body: fc.string({ unit: "binary", maxLength: 60 }).map((s) => Buffer.from(s).toString("base64")),
  });
  const stream = (rows: Row[]) =>
    Buffer.from(`${HEADER}\th:x-provider\th:x-note\tbody\n${rows.map(line).join("")}`);

  it("gives the same results at every byte boundary of a stream", () => {
    const rows: Row[] = [
      {
        index: 0,
        startNs: 1767225600000000001n,
        latencyNs: 5,
        status: 200,
        error: "",
        headers: ["prïmary-é", "日本"],
        body: "",
      },
      {
        index: 1,
        startNs: 1767225600999999999n,
        latencyNs: 123_456_789,
        status: 502,
        error: "502 Bad Gateway",
        headers: ["", "€"],
        body: Buffer.from("ünïcode").toString("base64"),
      },
    ];
    const bytes = stream(rows);
    const expected = parse([bytes]).results;
    expect(expected).toHaveLength(2);
    expect(expected[0]!.headerValues).toEqual(["prïmary-é", "日本"]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const { results, parser } = parse([bytes.subarray(0, cut), bytes.subarray(cut)]);
      expect(parser.malformed).toBe(0);
      expect(results).toEqual(expected);
    }
    const byByte = parse([...bytes].map((b) => Buffer.from([b])));
    expect(byByte.results).toEqual(expected);
  });

  it("property: any chunking of any stream gives the results of one write", () => {
    fc.assert(
      fc.property(
        fc.array(row, { minLength: 1, maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (rows, cutSeeds) => {
          const bytes = stream(rows as Row[]);
          const cuts = [...new Set(cutSeeds.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let from = 0;
          for (const c of [...cuts, bytes.length]) {
            chunks.push(bytes.subarray(from, c));
            from = c;
          }
          const whole = parse([bytes]);
          const torn = parse(chunks);
          expect(whole.parser.malformed).toBe(0);
          expect(torn.parser.malformed).toBe(0);
          expect(torn.results).toEqual(whole.results);
          // And the results are the rows written.
          expect(whole.results.map((r) => [r.index, r.status, r.error, r.headerValues, r.body])).toEqual(
            rows.map((r) => [r.index, r.status, r.error, r.headers, r.body]),
          );
          rows.forEach((r, k) => {
            expect(Math.abs(whole.results[k]!.startMs - exactMs(r.startNs))).toBeLessThanOrEqual(0.001);
            expect(whole.results[k]!.latencyMs).toBeCloseTo(r.latencyNs / 1e6, 9);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
