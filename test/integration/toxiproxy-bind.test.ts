// ensureProxies against a real toxiproxy-server, for a proxy reached through another address than
// Toxiproxy's own (as with a container's mapped port; here a second loopback port stands in for the
// forwarder): it must keep the proxy on its bind address and hand back the client address.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolPath } from "../../src/env/tool-path.ts";
import { freePort, type ManagedProcess, startOnFreePort } from "../../src/env/process.ts";
import { ensureProxies } from "../../src/faults/toxiproxy.ts";

const logDir = mkdtempSync(join(tmpdir(), "gameday-toxiproxy-bind-"));
let server: ManagedProcess | undefined;
let api = "";

beforeAll(async () => {
  const started = await startOnFreePort((port) => ({
    name: "toxiproxy",
    command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
    args: ["-host", "127.0.0.1", "-port", String(port)],
    logDir,
    ready: { http: `http://127.0.0.1:${port}/version` },
  }));
  server = started.process;
  api = `127.0.0.1:${started.port}`;
}, 30_000);

afterAll(async () => {
  await server?.stop();
  rmSync(logDir, { recursive: true, force: true });
});

async function proxyListen(name: string): Promise<string> {
  const res = await fetch(`http://${api}/proxies/${name}`);
  return ((await res.json()) as { listen: string }).listen;
}

describe("ensureProxies with a bind address", () => {
  it("creates the proxy on its bind address and never moves it onto the client address", async () => {
    const bindPort = await freePort();
    const clientPort = await freePort();
    const p = {
      kind: "toxiproxy" as const,
      name: "bound",
      bind: `127.0.0.1:${bindPort}`,
      listen: `localhost:${clientPort}`,
      upstream: `127.0.0.1:${await freePort()}`,
    };
    expect(await ensureProxies(api, [p])).toEqual({ bound: `localhost:${clientPort}` });
    expect(await proxyListen("bound")).toBe(`127.0.0.1:${bindPort}`);
    // The run's second call (the engine's, after the provider's) must leave it alone.
    expect(await ensureProxies(api, [p])).toEqual({ bound: `localhost:${clientPort}` });
    expect(await proxyListen("bound")).toBe(`127.0.0.1:${bindPort}`);
    // Without a bind address, the listen address is Toxiproxy's own, as before.
    const plain = { ...p, name: "plain", bind: undefined, listen: `127.0.0.1:${clientPort}` };
    await ensureProxies(api, [plain]);
    expect(await proxyListen("plain")).toBe(`127.0.0.1:${clientPort}`);
  });
});
