import { describe, expect, it } from "vitest";
import { disallowedHosts, isLoopback } from "../../src/env/hosts.ts";
import { ValidationError } from "../../src/scenario/errors.ts";
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
        allowHosts: ["copilot.staging.example", "10.1.2.3"],
      },
      "c.ts",
    );
    expect(disallowedHosts(config)).toEqual([]);
    expect(disallowedHosts({ ...config, allowHosts: [] })).toEqual([
      'services.copilot.url: host "copilot.staging.example" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately',
      'redis.cache.url: host "10.1.2.3" is not loopback and not in allowHosts; add it to allowHosts to target it deliberately',
    ]);
    expect(disallowedHosts({ ...config, allowHosts: ["COPILOT.staging.example"] })).toHaveLength(1);
  });
});

describe("loading a config applies the same rule", () => {
  it("names each address off loopback as a problem of the config file", () => {
    const load = () =>
      validateConfig(
        {
          services: [{ name: "copilot", url: "http://10.1.2.3:8080" }],
          prometheus: { url: "http://127.0.0.1:9090" },
          alertmanager: { url: "http://metrics.internal:9093" },
        },
        "c.ts",
      );
    expect(load).toThrow(ValidationError);
    try {
      load();
    } catch (err) {
      const problems = (err as ValidationError).problems;
      expect(problems.map((p) => p.path)).toEqual(["services.copilot.url", "alertmanager.url"]);
      expect(problems[0]?.message).toMatch(/^host "10\.1\.2\.3" is not loopback and not in allowHosts/);
      expect(problems[1]?.message).toMatch(/^host "metrics\.internal" is not loopback/);
    }
  });
});
