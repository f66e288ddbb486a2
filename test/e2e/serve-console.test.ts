// The live console in real headless Chromium during a real gameday on the reference stack
// (`gameday run --ui`, ci profile, no auto-responder): the fault marker shows within 2 s of the
// injection, a person acknowledges the firing alert with the Acknowledge button and their name,
// and the run's result.json and reports hold that human acknowledgement and an MTTA measured from
// it — the ack's instant within 250 ms of the click. A screenshot of the live view is kept in
// reports/test-output/. Skips with a reason where Debian's chromium is not installed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import type { RunResult } from "../../src/engine/result.ts";
import { freePort } from "../../src/env/process.ts";
import { type GamedayChild, spawnGameday, waitFor } from "../gameday-child.ts";
import { runFolders } from "../run-folders.ts";

const CHROMIUM = "/usr/bin/chromium";
const available = existsSync(CHROMIUM);
if (!available)
  console.log(
    `skipping the live console test: ${CHROMIUM} not found (make setup installs Debian's chromium)`,
  );

const root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-console-"));
const outputDir = join(root, "reports", "test-output");
const ACKER = "Dana Reyes";

let child: GamedayChild | undefined;
let browser: BrowserContext | undefined;
afterAll(async () => {
  await browser?.close().catch(() => {});
  await child?.stop(10_000);
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(!available)("the live console during a real gameday", () => {
  it("shows the fault within 2 s, and a click on Acknowledge is the run's human ack and its MTTA", async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const config = join(work, "gameday.config.ts");
    // The reference stack with no auto-responder: the alert waits for a person.
    writeFileSync(
      config,
      `import { defineConfig } from "gameday";
export default defineConfig({ provider: "reference", receiver: { listen: "127.0.0.1:${await freePort()}" }, reportsDir: "reports" });
`,
    );
    const reports = join(work, "reports");
    child = spawnGameday(
      [
        "run",
        join(root, "scenarios/llm-provider-outage.ts"),
        "--config",
        config,
        "--profile",
        "ci",
        "--out",
        reports,
        "--ui",
        "--listen",
        listen,
        "--no-record",
      ],
      { cwd: work },
    );
    const output = child.output;
    const url = await waitFor(
      "the console's address",
      () => /console: (http:\/\/\S+?)\/? /.exec(output())?.[1],
      {
        ms: 30_000,
        context: output,
      },
    );

    const profile = mkdtempSync(join(work, "chromium-"));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1280, height: 900 },
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    await page.goto(`${url}/`);

    // The marker as the page shows it: the instant it appeared, taken in the page.
    const injectSeenAt = await page.evaluate(
      () =>
        new Promise<number>((done) => {
          const seen = () => document.querySelector('[data-marker-kind="inject"]');
          if (seen()) return done(Date.now());
          const mo = new MutationObserver(() => {
            if (seen()) {
              mo.disconnect();
              done(Date.now());
            }
          });
          mo.observe(document.body, { childList: true, subtree: true });
        }),
    );

    // The scenario's own alert (a cold cache may page about its hit ratio first).
    const ack = page.locator("#alerts-table tr", { hasText: "LLMProviderDown" }).locator("button[data-ack]");
    await ack.waitFor({ state: "visible", timeout: 30_000 });
    const fingerprint = await ack.getAttribute("data-ack");
    await ack.click();
    await page.locator("#ack-name").fill(ACKER);
    const clickAt = Date.now();
    await page.locator("#ack-submit").click();
    await page
      .locator("#alerts-table td[data-acked]", { hasText: ACKER })
      .first()
      .waitFor({ timeout: 5_000 });
    // Let the charts gather a few more seconds before the picture.
    await page.waitForTimeout(3_000);
    mkdirSync(outputDir, { recursive: true });
    await page.screenshot({ path: join(outputDir, "serve-console-live.png"), fullPage: true });

    const code = await Promise.race([
      child.exited,
      new Promise<never>((_, fail) =>
        setTimeout(() => fail(new Error(`run did not end:\n${output()}`)), 120_000),
      ),
    ]);
    const runs = runFolders(reports);
    expect(runs, output()).toHaveLength(1);
    const runDir = join(reports, runs[0] as string);
    const journal = readFileSync(join(runDir, "journal.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as JournalEntry);
    const applied = journal.find((e) => e.type === "fault.applied");
    expect(applied, output()).toBeDefined();
    expect(injectSeenAt - (applied?.t ?? 0)).toBeLessThanOrEqual(2_000);
    expect(injectSeenAt).toBeGreaterThanOrEqual(applied?.t ?? Number.POSITIVE_INFINITY);

    const acks = journal.filter((e) => e.type === "alert.ack");
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ fingerprint, by: ACKER, via: "web", synthetic: false });
    expect(Math.abs((acks[0]?.t ?? 0) - clickAt)).toBeLessThanOrEqual(250);

    const result = JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")) as RunResult;
    const s = result.scenarios[0];
    const alert = s?.alerts.find((a) => a.fingerprint === fingerprint);
    expect(alert).toMatchObject({ ackBy: ACKER, synthetic: false });
    const mtta = s?.measurements.find((m) => m.metric === "mtta");
    expect(mtta?.synthetic ?? false).toBe(false);
    expect(mtta?.value).toBe((alert?.ackAt ?? 0) - (s?.times.detect ?? 0));
    expect(mtta?.verdict).toBe("PASS");
    expect(readFileSync(join(runDir, "gameday_report.md"), "utf8")).toContain(ACKER);
    expect(readFileSync(join(runDir, "report.html"), "utf8")).toContain(ACKER);
    expect(code, output()).not.toBe(3);
  }, 240_000);
});
