// The observation path end to end with the real Debian Prometheus and Alertmanager: a prom-client
// exporter flips a gauge, Prometheus evaluates `demo_broken > 0`, Alertmanager routes the alert to
// the harness's receiver, which journals it; acks, routing by label, resolve, and both metric
// probes are checked against the same flip.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Gauge, Registry } from "prom-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf } from "../../src/engine/journal-events.ts";
import { Journal } from "../../src/engine/journal.ts";
import { type MonitoringProcess, startAlertmanager, startPrometheus } from "../../src/env/monitoring.ts";
import { sleep } from "../../src/env/process.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { sendAck } from "../../src/observe/ack.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import { parsePromText } from "../../src/observe/prom-text.ts";
import { instantQuery, PromQLError } from "../../src/observe/promql.ts";
import { type RunningProbes, startProbes } from "../../src/observe/probes.ts";
import { type AlertReceiver, startAlertReceiver } from "../../src/observe/receiver.ts";
import { probeConfig } from "../../src/scenario/config.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-observe-stack-"));
const reg = new Registry();
const broken = new Gauge({ name: "demo_broken", help: "1 while the demo is broken", registers: [reg] });
const breach = new Gauge({
  name: "demo_breach",
  help: "1 while a security breach is simulated",
  registers: [reg],
});
let exporter: Server;
let journal: Journal;
const book = new AlertBook();
let rx: AlertReceiver;
let am: MonitoringProcess;
let prom: MonitoringProcess;
let probes: RunningProbes | undefined;
const store = new SampleStore();
const received: Array<EventOf<"alert.received">> = [];
const acks: Array<EventOf<"alert.ack">> = [];

async function until<T>(what: string, get: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = get();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

beforeAll(async () => {
  broken.set(0);
  breach.set(0);
  exporter = createServer(async (_req, res) => {
    res.setHeader("content-type", reg.contentType);
    res.end(await reg.metrics());
  });
  await new Promise<void>((r) => exporter.listen(0, "127.0.0.1", r));
  const exporterPort = (exporter.address() as AddressInfo).port;

  journal = new Journal(join(dir, "journal.jsonl"));
  journal.onEvent((e) => {
    if (e.type === "alert.received") received.push(e);
    if (e.type === "alert.ack") acks.push(e);
  });
  rx = await startAlertReceiver({ journal, book });

  const rules = join(dir, "rules.yml");
  writeFileSync(
    rules,
    [
      "groups:",
      "  - name: demo",
      "    rules:",
      "      - alert: DemoBroken",
      "        expr: demo_broken > 0",
      "        for: 0s",
      "        labels: { severity: page }",
      "        annotations: { summary: demo is broken }",
      "      - alert: DemoBreach",
      "        expr: demo_breach > 0",
      "        for: 0s",
      "        labels: { team: security }",
      "",
    ].join("\n"),
  );
  am = await startAlertmanager({
    logDir: join(dir, "logs"),
    dataDir: join(dir, "am"),
    receivers: [
      { name: "default", webhookUrl: `${rx.url}/alerts/default` },
      { name: "security", webhookUrl: `${rx.url}/alerts/security` },
    ],
    routes: [{ matchers: ['team="security"'], receiver: "security" }],
    defaultReceiver: "default",
  });
  prom = await startPrometheus({
    logDir: join(dir, "logs"),
    dataDir: join(dir, "prom"),
    scrapeTargets: [{ job: "demo", target: `127.0.0.1:${exporterPort}` }],
    ruleFiles: [rules],
    alertmanagerUrl: am.url,
  });
  // Both rules must have been evaluated on a scraped 0 before the flip, or the flip time means nothing.
  const deadline = Date.now() + 15_000;
  for (;;) {
    const r = await instantQuery(prom.url, 'up{job="demo"} == 1 and on() demo_broken == 0');
    if (r.series.length === 1) break;
    if (Date.now() > deadline) throw new Error("Prometheus never scraped the exporter");
    await sleep(200);
  }
  probes = startProbes(
    [
      probeConfig.parse({ kind: "promql", name: "broken", query: "demo_broken", interval: 250 }),
      probeConfig.parse({
        kind: "scrape",
        name: "exporter",
        url: `http://127.0.0.1:${exporterPort}/metrics`,
        interval: 250,
        metrics: ["demo_broken"],
      }),
    ],
    { store, journal, prometheusUrl: prom.url },
  );
});

afterAll(async () => {
  await probes?.stop();
  await prom?.stop();
  await am?.stop();
  await rx?.close();
  journal?.close();
  exporter?.closeAllConnections();
  await new Promise((r) => exporter?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe("alerting path with real Prometheus and Alertmanager", () => {
  it("parses the real /metrics of a running Prometheus", async () => {
    const fams = parsePromText(await (await fetch(`${prom.url}/metrics`)).text());
    const byName = new Map(fams.map((f) => [f.name, f]));
    expect(byName.get("prometheus_build_info")?.type).toBe("gauge");
    const hist = fams.find((f) => f.type === "histogram" && f.samples.length > 0);
    expect(hist?.samples.some((s) => s.labels.le === "+Inf")).toBe(true);
    expect(fams.length).toBeGreaterThan(50);
  });

  it("delivers the flip as a journalled alert, routes by label, takes acks, and resolves", async () => {
    await sleep(600);
    const tFlip = Date.now();
    broken.set(1);
    breach.set(1);
    const firing = await until("DemoBroken firing", () =>
      received.find((e) => e.name === "DemoBroken" && e.status === "firing"),
    );
    const deliveryMs = firing.t - tFlip;
    expect(firing.receiver).toBe("default");
    expect(firing.labels.severity).toBe("page");
    expect(firing.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    // startsAt is Prometheus's rule-evaluation instant: after the flip, before delivery.
    expect(firing.startsAt).not.toBeNull();
    expect(firing.startsAt!).toBeGreaterThanOrEqual(tFlip - 50);
    expect(firing.startsAt!).toBeLessThanOrEqual(firing.t);
    expect(deliveryMs).toBeLessThan(5_000);

    const sec = await until("DemoBreach firing", () =>
      received.find((e) => e.name === "DemoBreach" && e.status === "firing"),
    );
    expect(sec.receiver).toBe("security");
    expect(sec.labels.team).toBe("security");

    const res = await sendAck(rx.url, { name: "DemoBroken" }, { by: "oncall", via: "cli" });
    expect(res.acked).toEqual([firing.fingerprint]);
    expect((await sendAck(rx.url, { fingerprint: firing.fingerprint }, { by: "other" })).acked).toEqual([]);
    expect(acks.map((a) => [a.name, a.by, a.via, a.synthetic])).toEqual([
      ["DemoBroken", "oncall", "cli", false],
    ]);

    const tBack = Date.now();
    broken.set(0);
    const resolved = await until("DemoBroken resolved", () =>
      received.find((e) => e.name === "DemoBroken" && e.status === "resolved"),
    );
    expect(resolved.fingerprint).toBe(firing.fingerprint);
    expect(resolved.endsAt).not.toBeNull();
    expect(book.get(firing.fingerprint)?.status).toBe("resolved");
    // Alertmanager re-sends firing groups; the book must have ignored every repeat.
    expect(received.filter((e) => e.name === "DemoBroken" && e.status === "firing")).toHaveLength(1);
    console.log(
      `flip → webhook delivery ${deliveryMs} ms (startsAt − flip ${firing.startsAt! - tFlip} ms); ` +
        `flip back → resolved delivery ${resolved.t - tBack} ms`,
    );

    // Both probes saw the gauge go 0 → 1 → 0 around the same flip.
    const promql = [...store.samples("promql:broken")];
    const scraped = [...store.samples("demo_broken")];
    for (const series of [promql, scraped]) {
      expect(series.some((s) => s.value === 0 && s.t < tFlip)).toBe(true);
      expect(series.some((s) => s.value === 1 && s.t >= tFlip - 300 && s.t <= tBack + 300)).toBe(true);
    }
    const firstScraped1 = scraped.find((s) => s.value === 1)!;
    expect(firstScraped1.t - tFlip).toBeLessThan(1_000);
    expect(promql.find((s) => s.value === 1)!.tags.job).toBe("demo");
  });

  it("reports Prometheus query errors with their type", async () => {
    await expect(instantQuery(prom.url, "sum(")).rejects.toThrow(/bad_data/);
    await expect(instantQuery(prom.url, "sum(")).rejects.toBeInstanceOf(PromQLError);
  });
});
