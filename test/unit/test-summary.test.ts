// CI reads only the closing "N passed, N failed" line. It once printed "0 failed" while a suite's
// beforeAll had thrown (vitest reports that suite's tests as skipped): here real vitest runs files
// that fail in each way, and the line must count every failure.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "../..");
const fixtures = join(root, "test/fixtures/summary");
const out = mkdtempSync(join(tmpdir(), "gameday-summary-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

function summarise(report: string): string {
  const r = spawnSync(
    process.execPath,
    ["--disable-warning=ExperimentalWarning", join(root, "scripts/test-summary.ts"), report],
    {
      encoding: "utf8",
    },
  );
  expect(r.status).toBe(0);
  return r.stdout;
}

describe("the closing test summary", () => {
  it("counts a file whose beforeAll threw as failed, beside ordinary passes, failures and skips", () => {
    const report = join(out, "results.json");
    const run = spawnSync(
      process.execPath,
      [
        join(root, "node_modules/vitest/vitest.mjs"),
        "run",
        "--root",
        fixtures,
        "--config",
        join(fixtures, "vitest.config.ts"),
        "--reporter=json",
        `--outputFile.json=${report}`,
      ],
      { encoding: "utf8", cwd: fixtures, timeout: 60_000 },
    );
    expect(run.status).toBe(1); // vitest itself fails the run
    const stdout = summarise(report);
    const last = stdout.trim().split("\n").at(-1);
    // plain: 1 passed, 1 failed, 1 skipped; hooks: its test skipped, the file failed.
    expect(last).toBe("1 passed, 2 failed, 2 skipped");
    expect(stdout).toMatch(/failed outside its tests: .*hooks\.fixture\.ts: /);
    expect(stdout).not.toMatch(/plain\.fixture\.ts/); // its failure is already counted as a test
  });

  it("reports a missing or unreadable report as a failure rather than an empty pass", () => {
    const stdout = summarise(join(out, "does-not-exist.json"));
    expect(stdout.trim().split("\n").at(-1)).toBe("0 passed, 1 failed");
  });
});
