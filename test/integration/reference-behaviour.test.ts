// The reference service's resilience behaviours, each with the defect switch that breaks it: depth-k
// under a real Toxiproxy latency toxic, cost routing under a pricing surge, embeddings backoff and
// fallback under 429s from the HTTP fault proxy, the rollback path, and the missing alert rule.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/env/process.ts";
import { type GroundTruthEvent, type ReferenceStack, startReferenceStack } from "../../src/env/reference.ts";
import { json } from "../http-json.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-reference-b-"));
let stack: ReferenceStack;
let copilot = "";
let n = 0;

/** A prompt never seen before, so the whole pipeline runs (no cache hit). Letters only: a long
 * digit run could be taken for a card or phone number by the guardrail. */
function fresh(text = "What changed in the last deploy"): string {
  n++;
  const letters = (x: number) => [...String(x)].map((d) => "abcdefghij"[Number(d)]).join("");
  return `${text} (${letters(n)} ${letters(Date.now())})`;
}

async function chat(prompt: string): Promise<Response> {
  const res = await fetch(`${copilot}/v1/chat`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ prompt, user: "behaviour" }),
  });
  await res.clone().arrayBuffer();
  return res;
}

async function events(type: string): Promise<GroundTruthEvent[]> {
  return (await stack.groundTruth()).filter((e) => e.type === type);
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${copilot}/metrics`)).text();
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return Number(line?.split(" ")[1]);
}

/** Waits until Prometheus reports the alert firing (rules are evaluated every 1 s). */
async function firing(alert: string, timeoutMs = 8_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await json("GET", `${stack.config.prometheus!.url}/api/v1/alerts`);
    const alerts = (r.body as { data: { alerts: Array<{ labels: { alertname: string }; state: string }> } })
      .data.alerts;
    if (alerts.some((a) => a.labels.alertname === alert && a.state === "firing")) return true;
    await sleep(250);
  }
  return false;
}

function service(name: string): string {
  return stack.config.services.find((s) => s.name === name)!.url;
}

beforeAll(async () => {
  stack = await startReferenceStack({
    logDir: join(dir, "logs"),
    dataDir: join(dir, "env"),
    // Nothing listens here: this file does not look at alert delivery.
    receiverUrl: "http://127.0.0.1:9",
  });
  copilot = service("copilot");
});

afterAll(async () => {
  await stack?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("reference service behaviours", () => {
  it("reduces depth-k while the vector store is slow and restores it after", async () => {
    const api = `http://${stack.config.toxiproxy!.api}`;
    const toxic = await json("POST", `${api}/proxies/vector-store/toxics`, {
      name: "gameday-test-latency",
      type: "latency",
      stream: "downstream",
      attributes: { latency: 300, jitter: 0 },
    });
    expect(toxic.status).toBe(200);
    try {
      for (let batch = 0; batch < 4; batch++) await Promise.all([1, 2, 3, 4].map(() => chat(fresh())));
      const res = await chat(fresh());
      expect(res.headers.get("x-depth-k")).toBe("4");
      expect(await metric("copilot_depth_k")).toBe(4);
      expect(await firing("DepthKDegraded")).toBe(true);
    } finally {
      await json("DELETE", `${api}/proxies/vector-store/toxics/gameday-test-latency`);
    }
    for (let i = 0; i < 25 && (await metric("copilot_depth_k")) !== 8; i++) await chat(fresh());
    expect(await metric("copilot_depth_k")).toBe(8);
    const changes = (await events("depth_k_changed")).map((e) => e.detail);
    expect(changes).toEqual([
      { from: 8, to: 4 },
      { from: 4, to: 8 },
    ]);
  });

  it("routes to a cheaper model under a price surge, and stops doing so with cost_routing_off", async () => {
    const pricing = service("pricing");
    const before = await json("GET", `${pricing}/pricing`);
    await json("PUT", `${pricing}/pricing`, { multiplier: 4 });
    try {
      await sleep(1_200);
      const res = await chat(fresh());
      expect(res.headers.get("x-model")).toBe("medium");
      expect(Number(res.headers.get("x-cost-usd"))).toBeLessThanOrEqual(0.004);
      expect((await events("model_route_changed")).at(-1)?.detail).toEqual({ from: "small", to: "medium" });

      await stack.setDefect("cost_routing_off", true);
      const costly = await chat(fresh());
      expect(costly.headers.get("x-model")).toBe("small");
      expect(Number(costly.headers.get("x-cost-usd"))).toBeGreaterThan(0.004);
    } finally {
      await stack.setDefect("cost_routing_off", false);
      await json("PUT", `${pricing}/pricing`, before.body);
    }
  });

  it("backs off on embeddings 429s and falls back without losing a request; backoff_off turns them into 503s", async () => {
    const proxy = stack.config.proxies.find((p) => p.name === "embeddings")!;
    const rules = `http://${proxy.listen}/__gameday/rules`;
    const rule = await json("POST", rules, {
      tag: "gameday-test-429",
      status: 429,
      retryAfterSec: 0.05,
      percent: 100,
    });
    expect(rule.status).toBeLessThan(300);
    const id = (rule.body as { id?: string }).id;
    try {
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => chat(fresh())));
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
      expect(answers.every((r) => r.headers.get("x-embedding-model") === "embed-lite")).toBe(true);
      expect(await metric("copilot_embedding_fallback_total")).toBeGreaterThanOrEqual(6);
      expect(await metric("copilot_embedding_throttled_total")).toBeGreaterThanOrEqual(6);
      expect((await events("embedding_throttled")).length).toBe(1);

      await stack.setDefect("backoff_off", true);
      expect((await chat(fresh())).status).toBe(503);
    } finally {
      await stack.setDefect("backoff_off", false);
      await json("DELETE", id ? `${rules}/${id}` : rules);
    }
    expect((await chat(fresh())).headers.get("x-embedding-model")).toBe("embed-v3");
    expect((await events("embedding_recovered")).length).toBe(1);
  });

  it("is slow on the bad v2 re-rank path and fast again after the rollback to v1.3.5", async () => {
    const release = await json("PUT", `${copilot}/admin/release`, { version: "v2", bad_v2: true });
    expect(release.body).toMatchObject({ version: "v2", bad_v2: true, flags: { retrieval_v2: true } });
    const t0 = Date.now();
    await chat(fresh());
    expect(Date.now() - t0).toBeGreaterThanOrEqual(600);

    // The runbook's drain waits for the requests still running on the old route.
    let slowDone = 0;
    const slow = chat(fresh()).then(() => {
      slowDone = Date.now();
    });
    await sleep(100);
    const drained = await json("POST", `${copilot}/admin/drain`, { timeoutMs: 5_000 });
    const drainedAt = Date.now();
    await slow;
    expect(drained.status).toBe(200);
    expect((drained.body as { drained: number }).drained).toBeGreaterThanOrEqual(1);
    expect(slowDone).toBeGreaterThan(0);
    expect(slowDone).toBeLessThanOrEqual(drainedAt);
    expect((await json("POST", `${copilot}/admin/drain`, { timeoutMs: -1 })).status).toBe(400);

    await stack.setDefect("slow_rollback", true);
    const deferred = await json("PUT", `${copilot}/admin/version`, { version: "v1.3.5" });
    expect(deferred).toEqual({ status: 202, body: { version: "v2", pending: "v1.3.5" } });
    await stack.setDefect("slow_rollback", false);

    const rolled = await json("PUT", `${copilot}/admin/version`, { version: "v1.3.5" });
    expect(rolled).toEqual({ status: 200, body: { version: "v1.3.5" } });
    const t1 = Date.now();
    const res = await chat(fresh());
    expect(res.headers.get("x-version")).toBe("v1.3.5");
    expect(Date.now() - t1).toBeLessThan(600);
    expect((await events("version_switched")).at(-1)?.detail).toEqual({ from: "v2", to: "v1.3.5" });
    await json("PUT", `${copilot}/admin/release`, { version: "v2", bad_v2: false });
  });

  it("pages ErrorRateSLOBreach when more than 1 % of requests fail (primary 502 with failover_off)", async () => {
    const proxy = stack.config.proxies.find((p) => p.name === "llm-primary")!;
    const rules = `http://${proxy.listen}/__gameday/rules`;
    const rule = await json("POST", rules, { tag: "gameday-test-502", status: 502, percent: 100 });
    expect(rule.status).toBeLessThan(300);
    const id = (rule.body as { id?: string }).id;
    await stack.setDefect("failover_off", true);
    try {
      const answers = await Promise.all([1, 2, 3, 4, 5].map(() => chat(fresh())));
      expect(answers.every((r) => r.status >= 500)).toBe(true);
      expect(await firing("ErrorRateSLOBreach")).toBe(true);
    } finally {
      await stack.setDefect("failover_off", false);
      await json("DELETE", id ? `${rules}/${id}` : rules);
    }
  });

  it("missing_alert_rule reloads Prometheus without LLMProviderDown, and restores it", async () => {
    const rules = async (): Promise<string[]> => {
      const r = await json("GET", `${stack.config.prometheus!.url}/api/v1/rules`);
      const groups = (r.body as { data: { groups: Array<{ rules: Array<{ name: string }> }> } }).data.groups;
      return groups.flatMap((g) => g.rules.map((x) => x.name));
    };
    expect(await rules()).toContain("LLMProviderDown");
    await stack.setDefect("missing_alert_rule", true);
    const without = await rules();
    expect(without).not.toContain("LLMProviderDown");
    expect(without).toContain("P95LatencySLOBreach");
    expect(without).toEqual(expect.arrayContaining(["ErrorRateSLOBreach", "DepthKDegraded"]));
    await stack.setDefect("missing_alert_rule", false);
    expect(await rules()).toContain("LLMProviderDown");
  });

  it("rejects unknown defects and bad admin bodies", async () => {
    await expect(stack.setDefect("no_such_defect", true)).rejects.toThrow(/unknown defect/);
    expect((await json("PUT", `${copilot}/admin/version`, { version: "v9" })).status).toBe(400);
    expect((await json("PUT", `${copilot}/admin/flags`, { large_model: "yes" })).status).toBe(400);
    expect((await json("POST", `${copilot}/v1/chat`, { user: "x" })).status).toBe(400);
  });
});
