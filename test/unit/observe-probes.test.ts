// Probes against real HTTP servers on loopback (a JSON endpoint and a prom-client exporter).
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsOf, Journal, readJournal } from "../../src/engine/journal.ts";
import { freePort, sleep } from "../../src/env/process.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { probeConfig, type ProbeConfig } from "../../src/scenario/config.ts";
import { fieldValue, startProbes } from "../../src/observe/probes.ts";
import { runEvery } from "../../src/observe/ticker.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-probes-"));
let server: Server;
let base: string;
let status = 200;
const reg = new Registry();
const depth = new Gauge({ name: "queue_depth", help: "d", labelNames: ["q"], registers: [reg] });

beforeAll(async () => {
  depth.set({ q: "x" }, 4);
  depth.set({ q: "y" }, 9);
  server = createServer(async (req, res) => {
    if (req.url === "/metrics") {
      res.setHeader("content-type", reg.contentType);
      res.end(await reg.metrics());
    } else if (req.url === "/slow") {
      setTimeout(() => res.end("{}"), 5_000);
    } else if (req.url === "/broken-metrics") {
      res.end("ok 1\nbad{ 2\n");
    } else {
      res.statusCode = status;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ cache: { hit_ratio: 0.75, warm: true, label: "x" } }));
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

const cfg = (c: Record<string, unknown>): ProbeConfig => probeConfig.parse(c);
let n = 0;
const journal = () => new Journal(join(dir, `j${++n}.jsonl`));

describe("probes", () => {
  it("http probe records the JSON field with ok=1, latency without a field, on schedule", async () => {
    const store = new SampleStore();
    const probes = startProbes(
      [
        cfg({ kind: "http", name: "hit", url: `${base}/`, interval: 100, field: "cache.hit_ratio" }),
        cfg({ kind: "http", name: "lat", url: `${base}/`, interval: 100 }),
      ],
      { store },
    );
    await sleep(450);
    await probes.stop();
    const hit = [...store.samples("probe:hit")];
    expect(hit.length).toBeGreaterThanOrEqual(4);
    expect(hit.length).toBeLessThanOrEqual(6);
    expect(hit.every((s) => s.value === 0.75 && s.tags.ok === "1")).toBe(true);
    const lat = [...store.samples("probe:lat")];
    expect(lat.every((s) => s.value > 0 && s.value < 1_000 && s.tags.ok === "1")).toBe(true);
  });

  it("http probe marks an unexpected status ok=0 and journals rate-limited errors", async () => {
    status = 503;
    const store = new SampleStore();
    const j = journal();
    const probes = startProbes(
      [cfg({ kind: "http", name: "down", url: `${base}/`, interval: 50, field: "cache.hit_ratio" })],
      {
        store,
        journal: j,
      },
    );
    await sleep(400);
    await probes.stop();
    status = 200;
    const samples = [...store.samples("probe:down")];
    expect(samples.length).toBeGreaterThanOrEqual(5);
    expect(samples.every((s) => s.tags.ok === "0")).toBe(true);
    const errors = eventsOf(readJournal(j.path).entries, "probe.error");
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ probe: "down", error: "HTTP 503, expected 200" });
    j.close();
  });

  it("http probe survives a refused connection and a non-numeric field", async () => {
    const port = await freePort();
    const store = new SampleStore();
    const j = journal();
    const probes = startProbes(
      [
        cfg({ kind: "http", name: "gone", url: `http://127.0.0.1:${port}/`, interval: 100 }),
        cfg({ kind: "http", name: "str", url: `${base}/`, interval: 100, field: "cache.label" }),
      ],
      { store, journal: j },
    );
    await sleep(250);
    await probes.stop();
    expect([...store.samples("probe:gone")].every((s) => s.tags.ok === "0")).toBe(true);
    const str = [...store.samples("probe:str")];
    expect(str.length).toBeGreaterThan(0);
    expect(str.every((s) => s.tags.ok === "0" && Number.isNaN(s.value))).toBe(true);
    const errors = eventsOf(readJournal(j.path).entries, "probe.error").map((e) => `${e.probe}: ${e.error}`);
    expect(errors).toEqual([
      expect.stringMatching(/^gone: fetch failed \(.*ECONNREFUSED/),
      'str: field cache.label is "x", not a number',
    ]);
    j.close();
  });

  it("scrape probe records selected series under their own names with their labels", async () => {
    const store = new SampleStore();
    const j = journal();
    const probes = startProbes(
      [
        cfg({
          kind: "scrape",
          name: "svc",
          url: `${base}/metrics`,
          interval: 100,
          metrics: ['queue_depth{q="x"}', "missing_metric"],
        }),
        cfg({ kind: "scrape", name: "bad", url: `${base}/broken-metrics`, interval: 100, metrics: ["ok"] }),
      ],
      { store, journal: j },
    );
    await sleep(150);
    depth.set({ q: "x" }, 6);
    await sleep(200);
    await probes.stop();
    const values = [...store.samples("queue_depth")].map((s) => [s.value, s.tags]);
    expect(values[0]).toEqual([4, { q: "x" }]);
    expect(values.at(-1)).toEqual([6, { q: "x" }]);
    expect(values.some(([, tags]) => (tags as Record<string, string>).q === "y")).toBe(false);
    const errors = eventsOf(readJournal(j.path).entries, "probe.error").map((e) => `${e.probe}: ${e.error}`);
    expect(errors).toContain(`svc: no series matched missing_metric at ${base}/metrics`);
    expect(errors).toContainEqual(expect.stringMatching(/^bad: line 2: /));
    j.close();
  });

  it("a promql probe without a Prometheus URL journals why and does not stop the others", async () => {
    const store = new SampleStore();
    const j = journal();
    const probes = startProbes(
      [
        cfg({ kind: "promql", name: "q", query: "up" }),
        cfg({ kind: "http", name: "lat", url: `${base}/`, interval: 100 }),
      ],
      { store, journal: j },
    );
    await sleep(150);
    await probes.stop();
    expect(store.count("probe:lat")).toBeGreaterThan(0);
    expect(eventsOf(readJournal(j.path).entries, "probe.error")[0]?.error).toMatch(/no Prometheus URL/);
    j.close();
  });

  it("stop aborts a request in flight instead of waiting for it", async () => {
    const store = new SampleStore();
    const probes = startProbes([cfg({ kind: "http", name: "slow", url: `${base}/slow`, timeout: "10s" })], {
      store,
    });
    await sleep(100);
    const t = Date.now();
    await probes.stop();
    expect(Date.now() - t).toBeLessThan(500);
  });

  it("reads numbers, booleans and numeric strings at a dot path", () => {
    expect(fieldValue('{"a":{"b":[1,{"c":"2.5"}]}}', ["a", "b", "1", "c"])).toBe(2.5);
    expect(fieldValue('{"a":true}', ["a"])).toBe(1);
    expect(fieldValue('{"a":null}', ["a"])).toMatch(/not a number/);
    expect(fieldValue("<html>", ["a"])).toMatch(/not JSON/);
    expect(fieldValue('{"a":{}}', ["a", "b"])).toMatch(/no field a\.b/);
  });
});

describe("runEvery", () => {
  it("keeps ticks on the interval grid despite slow ticks and never overlaps them", async () => {
    const stop = new AbortController();
    const starts: number[] = [];
    let running = 0;
    let overlapped = false;
    const t0 = Date.now();
    const loop = runEvery(
      50,
      async () => {
        if (running++) overlapped = true;
        starts.push(Date.now() - t0);
        // Every third tick overruns its slot.
        await sleep(starts.length % 3 === 0 ? 70 : 20);
        running--;
      },
      stop.signal,
    );
    await sleep(1_020);
    stop.abort();
    await loop;
    expect(overlapped).toBe(false);
    // Each tick starts close to a multiple of 50 ms: the error does not grow with the tick count.
    for (const s of starts) expect(s % 50 < 35 || s % 50 > 45).toBe(true);
    const last = starts.at(-1)!;
    expect(last).toBeGreaterThanOrEqual(950);
  });
});
