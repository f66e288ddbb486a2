// result.alerts keeps every firing → resolved episode per fingerprint (a CacheHitLow that fires again
// after the purge is a second record), each with the ack of its own episode; the reports list both.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import { alertEpisodes } from "../../src/measure/alert-episodes.ts";
import { measureScenario } from "../../src/measure/metrics.ts";
import { SampleStore } from "../../src/measure/samples.ts";
import { renderReports, writeResult } from "../../src/report/index.ts";
import { tempDirs } from "../temp-dirs.ts";
import { JournalBuilder, scenario, T0 } from "./measure-fixtures.ts";

const INJECT = T0 + 10_000;
const temp = tempDirs();
afterAll(() => temp.removeAll());

function resolved(j: JournalBuilder, name: string, t: number, startsAt: number | null): JournalEntry {
  return j.add(
    {
      type: "alert.received",
      fingerprint: `fp-${name}`,
      name,
      status: "resolved",
      startsAt,
      endsAt: t,
      receiver: "sre",
      labels: { alertname: name },
    },
    t,
  );
}

/** CacheHitLow fires, is acked and resolves; after the purge it fires again, is acked and resolves. */
function twoEpisodes(): JournalBuilder {
  const j = JournalBuilder.run("s1", { start: T0, inject: INJECT });
  j.firing("CacheHitLow", INJECT + 5_000, { startsAt: INJECT + 4_000 });
  j.ack("CacheHitLow", INJECT + 6_000);
  resolved(j, "CacheHitLow", INJECT + 15_000, INJECT + 4_000);
  j.firing("CacheHitLow", INJECT + 25_000, { startsAt: INJECT + 24_000 });
  j.ack("CacheHitLow", INJECT + 27_000, { auto: true });
  resolved(j, "CacheHitLow", INJECT + 40_000, INJECT + 24_000);
  j.add({ type: "scenario.end", scenario: "s1", verdict: "PASS" }, T0 + 60_000);
  return j;
}

describe("alert episodes in the result", () => {
  it("keeps both episodes of a re-fired alert, each with its own ack and resolve", () => {
    const m = measureScenario({
      scenario: scenario({
        timeline: [
          { at: 10_000, inject: { kind: "http", target: "llm-primary", status: 502, duration: "20s" } },
        ],
      }),
      entries: twoEpisodes().entries,
      store: new SampleStore(),
      runEnd: T0 + 60_000,
    });
    expect(m.alerts).toEqual([
      {
        name: "CacheHitLow",
        fingerprint: "fp-CacheHitLow",
        episode: 1,
        receiver: "sre",
        startsAt: INJECT + 4_000,
        receivedAt: INJECT + 5_000,
        resolvedAt: INJECT + 15_000,
        ackAt: INJECT + 6_000,
        ackBy: "alice",
        synthetic: false,
      },
      {
        name: "CacheHitLow",
        fingerprint: "fp-CacheHitLow",
        episode: 2,
        receiver: "sre",
        startsAt: INJECT + 24_000,
        receivedAt: INJECT + 25_000,
        resolvedAt: INJECT + 40_000,
        ackAt: INJECT + 27_000,
        ackBy: "auto-responder",
        synthetic: true,
      },
    ]);
  });

  it("a repeated or late-retried notification is not a new episode", () => {
    const j = JournalBuilder.run("s1", { start: T0 });
    j.firing("P95", T0 + 1_000, { startsAt: T0 + 500 });
    j.firing("P95", T0 + 2_000, { startsAt: T0 + 500 });
    resolved(j, "P95", T0 + 3_000, T0 + 500);
    j.firing("P95", T0 + 3_500, { startsAt: T0 + 500 });
    const eps = alertEpisodes(j.entries, T0, T0 + 10_000);
    expect(eps.map((e) => [e.episode, e.receivedAt, e.resolvedAt])).toEqual([[1, T0 + 1_000, T0 + 3_000]]);
  });

  it("an ack after the first episode resolved is not the second episode's ack, and the second stays unacked", () => {
    const j = JournalBuilder.run("s1", { start: T0 });
    j.firing("A", T0 + 1_000);
    resolved(j, "A", T0 + 2_000, T0 + 1_000);
    j.firing("A", T0 + 5_000);
    const eps = alertEpisodes(j.entries, T0, T0 + 10_000);
    expect(eps.map((e) => [e.episode, e.resolvedAt, e.ackAt])).toEqual([
      [1, T0 + 2_000, null],
      [2, null, null],
    ]);
  });

  it("episodes outside the scenario window are left out; a resolve without its firing adds nothing", () => {
    const j = JournalBuilder.run("s1", { start: T0 });
    resolved(j, "Old", T0 + 1_000, T0 - 5_000);
    j.firing("Late", T0 + 20_000);
    expect(alertEpisodes(j.entries, T0, T0 + 10_000)).toEqual([]);
  });

  it("the Markdown and HTML reports list the repeat as a second row marked firing 2", async () => {
    const j = twoEpisodes();
    const m = measureScenario({
      scenario: scenario(),
      entries: j.entries,
      store: new SampleStore(),
      runEnd: T0 + 60_000,
    });
    const dir = temp.make("gameday-episodes-");
    writeFileSync(join(dir, "journal.jsonl"), `${j.entries.map((e) => JSON.stringify(e)).join("\n")}\n`);
    await writeResult(dir, {
      schema: "gameday/result/v1",
      runId: "r1",
      gamedayVersion: "0",
      host: "h",
      profile: "ci",
      scale: 1,
      startedAt: T0,
      endedAt: T0 + 60_000,
      verdict: "PASS",
      exitCode: 0,
      interrupted: false,
      scenarios: [
        {
          id: "s1",
          title: "S1",
          owner: "SRE",
          hypothesis: "h",
          verdict: "PASS",
          times: m.times,
          faults: [],
          alerts: m.alerts,
          runbook: [],
          measurements: [],
          charts: { p95Ms: [], errorRate: [], providerMix: {}, unitCostUsd: [], queueDepth: [] },
          record: scenario().record,
          stopped: null,
          errors: [],
        },
      ],
    });
    await renderReports(dir);
    const md = readFileSync(join(dir, "gameday_report.md"), "utf8");
    const rows = md.split("\n").filter((l) => l.startsWith("| CacheHitLow"));
    expect(rows).toHaveLength(2);
    expect(rows[0]).not.toContain("firing 2");
    expect(rows[1]).toContain("CacheHitLow (firing 2)");
    expect(rows[1]).toContain("auto-responder");
    const html = readFileSync(join(dir, "report.html"), "utf8");
    expect(html).toContain("CacheHitLow (firing 2)");
  });
});
