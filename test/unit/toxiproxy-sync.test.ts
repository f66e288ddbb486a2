// proxySync decides how ensureProxies brings Toxiproxy in line with the config. The case that broke
// the testcontainers provider: a proxy whose clients use another address (the host's mapped port)
// than the one Toxiproxy listens on must never be rebound onto the client address.
import { describe, expect, it } from "vitest";
import {
  clientAddress,
  proxySync,
  sameListenAddress,
  type ToxiproxyProxyConfig,
} from "../../src/faults/toxiproxy-sync.ts";

const proxy = (o: Partial<ToxiproxyProxyConfig> = {}): ToxiproxyProxyConfig => ({
  kind: "toxiproxy",
  name: "redis",
  listen: "127.0.0.1:18503",
  upstream: "127.0.0.1:18379",
  ...o,
});
const state = (listen: string, upstream = "127.0.0.1:18379") => ({ listen, upstream, enabled: true });

describe("proxySync", () => {
  it("a container proxy (bind inside, listen on the host's mapped port) is left where it is", () => {
    const p = proxy({ bind: "[::]:8666", listen: "localhost:32771", upstream: "redis:6379" });
    // Toxiproxy reports a proxy created on 0.0.0.0:8666 as [::]:8666.
    expect(proxySync(p, state("[::]:8666", "redis:6379"))).toEqual({ action: "none" });
    expect(proxySync({ ...p, bind: "0.0.0.0:8666" }, state("[::]:8666", "redis:6379"))).toEqual({
      action: "none",
    });
    expect(clientAddress(p, "[::]:8666")).toBe("localhost:32771");
  });

  it("without the bind address the same proxy would be rebound onto the host port (the old bug)", () => {
    const p = proxy({ listen: "localhost:32771", upstream: "redis:6379" });
    expect(proxySync(p, state("[::]:8666", "redis:6379"))).toEqual({
      action: "rebind",
      listen: "localhost:32771",
    });
  });

  it("a container proxy is created on its bind address, and moved back there if elsewhere", () => {
    const p = proxy({ bind: "0.0.0.0:8667", listen: "localhost:32772" });
    expect(proxySync(p, undefined)).toEqual({ action: "create", listen: "0.0.0.0:8667" });
    expect(proxySync(p, state("[::]:8666"))).toEqual({ action: "rebind", listen: "0.0.0.0:8667" });
  });

  it("a plain proxy: created, rebound when elsewhere, upstream fixed in place, else nothing", () => {
    const p = proxy();
    expect(proxySync(p, undefined)).toEqual({ action: "create", listen: "127.0.0.1:18503" });
    expect(proxySync(p, state("127.0.0.1:18600"))).toEqual({ action: "rebind", listen: "127.0.0.1:18503" });
    expect(proxySync(p, state("127.0.0.1:18503", "127.0.0.1:1"))).toEqual({ action: "set-upstream" });
    expect(proxySync(p, state("127.0.0.1:18503"))).toEqual({ action: "none" });
  });

  it("port 0 keeps whatever port Toxiproxy holds, and reports it as the client address", () => {
    const p = proxy({ listen: "127.0.0.1:0" });
    expect(proxySync(p, state("127.0.0.1:40001"))).toEqual({ action: "none" });
    expect(clientAddress(p, "127.0.0.1:40001")).toBe("127.0.0.1:40001");
    expect(clientAddress(proxy(), "127.0.0.1:40001")).toBe("127.0.0.1:18503");
  });
});

describe("sameListenAddress", () => {
  it("treats every wildcard spelling alike and localhost as 127.0.0.1, but never another port", () => {
    expect(sameListenAddress("0.0.0.0:8666", "[::]:8666")).toBe(true);
    expect(sameListenAddress(":8666", "[::]:8666")).toBe(true);
    expect(sameListenAddress("localhost:1", "127.0.0.1:1")).toBe(true);
    expect(sameListenAddress("[::]:8666", "[::]:8667")).toBe(false);
    expect(sameListenAddress("127.0.0.1:8666", "[::]:8666")).toBe(false);
    expect(sameListenAddress("10.0.0.1:1", "10.0.0.2:1")).toBe(false);
  });
});
