// Starts the real Debian Prometheus and Alertmanager through the launcher: Prometheus scrapes
// Alertmanager's own /metrics, a rule on `up` fires, and the alert must reach Alertmanager.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  alertmanagerConfig,
  type MonitoringProcess,
  startAlertmanager,
  startPrometheus,
} from "../../src/env/monitoring.ts";
import { sleep } from "../../src/env/process.ts";

const dir = mkdtempSync(join(tmpdir(), "gameday-monitoring-"));
const started: MonitoringProcess[] = [];

afterAll(async () => {
  for (const p of started.reverse()) await p.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("monitoring launcher", () => {
  it("rejects a route to an unknown receiver before starting anything", () => {
    expect(() =>
      alertmanagerConfig({
        logDir: dir,
        dataDir: dir,
        receivers: [{ name: "a", webhookUrl: "http://127.0.0.1:1/a" }],
        defaultReceiver: "a",
        routes: [{ matchers: ['team="x"'], receiver: "b" }],
      }),
    ).toThrow(/receiver "b"/);
  });

  it("brings up Alertmanager and Prometheus on free loopback ports and delivers a firing alert", async () => {
    const am = await startAlertmanager({
      logDir: join(dir, "logs"),
      dataDir: join(dir, "am"),
      receivers: [
        { name: "default", webhookUrl: "http://127.0.0.1:9/alerts/default" },
        { name: "security", webhookUrl: "http://127.0.0.1:9/alerts/security", bearerToken: "t0ken" },
      ],
      routes: [{ matchers: ['team="security"'], receiver: "security" }],
      defaultReceiver: "default",
    });
    started.push(am);
    const status = (await (await fetch(`${am.url}/api/v2/status`)).json()) as {
      config: { original: string };
    };
    expect(status.config.original).toContain("group_wait: 0s");
    expect(status.config.original).toContain("send_resolved: true");

    const rules = join(dir, "rules.yml");
    writeFileSync(
      rules,
      'groups:\n  - name: t\n    rules:\n      - alert: AmUp\n        expr: up{job="am"} > 0\n        for: 0s\n',
    );
    const prom = await startPrometheus({
      logDir: join(dir, "logs"),
      dataDir: join(dir, "prom"),
      scrapeTargets: [{ job: "am", target: `127.0.0.1:${am.port}` }],
      ruleFiles: [rules],
      alertmanagerUrl: am.url,
    });
    started.push(prom);
    expect(prom.port).not.toBe(am.port);

    let names: string[] = [];
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && !names.includes("AmUp")) {
      await sleep(250);
      const alerts = (await (await fetch(`${am.url}/api/v2/alerts`)).json()) as Array<{
        labels: Record<string, string>;
      }>;
      names = alerts.map((a) => a.labels.alertname ?? "");
    }
    expect(names).toContain("AmUp");

    await prom.stop();
    expect(prom.process.running).toBe(false);
  });

  it("fails with the binary's own complaint when a rule file is invalid", async () => {
    const bad = join(dir, "bad.yml");
    writeFileSync(
      bad,
      "groups:\n  - name: t\n    rules:\n      - alert: X\n        expr: this is not promql\n",
    );
    await expect(
      startPrometheus({
        logDir: join(dir, "logs-bad"),
        dataDir: join(dir, "prom-bad"),
        scrapeTargets: [],
        ruleFiles: [bad],
      }),
    ).rejects.toThrow(/exited before it was ready[\s\S]*parse/i);
  });
});
