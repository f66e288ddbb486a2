// `gameday rollout check`: one evaluation now, against the stack `gameday env up` holds (real
// Prometheus and Alertmanager): with no traffic the gate has no data and holds, naming the
// criteria; after real traffic it promotes. Sources that do not answer are exit 3, never PROMOTE.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/env/process.ts";
import type { GamedayConfig } from "../../src/scenario/config.ts";
import { writeReadyPrr, writeTestRollout } from "../rollout-run.ts";
import { runGameday } from "../gameday-child.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-rollout-check-"));

function gameday(...args: string[]) {
  return runGameday(args, { cwd: work, timeoutMs: 90_000 });
}

afterAll(() => {
  gameday("env", "down");
  rmSync(work, { recursive: true, force: true });
});

interface CheckJson {
  decision: string;
  reasons: string[];
  criteria: Array<{ name: string; role: string; status: string; value: number | null }>;
  recommendations: string[];
}

describe("gameday rollout check", () => {
  it("exits 3 and never promotes when Prometheus and Alertmanager do not answer", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const config = join(work, "dead.config.ts");
    writeFileSync(
      config,
      `export default { provider: "external", services: [{ name: "flags", url: "${dead}" }, { name: "copilot", url: "${dead}" }], prometheus: { url: "${dead}" }, alertmanager: { url: "${dead}" } };\n`,
    );
    const file = writeTestRollout(work, "prerequisites: {}");
    const r = gameday("rollout", "check", file, "--phase", "P2", "--config", config);
    expect(r.code, r.output).toBe(3);
    expect(r.output).toMatch(/HOLD/);
    expect(r.output).toMatch(/never promote on missing data/);
    expect(r.output).toMatch(/unreachable: .*PromQL/);
  });

  it("holds with no traffic (no data), then promotes once real traffic gives every criterion a value", async () => {
    writeFileSync(
      join(work, "gameday.config.ts"),
      `import { defineConfig } from "gameday";
export default defineConfig({ provider: "reference", receiver: { listen: "127.0.0.1:${await freePort()}" } });
`,
    );
    const up = gameday("env", "up");
    expect(up.code, up.output).toBe(0);
    const prr = writeReadyPrr(work);
    const file = writeTestRollout(work, `prerequisites: { prr: { file: ${JSON.stringify(prr)} } }`);

    const idle = gameday("rollout", "check", file, "--phase", "P0", "--json");
    expect(idle.code, idle.output).toBe(1);
    const held = JSON.parse(idle.stdout) as CheckJson;
    expect(held.decision).toBe("HOLD");
    expect(held.criteria.find((c) => c.role === "gate" && c.name === "error_rate")?.status).toBe("missing");
    expect(held.reasons.join("\n")).toMatch(/error_rate|Error rate/);
    expect(held.recommendations.join("\n")).toMatch(/hold P0/);

    // Real traffic through the held stack's copilot.
    const state = JSON.parse(
      (await import("node:fs")).readFileSync(join(work, ".gameday", "env.json"), "utf8"),
    ) as {
      config: GamedayConfig;
    };
    const copilot = state.config.services.find((s) => s.name === "copilot")!.url;
    for (let i = 0; i < 40; i++) {
      const res = await fetch(`${copilot}/v1/chat`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          prompt: `Which queues have a growing backlog right now? (check ${"abcdefghij"[i % 10]}${i})`,
          user: `u${i % 5}`,
        }),
      });
      await res.arrayBuffer();
      expect(res.status).toBe(200);
    }
    // Two scrapes later Prometheus has rates over the default (real-profile) windows.
    await new Promise((done) => setTimeout(done, 2_500));
    const busy = gameday("rollout", "check", file, "--phase", "P0", "--json");
    const promoted = JSON.parse(busy.stdout) as CheckJson;
    expect(busy.code, `${busy.output}`).toBe(0);
    expect(promoted.decision).toBe("PROMOTE");
    expect(promoted.criteria.filter((c) => c.role === "gate").every((c) => c.status === "pass")).toBe(true);
    expect(promoted.recommendations[0]).toMatch(/promote to P1 \(1 %\)/);
  }, 120_000);
});
