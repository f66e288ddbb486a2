// The rollback drill executes runbooks/rollback.md as written: these tests pin what the page says
// the drill does (so an edit to the page shows up here), and that malformed pages are refused with
// the file and line.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseRunbook, readRunbook, RunbookFormatError } from "../../scenarios/drill/runbook.ts";
import drill from "../../scenarios/rollback-drill.ts";

const page = join(import.meta.dirname, "../../runbooks/rollback.md");

describe("runbooks/rollback.md as the drill reads it", () => {
  const steps = readRunbook(page);

  it("has the five steps of seed 004, in order", () => {
    expect(steps.map((s) => s.id)).toEqual(["1-declare", "2-flags", "3-validate", "4-verify", "5-update"]);
  });

  it("flips the flags and routes through /admin/version, the endpoint the copilot serves", () => {
    expect(steps[1]!.actions).toEqual([
      {
        kind: "http",
        target: "copilot",
        call: { method: "PUT", path: "/admin/flags", body: { large_model: false, retrieval_v2: false } },
      },
      {
        kind: "http",
        target: "copilot",
        call: { method: "PUT", path: "/admin/version", body: { version: "v1.3.5" } },
      },
    ]);
  });

  it("drains, waits for health and smoke-tests the five flows the page lists", () => {
    const [drain, healthy, smoke] = steps[2]!.actions;
    expect(drain).toEqual({
      kind: "http",
      target: "copilot",
      call: { method: "POST", path: "/admin/drain", body: { timeoutMs: 30000 } },
    });
    expect(healthy).toEqual({ kind: "wait-healthy", within: "10m" });
    expect(smoke?.kind).toBe("smoke");
    const flows = smoke?.kind === "smoke" ? smoke.flows : [];
    expect(flows.map((f) => f.name)).toEqual([
      "chat answer",
      "grounded answer with citations",
      "summarise ticket",
      "search knowledge base",
      "escalate to human",
    ]);
    expect(flows[2]!.call).toEqual({
      method: "POST",
      path: "/v1/chat",
      body: { prompt: "Summarise incident INC-1042 for the status page", user: "smoke" },
      expectStatus: 200,
    });
  });

  it("checks the cost cap and every alert the page names", () => {
    expect(steps[3]!.actions).toEqual([
      { kind: "check-cost", maxUsd: 0.004, within: "5m" },
      {
        kind: "alerts-cleared",
        within: "10m",
        names: ["P95LatencySLOBreach", "ErrorRateSLOBreach", "UnitCostOverCap", "LLMProviderDown"],
      },
    ]);
  });

  it("is exactly what the rollback-drill scenario executes", () => {
    expect(
      drill.runbook?.steps.map((s) => ({ id: s.id, title: s.title, actions: s.actions.length })),
    ).toEqual(steps.map((s) => ({ id: s.id, title: s.title, actions: s.actions.length })));
    expect(JSON.stringify(drill.runbook?.steps)).toBe(JSON.stringify(steps));
  });
});

describe("parseRunbook on malformed pages", () => {
  it("refuses a step with nothing executable, naming the line", () => {
    expect(() => parseRunbook("# R\n\n### 1-x: Think hard\n\n- ponder\n", "r.md")).toThrow(
      new RunbookFormatError("r.md", 3, "step 1-x has nothing the drill can execute"),
    );
  });

  it("refuses a curl whose URL does not name a service", () => {
    expect(() =>
      parseRunbook("### 1-x: Call\n\n```sh\ncurl -X PUT http://host/admin/flags -d '{}'\n```\n", "r.md"),
    ).toThrow(/r\.md:4: curl: the URL must be "\$SERVICE_URL\/path"/);
  });

  it("refuses a curl body that is not JSON", () => {
    expect(() =>
      parseRunbook("### 1-x: Call\n\n```sh\ncurl -X PUT \"$COPILOT_URL/a\" -d '{nope}'\n```\n", "r.md"),
    ).toThrow(/r\.md:4: curl: -d is not JSON/);
  });

  it("refuses a heading that is not <id>: <title>, and an alerts line without a deadline", () => {
    expect(() => parseRunbook("### Step one\n", "r.md")).toThrow(/r\.md:1: a step heading reads/);
    expect(() => parseRunbook("### 1-x: V\n\n- Confirm alerts cleared: `A`\n", "r.md")).toThrow(
      /r\.md:3: an alerts-cleared line needs "within N min"/,
    );
  });

  it("reads a wrapped bullet as one line", () => {
    const steps = parseRunbook("### 1-x: V\n\n- Confirm alerts cleared within 2 min: `A`,\n  `B`.\n");
    expect(steps[0]!.actions).toEqual([{ kind: "alerts-cleared", within: "2m", names: ["A", "B"] }]);
  });
});
