import { describe, expect, it } from "vitest";
import { disallowedHosts, isLoopback } from "../../src/env/hosts.ts";
import { validateConfig } from "../../src/scenario/loader.ts";

describe("only loopback unless the config lists other hosts", () => {
  it("recognises loopback", () => {
    for (const h of ["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]) expect(isLoopback(h)).toBe(true);
    for (const h of ["10.0.0.1", "192.168.1.1", "example.com", "0.0.0.0"]) expect(isLoopback(h)).toBe(false);
  });

  it("names every non-loopback address and where it is configured", () => {
    const config = validateConfig(
      {
        services: [
          { name: "copilot", url: "http://copilot.staging.example:8080" },
          { name: "local", url: "http://127.0.0.1:8080" },
        ],
        redis: [{ name: "cache", url: "redis://10.1.2.3:6379" }],
      },
      "c.ts",
    );
    expect(disallowedHosts(config)).toEqual([
      'services.copilot.url: host "copilot.staging.example" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately',
      'redis.cache.url: host "10.1.2.3" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately',
    ]);
    expect(disallowedHosts({ ...config, allowHosts: ["copilot.staging.example", "10.1.2.3"] })).toEqual([]);
  });
});
