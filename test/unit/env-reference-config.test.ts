// The reference stack's steps that need nothing started: the copilot's wiring through the fault
// points, the config handed to the run, and the alert rule file the missing_alert_rule defect edits.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { alertRuleFile, MISSING_ALERT_RULE } from "../../src/env/reference.ts";
import {
  copilotEnvironment,
  type ReferencePorts,
  referenceConfig,
  tcpUpstreamPort,
} from "../../src/env/reference-config.ts";
import { REFERENCE_TARGETS } from "../../src/env/reference-targets.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-reference-config-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

// Every port distinct, so a wrong wire shows as a wrong number.
const ports: ReferencePorts = {
  redis: 1001,
  toxiproxy: 1002,
  providers: {
    control: 1010,
    "llm-primary": 1011,
    "llm-secondary": 1012,
    embeddings: 1013,
    "vector-store": 1014,
  },
  tcp: { "llm-primary-tcp": 1020, "llm-secondary-tcp": 1021, "vector-store": 1022, redis: 1023 },
  http: {
    "llm-primary": { port: 1030, upstream: "http://127.0.0.1:1020" },
    embeddings: { port: 1031, upstream: "http://127.0.0.1:1013" },
  },
  copilot: 1040,
};

const env = copilotEnvironment(ports, {
  auditLog: "/tmp/audit.jsonl",
  receiverUrl: "http://127.0.0.1:45678/",
  defects: ["failover_off", "bad_v2"],
});

describe("the reference stack's wiring", () => {
  it("points each TCP proxy at the provider or Redis it stands in front of", () => {
    expect(tcpUpstreamPort("llm-primary-tcp", ports)).toBe(1011);
    expect(tcpUpstreamPort("llm-secondary-tcp", ports)).toBe(1012);
    expect(tcpUpstreamPort("vector-store", ports)).toBe(1014);
    expect(tcpUpstreamPort("redis", ports)).toBe(1001);
  });

  it("has the copilot reach every dependency through its fault point, security alerts at the receiver", () => {
    expect(env).toMatchObject({
      REDIS_URL: "redis://127.0.0.1:1023",
      LLM_PRIMARY_URL: "http://127.0.0.1:1030",
      LLM_SECONDARY_URL: "http://127.0.0.1:1021",
      EMBEDDINGS_URL: "http://127.0.0.1:1031",
      EMBEDDINGS_FALLBACK_URL: "http://127.0.0.1:1013",
      VECTOR_URL: "http://127.0.0.1:1022",
      FLAGS_URL: "http://127.0.0.1:1010",
      PRICING_URL: "http://127.0.0.1:1010",
      AUDIT_LOG: "/tmp/audit.jsonl",
      SECURITY_WEBHOOK_URL: "http://127.0.0.1:45678/alerts/security/plain",
      DEFECTS: "failover_off,bad_v2",
    });
  });

  it("hands the run a config with every name the scenarios use, at the started ports", () => {
    const config = referenceConfig(ports, {
      copilotEnv: env,
      prometheusUrl: "http://127.0.0.1:1050",
      alertmanagerUrl: "http://127.0.0.1:1051",
      receiverUrl: "http://127.0.0.1:45678",
    });
    const names = (kind: string) => config.proxies.filter((p) => p.kind === kind).map((p) => p.name);
    expect(names("toxiproxy")).toEqual([...REFERENCE_TARGETS.toxiproxy]);
    expect(names("http")).toEqual([...REFERENCE_TARGETS.http]);
    expect(config.services.map((s) => s.name)).toEqual([...REFERENCE_TARGETS.services]);
    expect(config.redis.map((r) => r.name)).toEqual([...REFERENCE_TARGETS.redis]);
    expect(config.processes.map((p) => p.name).sort()).toEqual([...REFERENCE_TARGETS.processes].sort());
    expect(config.probes.map((p) => p.name)).toEqual([...REFERENCE_TARGETS.probes]);
    expect(config.proxies.find((p) => p.name === "redis")).toMatchObject({
      listen: "127.0.0.1:1023",
      upstream: "127.0.0.1:1001",
    });
    expect(config.proxies.find((p) => p.kind === "http" && p.name === "llm-primary")).toMatchObject({
      listen: "127.0.0.1:1030",
      upstream: "http://127.0.0.1:1020",
    });
    expect(config.toxiproxy).toEqual({ api: "127.0.0.1:1002" });
    expect(config.services[0]).toEqual({ name: "copilot", url: "http://127.0.0.1:1040", health: "/healthz" });
    // The restartable copilot keeps the wiring it was started with.
    expect(config.processes.find((p) => p.name === "copilot")?.env).toMatchObject({
      ...env,
      PORT: "1040",
    });
    expect(config.receiver.listen).toBe("127.0.0.1:45678");
    expect(config.alertmanager).toEqual({ url: "http://127.0.0.1:1051" });
  });
});

describe("the stack's alert rule file", () => {
  const alerts = (path: string) =>
    (parse(readFileSync(path, "utf8")) as { groups: Array<{ rules: Array<{ alert?: string }> }> }).groups
      .flatMap((g) => g.rules)
      .map((r) => r.alert)
      .filter((a): a is string => a !== undefined);

  it("leaves out omitted rules, and the missing_alert_rule defect's rule while it is on", () => {
    const rules = alertRuleFile(join(work, "rules-a"), ["PIIBlocked"], false);
    const all = alerts(rules.path);
    expect(all).toContain(MISSING_ALERT_RULE);
    expect(all).not.toContain("PIIBlocked");
    rules.setMissingRule(true);
    expect(alerts(rules.path)).not.toContain(MISSING_ALERT_RULE);
    expect(alerts(rules.path)).toHaveLength(all.length - 1);
    rules.setMissingRule(false);
    expect(alerts(rules.path)).toEqual(all);
    expect(alerts(alertRuleFile(join(work, "rules-b"), [], true).path)).not.toContain(MISSING_ALERT_RULE);
  });
});
