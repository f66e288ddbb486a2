// The testcontainers provider needs a container runtime; where there is none, the test says why.
import { describe, expect, it } from "vitest";
import { containerRuntime, startContainers } from "../../src/env/containers.ts";
import { ensureProxies } from "../../src/faults/toxiproxy.ts";
import { validateConfig } from "../../src/scenario/loader.ts";

const rt = await containerRuntime();
if (!rt.available) console.warn(`skipping testcontainers provider tests: ${rt.reason}`);

describe("testcontainers provider", () => {
  it("reports why it cannot run without a container runtime", async () => {
    const config = validateConfig(
      { provider: "testcontainers", redis: [{ name: "cache", url: "redis://127.0.0.1:0" }] },
      "c.ts",
    );
    if (rt.available) return;
    await expect(startContainers(config, { logDir: "reports/tmp" })).rejects.toThrow(
      /no (usable )?container runtime/,
    );
  });

  it.skipIf(!rt.available)("starts Toxiproxy and Redis containers and resolves their addresses", async () => {
    const config = validateConfig(
      {
        provider: "testcontainers",
        proxies: [{ kind: "toxiproxy", name: "up", listen: "127.0.0.1:0", upstream: "127.0.0.1:6379" }],
        redis: [{ name: "cache", url: "redis://127.0.0.1:0" }],
      },
      "c.ts",
    );
    const env = await startContainers(config, { logDir: "reports/tmp" });
    try {
      expect(env.config.toxiproxy?.api).toMatch(/:\d+$/);
      expect(env.config.redis[0]!.url).not.toMatch(/:0$/);
      const res = await fetch(`http://${env.config.toxiproxy!.api}/version`);
      expect(res.status).toBe(200);
      // The engine's ensureProxies must keep the proxy on its in-container address.
      const proxy = env.config.proxies[0]!;
      expect(proxy.kind === "toxiproxy" && proxy.bind).toMatch(/:\d+$/);
      expect(await ensureProxies(env.config.toxiproxy!.api, env.config.proxies)).toEqual({
        up: proxy.listen,
      });
      const after = await fetch(`http://${env.config.toxiproxy!.api}/proxies/up`);
      expect(((await after.json()) as { listen: string }).listen).toBe(
        proxy.kind === "toxiproxy" ? proxy.bind : "",
      );
    } finally {
      await env.stop();
    }
  });
});
