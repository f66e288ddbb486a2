// The reliability-score PRR item against a real SQLite history store: green at or above the
// minimum, red below it, red (with the reason) when the store is missing or a listed scenario was
// never run, and never creating a store where there was none.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import type { Verdict } from "../../src/evaluate/verdict.ts";
import { openRunStore } from "../../src/history/open-store.ts";
import { storedRunFrom } from "../../src/history/stored-run.ts";
import { evaluatePrr, evaluateStoreChecks, type Prr, prrSchema } from "../../src/prr/index.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const NOW = new Date("2026-12-01T12:00:00Z");
const DAY = 86_400_000;
const sample = JSON.parse(
  readFileSync(new URL("../fixtures/result-sample.json", import.meta.url), "utf8"),
) as RunResult;
const scenarioIds = sample.scenarios.map((s) => s.id);

function run(id: string, daysAgo: number, verdict: Verdict): RunResult {
  const startedAt = NOW.getTime() - daysAgo * DAY;
  return {
    ...sample,
    runId: id,
    startedAt,
    endedAt: startedAt + 60_000,
    verdict,
    profile: "ci",
    interrupted: false,
    defects: [],
    scenarios: sample.scenarios.map((s, i) => ({
      ...s,
      verdict: i === 0 ? verdict : "PASS",
      times: { ...s.times, start: startedAt + i * 1_000, end: startedAt + (i + 1) * 1_000 },
    })),
  };
}

function prr(check: Record<string, unknown>): Prr {
  return prrSchema.parse({
    service: "svc",
    owners: { sre: "a", security: "b", product: "c", platform: "d" },
    items: [
      { id: "score", category: "compliance", title: "score", check: { kind: "reliability-score", ...check } },
    ],
  });
}

async function evaluate(root: string, check: Record<string, unknown>) {
  const p = prr(check);
  const evaluated = await evaluateStoreChecks(p, { now: NOW, root });
  return evaluatePrr(p, { now: NOW, root, evaluated }).items[0]!;
}

describe("reliability-score PRR item", () => {
  let root: string;
  beforeAll(async () => {
    root = temp.make("gameday-prr-score-");
    const store = await openRunStore(join(root, "history.sqlite"));
    // Four passing runs, then a recent FAIL of the first scenario.
    for (const [i, days] of [20, 14, 7, 3].entries())
      await store.record(storedRunFrom(run(`r${i}`, days, "PASS"), null));
    await store.record(storedRunFrom(run("r-fail", 1, "FAIL"), null));
    await store.close();
  });

  it("is green when the score reaches the minimum, naming every scenario's score", async () => {
    const item = await evaluate(root, { min: 50, store: "history.sqlite", scenarios: scenarioIds });
    expect(item.status, item.reason).toBe("green");
    expect(item.reason).toMatch(/^reliability score \d+\.\d, minimum 50: /);
    for (const id of scenarioIds) expect(item.reason).toContain(id);
    expect(item.evidence).toEqual(["history.sqlite"]);
  });

  it("is red below the minimum: the recent FAIL costs the first scenario most of its score", async () => {
    const item = await evaluate(root, { min: 99, store: "history.sqlite", scenarios: scenarioIds });
    expect(item.status).toBe("red");
    const first = new RegExp(`${scenarioIds[0]} (\\d+) \\(fail, 5 runs\\)`).exec(item.reason);
    expect(first, item.reason).not.toBeNull();
    expect(Number(first![1])).toBeLessThan(80);
  });

  it("counts a listed scenario that was never run as stale, scoring 0", async () => {
    const item = await evaluate(root, {
      min: 60,
      store: "history.sqlite",
      scenarios: [scenarioIds[0]!, "never-run"],
    });
    expect(item.reason).toContain("never-run 0 (stale, 0 runs)");
    expect(item.status).toBe("red");
  });

  it("only counts runs of the profile asked for", async () => {
    const item = await evaluate(root, { min: 1, store: "history.sqlite", profile: "real" });
    expect(item.status).toBe("red");
    expect(item.reason).toContain("no runs");
  });

  it("is red when the store does not exist, and does not create one", async () => {
    const item = await evaluate(root, { min: 50, store: "nowhere/history.sqlite" });
    expect(item).toMatchObject({
      status: "red",
      reason: "history store nowhere/history.sqlite does not exist (no run recorded yet)",
    });
    expect(existsSync(join(root, "nowhere"))).toBe(false);
  });

  it("is red with the reason when the store is not a SQLite file", async () => {
    writeFileSync(join(root, "junk.sqlite"), "not a database at all");
    const item = await evaluate(root, { min: 50, store: "junk.sqlite" });
    expect(item.status).toBe("red");
    expect(item.reason).toContain("is not a SQLite database");
  });
});
