// Webhook delivery against real HTTP servers on loopback: the exact bodies a Slack incoming webhook
// and a generic JSON endpoint get, retries on 5xx and 429 but not on other 4xx, a dead endpoint, and
// notify() returning before the other end has answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../../src/env/process.ts";
import type { WebhookConfig } from "../../src/scenario/config.ts";
import { createNotifier, type Delivery, type Notification } from "../../src/serve/notify.ts";

interface Received {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: unknown;
}

interface Endpoint {
  url: string;
  received: Received[];
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (s) =>
        new Promise<void>((resolve) => {
          s.closeAllConnections();
          s.close(() => resolve());
        }),
    ),
  );
});

/** A webhook endpoint; `answer` decides each response from the request count (1-based). */
async function endpoint(
  answer: (n: number, res: ServerResponse) => void = (_n, res) => res.end("ok"),
): Promise<Endpoint> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let raw = "";
    req.on("data", (c: Buffer) => {
      raw += c;
    });
    req.on("end", () => {
      received.push({
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        body: JSON.parse(raw),
      });
      answer(received.length, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}/hook`, received };
}

const hook = (name: string, url: string, over: Partial<WebhookConfig> = {}): WebhookConfig => ({
  name,
  url,
  format: "json",
  on: ["fail", "error", "regression", "update"],
  headers: {},
  ...over,
});

const AT = Date.UTC(2026, 0, 6, 10, 42, 0);
const failed: Notification = {
  kind: "fail",
  runId: "20260106-104200-ab12",
  title: "llm-outage FAIL",
  text: "MTTA 7m 10s over the 5m target",
  verdict: "FAIL",
  scenarios: ["llm-outage"],
  regressions: [
    { scenario: "llm-outage", metric: "mtta", value: 430, baseline: 120 },
    { scenario: "llm-outage", metric: "p95", value: null, baseline: 812.345678 },
  ],
  reportUrl: "http://127.0.0.1:8090/runs/20260106-104200-ab12/report.html",
  at: AT,
};

function collect(): { deliveries: Delivery[]; onDelivery(d: Delivery): void } {
  const deliveries: Delivery[] = [];
  return { deliveries, onDelivery: (d) => deliveries.push(d) };
}

describe("webhook notifier", () => {
  it("posts the Slack incoming-webhook body and the JSON event body, with the configured headers", async () => {
    const slack = await endpoint();
    const json = await endpoint();
    const c = collect();
    const notifier = createNotifier(
      [
        hook("slack", slack.url, { format: "slack" }),
        hook("events", json.url, { headers: { Authorization: "Bearer abc", "X-Team": "sre" } }),
      ],
      c,
    );
    notifier.notify(failed);
    await notifier.drain();

    const text =
      "[FAIL] run 20260106-104200-ab12: llm-outage FAIL\n" +
      "MTTA 7m 10s over the 5m target\n" +
      "Regressions:\n" +
      "- llm-outage mtta: 430 (baseline 120)\n" +
      "- llm-outage p95: n/a (baseline 812.3)\n" +
      "Report: http://127.0.0.1:8090/runs/20260106-104200-ab12/report.html";
    expect(slack.received).toHaveLength(1);
    expect(slack.received[0]!.method).toBe("POST");
    expect(slack.received[0]!.headers["content-type"]).toBe("application/json");
    expect(slack.received[0]!.body).toEqual({
      text,
      blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
    });

    expect(json.received).toHaveLength(1);
    expect(json.received[0]!.headers).toMatchObject({
      "content-type": "application/json",
      authorization: "Bearer abc",
      "x-team": "sre",
    });
    expect(json.received[0]!.body).toEqual({
      event: "fail",
      runId: "20260106-104200-ab12",
      title: "llm-outage FAIL",
      text: "MTTA 7m 10s over the 5m target",
      verdict: "FAIL",
      scenarios: ["llm-outage"],
      regressions: failed.regressions,
      reportUrl: failed.reportUrl,
      at: "2026-01-06T10:42:00.000Z",
      source: "gameday",
    });
    expect(c.deliveries.map((d) => [d.webhook, d.kind, d.ok, d.attempts, d.status, d.error])).toEqual(
      expect.arrayContaining([
        ["slack", "fail", true, 1, 200, null],
        ["events", "fail", true, 1, 200, null],
      ]),
    );
  });

  it("retries a 503 until the endpoint answers 200", async () => {
    const ep = await endpoint((n, res) => {
      res.statusCode = n <= 2 ? 503 : 200;
      res.end(n <= 2 ? "busy" : "ok");
    });
    const c = collect();
    const notifier = createNotifier([hook("events", ep.url)], { backoffMs: 20, onDelivery: c.onDelivery });
    notifier.notify(failed);
    await notifier.drain();
    expect(ep.received).toHaveLength(3);
    expect(c.deliveries).toEqual([
      {
        webhook: "events",
        kind: "fail",
        ok: true,
        attempts: 3,
        status: 200,
        error: null,
        at: expect.any(Number),
      },
    ]);
  });

  it("honours a 429's Retry-After in seconds", async () => {
    const ep = await endpoint((n, res) => {
      res.statusCode = n === 1 ? 429 : 200;
      if (n === 1) res.setHeader("retry-after", "1");
      res.end();
    });
    const c = collect();
    const notifier = createNotifier([hook("events", ep.url)], { backoffMs: 5, onDelivery: c.onDelivery });
    const t0 = Date.now();
    notifier.notify(failed);
    await notifier.drain();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
    expect(c.deliveries[0]).toMatchObject({ ok: true, attempts: 2, status: 200 });
  });

  it("does not retry a 400", async () => {
    const ep = await endpoint((_n, res) => {
      res.statusCode = 400;
      res.end("invalid_payload");
    });
    const c = collect();
    const notifier = createNotifier([hook("slack", ep.url, { format: "slack" })], {
      backoffMs: 20,
      onDelivery: c.onDelivery,
    });
    notifier.notify(failed);
    await notifier.drain();
    expect(ep.received).toHaveLength(1);
    expect(c.deliveries).toEqual([
      {
        webhook: "slack",
        kind: "fail",
        ok: false,
        attempts: 1,
        status: 400,
        error: "HTTP 400: invalid_payload",
        at: expect.any(Number),
      },
    ]);
  });

  it("gives up on an endpoint nobody listens on after every attempt, without throwing", async () => {
    const port = await freePort();
    const c = collect();
    const notifier = createNotifier([hook("gone", `http://127.0.0.1:${port}/hook`)], {
      retries: 3,
      backoffMs: 10,
      onDelivery: c.onDelivery,
    });
    notifier.notify(failed);
    await notifier.drain();
    expect(c.deliveries).toHaveLength(1);
    expect(c.deliveries[0]).toMatchObject({ webhook: "gone", ok: false, attempts: 3, status: null });
    expect(c.deliveries[0]!.error).toMatch(/ECONNREFUSED/);
  });

  it("times out an attempt that gets no answer and retries it", async () => {
    const ep = await endpoint((n, res) => {
      if (n > 1) res.end("ok");
    });
    const c = collect();
    const notifier = createNotifier([hook("slow", ep.url)], {
      timeoutMs: 200,
      backoffMs: 10,
      onDelivery: c.onDelivery,
    });
    notifier.notify(failed);
    await notifier.drain();
    expect(c.deliveries[0]).toMatchObject({ ok: true, attempts: 2, status: 200 });
  });

  it("sends each webhook only the kinds in its `on`", async () => {
    const updates = await endpoint();
    const failures = await endpoint();
    const notifier = createNotifier([
      hook("ic", updates.url, { on: ["update"] }),
      hook("ci", failures.url, { on: ["fail", "error", "regression"] }),
    ]);
    notifier.notify(failed);
    notifier.notify({ ...failed, kind: "update", title: "[Sev-2] update" });
    notifier.notify({ ...failed, kind: "error" });
    await notifier.drain();
    expect(updates.received.map((r) => (r.body as { event: string }).event)).toEqual(["update"]);
    expect(failures.received.map((r) => (r.body as { event: string }).event).sort()).toEqual([
      "error",
      "fail",
    ]);
  });

  it("notify() returns while the endpoint still holds the response", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ep = await endpoint((_n, res) => {
      void held.then(() => res.end("ok"));
    });
    const c = collect();
    const notifier = createNotifier([hook("events", ep.url)], c);
    notifier.notify(failed);
    expect(c.deliveries).toHaveLength(0);
    while (ep.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    // The request is at the server, unanswered, and the caller has long had control back.
    expect(c.deliveries).toHaveLength(0);
    release();
    await notifier.drain();
    expect(c.deliveries[0]).toMatchObject({ ok: true, attempts: 1 });
  });
});
