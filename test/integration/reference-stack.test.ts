// The reference stack end to end with every real component: requests go through Toxiproxy, the HTTP
// fault proxy, real Redis; alerts go from real Prometheus through real Alertmanager to a webhook
// server started here. Faults are made the way a scenario makes them (the proxy's control API,
// FLUSHDB on the cache, a defect switch) and checked against the copilot's own ground truth.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Environment, provideEnvironment } from "../../src/env/environment.ts";
import { splitHostPort } from "../../src/env/hosts.ts";
import { sleep } from "../../src/env/process.ts";
import { type GroundTruthEvent, type ReferenceStack, startReferenceStack } from "../../src/env/reference.ts";
import { AlertBook } from "../../src/observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../../src/observe/receiver.ts";
import { configSchema } from "../../src/scenario/config.ts";

interface Received {
  path: string;
  body: unknown;
  at: number;
}

const dir = mkdtempSync(join(tmpdir(), "gameday-reference-"));
const received: Received[] = [];
let webhook: Server;
let receiverUrl = "";
let stack: ReferenceStack;
let copilot = "";

/** Unique without digits: a long digit run could be taken for a card or phone number. */
function unique(text: string): string {
  return `${text} ${[...String(Date.now())].map((d) => "abcdefghij"[Number(d)]).join("")}`;
}

async function chat(prompt: string, user = "tester"): Promise<Response> {
  return fetch(`${copilot}/v1/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, user }),
  });
}

function proxyUrl(name: string): string {
  const p = stack.config.proxies.find((x) => x.name === name && x.kind === "http");
  if (!p) throw new Error(`no http proxy ${name}`);
  return `http://${p.listen}`;
}

/** Makes the HTTP fault proxy in front of `name` answer `status` to everything; returns the undo. */
async function failWith(name: string, status: number): Promise<() => Promise<void>> {
  const base = `${proxyUrl(name)}/__gameday/rules`;
  const res = await fetch(base, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ tag: `gameday-test-${name}`, status, percent: 100 }),
  });
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  const rule = (await res.json()) as { id?: string };
  return async () => {
    const del = await fetch(rule.id ? `${base}/${rule.id}` : base, { method: "DELETE" });
    await del.arrayBuffer();
  };
}

async function events(type: string): Promise<GroundTruthEvent[]> {
  return (await stack.groundTruth()).filter((e) => e.type === type);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function alertsNamed(receiver: string, name: string): Array<{ status: string; startsAt: string }> {
  return received
    .filter((r) => r.path === `/alerts/${receiver}`)
    .flatMap(
      (r) =>
        (r.body as { alerts: Array<{ status: string; startsAt: string; labels: Record<string, string> }> })
          .alerts,
    )
    .filter((a) => a.labels.alertname === name);
}

beforeAll(async () => {
  webhook = createServer((req, res) => {
    let text = "";
    req.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    req.on("end", () => {
      received.push({ path: req.url ?? "", body: JSON.parse(text || "{}") as unknown, at: Date.now() });
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => webhook.listen(0, "127.0.0.1", r));
  const addr = webhook.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`;
  stack = await startReferenceStack({ logDir: join(dir, "logs"), dataDir: join(dir, "env"), receiverUrl });
  copilot = stack.config.services.find((s) => s.name === "copilot")!.url;
});

afterAll(async () => {
  await stack?.stop();
  await new Promise((r) => webhook?.close(r));
  rmSync(dir, { recursive: true, force: true });
});

describe("reference stack", () => {
  it("resolves every name the scenarios use, with no port 0 left", () => {
    const c = stack.config;
    expect(c.provider).toBe("reference");
    expect(c.proxies.map((p) => `${p.kind}:${p.name}`).sort()).toEqual([
      "http:embeddings",
      "http:llm-primary",
      "toxiproxy:llm-primary-tcp",
      "toxiproxy:llm-secondary-tcp",
      "toxiproxy:redis",
      "toxiproxy:vector-store",
    ]);
    expect(c.services.map((s) => s.name).sort()).toEqual(["copilot", "flags", "pricing"]);
    expect(c.redis.map((r) => r.name)).toEqual(["cache"]);
    for (const name of ["copilot", "llm-primary", "llm-secondary", "embeddings", "vector-store"]) {
      expect(c.processes.some((p) => p.name === name)).toBe(true);
      expect(stack.processes.pid(name)).toBeGreaterThan(0);
    }
    expect(c.probes[0]).toMatchObject({ kind: "scrape", interval: 1_000 });
    expect(JSON.stringify(c)).not.toMatch(/:0[",]/);
    const pids = JSON.parse(readFileSync(join(dir, "env", "pids.json"), "utf8")) as Record<string, number>;
    expect(Object.keys(pids)).toEqual(
      expect.arrayContaining(["redis", "toxiproxy", "copilot", "llm-primary", "prometheus", "alertmanager"]),
    );
  });

  it("answers a healthy chat from the primary with every header, then from the cache", async () => {
    const res = await chat("Why is p95 latency of the checkout service above its SLO?");
    expect(res.status).toBe(200);
    expect(res.headers.get("x-provider")).toBe("primary");
    expect(res.headers.get("x-cache")).toBe("miss");
    expect(res.headers.get("x-model")).toBe("small");
    expect(res.headers.get("x-depth-k")).toBe("8");
    expect(res.headers.get("x-version")).toBe("v2");
    const cost = Number(res.headers.get("x-cost-usd"));
    expect(cost).toBeGreaterThan(0);
    expect(cost).toBeLessThan(0.004);
    const again = await chat("why is P95 latency of the checkout service above its SLO");
    expect(again.status).toBe(200);
    expect(again.headers.get("x-cache")).toBe("hit");
    expect(again.headers.get("x-provider")).toBe("cache");
    expect(again.headers.get("x-cost-usd")).toBe("0");
  });

  it("misses after a cache purge in Redis and warms again", async () => {
    const prompt = "Show the runbook for a Redis cache stampede.";
    await (await chat(prompt)).arrayBuffer();
    expect((await chat(prompt)).headers.get("x-cache")).toBe("hit");
    const redis = new Redis(stack.config.redis[0]!.url);
    try {
      await redis.flushdb();
    } finally {
      redis.disconnect();
    }
    expect((await chat(prompt)).headers.get("x-cache")).toBe("miss");
    expect((await chat(prompt)).headers.get("x-cache")).toBe("hit");
  });

  it("blocks a PII prompt with 422, writes the audit log and notifies Security", async () => {
    const res = await chat("Refund card 4111 1111 1111 1111 for the failed checkout", "alice");
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ blocked: true, reason: "card" });
    const audit = readFileSync(stack.auditLog, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit.at(-1)).toMatchObject({ type: "guardrail_block", user: "alice", reason: "card" });
    expect(readFileSync(stack.auditLog, "utf8")).not.toContain("4111");
    const note = await waitFor("security notification", async () =>
      received.find((r) => r.path === "/alerts/security/plain"),
    );
    expect(note.body).toMatchObject({ name: "GuardrailBlock", labels: { team: "security", reason: "card" } });
    expect((await events("guardrail_block")).length).toBeGreaterThan(0);
    // The PIIBlocked rule routes by team="security" to the security receiver.
    await waitFor(
      "PIIBlocked at the security receiver",
      async () => alertsNamed("security", "PIIBlocked")[0],
    );
    expect(alertsNamed("oncall", "PIIBlocked")).toEqual([]);
  });

  it("keys each audit record to the request's x-request-id and counts it in /metrics", async () => {
    const before = await (await fetch(`${copilot}/debug/audit`)).json();
    const res = await fetch(`${copilot}/v1/chat`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "audit-test-1" },
      body: JSON.stringify({ prompt: "Employee 123-45-6789 cannot log in", user: "bob" }),
    });
    expect(res.status).toBe(422);
    expect(await (await fetch(`${copilot}/debug/audit?request=audit-test-1`)).json()).toEqual({ count: 1 });
    expect(await (await fetch(`${copilot}/debug/audit?request=no-such-request`)).json()).toEqual({
      count: 0,
    });
    const after = (await (await fetch(`${copilot}/debug/audit`)).json()) as { count: number };
    expect(after.count).toBe((before as { count: number }).count + 1);
    const metrics = await (await fetch(`${copilot}/metrics`)).text();
    expect(metrics).toContain(`copilot_audit_events_total ${after.count}`);
  });

  it("fails over to the secondary when the primary answers 502, records it, and pages on-call", async () => {
    const undo = await failWith("llm-primary", 502);
    try {
      for (let i = 0; i < 6; i++) {
        const res = await chat(`What changed in the last deploy of service ${i}?`);
        expect(res.status).toBe(200);
        expect(res.headers.get("x-provider")).toBe("secondary");
      }
      const types = (await stack.groundTruth()).map((e) => e.type);
      expect(types).toContain("primary_failed_first");
      expect(types).toContain("breaker_opened");
      const switched = await events("provider_switched");
      expect(switched.at(-1)?.detail).toEqual({ from: "primary", to: "secondary" });
      const alert = await waitFor("LLMProviderDown at oncall", async () =>
        alertsNamed("oncall", "LLMProviderDown").find((a) => a.status === "firing"),
      );
      expect(Date.parse(alert.startsAt)).toBeGreaterThanOrEqual(
        (await events("primary_failed_first"))[0]!.t - 2_000,
      );
    } finally {
      await undo();
    }
    // After the open period a trial request closes the breaker and the primary answers again.
    const back = await waitFor("primary answering again", async () => {
      const res = await chat(unique("Is the error budget at risk?"));
      return res.headers.get("x-provider") === "primary" ? res : undefined;
    });
    expect(back.status).toBe(200);
    expect((await events("breaker_closed")).length).toBeGreaterThan(0);
  });

  it("answers 5xx instead of failing over while the failover_off defect is on", async () => {
    await stack.setDefect("failover_off", true);
    const undo = await failWith("llm-primary", 502);
    try {
      const res = await chat(unique("Which queues have a growing backlog?"));
      expect(res.status).toBeGreaterThanOrEqual(500);
      expect(res.headers.get("x-provider")).toBeNull();
      expect((await events("defect_changed")).at(-1)?.detail).toEqual({ name: "failover_off", on: true });
    } finally {
      await undo();
      await stack.setDefect("failover_off", false);
    }
  });

  it("leaves no process behind after stop()", async () => {
    const pids = [
      "redis",
      "toxiproxy",
      "copilot",
      "control",
      "llm-primary",
      "llm-secondary",
      "embeddings",
      "vector-store",
      "prometheus",
      "alertmanager",
    ].map((n) => stack.processes.pid(n)!);
    expect(pids.every((p) => p > 0)).toBe(true);
    await stack.stop();
    const alive = pids.filter((p) => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
    expect(existsSync(join(dir, "env", "pids.json"))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, "env", "pids.json"), "utf8"))).toEqual({});
  });
});

// Two reference runs on one machine: each binds its alert receiver where the config's default says
// (a free port for provider "reference"), as a run does, and its stack's Alertmanager delivers there.
describe("two reference stacks started at the same time", () => {
  interface Run {
    name: string;
    rx: AlertReceiver;
    book: AlertBook;
    env: Environment;
  }
  const runs: Run[] = [];
  const receivers: AlertReceiver[] = [];

  async function startRun(name: string): Promise<Run> {
    const config = configSchema.parse({ provider: "reference" });
    const runDir = join(dir, name);
    mkdirSync(runDir, { recursive: true });
    const book = new AlertBook();
    const { host, port } = splitHostPort(config.receiver.listen);
    const rx = await startAlertReceiver({ host, port, book });
    receivers.push(rx);
    const env = await provideEnvironment(config, { runDir, receiverUrl: rx.url });
    return { name, rx, book, env };
  }

  beforeAll(async () => {
    const started = await Promise.allSettled([startRun("run-1"), startRun("run-2")]);
    for (const s of started) if (s.status === "fulfilled") runs.push(s.value);
    const failed = started.find((s) => s.status === "rejected");
    if (failed) throw failed.reason;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(runs.map((r) => r.env.stop()));
    await Promise.all(receivers.map((rx) => rx.close()));
  });

  it("bind their receivers on different free ports and record each in the resolved config", () => {
    const [a, b] = runs;
    expect(a!.rx.port).toBeGreaterThan(0);
    expect(b!.rx.port).toBeGreaterThan(0);
    expect(a!.rx.port).not.toBe(b!.rx.port);
    for (const r of runs) expect(r.env.config.receiver.listen).toBe(new URL(r.rx.url).host);
    expect(a!.env.config.alertmanager!.url).not.toBe(b!.env.config.alertmanager!.url);
  });

  it("configure each Alertmanager with its own receiver, which gets that stack's alerts only", async () => {
    for (const [r, other] of [
      [runs[0]!, runs[1]!],
      [runs[1]!, runs[0]!],
    ] as const) {
      const am = r.env.config.alertmanager!.url;
      const status = (await (await fetch(`${am}/api/v2/status`)).json()) as { config: { original: string } };
      expect(status.config.original).toContain(`${r.rx.url}/alerts/oncall`);
      expect(status.config.original).not.toContain(other.rx.url);
      const res = await fetch(`${am}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify([
          { labels: { alertname: "TwoStacksProbe", stack: r.name }, startsAt: new Date().toISOString() },
        ]),
      });
      expect(res.status).toBe(200);
    }
    for (const r of runs) {
      const alert = await waitFor(`TwoStacksProbe at ${r.name}'s receiver`, async () =>
        r.book.list().find((a) => a.name === "TwoStacksProbe"),
      );
      expect(alert.labels.stack).toBe(r.name);
      expect(alert.receiver).toBe("oncall");
      expect(r.book.list().filter((a) => a.name === "TwoStacksProbe")).toHaveLength(1);
    }
  });
});
