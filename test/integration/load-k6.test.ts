// Real k6 against a real loopback HTTP server: sample counts, tags, custom metrics, failure
// classification, abort handling and the executor configs k6 accepts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeK6Config } from "../../src/load/k6-options.ts";
import { resolveK6Bin, runK6 } from "../../src/load/k6-runner.ts";
import type { LiveStats } from "../../src/load/live.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { k6Load } from "../../src/scenario/schema.ts";
import { type ChatServer, startChatServer } from "./load-chat-server.ts";

const CHAT = fileURLToPath(new URL("../../scenarios/load/chat.ts", import.meta.url));
const load = (o: Record<string, unknown>) => k6Load.parse({ kind: "k6", script: CHAT, ...o });

/** The pid of the process whose command line has `arg` (the k6 that runK6 started in an out dir). */
function pidWithArgument(arg: string): number | undefined {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0").includes(arg)) return Number(entry);
    } catch {
      // exited while we looked
    }
  }
  return undefined;
}

let k6: string | undefined;
try {
  k6 = resolveK6Bin();
} catch (err) {
  console.log(`skipping k6 load tests: ${(err as Error).message}`);
}

describe.skipIf(!k6)("runK6 with the real k6", () => {
  let server: ChatServer;
  let dir: string;
  beforeAll(async () => {
    server = await startChatServer({ failEvery: 4 });
    dir = mkdtempSync(join(tmpdir(), "gameday-load-"));
  });
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("streams every request into the store with statuses, provider tags and custom metrics", async () => {
    const store = new SampleStore();
    const progress: number[] = [];
    const before = server.served.total;
    const res = await runK6({
      script: CHAT,
      load: load({ rate: 20, duration: "3s", tags: { team: "sre" }, env: { PROMPT_SET: "repeat" } }),
      targetUrl: server.url,
      outDir: join(dir, "ok"),
      store,
      onProgress: (live: LiveStats) => progress.push(live.totalRequests),
    });
    expect(res.stderrTail).toBe("");
    expect(res).toMatchObject({ exitCode: 0, signal: null, aborted: false, killed: false });
    const served = server.served.total - before;
    // constant-arrival-rate: 20/s × 3 s, k6 may start one more at the boundary.
    expect(served).toBeGreaterThanOrEqual(57);
    expect(served).toBeLessThanOrEqual(62);
    expect(store.count("http_req_duration")).toBe(served);
    expect(res.ingest).toMatchObject({ requests: served, malformed: 0 });
    // cache_hit: the chat script's per-answer x-cache Rate (this server sends no x-cache: all misses).
    expect(store.metrics()).toEqual([
      "cache_hit",
      "http_req_duration",
      "provider_responses",
      "unit_cost_usd",
    ]);

    const bad = [...store.samples("http_req_duration", { status: "502" })];
    const good = [...store.samples("http_req_duration", { status: "200" })];
    expect(bad.length + good.length).toBe(served);
    expect(bad.length).toBeGreaterThanOrEqual(Math.floor(served / 4) - 1);
    expect(bad.length).toBeLessThanOrEqual(Math.ceil(served / 4) + 1);
    expect(good[0]!.tags).toEqual({
      expected_response: "true",
      method: "POST",
      name: "chat",
      status: "200",
      team: "sre",
    });
    expect(res.failures).toBe(bad.length);

    expect(store.count("provider_responses")).toBe(served);
    expect([...store.samples("provider_responses", { provider: "primary", status: "502" })]).toHaveLength(
      bad.length,
    );
    expect([...store.samples("provider_responses", { provider: "secondary", status: "200" })]).toHaveLength(
      good.length,
    );
    const costs = [...store.samples("unit_cost_usd", { provider: "secondary" })];
    expect(costs).toHaveLength(good.length);
    expect(costs.every((s) => s.value === 0.0021)).toBe(true);

    // Timestamps are wall-clock and inside the run.
    const span = store.span("http_req_duration")!;
    expect(span.to - span.from).toBeGreaterThan(2_500);
    expect(span.to - span.from).toBeLessThan(3_500);
    expect(Math.abs(span.to - Date.now())).toBeLessThan(30_000);
    // PROMPT_SET=repeat sends three distinct prompts (this is the server's first test).
    expect(server.served.prompts.size).toBe(3);
    expect([...server.served.users].every((u) => /^u\d+$/.test(u))).toBe(true);
    expect(progress.length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)!).toBeGreaterThan(0);

    const summary = JSON.parse(readFileSync(res.files.summary!, "utf8")) as {
      metrics: Record<string, Record<string, number>>;
    };
    expect(summary.metrics.http_reqs!.count).toBe(served);
    expect(readFileSync(res.files.stdout, "utf8")).toContain("provider_responses");
  });

  it("stops k6 with SIGINT on abort, within the grace period, and keeps what was ingested", async () => {
    const store = new SampleStore();
    const promptsBefore = server.served.prompts.size;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 2_000);
    const res = await runK6({
      script: CHAT,
      load: load({ rate: 10, duration: "60s", env: { PROMPT_SET: "unique" } }),
      targetUrl: server.url,
      outDir: join(dir, "abort"),
      store,
      signal: ac.signal,
      graceMs: 5_000,
    });
    expect(res.aborted).toBe(true);
    expect(res.killed).toBe(false);
    expect(res.stopMs!).toBeLessThan(5_000);
    expect(res.exitCode).toBe(105); // k6's "external abort"
    expect(res.durationMs).toBeLessThan(10_000);
    expect(store.count("http_req_duration")).toBeGreaterThanOrEqual(5);
    // PROMPT_SET=unique: every request asked something new.
    // (A request in flight at the SIGINT may reach the server without k6 recording it.)
    const newPrompts = server.served.prompts.size - promptsBefore;
    expect(newPrompts).toBeGreaterThanOrEqual(store.count("http_req_duration"));
    expect(newPrompts).toBeLessThanOrEqual(store.count("http_req_duration") + 1);
  });

  it("SIGKILLs k6 when it does not stop within the grace period", async () => {
    // A k6 that hangs: stopped with SIGSTOP, it cannot act on the SIGINT. (A tiny grace period alone
    // raced k6's own quick exit on a busy machine.)
    const outDir = join(dir, "kill");
    const ac = new AbortController();
    let stopped: number | undefined;
    setTimeout(() => {
      stopped = pidWithArgument(join(outDir, "k6.config.json"));
      if (stopped !== undefined) process.kill(stopped, "SIGSTOP");
      ac.abort();
    }, 1_500);
    const res = await runK6({
      script: CHAT,
      load: load({ rate: 10, duration: "60s" }),
      targetUrl: server.url,
      outDir,
      store: new SampleStore(),
      signal: ac.signal,
      graceMs: 300,
    });
    expect(stopped).toBeDefined();
    expect(res).toMatchObject({ aborted: true, killed: true, signal: "SIGKILL", exitCode: null });
    expect(res.stopMs!).toBeGreaterThanOrEqual(250); // the 300 ms grace, less timer rounding
    expect(res.stopMs!).toBeLessThan(2_000);
  });

  it("reports a script that fails to start through the exit code and stderr", async () => {
    const res = await runK6({
      script: CHAT,
      load: load({ rate: 1, duration: "1s" }),
      outDir: join(dir, "no-target"),
      store: new SampleStore(),
    });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderrTail).toContain("TARGET_URL is not set");
  });

  it("k6 accepts the generated config for every executor", () => {
    const loads = [
      load({ rate: 2.5, duration: "5s", tags: { a: "b" } }),
      load({
        executor: "ramping-arrival-rate",
        rate: 1,
        stages: [
          { duration: "2s", target: 5 },
          { duration: "1s", target: 0 },
        ],
      }),
      load({ executor: "constant-vus", vus: 2, duration: "3s" }),
    ];
    for (const [i, l] of loads.entries()) {
      const cfgDir = mkdtempSync(join(dir, `cfg${i}-`));
      const out = execFileSync(
        k6!,
        [
          "inspect",
          "--execution-requirements",
          "--config",
          writeK6Config(l, cfgDir),
          "-e",
          "TARGET_URL=http://127.0.0.1:1",
          CHAT,
        ],
        { env: { ...process.env, K6_AUTO_EXTENSION_RESOLUTION: "false" }, encoding: "utf8" },
      );
      const inspected = JSON.parse(out) as { scenarios: Record<string, { executor: string }> };
      expect(inspected.scenarios.gameday!.executor).toBe(l.executor);
    }
  });
});

describe("runK6 errors", () => {
  it("says how to get k6 when the binary is missing", async () => {
    await expect(
      runK6({
        script: CHAT,
        load: load({ rate: 1, duration: "1s" }),
        outDir: tmpdir(),
        store: new SampleStore(),
        k6Bin: "/nonexistent/k6",
      }),
    ).rejects.toThrow(/k6 binary not found at \/nonexistent\/k6; run `make setup`/);
  });

  it("names a missing script", async () => {
    await expect(
      runK6({
        script: "scenarios/load/nope.ts",
        load: load({ rate: 1, duration: "1s" }),
        outDir: tmpdir(),
        store: new SampleStore(),
      }),
    ).rejects.toThrow(/k6 script not found: .*scenarios\/load\/nope\.ts/);
  });
});
