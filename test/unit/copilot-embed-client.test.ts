// The reference service's embeddings client against a real HTTP provider on loopback: on 429 it
// waits at least Retry-After (seconds or an HTTP date) before retrying, falls back at once when the
// wait would be too long or the tries run out, and with backoff_off hands the 429 to the caller.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { EmbedClient, type EmbedOptions, ThrottledError } from "../../fixtures/ops-copilot/embed-client.ts";

/** What the provider answers next, per path; each request takes the next entry (the last repeats). */
let script: Record<string, Array<{ status: number; retryAfter?: string }>> = {};
let hits: Array<{ path: string; t: number }> = [];
let server: Server;
let base = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const path = req.url ?? "/";
    hits.push({ path, t: performance.now() });
    req.resume();
    const queue = script[path] ?? [{ status: 200 }];
    const next = queue.length > 1 ? queue.shift()! : queue[0]!;
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (next.retryAfter !== undefined) headers["retry-after"] = next.retryAfter;
    res.writeHead(next.status, headers);
    res.end(next.status === 200 ? JSON.stringify({ data: [{ embedding: [0.1, 0.2] }] }) : "{}");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

beforeEach(() => {
  script = {};
  hits = [];
});

function client(o: Partial<EmbedOptions> = {}) {
  const calls: string[] = [];
  const c = new EmbedClient({
    url: `${base}/primary`,
    fallbackUrl: `${base}/fallback`,
    maxTries: 2,
    maxDelayMs: 1_000,
    backoffOff: () => false,
    onThrottled: () => calls.push("throttled"),
    onRecovered: () => calls.push("recovered"),
    onFallback: () => calls.push("fallback"),
    on429: () => calls.push("429"),
    ...o,
  });
  return { c, calls };
}

const primary = () => hits.filter((h) => h.path === "/primary/v1/embeddings");

describe("EmbedClient", () => {
  it("embeds with the primary model when the provider answers", async () => {
    const { c, calls } = client();
    expect(await c.embed("hi")).toEqual({ vector: [0.1, 0.2], model: "embed-v3", fallback: false });
    expect(calls).toEqual([]);
  });

  it("waits at least Retry-After (seconds) before the retry, then records the recovery", async () => {
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: "0.3" }, { status: 200 }];
    const { c, calls } = client();
    const e = await c.embed("hi");
    expect(e.model).toBe("embed-v3");
    const [first, second] = primary();
    // Full-jitter backoff alone would retry within 100 ms; Retry-After says 300.
    expect(second!.t - first!.t).toBeGreaterThanOrEqual(295);
    expect(calls).toEqual(["429", "throttled", "recovered"]);
  });

  it("honours Retry-After given as an HTTP date", async () => {
    const at = new Date(Date.now() + 1_500).toUTCString(); // second precision: 0.5–1.5 s from now
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: at }, { status: 200 }];
    const { c } = client({ maxDelayMs: 2_000 });
    await c.embed("hi");
    const [first, second] = primary();
    expect(second!.t - first!.t).toBeGreaterThanOrEqual(400);
  });

  it("shows the waiting request in the queue depth while it backs off", async () => {
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: "0.3" }, { status: 200 }];
    const { c } = client();
    const pending = c.embed("hi");
    await new Promise((r) => setTimeout(r, 150));
    expect(c.queueDepth()).toBe(1);
    await pending;
    expect(c.queueDepth()).toBe(1); // the peak of the last second
    expect(c.queueDepth(Date.now() + 1_100)).toBe(0);
  });

  it("falls back at once when Retry-After is longer than it may wait", async () => {
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: "5" }];
    const { c, calls } = client({ maxDelayMs: 1_000 });
    const t0 = performance.now();
    expect(await c.embed("hi")).toEqual({ vector: [0.1, 0.2], model: "embed-lite", fallback: true });
    expect(performance.now() - t0).toBeLessThan(500);
    expect(primary()).toHaveLength(1);
    expect(calls).toEqual(["429", "throttled", "fallback"]);
  });

  it("falls back after maxTries 429s, and reports the throttling once", async () => {
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: "0.05" }];
    const { c, calls } = client({ maxTries: 3 });
    expect((await c.embed("hi")).fallback).toBe(true);
    expect(primary()).toHaveLength(3);
    expect(calls).toEqual(["429", "throttled", "429", "429", "fallback"]);
  });

  it("hands the 429 to the caller with backoff_off", async () => {
    script["/primary/v1/embeddings"] = [{ status: 429, retryAfter: "0.05" }];
    const { c } = client({ backoffOff: () => true });
    await expect(c.embed("hi")).rejects.toBeInstanceOf(ThrottledError);
    expect(primary()).toHaveLength(1);
  });

  it("fails on other errors instead of treating them as throttling", async () => {
    script["/primary/v1/embeddings"] = [{ status: 500 }];
    const { c, calls } = client();
    await expect(c.embed("hi")).rejects.toThrow(/embeddings answered 500/);
    expect(calls).toEqual([]);
  });
});
