import { describe, expect, it } from "vitest";
import { K6Ingest, K6TimeParser, parseK6Time } from "../../src/load/ingest.ts";
import { LiveStats } from "../../src/load/live.ts";
import { SampleStore } from "../../src/measure/samples.ts";

const point = (metric: string, time: string, value: number, tags: Record<string, string> | null) =>
  JSON.stringify({ metric, type: "Point", data: { time, value, tags } });

const reqTags = (status: string, provider?: string) => ({
  expected_response: status === "200" ? "true" : "false",
  group: "",
  method: "POST",
  name: "chat",
  proto: "HTTP/1.1",
  scenario: "gameday",
  status,
  url: "http://127.0.0.1:1234/v1/chat",
  ...(provider ? { provider } : {}),
});

/** One request as k6 writes it: built-ins around the kept lines. */
function request(i: number, status: string, provider: string): string[] {
  const time = `2026-03-04T05:06:${String(i % 60).padStart(2, "0")}.123456789+02:00`;
  return [
    point("http_reqs", time, 1, reqTags(status)),
    point("http_req_duration", time, 10 + i, reqTags(status)),
    point("http_req_blocked", time, 0.01, reqTags(status)),
    point("http_req_waiting", time, 9, reqTags(status)),
    point("http_req_failed", time, status === "200" ? 0 : 1, reqTags(status)),
    point("provider_responses", time, 1, { provider, status, scenario: "gameday", group: "" }),
    point("unit_cost_usd", time, 0.001 * (i + 1), { provider, scenario: "gameday", group: "" }),
    point("iterations", time, 1, { scenario: "gameday", group: "" }),
  ];
}

function ndjson(n: number): string {
  const lines = [
    JSON.stringify({ type: "Metric", data: { name: "http_reqs", type: "counter" }, metric: "http_reqs" }),
  ];
  for (let i = 0; i < n; i++)
    lines.push(...request(i, i % 4 === 3 ? "502" : "200", i % 4 === 3 ? "prïmary-é" : "secondary"));
  return `${lines.join("\n")}\n`;
}

function snapshot(store: SampleStore) {
  return store.metrics().map((m) => [m, [...store.samples(m)].map((s) => [s.t, s.value, s.tags])]);
}

describe("parseK6Time", () => {
  const cases = [
    "2026-11-23T08:19:54.283924223Z",
    "2026-11-23T08:19:54.28392422Z",
    "2026-11-23T08:19:54.2Z",
    "2026-11-23T08:19:54Z",
    "2026-11-23T08:19:54.999999999Z",
    "2026-11-23T08:19:54.000000001+02:00",
    "2026-11-23T01:19:54.5-05:30",
    "2024-02-29T23:59:59.999+00:00",
    "2025-12-31T23:30:00.25-01:00",
    "2026-01-01T00:15:00.75+14:00",
  ];
  it.each(cases)("matches Date.parse to the millisecond: %s", (ts) => {
    const ours = parseK6Time(ts);
    const ref = Date.parse(ts);
    expect(Number.isFinite(ours)).toBe(true);
    expect(ours).toBeGreaterThanOrEqual(ref - 1e-3);
    // Float64 resolution at today's epoch is ~0.24 µs, so .999999999 may round up to the next ms.
    expect(ours).toBeLessThanOrEqual(ref + 1);
  });

  it("keeps the sub-millisecond part", () => {
    const base = Date.UTC(2026, 10, 23, 8, 19, 54);
    expect(parseK6Time("2026-11-23T08:19:54.283924223Z") - base).toBeCloseTo(283.924223, 3);
    expect(parseK6Time("2026-11-23T10:19:54.0005+02:00") - base).toBeCloseTo(0.5, 3);
  });

  it("stays right across hour and day boundaries with a cached prefix", () => {
    const p = new K6TimeParser();
    const seq = [
      "2026-11-23T23:59:59.9Z",
      "2026-11-24T00:00:00.1Z",
      "2026-11-24T00:00:00.1+01:00",
      "2026-11-23T23:59:59.9Z",
    ];
    for (const ts of seq) expect(Math.floor(p.parse(ts))).toBe(Date.parse(ts));
  });

  it.each([
    "garbage",
    "2026-13-01T00:00:00Z",
    "2026-11-23T08:19:54",
    "2026-11-23T08:19:54.Z",
    "2026-11-23T08:19:54.1+0200",
    "2026-11-23 08:19:54Z",
    "2026-11-23T08:61:54Z",
  ])("rejects %s", (ts) => {
    expect(parseK6Time(ts)).toBeNaN();
  });
});

describe("K6Ingest", () => {
  it("keeps http_req_duration and custom metrics, skips built-ins, drops noisy system tags", () => {
    const store = new SampleStore();
    const requests: Array<[number, number, number]> = [];
    const ing = new K6Ingest({ store, onRequest: (t, d, s) => requests.push([t, d, s]) });
    ing.write(ndjson(8));
    const stats = ing.end();
    expect(store.metrics()).toEqual(["http_req_duration", "provider_responses", "unit_cost_usd"]);
    expect(store.count("http_req_duration")).toBe(8);
    expect(stats).toMatchObject({
      lines: 65,
      points: 64,
      samples: 24,
      skipped: 40,
      declarations: 1,
      malformed: 0,
      requests: 8,
    });
    const first = [...store.samples("http_req_duration")][0]!;
    expect(first.t).toBeCloseTo(Date.UTC(2026, 2, 4, 3, 6, 0) + 123.456789, 3);
    expect(first.tags).toEqual({ expected_response: "true", method: "POST", name: "chat", status: "200" });
    expect(requests.filter(([, , s]) => s === 502)).toHaveLength(2);
    expect([...store.samples("provider_responses", { provider: "prïmary-é" })]).toHaveLength(2);
    expect([...store.samples("unit_cost_usd", { provider: "secondary" })].map((s) => s.value)).toEqual([
      0.001, 0.002, 0.003, 0.005, 0.006, 0.007,
    ]);
  });

  it("drops an over-long line once, whole or torn across chunks, and reads the lines around it", () => {
    const long = `{"metric":"http_req_duration","type":"Point","data":{"x":"${"A".repeat((1 << 20) + 10)}"}}\n`;
    const text = ndjson(2) + long + ndjson(2);
    for (const chunk of [text.length, 300_000, 65_536]) {
      const store = new SampleStore();
      const ing = new K6Ingest({ store });
      for (let i = 0; i < text.length; i += chunk) ing.write(text.slice(i, i + chunk));
      const stats = ing.end();
      expect(stats.malformed).toBe(1);
      expect(store.count("http_req_duration")).toBe(4);
    }
  });

  it("gives the same samples whatever the chunk boundaries, including inside a UTF-8 character", () => {
    const bytes = Buffer.from(ndjson(12));
    const whole = new SampleStore();
    const w = new K6Ingest({ store: whole });
    w.write(bytes);
    w.end();
    const expected = snapshot(whole);
    const multibyte = bytes.indexOf(Buffer.from("ï")) + 1; // second byte of a two-byte character
    for (const size of [1, 7, 64, 333, 4096]) {
      const store = new SampleStore();
      const ing = new K6Ingest({ store });
      ing.write(bytes.subarray(0, multibyte));
      for (let i = multibyte; i < bytes.length; i += size) ing.write(bytes.subarray(i, i + size));
      const stats = ing.end();
      expect(stats.malformed).toBe(0);
      expect(stats.bytes).toBe(bytes.length);
      expect(snapshot(store)).toEqual(expected);
    }
  });

  it("counts malformed lines and goes on; text lines are handed over, not counted as malformed", () => {
    const store = new SampleStore();
    const text: string[] = [];
    const ing = new K6Ingest({ store, onText: (l) => text.push(l) });
    const good = point("http_req_duration", "2026-03-04T05:06:07.5Z", 12.5, { status: "0", name: "chat" });
    ing.write(
      [
        '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-03-04T05:',
        "{not json}",
        "[1,2,3]",
        "{}",
        '{"metric":"broken',
        point("custom", "yesterday", 1, null),
        JSON.stringify({
          metric: "custom",
          type: "Point",
          data: { time: "2026-03-04T05:06:07Z", value: "1" },
        }),
        JSON.stringify({ type: "Mystery" }),
        good,
        "  █ TOTAL RESULTS",
        "",
      ].join("\n"),
    );
    ing.write(`\r\n${good}\r\n${good}`); // a CR-only line, a CRLF line, a last line without a newline
    const stats = ing.end();
    expect(stats.malformed).toBe(7);
    expect(stats.textLines).toBe(2);
    expect(text).toEqual(["[1,2,3]", "  █ TOTAL RESULTS"]);
    expect(store.count("http_req_duration")).toBe(3);
    expect([...store.samples("http_req_duration")][0]!.tags).toEqual({ status: "0", name: "chat" });
  });

  it("accepts envelopes with other key orders and null tags", () => {
    const store = new SampleStore();
    const ing = new K6Ingest({ store });
    ing.write(
      `${JSON.stringify({ type: "Point", data: { time: "2026-03-04T05:06:07Z", value: 3, tags: null }, metric: "queue_wait" })}\n`,
    );
    ing.write(
      `${JSON.stringify({ type: "Point", data: { time: "2026-03-04T05:06:07Z", value: 1, tags: {} }, metric: "vus" })}\n`,
    );
    expect(ing.end()).toMatchObject({ samples: 1, skipped: 1, malformed: 0 });
    expect([...store.samples("queue_wait")]).toEqual([
      { t: Date.UTC(2026, 2, 4, 5, 6, 7), value: 3, tags: {} },
    ]);
  });

  it("reads a real k6 network-error line written with TZ=Asia/Kolkata", () => {
    const line =
      '{"metric":"http_req_duration","type":"Point","data":{"time":"2026-11-23T13:58:40.28476869+05:30","value":0,"tags":{"error":"dial: connection refused","error_code":"1212","expected_response":"false","group":"","method":"GET","name":"http://127.0.0.1:1/","scenario":"default","status":"0","url":"http://127.0.0.1:1/"}}}';
    const store = new SampleStore();
    const seen: number[] = [];
    const ing = new K6Ingest({ store, onRequest: (_t, _d, status) => seen.push(status) });
    ing.write(`${line}\n`);
    ing.end();
    const [s] = [...store.samples("http_req_duration")];
    expect(s!.t).toBeCloseTo(Date.UTC(2026, 10, 23, 8, 28, 40) + 284.76869, 3);
    expect(s!.tags).toEqual({
      error: "dial: connection refused",
      error_code: "1212",
      expected_response: "false",
      method: "GET",
      name: "http://127.0.0.1:1/",
      status: "0",
    });
    expect(seen).toEqual([0]);
  });

  it("keeps configured built-ins and tallies dropped iterations", () => {
    const store = new SampleStore();
    const ing = new K6Ingest({ store, keepBuiltins: ["checks"] });
    ing.write(`${point("checks", "2026-03-04T05:06:07Z", 1, { check: "status is 200" })}\n`);
    ing.write(`${point("dropped_iterations", "2026-03-04T05:06:07Z", 1, {})}\n`);
    expect(ing.end()).toMatchObject({ samples: 1, droppedIterations: 1 });
    expect(store.metrics()).toEqual(["checks"]);
  });

  it("drops an endless line instead of buffering it", () => {
    const store = new SampleStore();
    const ing = new K6Ingest({ store });
    const junk = `{"metric":"x${"a".repeat(1 << 16)}`;
    for (let i = 0; i < 20; i++) ing.write(junk);
    ing.write(`still junk\n${point("http_req_duration", "2026-03-04T05:06:07Z", 1, { status: "200" })}\n`);
    expect(ing.end()).toMatchObject({ malformed: 1, requests: 1 });
  });
});

// What the removed live-k6 tests checked, on k6's documented JSON output (`--out json`) of the k6
// example script (test/fixtures/k6/chat.k6.ts) built here: one Metric declaration per metric, then
// Point lines per request (built-ins, http_req_duration, the script's Counter, Trend and Rate), and
// k6's text summary after the JSON. runK6 wires K6Ingest to LiveStats exactly like this.
describe("a chat.k6.ts run as k6 writes it", () => {
  const T0 = Date.UTC(2026, 2, 4, 5, 6, 7);
  // k6 writes local time with its offset and nanoseconds: here +02:00 and 0.123456 ms past each ms.
  const iso = (ms: number) => `${new Date(ms + 2 * 3_600_000).toISOString().slice(0, 23)}123456+02:00`;
  const declare = (name: string, type: string, contains = "default") =>
    JSON.stringify({
      type: "Metric",
      data: { name, type, contains, thresholds: [], submetrics: null },
      metric: name,
    });
  // Per request: status, provider and whether the script records a cost and a cache outcome.
  const statuses = [200, 200, 502, 429, 200, 0, 200, 503];
  const scenarioTags = { team: "sre" };

  function run(n: number): { text: string; want: Record<string, number> } {
    const lines = [
      declare("http_reqs", "counter"),
      declare("http_req_duration", "trend", "time"),
      declare("provider_responses", "counter"),
      declare("unit_cost_usd", "trend"),
      declare("cache_hit", "rate"),
    ];
    const want: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const status = statuses[i % statuses.length]!;
      want[status] = (want[status] ?? 0) + 1;
      const time = iso(T0 + i * 100);
      const provider = status === 502 ? "primary" : status === 0 ? "none" : "secondary";
      const tags: Record<string, string> = {
        ...scenarioTags,
        expected_response: status >= 200 && status < 400 ? "true" : "false",
        group: "",
        method: "POST",
        name: "chat",
        proto: "HTTP/1.1",
        scenario: "gameday",
        status: String(status),
        url: "http://127.0.0.1:1234/v1/chat",
        ...(status === 0 ? { error: "dial: i/o timeout", error_code: "1211" } : {}),
      };
      lines.push(point("http_reqs", time, 1, tags));
      lines.push(point("http_req_duration", time, status === 0 ? 10_000 : 5 + (i % 10), tags));
      lines.push(point("http_req_failed", time, tags.expected_response === "true" ? 0 : 1, tags));
      lines.push(
        point("provider_responses", time, 1, {
          ...scenarioTags,
          provider,
          status: String(status),
          scenario: "gameday",
          group: "",
        }),
      );
      if (status === 200 || status === 502)
        lines.push(
          point("unit_cost_usd", time, status === 200 ? 0.0021 : 0, {
            ...scenarioTags,
            provider,
            scenario: "gameday",
          }),
        );
      if (status === 200)
        lines.push(point("cache_hit", time, i % 3 === 0 ? 1 : 0, { ...scenarioTags, scenario: "gameday" }));
      lines.push(point("iterations", time, 1, { ...scenarioTags, scenario: "gameday", group: "" }));
    }
    // The end-of-test summary k6 prints on stdout after closing its JSON output.
    lines.push("", "  █ TOTAL RESULTS", "", `    http_reqs......................: ${n}`);
    return { text: `${lines.join("\n")}\n`, want };
  }

  it("stores every request with its status, name and scenario tags, and the script's own metrics", () => {
    const { text, want } = run(40);
    const store = new SampleStore();
    const stdout: string[] = [];
    const ing = new K6Ingest({ store, onText: (l) => stdout.push(l) });
    ing.write(text);
    const stats = ing.end();
    expect(stats).toMatchObject({ requests: 40, malformed: 0, declarations: 5, droppedIterations: 0 });
    expect(store.metrics()).toEqual([
      "cache_hit",
      "http_req_duration",
      "provider_responses",
      "unit_cost_usd",
    ]);
    for (const [status, count] of Object.entries(want))
      expect([...store.samples("http_req_duration", { status })]).toHaveLength(count);
    expect([...store.samples("http_req_duration", { status: "200" })][0]!.tags).toEqual({
      team: "sre",
      expected_response: "true",
      method: "POST",
      name: "chat",
      status: "200",
    });
    // A request that got no response: status 0 with k6's error tags, timed out after 10 s.
    const timedOut = [...store.samples("http_req_duration", { status: "0" })];
    expect(timedOut).toHaveLength(want[0]!);
    expect(timedOut[0]!.tags).toMatchObject({ error: "dial: i/o timeout", error_code: "1211" });
    expect(timedOut[0]!.value).toBe(10_000);
    expect([...store.samples("provider_responses", { provider: "primary", status: "502" })]).toHaveLength(
      want[502]!,
    );
    expect(
      [...store.samples("unit_cost_usd", { provider: "secondary" })].every((s) => s.value === 0.0021),
    ).toBe(true);
    expect(store.count("cache_hit")).toBe(want[200]!);
    // Timestamps: the offset applied, 100 ms apart, the sub-millisecond part kept.
    const times = [...store.samples("http_req_duration")].map((s) => s.t);
    expect(times[0]! - T0).toBeCloseTo(0.123456, 3);
    expect(times[1]! - T0).toBeCloseTo(100.123456, 3);
    expect(times.at(-1)! - times[0]!).toBeCloseTo(3_900, 3);
    // The summary is text for k6.stdout.log, not malformed JSON.
    expect(stats.textLines).toBe(2);
    expect(stdout).toEqual(["  █ TOTAL RESULTS", "    http_reqs......................: 40"]);
  });

  it.each([
    { failOn: undefined, failing: [502, 429, 0, 503] },
    { failOn: ["5xx"] as const, failing: [502, 503] },
    { failOn: ["4xx", "network"] as const, failing: [429, 0] },
  ])("counts failures per failOn $failOn in the live stats fed by the ingest", ({ failOn, failing }) => {
    const { text, want } = run(40);
    const live = new LiveStats(failOn ? { failOn: [...failOn] } : {});
    const ing = new K6Ingest({
      store: new SampleStore(),
      onRequest: (t, d, status) => live.record(t, d, status),
    });
    // In k6's own chunking: whatever the pipe delivers.
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += 4096) ing.write(bytes.subarray(i, i + 4096));
    ing.end();
    expect(live.totalRequests).toBe(40);
    expect(live.totalFailures).toBe(failing.reduce((a, s) => a + want[s]!, 0));
    // The four seconds of the run: 10 requests a second.
    const snap = live.snapshot(4, T0 + 4_000);
    expect(snap.requests).toBe(40);
    expect(snap.rps).toBe(10);
  });
});
