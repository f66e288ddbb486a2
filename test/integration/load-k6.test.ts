// The k6 adapter. gameday never installs or builds k6 (AGPL-3.0): these tests need none, except one
// short live run that happens only where the user's own k6 is found (K6_BIN or PATH) and says why
// it skips elsewhere. Parsing k6's JSON output and the live stats are covered without k6 in
// test/unit/load-ingest.test.ts; aborting, killing and the rest of running a load in
// test/integration/load-engine.test.ts (the built-in engine).
import { delimiter } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { K6NotFoundError, resolveK6Bin, runK6 } from "../../src/load/k6-runner.ts";
import type { LiveStats } from "../../src/load/live.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { k6Load } from "../../src/scenario/schema.ts";
import { tempDirs } from "../temp-dirs.ts";
import { type ChatServer, startChatServer } from "./load-chat-server.ts";

const CHAT = fileURLToPath(new URL("../fixtures/k6/chat.k6.ts", import.meta.url));
const load = (o: Record<string, unknown>) => k6Load.parse({ kind: "k6", script: CHAT, ...o });
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

/** Runs `fn` with K6_BIN and PATH set as given (undefined: unset), restoring both after. */
async function withEnv<T>(env: { K6_BIN?: string; PATH?: string }, fn: () => Promise<T> | T): Promise<T> {
  const saved = { K6_BIN: process.env.K6_BIN, PATH: process.env.PATH };
  const set = (k: "K6_BIN" | "PATH", v: string | undefined) => {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  };
  set("K6_BIN", env.K6_BIN);
  set("PATH", env.PATH);
  try {
    return await fn();
  } finally {
    set("K6_BIN", saved.K6_BIN);
    set("PATH", saved.PATH);
  }
}

describe("runK6 errors", () => {
  it("says both ways on when no k6 is found: install your own, or move to load.http", async () => {
    const emptyDir = dirs.make("gameday-no-k6-");
    const err = await withEnv({ K6_BIN: "/nonexistent/k6", PATH: emptyDir }, () =>
      runK6({
        script: CHAT,
        load: load({ rate: 1, duration: "1s" }),
        outDir: dirs.make("gameday-k6-"),
        store: new SampleStore(),
        k6Bin: "/nowhere/explicit/k6",
      }).catch((e: unknown) => e),
    );
    expect(err).toBeInstanceOf(K6NotFoundError);
    const message = (err as Error).message;
    // Every place looked, in order.
    expect(message).toContain("(tried /nowhere/explicit/k6, /nonexistent/k6, k6 on PATH)");
    expect(message).toMatch(/gameday does not install k6 \(AGPL-3\.0\)/);
    expect(message).toMatch(/install it yourself and put it on PATH or set K6_BIN/);
    expect(message).toMatch(/move the scenario to the built-in engine with load\.http\(\{\.\.\.\}\)/);
  });

  it("looks at the explicit binary, then K6_BIN, then PATH", async () => {
    // Only the lookup order: the binaries are never run.
    await withEnv({ K6_BIN: "/bin/false", PATH: "/nonexistent" }, () => {
      expect(resolveK6Bin("/bin/true")).toBe("/bin/true");
      expect(resolveK6Bin()).toBe("/bin/false");
      expect(resolveK6Bin("/nowhere/k6")).toBe("/bin/false");
    });
    await withEnv(
      { K6_BIN: undefined, PATH: `/nonexistent${delimiter}${dirs.make("gameday-no-k6-")}` },
      () => {
        expect(() => resolveK6Bin()).toThrow(/none was found \(tried k6 on PATH\)/);
      },
    );
  });

  it("names a missing script before looking for k6", async () => {
    await expect(
      runK6({
        script: "scenarios/load/nope.ts",
        load: load({ rate: 1, duration: "1s" }),
        outDir: dirs.make("gameday-k6-"),
        store: new SampleStore(),
        k6Bin: "/nonexistent/k6",
      }),
    ).rejects.toThrow(/k6 script not found: .*scenarios\/load\/nope\.ts/);
  });
});

let k6: string | undefined;
try {
  k6 = resolveK6Bin();
} catch (err) {
  console.log(`skipping the live k6 run: ${(err as Error).message}`);
}

describe.skipIf(!k6)("runK6 with your own k6", () => {
  let server: ChatServer;
  beforeAll(async () => {
    server = await startChatServer({ failEvery: 4 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it("runs the k6 example script and streams every request into the store while it runs", async () => {
    const store = new SampleStore();
    const progress: number[] = [];
    const outDir = dirs.make("gameday-k6-live-");
    const res = await runK6({
      script: CHAT,
      load: load({ rate: 10, duration: "2s", tags: { team: "sre" }, env: { PROMPT_SET: "repeat" } }),
      targetUrl: server.url,
      outDir,
      store,
      onProgress: (live: LiveStats) => progress.push(live.totalRequests),
    });
    expect(res).toMatchObject({ exitCode: 0, signal: null, aborted: false, killed: false });
    const served = server.served.total;
    // constant-arrival-rate: 10/s × 2 s; k6 may start one more at the boundary, or miss one at start.
    expect(served).toBeGreaterThanOrEqual(18);
    expect(served).toBeLessThanOrEqual(21);
    expect(store.count("http_req_duration")).toBe(served);
    expect(res.ingest).toMatchObject({ requests: served, malformed: 0 });
    expect(store.metrics()).toEqual([
      "cache_hit",
      "http_req_duration",
      "provider_responses",
      "unit_cost_usd",
    ]);
    const bad = [...store.samples("http_req_duration", { status: "502" })];
    const good = [...store.samples("http_req_duration", { status: "200" })];
    expect(bad.length + good.length).toBe(served);
    expect(good[0]!.tags).toEqual({
      expected_response: "true",
      method: "POST",
      name: "chat",
      status: "200",
      team: "sre",
    });
    expect(res.failures).toBe(bad.length);
    expect([...store.samples("provider_responses", { provider: "primary", status: "502" })]).toHaveLength(
      bad.length,
    );
    // PROMPT_SET=repeat: at most three distinct questions (per VU iteration).
    expect(server.served.prompts.size).toBeGreaterThanOrEqual(1);
    expect(server.served.prompts.size).toBeLessThanOrEqual(3);
    const span = store.span("http_req_duration")!;
    expect(span.to - span.from).toBeGreaterThan(1_500);
    expect(span.to - span.from).toBeLessThan(2_500);
    expect(progress.length).toBeGreaterThanOrEqual(1);
    expect(res.files.summary).toBeDefined();
  });
});
