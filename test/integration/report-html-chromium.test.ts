// report.html in real headless Chromium: self-contained (no network at all), charts drawn as inline
// SVG, readable at phone width. Skips with a reason where Debian's chromium is not installed.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunResult } from "../../src/engine/result.ts";
import { renderReports } from "../../src/report/index.ts";
import { withHistory } from "../report-history-fixture.ts";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available)
  console.log(
    `skipping report.html browser tests: ${CHROMIUM} not found (make setup installs Debian's chromium)`,
  );

const fixture = JSON.parse(
  readFileSync(new URL("../fixtures/result-sample.json", import.meta.url), "utf8"),
) as RunResult;

describe.skipIf(!available)("report.html in headless Chromium", () => {
  let browser: BrowserContext;
  let dir: string;
  let profile: string;
  let historyDir: string | undefined;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gameday-html-"));
    profile = mkdtempSync(join(tmpdir(), "gameday-chromium-"));
    writeFileSync(join(dir, "result.json"), JSON.stringify(fixture));
    writeFileSync(
      join(dir, "journal.jsonl"),
      readFileSync(new URL("../fixtures/result-sample.journal.jsonl", import.meta.url)),
    );
    await renderReports(dir);
    // A fresh profile per run: playwright takes --user-data-dir only through a persistent context.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    for (const d of [dir, profile, historyDir]) if (d) rmSync(d, { recursive: true, force: true });
  });

  it("loads with no network request, draws every chart and fits a phone screen", async () => {
    const page = await browser.newPage();
    const url = pathToFileURL(join(dir, "report.html")).href;
    const requests: string[] = [];
    page.on("request", (r) => {
      if (r.url() !== url) requests.push(r.url());
    });
    await page.goto(url, { waitUntil: "load" });
    expect(requests).toEqual([]);

    expect(await page.locator("svg.chart").count()).toBe(fixture.scenarios.length * 5);
    for (const id of ["p95", "error-rate", "provider-mix", "unit-cost", "queue-depth"]) {
      expect(await page.locator(`svg.chart[data-chart="${id}"]`).count(), id).toBe(fixture.scenarios.length);
    }
    // the provider-mix chart of the outage has one line per provider
    const outage = page.locator("#scenario-llm-provider-outage");
    expect(await outage.locator('svg[data-chart="provider-mix"] polyline.series').count()).toBe(2);
    expect(await page.locator("rect.fault-window").count()).toBeGreaterThanOrEqual(
      fixture.scenarios.length * 5,
    );
    // the synthetic ack is marked as such, the human ones are not
    const cache = page.locator("#scenario-cache-cold-start");
    expect(await cache.locator("line.mark-ack-synthetic").count()).toBe(5);
    expect(await cache.locator(".synthetic").first().textContent()).toContain("synthetic");
    expect(await outage.locator("line.mark-ack-synthetic").count()).toBe(0);
    expect(await outage.locator("line.mark-ack").count()).toBe(5);
    expect(await page.locator("#scenario-rollback-drill line.mark-decision").count()).toBe(5);
    // detection and recovery are marked on every chart of a scenario that has them, in time order,
    // and a scenario that never recovered has no recovery mark
    const times = fixture.scenarios.find((x) => x.id === "llm-provider-outage")!.times;
    expect(times.inject! < times.detect! && times.detect! < times.recover!).toBe(true);
    expect(await outage.locator("line.mark-detect").count()).toBe(5);
    expect(await outage.locator("line.mark-recover").count()).toBe(5);
    expect(await outage.locator("line.mark-detect title").first().textContent()).toBe("detect");
    expect(await outage.locator("line.mark-recover title").first().textContent()).toBe("recovered");
    const p95 = outage.locator('svg[data-chart="p95"]');
    const xOf = async (kind: string) => Number(await p95.locator(`line.mark-${kind}`).getAttribute("x1"));
    const [xi, xd, xr] = [await xOf("inject"), await xOf("detect"), await xOf("recover")];
    expect(xi).toBeLessThan(xd);
    expect(xd).toBeLessThan(xr);
    const box = await p95.locator("line.mark-recover").boundingBox();
    expect(box?.height ?? 0).toBeGreaterThan(50);
    expect(fixture.scenarios.find((x) => x.id === "cache-cold-start")!.times.recover).toBeNull();
    expect(await cache.locator("line.mark-detect").count()).toBe(5);
    expect(await cache.locator("line.mark-recover").count()).toBe(0);
    // verdict badges
    expect((await page.locator("header .badge").first().textContent())?.trim()).toBe("FAIL");
    expect(await cache.locator("h2 .badge.fail").count()).toBe(1);

    // responsive: charts scale to the viewport and nothing widens the page sideways
    const { scrollWidth, chartWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      chartWidth: document.querySelector("svg.chart")?.getBoundingClientRect().width ?? 0,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(390);
    expect(chartWidth).toBeGreaterThan(300);
    expect(chartWidth).toBeLessThanOrEqual(390);

    const shot = join(dir, "report-phone.png");
    await outage.scrollIntoViewIfNeeded();
    await page.screenshot({ path: shot, fullPage: false });
    const png = readFileSync(shot);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect(statSync(shot).size).toBeGreaterThan(20_000);
    if (process.env.GAMEDAY_KEEP_SCREENSHOT) writeFileSync(process.env.GAMEDAY_KEEP_SCREENSHOT, png);
    await page.close();
  });

  it("draws the history section of a compared run without a console error or a request", async () => {
    historyDir = mkdtempSync(join(tmpdir(), "gameday-html-history-"));
    const result = withHistory(fixture);
    writeFileSync(join(historyDir, "result.json"), JSON.stringify(result));
    await renderReports(historyDir);
    const page = await browser.newPage();
    const url = pathToFileURL(join(historyDir, "report.html")).href;
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") problems.push(m.text());
    });
    page.on("pageerror", (e) => problems.push(String(e)));
    page.on("request", (r) => {
      if (r.url() !== url) problems.push(`request ${r.url()}`);
    });
    await page.goto(url, { waitUntil: "load" });
    const history = page.locator("#history");
    const series = result.history!.series;
    expect(await history.locator("svg.chart").count()).toBe(series.length);
    for (const s of series) {
      const chart = history.locator(`[data-scenario="${s.scenario}"] svg[data-chart="history:${s.metric}"]`);
      expect(await chart.count(), `${s.scenario} ${s.metric}`).toBe(1);
      const box = await chart.boundingBox();
      expect(box?.width ?? 0).toBeGreaterThan(300);
    }
    expect(await history.locator(".dot-current").count()).toBe(series.length);
    expect(await history.locator("circle.dot-baseline").count()).toBe(3);
    expect(await history.locator("rect.band").count()).toBe(3);
    expect(await history.locator("table.score tbody tr").count()).toBe(
      result.history!.score.scenarios.length,
    );
    expect(await page.locator(".badge.regressed").count()).toBe(2);
    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
    expect(scrollWidth).toBeLessThanOrEqual(390);

    const junit = await page.evaluate(
      (text) => {
        const doc = new DOMParser().parseFromString(text, "application/xml");
        return {
          error: doc.getElementsByTagName("parsererror").length,
          regressions: [...doc.getElementsByTagName("testcase")]
            .filter((c) => c.getAttribute("name")?.startsWith("regression: "))
            .map((c) => c.firstElementChild?.tagName),
        };
      },
      readFileSync(join(historyDir, "junit.xml"), "utf8"),
    );
    expect(junit).toEqual({ error: 0, regressions: ["failure", "system-out"] });
    expect(problems).toEqual([]);
    await page.close();
  });

  it("junit.xml is well-formed XML by the browser's own parser", async () => {
    const page = await browser.newPage();
    const xml = readFileSync(join(dir, "junit.xml"), "utf8");
    const result = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, "application/xml");
      return {
        error: doc.getElementsByTagName("parsererror").length,
        cases: doc.getElementsByTagName("testcase").length,
        failures: [...doc.getElementsByTagName("failure")].map((f) => f.getAttribute("message")),
      };
    }, xml);
    expect(result.error).toBe(0);
    expect(result.cases).toBe(fixture.scenarios.reduce((n, s) => n + s.measurements.length, 0));
    expect(result.failures).toEqual(["Time to recover (TTR): measured never vs target ≤ 30 s"]);
    await page.close();
  });
});
