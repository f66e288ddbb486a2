// The cleanup registry: reverse order, at most once, failures collected, safe under concurrency.
import { describe, expect, it } from "vitest";
import { CleanupRegistry } from "../../src/engine/cleanup.ts";
import { sleep } from "../../src/env/process.ts";
import { describeFault } from "../../src/faults/index.ts";
import { faultSpec } from "../../src/scenario/schema.ts";

describe("CleanupRegistry", () => {
  it("reverts newest first, each once, collecting failures instead of throwing", async () => {
    const reg = new CleanupRegistry();
    const calls: string[] = [];
    reg.register("f01", async (reason) => {
      calls.push(`f01:${reason}`);
    });
    reg.register("f02", async () => {
      calls.push("f02");
      throw new Error("toxiproxy unreachable");
    });
    reg.register("f03", () => {
      calls.push("f03");
      // A synchronous throw must be collected like a rejection.
      throw new Error("sync boom");
    });
    reg.register("f04", async () => {
      calls.push("f04");
    });
    const out = await reg.revertAll("run end");
    expect(calls).toEqual(["f04", "f03", "f02", "f01:run end"]);
    expect(out.reverted).toEqual(["f04", "f01"]);
    expect(out.failed).toEqual([
      { faultId: "f03", error: "sync boom" },
      { faultId: "f02", error: "toxiproxy unreachable" },
    ]);
    // Twice: nothing runs again, the outcome is the same.
    const again = await reg.revertAll("again");
    expect(calls).toHaveLength(4);
    expect(again).toEqual(out);
    expect(reg.pending).toEqual([]);
  });

  it("runs a revert once when revert and revertAll race", async () => {
    const reg = new CleanupRegistry();
    let runs = 0;
    reg.register("f01", async () => {
      runs++;
      await sleep(30);
    });
    reg.register("f02", async () => {
      runs++;
    });
    const [a, b, c] = await Promise.all([
      reg.revert("f01", "planned end"),
      reg.revertAll("signal"),
      reg.revertAll("signal"),
    ]);
    expect(a).toBeUndefined();
    expect(b.reverted.sort()).toEqual(["f01", "f02"]);
    expect(c.reverted.sort()).toEqual(["f01", "f02"]);
    expect(runs).toBe(2);
  });

  it("ignores unknown ids and refuses a duplicate registration", async () => {
    const reg = new CleanupRegistry();
    await expect(reg.revert("nope", "x")).resolves.toBeUndefined();
    reg.register("f01", async () => {});
    expect(() => reg.register("f01", async () => {})).toThrow(/already registered/);
    expect(reg.pending).toEqual(["f01"]);
  });
});

describe("describeFault", () => {
  it("summarises each kind on one line", () => {
    const d = (input: unknown) => describeFault(faultSpec.parse(input));
    expect(d({ kind: "http", target: "llm-primary", status: 502, duration: "10m" })).toBe(
      "http 502 on llm-primary (100%, 10m)",
    );
    expect(
      d({
        kind: "toxiproxy",
        target: "redis",
        toxic: "latency",
        attributes: { latency: 300 },
        duration: "1m",
      }),
    ).toMatch(/^toxiproxy latency latency=300 on redis \(downstream, 1m\)$/);
    expect(d({ kind: "redis", target: "cache", purge: { pattern: "emb:*" } })).toBe(
      "redis purge keys emb:* on cache",
    );
    expect(d({ kind: "process", target: "copilot", signal: "SIGSTOP", duration: "30s" })).toBe(
      "process SIGSTOP copilot (30s)",
    );
    for (const line of [
      d({ kind: "http-action", target: "control", apply: { method: "PUT", path: "/flags", body: { x: 1 } } }),
      d({
        kind: "http",
        target: "emb",
        status: 429,
        retryAfter: "5s",
        percent: 30,
        match: { pathPrefix: "/v1" },
        duration: "2m",
      }),
    ]) {
      expect(line).not.toContain("\n");
      expect(line.length).toBeGreaterThan(10);
    }
  });
});
