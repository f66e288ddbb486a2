// The Toxiproxy driver against a real toxiproxy-server: proxies created from the config, each
// toxic applied with the fault tag as its name, its effect seen through the proxy, read back,
// reverted (twice), and found and removed as a leftover by tag.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/env/process.ts";
import type { FaultRef } from "../../src/faults/driver.ts";
import { ensureProxies, ToxiproxyDriver } from "../../src/faults/toxiproxy.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { faultSpec, type ToxiproxyFault } from "../../src/scenario/schema.ts";
import {
  HOST,
  logDir,
  probe,
  serve,
  startToxiproxy,
  type TestServer,
  toxiproxyBin,
} from "./faults-targets.ts";

const missing = toxiproxyBin ? undefined : "toxiproxy-server is not installed (make setup)";
if (missing) console.warn(`skipping toxiproxy driver tests: ${missing}`);

interface ProxyJson {
  enabled: boolean;
  listen: string;
  upstream: string;
  toxics: Array<{
    name: string;
    type: string;
    stream: string;
    toxicity: number;
    attributes: Record<string, number>;
  }>;
}

describe.skipIf(missing !== undefined)("toxiproxy driver", () => {
  let toxi: Awaited<ReturnType<typeof startToxiproxy>>;
  let upstream: TestServer;
  let driver: ToxiproxyDriver;
  let proxyUrl: string;
  let listen: string;

  const spec = (input: Record<string, unknown>): ToxiproxyFault =>
    faultSpec.parse({ kind: "toxiproxy", target: "svc", duration: "1m", ...input }) as ToxiproxyFault;
  const ref = (faultId: string): FaultRef => ({ faultId, tag: `gameday-runT-${faultId}` });
  const proxy = async (): Promise<ProxyJson> =>
    (await fetch(`http://${toxi.api}/proxies/svc`)).json() as Promise<ProxyJson>;
  // The fastest of a few requests: a busy CI machine can stall any single request, but it cannot
  // make a request through a 250 ms latency toxic faster than the toxic allows.
  const fastest = async (count: number) => {
    let best = { status: 0 as Awaited<ReturnType<typeof probe>>, ms: Number.POSITIVE_INFINITY };
    for (let i = 0; i < count; i++) {
      const t0 = performance.now();
      const status = await probe(`${proxyUrl}/`, 3_000);
      const ms = performance.now() - t0;
      if (ms < best.ms) best = { status, ms };
    }
    return best;
  };

  beforeAll(async () => {
    toxi = await startToxiproxy(logDir());
    upstream = await serve((_req, res) => res.end("ok"));
    listen = `${HOST}:${await freePort()}`;
    const config = configSchema.parse({
      toxiproxy: { api: toxi.api },
      proxies: [{ kind: "toxiproxy", name: "svc", listen, upstream: `${HOST}:${upstream.port}` }],
    });
    await ensureProxies(toxi.api, config.proxies);
    driver = new ToxiproxyDriver({ config });
    proxyUrl = `http://${listen}`;
  });

  // Each test proves its own revert; this only keeps one failure from leaving a toxic that fails
  // the tests after it.
  afterEach(async () => {
    await fetch(`http://${toxi.api}/reset`, { method: "POST" });
  });

  afterAll(async () => {
    await upstream?.close();
    await toxi?.proc.stop();
  });

  it("ensureProxies is idempotent and follows a changed upstream", async () => {
    const other = await serve((_req, res) => res.end("other"));
    try {
      const p = [{ kind: "toxiproxy" as const, name: "svc", listen, upstream: `${HOST}:${upstream.port}` }];
      await ensureProxies(toxi.api, p);
      expect((await proxy()).upstream).toBe(`${HOST}:${upstream.port}`);
      await ensureProxies(toxi.api, [{ ...p[0]!, upstream: `${HOST}:${other.port}` }]);
      expect(await (await fetch(`${proxyUrl}/`)).text()).toBe("other");
      await ensureProxies(toxi.api, p);
      expect(await (await fetch(`${proxyUrl}/`)).text()).toBe("ok");
      expect((await proxy()).listen).toBe(listen);
    } finally {
      await other.close();
    }
  });

  it("ensureProxies creates a proxy asked for on port 0 on a kernel-picked port and returns it, twice alike", async () => {
    const p = [
      {
        kind: "toxiproxy" as const,
        name: "svc-any",
        listen: `${HOST}:0`,
        upstream: `${HOST}:${upstream.port}`,
      },
    ];
    try {
      const first = await ensureProxies(toxi.api, p);
      const at = first["svc-any"];
      expect(at).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(at).not.toBe(`${HOST}:0`);
      expect(await (await fetch(`http://${at}/`)).text()).toBe("ok");
      // Asked again with port 0, the existing proxy stays where it is.
      expect((await ensureProxies(toxi.api, p))["svc-any"]).toBe(at);
      expect(first.svc).toBeUndefined();
    } finally {
      await fetch(`http://${toxi.api}/proxies/svc-any`, { method: "DELETE" });
    }
  });

  it("latency with jitter: named by tag, requests are slower by at least the latency, gone after revert", async () => {
    const s = spec({ toxic: "latency", attributes: { latency: 250, jitter: 20 } });
    const before = await fastest(3);
    expect(before.status).toBe(200);
    const applied = await driver.apply(s, ref("f01"));
    try {
      expect(applied.detail).toMatchObject({ proxy: "svc", toxic: "latency" });
      expect(await driver.isActive(s, ref("f01"))).toBe(true);
      const toxic = (await proxy()).toxics.find((t) => t.name === "gameday-runT-f01");
      expect(toxic).toMatchObject({
        type: "latency",
        stream: "downstream",
        toxicity: 1,
        attributes: { latency: 250, jitter: 20 },
      });
      const during = await fastest(2);
      expect(during.status).toBe(200);
      // latency − jitter is the least the toxic adds to a response.
      expect(during.ms).toBeGreaterThanOrEqual(230);
      expect(during.ms - before.ms).toBeGreaterThanOrEqual(200);
    } finally {
      await driver.revert(s, ref("f01"), applied.previous);
    }
    expect(await driver.isActive(s, ref("f01"))).toBe(false);
    const after = await fastest(3);
    expect(after.ms).toBeLessThan(200);
    await driver.revert(s, ref("f01"), applied.previous);
  });

  it("down: the proxy refuses connections, a marker toxic carries the tag, revert restores the enabled state", async () => {
    const s = spec({ toxic: "down" });
    const applied = await driver.apply(s, ref("f02"));
    expect(applied.previous).toEqual({ enabled: true });
    expect(await driver.isActive(s, ref("f02"))).toBe(true);
    const p = await proxy();
    expect(p.enabled).toBe(false);
    expect(p.toxics.map((t) => t.name)).toContain("gameday-runT-f02");
    expect(await probe(`${proxyUrl}/`)).toBe("error");
    // Reverted from only the journalled previous value, as `gameday cleanup` does in another process.
    const other = new ToxiproxyDriver({ config: configSchema.parse({ toxiproxy: { api: toxi.api } }) });
    await other.revert(s, ref("f02"), JSON.parse(JSON.stringify(applied.previous)));
    await other.revert(s, ref("f02"), applied.previous);
    expect(await driver.isActive(s, ref("f02"))).toBe(false);
    expect((await proxy()).enabled).toBe(true);
    expect((await proxy()).toxics).toEqual([]);
    expect(await probe(`${proxyUrl}/`)).toBe(200);
  });

  it("timeout on the upstream stream with toxicity is created as specified and stalls requests", async () => {
    const s = spec({ toxic: "timeout", attributes: { timeout: 0 }, stream: "upstream", toxicity: 1 });
    await driver.apply(s, ref("f03"));
    const t = (await proxy()).toxics.find((x) => x.name === "gameday-runT-f03");
    expect(t).toMatchObject({ type: "timeout", stream: "upstream", toxicity: 1 });
    expect(await probe(`${proxyUrl}/`, 400)).toBe("timeout");
    await driver.revert(s, ref("f03"), undefined);
    expect(await probe(`${proxyUrl}/`)).toBe(200);
  });

  it("every other toxic type applies with its attributes and toxicity, and reverts", async () => {
    const cases: Array<Record<string, unknown>> = [
      { toxic: "reset_peer", attributes: { timeout: 0 } },
      { toxic: "bandwidth", attributes: { rate: 1 } },
      { toxic: "slow_close", attributes: { delay: 100 } },
      { toxic: "slicer", attributes: { average_size: 16, size_variation: 4, delay: 1 }, stream: "upstream" },
      { toxic: "limit_data", attributes: { bytes: 10 }, toxicity: 0.5 },
    ];
    for (const [i, c] of cases.entries()) {
      const s = spec(c);
      const r = ref(`g${i}`);
      await driver.apply(s, r);
      const t = (await proxy()).toxics.find((x) => x.name === r.tag);
      expect(t, String(c.toxic)).toMatchObject({
        type: c.toxic,
        stream: c.stream ?? "downstream",
        toxicity: c.toxicity ?? 1,
        attributes: c.attributes,
      });
      expect(await driver.isActive(s, r)).toBe(true);
      await driver.revert(s, r, undefined);
      expect(await driver.isActive(s, r)).toBe(false);
    }
    expect((await proxy()).toxics).toEqual([]);
  });

  it("reset_peer makes requests fail while active", async () => {
    const s = spec({ toxic: "reset_peer", attributes: { timeout: 0 } });
    await driver.apply(s, ref("f04"));
    expect(await probe(`${proxyUrl}/`)).toBe("error");
    await driver.revert(s, ref("f04"), undefined);
    expect(await probe(`${proxyUrl}/`)).toBe(200);
  });

  it("finds leftovers by run tag prefix only, and removes them (re-enabling a downed proxy)", async () => {
    await driver.apply(spec({ toxic: "latency", attributes: { latency: 10 } }), ref("f05"));
    await driver.apply(spec({ toxic: "down" }), ref("f06"));
    await driver.apply(spec({ toxic: "latency", attributes: { latency: 10 } }), {
      faultId: "f01",
      tag: "gameday-otherrun-f01",
    });
    const found = await driver.leftovers("gameday-runT");
    expect(found.map((l) => l.tag).sort()).toEqual(["gameday-runT-f05", "gameday-runT-f06"]);
    expect(found.every((l) => l.kind === "toxiproxy" && l.target === "svc")).toBe(true);
    for (const l of found) await driver.removeLeftover(l);
    expect(await driver.leftovers("gameday-runT")).toEqual([]);
    expect((await proxy()).enabled).toBe(true);
    expect((await driver.leftovers("gameday-")).map((l) => l.tag)).toEqual(["gameday-otherrun-f01"]);
    for (const l of await driver.leftovers("gameday-")) await driver.removeLeftover(l);
    expect((await proxy()).toxics).toEqual([]);
  });

  it("names the proxy and the server when the target does not exist", async () => {
    await expect(
      driver.apply(spec({ target: "nope", toxic: "latency", attributes: { latency: 1 } }), ref("f07")),
    ).rejects.toThrow(/toxiproxy proxy "nope" not found/);
  });
});
