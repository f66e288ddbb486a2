// Reports of a run compared with its baseline and carrying a history snapshot: baseline, delta and
// band per measurement, regressions marked and given their own JUnit testcases, the history
// charts and the reliability score; and a result without those fields rendered as before.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import { formatBand, formatDelta } from "../../src/report/format.ts";
import { renderReports } from "../../src/report/index.ts";
import { HISTORY_COMMIT, withHistory } from "../report-history-fixture.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const sample = (): RunResult =>
  JSON.parse(readFileSync(new URL("../fixtures/result-sample.json", import.meta.url), "utf8")) as RunResult;

async function rendered(result: RunResult): Promise<(name: string) => string> {
  const dir = temp.make("gameday-history-report-");
  writeFileSync(join(dir, "result.json"), JSON.stringify(result));
  writeFileSync(
    join(dir, "journal.jsonl"),
    readFileSync(new URL("../fixtures/result-sample.journal.jsonl", import.meta.url)),
  );
  await renderReports(dir);
  return (name) => readFileSync(join(dir, name), "utf8");
}

const rowOf = (md: string, start: string): string => md.split("\n").find((l) => l.startsWith(start)) ?? "";

interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/**
 * A strict reader for the XML our templates write (no DTD, CDATA or comments): it throws on an
 * unbalanced tag, an unquoted or duplicate attribute, a raw "<" or a bare "&", which is what a CI
 * server's JUnit parser would choke on.
 */
function parseXml(xml: string): XmlElement {
  const entity = /^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/;
  const checkText = (t: string, where: string) => {
    for (let i = t.indexOf("&"); i >= 0; i = t.indexOf("&", i + 1))
      if (!entity.test(t.slice(i))) throw new Error(`bare & in ${where}: ${t.slice(i, i + 20)}`);
    if (t.includes("<")) throw new Error(`raw < in ${where}`);
  };
  let rest = xml.replace(/^<\?xml [^?]*\?>\s*/, "");
  if (rest === xml) throw new Error("no XML declaration");
  const root: XmlElement = { name: "#document", attrs: {}, children: [], text: "" };
  const stack = [root];
  while (rest.length) {
    const top = stack[stack.length - 1]!;
    const lt = rest.indexOf("<");
    const text = lt < 0 ? rest : rest.slice(0, lt);
    checkText(text, top.name);
    if (stack.length === 1 && text.trim()) throw new Error("text outside the root element");
    top.text += text;
    if (lt < 0) break;
    rest = rest.slice(lt);
    const close = /^<\/([A-Za-z_][\w.:-]*)\s*>/.exec(rest);
    if (close) {
      if (close[1] !== top.name) throw new Error(`</${close[1]}> closes <${top.name}>`);
      stack.pop();
      rest = rest.slice(close[0].length);
      continue;
    }
    const open = /^<([A-Za-z_][\w.:-]*)((?:\s+[A-Za-z_][\w.:-]*="[^"<]*")*)\s*(\/?)>/.exec(rest);
    if (!open) throw new Error(`malformed tag: ${rest.slice(0, 60)}`);
    const el: XmlElement = { name: open[1]!, attrs: {}, children: [], text: "" };
    for (const [, k, v] of open[2]!.matchAll(/([A-Za-z_][\w.:-]*)="([^"]*)"/g)) {
      if (k! in el.attrs) throw new Error(`duplicate attribute ${k}`);
      checkText(v!, `${el.name}@${k}`);
      el.attrs[k!] = v!
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&amp;/g, "&");
    }
    if (stack.length === 1 && root.children.length) throw new Error("more than one root element");
    top.children.push(el);
    if (!open[3]) stack.push(el);
    rest = rest.slice(open[0].length);
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1]!.name}>`);
  return root.children[0]!;
}

describe("reports of a run compared with its baseline, with history", () => {
  let read: (name: string) => string;
  beforeAll(async () => {
    read = await rendered(withHistory(sample()));
  });

  it("formats deltas signed in the metric's unit and bands from zero", () => {
    expect(formatDelta(2900, "ms")).toBe("+2.9 s");
    expect(formatDelta(-120, "ms")).toBe("-120 ms");
    expect(formatDelta(0.2, "ms")).toBe("±0 ms");
    expect(formatDelta(-0.002, "usd")).toBe("-$0.00200");
    expect(formatDelta(null, "ms")).toBe("—");
    expect(formatBand([110, 360], 3, "ms")).toBe("110 ms … 360 ms (3 runs)");
    expect(formatBand([-1200, 2800], 1, "ms")).toBe("0 ms … 2.8 s (1 run)");
  });

  it("Markdown: baseline, delta and band per measurement, regressions marked, — where not compared", () => {
    const md = read("gameday_report.md");
    expect(md).toContain(
      "| Scenario | Metric | Measured | Target | Baseline | Δ vs baseline | Band | Verdict | Note |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    expect(rowOf(md, "| llm-provider-outage | Time to detect (TTD) |")).toContain(
      "| 3.9 s (≈ 1m 57s real time) | ≤ 4 s | 1 s | **+2.9 s** | 1.2 s … 3.4 s (3 runs) | **FAIL** **REGRESSED** | regression: worse than",
    );
    expect(rowOf(md, "| llm-provider-outage | Time to acknowledge (MTTA) |")).toContain(
      "| 5.5 s | +500 ms | 3.5 s … 8.5 s (5 runs) | **PASS** |",
    );
    expect(rowOf(md, "| cache-cold-start | Time to detect (TTD) |")).toContain(
      "| 800 ms | **+2.2 s** | 0 ms … 2.8 s (4 runs) | **WARN** **REGRESSED** |",
    );
    expect(rowOf(md, "| llm-provider-outage | Failover time |")).toContain("| — | — | — | **PASS** |");
    expect(rowOf(md, "| rollback-drill | Time to recover (TTR) |")).toContain("| — | — | — | **PASS** |");
    const table = md.slice(md.indexOf("## Measured vs target"), md.indexOf("## Per-scenario record"));
    expect(table.match(/REGRESSED/g)).toHaveLength(2);
  });

  it("Markdown: says what the run was compared with, git, and which scenario has no baseline yet", () => {
    const md = read("gameday_report.md");
    expect(md).toContain(`- Git: branch main, commit ${HISTORY_COMMIT}\n`);
    expect(md).toContain("- Compared with last-pass: 2 regressions; no baseline yet for rollback-drill\n");
    const section = (heading: string) =>
      md.slice(md.indexOf(heading), md.indexOf("| Record |", md.indexOf(heading)));
    expect(section("### LLM provider outage")).toContain("Baseline: run run-b1 (last-pass), 1 regression");
    expect(section("### Rollback drill")).toContain("Baseline: no baseline yet");
    expect(md).not.toContain("Defect switches");
  });

  it("Markdown: a compact history line per key metric and the reliability score", () => {
    const md = read("gameday_report.md");
    const history = md.slice(md.indexOf("## History"), md.indexOf("## Defects"));
    expect(history).toContain("history store `/srv/gameday/history.sqlite`");
    expect(rowOf(history, "| llm-provider-outage | Time to detect (TTD) |")).toBe(
      "| llm-provider-outage | Time to detect (TTD) | 6 | 2.1 s · 2.5 s · 1 s (baseline) · 2.3 s · 2.6 s · **3.9 s** | 1.2 s … 3.4 s (3 runs) **REGRESSED** |",
    );
    expect(rowOf(history, "| cache-cold-start | Time to recover (TTR) |")).toContain(
      "22 s · **never** | — |",
    );
    expect(rowOf(history, "| rollback-drill | Time to recover (TTR) |")).toContain("| 1 | **6 s** | — |");
    expect(history).toContain("**Overall 56.3 / 100** · change-fail rate 25 % · error-budget burn 150 %");
    expect(history).toContain(
      "window 30 days, half-life 7 days, stale after 30 days, objective 90 % of runs passing",
    );
    expect(rowOf(history, "| cache-cold-start | 40.2 |")).toBe(
      "| cache-cold-start | 40.2 | **FAIL** | 6 | 2026-01-01T10:00:00.000Z (FAIL) | 50 % | 333.3 % |",
    );
    expect(rowOf(history, "| old-scenario |")).toBe(
      "| old-scenario | 0 | **STALE** | 0 | no run in the window | — | — |",
    );
  });

  it("HTML: baseline columns, regressed rows and the header lines", () => {
    const html = read("report.html");
    expect(html).toContain(`<p class="meta git">git: branch main, commit ${HISTORY_COMMIT}</p>`);
    expect(html).toContain("Compared with last-pass: 2 regressions · no baseline yet for rollback-drill");
    expect(html.match(/<th>Δ vs baseline<\/th>/g)).toHaveLength(3);
    expect(html.match(/<tr class="regressed">/g)).toHaveLength(2);
    expect(html.match(/<span class="badge regressed">REGRESSED<\/span>/g)).toHaveLength(2);
    expect(html).toContain("<td>1 s</td><td><strong>+2.9 s</strong></td><td>1.2 s … 3.4 s (3 runs)</td>");
    expect(html).toContain('<p class="meta baseline">Baseline: no baseline yet</p>');
  });

  it("HTML: a history section with one chart per key metric series, this run, baseline and band marked", () => {
    const html = read("report.html");
    const start = html.indexOf('<section class="history" id="history">');
    expect(start).toBeGreaterThan(html.indexOf('id="scenario-rollback-drill"'));
    const history = html.slice(start, html.indexOf("</section>", start));
    const series = withHistory(sample()).history!.series;
    expect(history.match(/<svg class="chart"/g)).toHaveLength(series.length);
    for (const s of series) {
      const group = history.slice(history.indexOf(`data-scenario="${s.scenario}"`));
      expect(group, `${s.scenario} ${s.metric}`).toContain(`<figure data-metric="${s.metric}"`);
      expect(group).toContain(`data-chart="history:${s.metric}"`);
    }
    // every chart marks this run; a null reading (TTR never reached) as a cross on the top edge
    expect(history.match(/class="dot dot-current"/g)).toHaveLength(series.length - 1);
    expect(history.match(/class="dot dot-current dot-never"/g)).toHaveLength(1);
    expect(history.match(/class="dot dot-point dot-never"/g)).toHaveLength(1);
    // the baseline run is ringed where the metric was compared, with its band shaded
    expect(history.match(/class="dot dot-baseline"/g)).toHaveLength(3);
    expect(history.match(/<rect class="band"/g)).toHaveLength(3);
    expect(history).toContain("<title>band 1.2 s … 3.4 s (3 runs)</title>");
    expect(history.match(/<figure data-metric="ttd" class="regressed">/g)).toHaveLength(2);
    expect(history).toContain(
      "6 runs: this run 3.9 s · baseline 1 s · band 1.2 s … 3.4 s (3 runs) · REGRESSED",
    );
  });

  it("HTML: the reliability score table", () => {
    const html = read("report.html");
    const history = html.slice(html.indexOf('id="history"'));
    expect(history).toContain(
      "<strong>Overall 56.3 / 100</strong> · change-fail rate 25 % · error-budget burn 150 %",
    );
    expect(history).toContain(
      '<tr><td>llm-provider-outage</td><td>84.9</td><td><span class="badge fail">FAIL</span></td><td>6</td><td>2026-01-01T10:00:00.000Z (FAIL)</td><td>20 %</td><td>166.7 %</td></tr>',
    );
    expect(history).toContain(
      '<td>old-scenario</td><td>0</td><td><span class="badge stale">STALE</span></td>',
    );
  });

  it("JUnit: a testcase per regression, failing for FAIL and in system-out for WARN, with counts to match", () => {
    const xml = read("junit.xml");
    const doc = parseXml(xml);
    expect(doc.name).toBe("testsuites");
    for (const suite of doc.children) {
      const cases = suite.children.filter((c) => c.name === "testcase");
      const failing = cases.filter((c) => c.children.some((x) => x.name === "failure"));
      const erroring = cases.filter((c) => c.children.some((x) => x.name === "error"));
      expect(Number(suite.attrs["tests"]), suite.attrs["name"]).toBe(cases.length);
      expect(Number(suite.attrs["failures"]), suite.attrs["name"]).toBe(failing.length);
      expect(Number(suite.attrs["errors"]), suite.attrs["name"]).toBe(erroring.length);
    }
    const suite = (name: string) => doc.children.find((s) => s.attrs["name"] === name)!;
    expect(suite("llm-provider-outage").attrs).toMatchObject({ tests: "6", failures: "2" });
    expect(suite("cache-cold-start").attrs).toMatchObject({ tests: "5", failures: "1" });
    expect(suite("rollback-drill").attrs).toMatchObject({ tests: "2", failures: "0" });

    const regression = (s: string) =>
      suite(s).children.filter((c) => c.name === "testcase" && c.attrs["name"] === "regression: ttd");
    const [failed] = regression("llm-provider-outage");
    expect(failed?.attrs["classname"]).toBe("gameday.llm-provider-outage");
    expect(failed?.children.map((c) => [c.name, c.attrs["type"], c.attrs["message"]])).toEqual([
      [
        "failure",
        "regression",
        "Time to detect (TTD): 3.9 s worse than band 1.2 s … 3.4 s (baseline 1 s from run run-b1)",
      ],
    ]);
    const [warned] = regression("cache-cold-start");
    expect(warned?.children.map((c) => [c.name, c.text])).toEqual([
      [
        "system-out",
        "Time to detect (TTD): 3 s worse than band 0 ms … 2.8 s (baseline 800 ms from run run-b2)",
      ],
    ]);
    expect(xml.match(/name="regression: /g)).toHaveLength(2);
  });

  it("the strict XML reader rejects what a CI server would", () => {
    expect(() => parseXml('<?xml version="1.0"?>\n<a><b></a>')).toThrow(/closes/);
    expect(() => parseXml('<?xml version="1.0"?>\n<a x="1 & 2"/>')).toThrow(/bare &/);
    expect(() => parseXml('<?xml version="1.0"?>\n<a x=1/>')).toThrow(/malformed/);
    expect(parseXml('<?xml version="1.0"?>\n<a x="&lt;b&gt;">t &amp; u</a>')).toMatchObject({
      name: "a",
      attrs: { x: "<b>" },
      text: "t &amp; u",
    });
  });
});

describe("reports of a run without baseline or history", () => {
  it("have no baseline columns, history section, regression testcases or header extras", async () => {
    const read = await rendered(sample());
    const md = read("gameday_report.md");
    expect(md).toContain(
      "| Scenario | Metric | Measured | Target | Verdict | Note |\n| --- | --- | --- | --- | --- | --- |\n",
    );
    for (const absent of [
      "Baseline",
      "Δ vs baseline",
      "REGRESSED",
      "## History",
      "Reliability score",
      "Git:",
      "Defect switches",
    ])
      expect(md, absent).not.toContain(absent);
    const html = read("report.html");
    for (const absent of [
      "Baseline",
      "Δ vs baseline",
      "REGRESSED",
      'id="history"',
      "Reliability score",
      "git:",
      "DEFECTS ON",
      "<style>\n.badge",
    ])
      expect(html, absent).not.toContain(absent);
    expect(html.match(/<style>/g)).toHaveLength(1);
    const xml = read("junit.xml");
    expect(xml).not.toContain("regression");
    parseXml(xml);
  });

  it("name the defect switches and show the score without charts when no key metric has a series", async () => {
    const r = withHistory(sample());
    r.defects = ["slow-ack", "no-failover"];
    r.git = { commit: null, branch: null };
    r.history!.series = [];
    const read = await rendered(r);
    const md = read("gameday_report.md");
    expect(md).toContain(
      "- Defect switches on: `slow-ack`, `no-failover` — not a normal run: it is never a baseline and the reliability score leaves it out\n",
    );
    expect(md).not.toContain("Git:");
    expect(md).toContain("### Reliability score");
    expect(md).not.toContain("| Scenario | Metric | Runs | Last runs | Band |");
    const html = read("report.html");
    expect(html).toContain(
      '<span class="badge warn">DEFECTS ON</span> <code>slow-ack</code> <code>no-failover</code>',
    );
    const history = html.slice(html.indexOf('id="history"'));
    expect(history).toContain("Reliability score");
    expect(history).not.toContain("<svg");
  });
});
