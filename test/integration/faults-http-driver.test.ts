// The HTTP fault driver: a tagged rule on the configured HTTP fault proxy, seen by a client going
// through the proxy, read back, reverted by tag (twice), and found as a leftover.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpProxyDriver } from "../../src/faults/http-proxy/driver.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { faultSpec, type HttpFault } from "../../src/scenario/schema.ts";
import { serve, type TestServer } from "./faults-targets.ts";

describe("http fault driver", () => {
  let upstream: TestServer;
  let proxy: HttpFaultProxy;
  let driver: HttpProxyDriver;
  const ref = { faultId: "f01", tag: "gameday-runH-f01" };
  const spec = (input: Record<string, unknown>): HttpFault =>
    faultSpec.parse({ kind: "http", target: "llm", duration: "1m", ...input }) as HttpFault;

  beforeAll(async () => {
    upstream = await serve((_req, res) => res.end("fine"));
    proxy = await startHttpFaultProxy({ upstream: upstream.url });
    driver = new HttpProxyDriver({
      config: configSchema.parse({
        proxies: [{ kind: "http", name: "llm", listen: `127.0.0.1:${proxy.port}`, upstream: upstream.url }],
      }),
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it("502 with Retry-After on the matched route while active, passes through after revert", async () => {
    const s = spec({ status: 502, retryAfter: "3s", match: { pathPrefix: "/v1" } });
    const applied = await driver.apply(s, ref);
    expect(applied.detail).toMatchObject({ proxy: "llm" });
    expect(await driver.isActive(s, ref)).toBe(true);
    const hit = await fetch(`${proxy.url}/v1/chat`);
    expect(hit.status).toBe(502);
    expect(hit.headers.get("retry-after")).toBe("3");
    await hit.arrayBuffer();
    expect(await (await fetch(`${proxy.url}/other`)).text()).toBe("fine");
    await driver.revert(s, ref, applied.previous);
    await driver.revert(s, ref, applied.previous);
    expect(await driver.isActive(s, ref)).toBe(false);
    expect((await fetch(`${proxy.url}/v1/chat`)).status).toBe(200);
  });

  it("finds leftovers by run prefix and removes them", async () => {
    await driver.apply(spec({ status: 503 }), ref);
    await driver.apply(spec({ latency: 50 }), { faultId: "f02", tag: "gameday-runH-f02" });
    await driver.apply(spec({ status: 429 }), { faultId: "f01", tag: "gameday-other-f01" });
    const found = await driver.leftovers("gameday-runH");
    expect(found.map((l) => l.tag).sort()).toEqual(["gameday-runH-f01", "gameday-runH-f02"]);
    for (const l of found) await driver.removeLeftover(l);
    expect(proxy.rules.list().map((r) => r.tag)).toEqual(["gameday-other-f01"]);
    proxy.rules.removeByTag("gameday-");
  });

  it("names the proxy when it is not in the config", async () => {
    await expect(driver.apply(spec({ target: "nope", status: 502 }), ref)).rejects.toThrow(
      /no HTTP fault proxy "nope"/,
    );
  });
});

describe("http fault driver on a proxy whose control API wants a token (gameday proxy --token)", () => {
  const TOKEN = "control-token";
  let upstream: TestServer;
  let proxy: HttpFaultProxy;
  const ref = { faultId: "f01", tag: "gameday-runT-f01" };
  const s = faultSpec.parse({ kind: "http", target: "llm", duration: "1m", status: 503 }) as HttpFault;
  const driverWith = (token: string | undefined, listen = `127.0.0.1:${proxy.port}`) =>
    new HttpProxyDriver({
      config: configSchema.parse({
        proxies: [{ kind: "http", name: "llm", listen, upstream: upstream.url, ...(token ? { token } : {}) }],
      }),
    });

  beforeAll(async () => {
    upstream = await serve((_req, res) => res.end("fine"));
    proxy = await startHttpFaultProxy({ upstream: upstream.url, token: TOKEN });
  });
  afterAll(async () => {
    await proxy?.close();
    await upstream?.close();
  });

  it("applies, reads back, finds as a leftover and reverts with the configured token", async () => {
    const driver = driverWith(TOKEN);
    await driver.apply(s, ref);
    expect(await driver.isActive(s, ref)).toBe(true);
    expect((await fetch(`${proxy.url}/v1/chat`)).status).toBe(503);
    expect((await driver.leftovers("gameday-runT")).map((l) => l.tag)).toEqual([ref.tag]);
    await driver.revert(s, ref);
    expect(await driver.isActive(s, ref)).toBe(false);
    expect(proxy.rules.list()).toEqual([]);
  });

  it("without the token: the apply fails with the proxy's 401 and no rule is set", async () => {
    await expect(driverWith(undefined).apply(s, ref)).rejects.toThrow(/answered 401: .*bearer token/);
    expect(proxy.rules.list()).toEqual([]);
  });

  it("a leftover scan with a wrong token fails loudly (cleanup reports it) instead of finding nothing", async () => {
    proxy.rules.add({ tag: "gameday-runT-f09", status: 500 });
    await expect(driverWith("wrong").leftovers("gameday-runT")).rejects.toThrow(/answered 401/);
    proxy.rules.removeByTag("gameday-");
  });

  it("a proxy that is gone has no leftovers (its rules went with it)", async () => {
    const gone = await startHttpFaultProxy({ upstream: upstream.url, token: TOKEN });
    const listen = `127.0.0.1:${gone.port}`;
    await gone.close();
    expect(await driverWith(TOKEN, listen).leftovers("gameday-runT")).toEqual([]);
  });
});
