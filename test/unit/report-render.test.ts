import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import canonicalizeModule from "canonicalize";

const canonicalize = canonicalizeModule as unknown as (input: unknown) => string | undefined;
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import { readResult, renderReports, writeResult } from "../../src/report/index.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const FIXTURE = new URL("../fixtures/result-sample.json", import.meta.url);
const JOURNAL = new URL("../fixtures/result-sample.journal.jsonl", import.meta.url);

function sample(): RunResult {
  return JSON.parse(readFileSync(FIXTURE, "utf8")) as RunResult;
}

function runDirWith(result: RunResult): string {
  const dir = temp.make("gameday-report-");
  writeFileSync(join(dir, "result.json"), JSON.stringify(result, null, 2));
  writeFileSync(join(dir, "journal.jsonl"), readFileSync(JOURNAL));
  return dir;
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");

describe("renderReports", () => {
  let dir: string;
  beforeEach(async () => {
    dir = runDirWith(sample());
    await renderReports(dir);
  });

  it("rewrites result.json as RFC 8785 canonical JSON, byte-stable across renders", async () => {
    const first = read(dir, "result.json");
    expect(first).toBe(canonicalize(sample()));
    await renderReports(dir);
    expect(read(dir, "result.json")).toBe(first);
    expect(read(dir, "gameday_report.md")).toContain("# Gameday report");
  });

  it("writes the scenario matrix from each record, states profile and scale", () => {
    const md = read(dir, "gameday_report.md");
    expect(md).toContain('profile "ci", scale 1/30');
    for (const s of sample().scenarios) {
      const row = md.split("\n").find((l) => l.startsWith(`| [${s.title}]`));
      expect(row, s.id).toBeDefined();
      expect(row).toContain(s.record.injection ?? "?");
      expect(row).toContain(s.record.evidence ?? "?");
      expect(row).toContain(`**${s.verdict}**`);
    }
  });

  it("shows a never-recovered TTR as a FAIL defect owned by the action owner with an ETA", () => {
    const md = read(dir, "gameday_report.md");
    const ttr = md.split("\n").find((l) => l.startsWith("| cache-cold-start | Time to recover (TTR)"));
    expect(ttr).toMatch(/\| never \| ≤ 30 s \| \*\*FAIL\*\*/);
    const defect = md.split("\n").find((l) => l.startsWith("| D1 |"));
    expect(defect).toContain("cache-cold-start");
    expect(defect).toContain("| Platform | RCA due 2026-01-03 |");
    expect(md).not.toMatch(/\| D2 \|/);
    // The soft miss and the recorded action become action items, not defects.
    expect(md).toContain(
      "| llm-provider-outage | Raise secondary provider quota to 2x forecast | Platform | 2026-01-09 |",
    );
    expect(md).toMatch(/\| cache-cold-start \| Soft target missed — Check: cache-hit/);
  });

  it("links evidence to the journal line that holds the event", () => {
    const md = read(dir, "gameday_report.md");
    const lines = read(dir, "journal.jsonl").split("\n");
    const links = [...md.matchAll(/\]\(journal\.jsonl#L(\d+)\)/g)].map((m) => Number(m[1]));
    expect(links.length).toBeGreaterThan(10);
    const recordRow = (label: string, scenarioHeading: string) => {
      const section = md.slice(md.indexOf(scenarioHeading));
      const row = section.split("\n").find((l) => l.startsWith(`| ${label}`)) ?? "";
      return Number(/#L(\d+)\)/.exec(row)?.[1]);
    };
    const detect = recordRow("Detection (alert)", "### Cache cold-start");
    expect(JSON.parse(lines[detect - 1] ?? "{}")).toMatchObject({
      type: "alert.received",
      name: "CacheHitLow",
    });
    const decision = recordRow("Decision", "### Rollback drill");
    expect(JSON.parse(lines[decision - 1] ?? "{}")).toMatchObject({
      type: "decision",
      scenario: "rollback-drill",
    });
  });

  it("labels the synthetic ack in the record, the alert table and the timeline", () => {
    const md = read(dir, "gameday_report.md");
    expect(md).toContain("| Acknowledged (synthetic auto-ack) |");
    expect(md).toContain("auto-responder (synthetic) — **synthetic auto-ack, not a human**");
    expect(md).toMatch(/Ack CacheHitLow \(synthetic\) :milestone, t\d+, \d{13}, 0s/);
    // the human ack is not called synthetic
    expect(md).not.toMatch(/Ack LLMProviderDown \(synthetic\)/);
  });

  it("draws a Mermaid gantt timeline with fault windows, alerts, decision and recovery", () => {
    const md = read(dir, "gameday_report.md");
    const block = /```mermaid\n([\s\S]*?)```/.exec(md)?.[1] ?? "";
    expect(block.startsWith("gantt\n")).toBe(true);
    expect(block).toContain("dateFormat x");
    const s1 = sample().scenarios[0]!;
    expect(block).toContain(`:crit, t1, ${s1.faults[0]!.appliedAt}, 20s`);
    expect(block).toContain("Decision :milestone");
    expect(block).toContain("Not recovered by end of run :milestone");
    // every task line has exactly one ":" separator so labels cannot break the syntax
    for (const line of block.split("\n").filter((l) => /:\w/.test(l) && !l.includes("dateFormat"))) {
      expect(line.split(":").length, line).toBe(2);
    }
  });

  it("proves TTR decision → healthy in rollback.md with each runbook step timed", () => {
    const rb = read(dir, "rollback.md");
    const drill = sample().scenarios.find((s) => s.id === "rollback-drill")!;
    for (const [i, st] of drill.runbook.entries()) {
      const row = rb.split("\n").find((l) => l.startsWith(`| ${i + 1} |`));
      expect(row).toContain(new Date(st.startedAt).toISOString());
      expect(row).toContain(new Date(st.endedAt).toISOString());
    }
    expect(rb).toContain(`Decision recorded: ${new Date(drill.times.decision!).toISOString()}`);
    expect(rb).toContain("**TTR: 6 s** — target ≤ 1m 0s — **PASS**");
    expect(rb).not.toContain("No rollback drill ran");
  });

  it("says plainly when no drill ran", async () => {
    const r = sample();
    r.scenarios = r.scenarios.filter((s) => s.runbook.length === 0);
    const d = runDirWith(r);
    await renderReports(d);
    expect(read(d, "rollback.md")).toContain("No rollback drill ran in this run");
  });

  it("fills the IC template with severity, measured impact, action times and owner", () => {
    const ic = read(dir, "ic-update.md");
    expect(ic).toContain("[Sev-2] Cache cold-start (gameday drill) @ 10:00:47 UTC");
    expect(ic).toContain("Impact: p95 latency +138% (800 → 1900 ms peak), error 1.2% peak (baseline 0.3%)");
    expect(ic).toContain("Action: SLOs NOT green by end of run");
    expect(ic).toContain("acked by auto-responder (synthetic)");
    expect(ic).toContain(
      "Action: Rollback decided @ 10:01:35 UTC, runbook 5 steps (5 ok); mitigation observed @ 10:01:35 UTC; SLOs green @ 10:01:41 UTC",
    );
    expect(ic).toContain("[Sev-3] LLM provider outage");
  });

  it("writes one JUnit testcase per scenario metric with measured vs target on failure", () => {
    const xml = read(dir, "junit.xml");
    const total = sample().scenarios.reduce((n, s) => n + s.measurements.length, 0);
    expect(xml.match(/<testcase /g)?.length).toBe(total);
    expect(xml.match(/<failure /g)?.length).toBe(1);
    expect(xml).toContain(
      '<failure type="FAIL" message="Time to recover (TTR): measured never vs target ≤ 30 s">',
    );
    expect(xml).toContain('<testsuite name="cache-cold-start" tests="4" failures="1" errors="0">');
    expect(xml).not.toContain("<error");
  });

  it("turns ERROR into <error> and escapes markup and control characters", async () => {
    const r = sample();
    const s = r.scenarios[0]!;
    s.measurements[0] = {
      ...s.measurements[0]!,
      verdict: "ERROR",
      note: 'probe <down> & "gone" \u0001 it\'s',
    };
    s.errors = ["redis at 127.0.0.1:6379 refused <conn>"];
    const d = runDirWith(r);
    await renderReports(d);
    const xml = read(d, "junit.xml");
    expect(xml).toContain("probe &lt;down&gt; &amp; &quot;gone&quot; \uFFFD it&apos;s</error>");
    expect(xml).not.toContain("\u0001");
    expect(xml).toContain('<testcase classname="gameday.llm-provider-outage" name="harness">');
    expect(xml).toContain("refused &lt;conn&gt;");
    expect(xml).toContain('tests="6" failures="0" errors="2"');
  });

  it("uses an override template by name and keeps the bundled ones for the rest", async () => {
    const tpl = temp.make("gameday-tpl-");
    writeFileSync(join(tpl, "ic-update.md.hbs"), "custom {{runId}} {{#each ic}}[{{severity}}]{{/each}}\n");
    const d = runDirWith(sample());
    await renderReports(d, { templatesDir: tpl });
    expect(read(d, "ic-update.md")).toBe("custom 2026-01-01T10-00-00Z-a1b2 [Sev-3][Sev-2][Sev-2]\n");
    expect(read(d, "rollback.md")).toContain("TTR proof");
  });

  it("names the file and the reason when result.json is not a run result", async () => {
    const d = temp.make("gameday-bad-");
    writeFileSync(join(d, "result.json"), JSON.stringify({ schema: "other/v9", scenarios: [] }));
    expect(() => readResult(d)).toThrow(
      /result\.json: schema is "other\/v9", expected "gameday\/result\/v1"/,
    );
    await expect(renderReports(join(d, "missing"))).rejects.toThrow(
      /missing[/\\]result\.json: cannot read run result/,
    );
  });

  it("writeResult writes canonical JSON that parses back to the same result", async () => {
    const d = join(temp.make("gameday-w-"), "run");
    mkdirSync(d);
    await writeResult(d, sample());
    const text = read(d, "result.json");
    expect(JSON.parse(text)).toEqual(sample());
    expect(text).not.toContain("\n");
  });
});
