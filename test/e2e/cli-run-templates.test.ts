// `gameday run --templates DIR` (or the config's reportTemplates) renders the run's reports with the
// user's templates in place of the bundled ones of the same name; a bad folder is exit 2 before
// anything starts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { templateFolderProblems } from "../../src/report/render.ts";
import { ROLLOUT_REPORT_TEMPLATES } from "../../src/rollout/report.ts";
import { runFolders } from "../run-folders.ts";
import { tinyRunFolder } from "../tiny-run.ts";
import { runGameday } from "../gameday-child.ts";

const _root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-run-templates-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A folder with a config (external provider, nothing to start) and a scenario without load. */
async function folder(name: string, configExtra = ""): Promise<string> {
  return tinyRunFolder(join(work, name), { configExtra });
}

function gameday(cwd: string, ...args: string[]) {
  return runGameday(args, { cwd, timeoutMs: 60_000 });
}

function onlyRun(dir: string): string {
  const runs = runFolders(join(dir, "reports"));
  expect(runs).toHaveLength(1);
  return join(dir, "reports", runs[0]!);
}

describe("gameday run with report template overrides", () => {
  it("--templates DIR: the overridden template renders the run, the others stay bundled", async () => {
    const dir = await folder("flag");
    mkdirSync(join(dir, "tpl"));
    writeFileSync(join(dir, "tpl", "gameday_report.md.hbs"), "CUSTOM run {{runId}}: {{verdict}}\n");
    const r = gameday(dir, "run", "tiny.ts", "--out", "reports", "--templates", "tpl");
    expect(r.code, r.output).toBe(0);
    const runDir = onlyRun(dir);
    const runId = runDir.split("/").pop();
    expect(readFileSync(join(runDir, "gameday_report.md"), "utf8")).toBe(`CUSTOM run ${runId}: PASS\n`);
    expect(readFileSync(join(runDir, "report.html"), "utf8")).toMatch(/<html/i);
  }, 60_000);

  it("the config's reportTemplates does the same without the flag", async () => {
    const dir = await folder("config", ', reportTemplates: "my-templates"');
    mkdirSync(join(dir, "my-templates"));
    writeFileSync(join(dir, "my-templates", "rollback.md.hbs"), "OUR ROLLBACK {{verdict}}\n");
    const r = gameday(dir, "run", "tiny.ts", "--out", "reports");
    expect(r.code, r.output).toBe(0);
    const runDir = onlyRun(dir);
    expect(readFileSync(join(runDir, "rollback.md"), "utf8")).toBe("OUR ROLLBACK PASS\n");
    expect(readFileSync(join(runDir, "gameday_report.md"), "utf8")).toMatch(/^# Gameday report — run /);
  }, 60_000);

  it("a misspelt name, a syntax error or a missing folder: exit 2, nothing started", async () => {
    const dir = await folder("bad");
    mkdirSync(join(dir, "tpl"));
    writeFileSync(join(dir, "tpl", "report.htm.hbs"), "x");
    writeFileSync(join(dir, "tpl", "junit.xml.hbs"), "{{#each scenarios}}unclosed");
    const bad = gameday(dir, "run", "tiny.ts", "--out", "reports", "--templates", "tpl");
    expect(bad.code, bad.output).toBe(2);
    expect(bad.output).toMatch(/tpl\/report\.htm\.hbs: not a report template \(known: .*report\.html\.hbs/);
    expect(bad.output).toMatch(/tpl\/junit\.xml\.hbs: Parse error/);
    const missing = gameday(dir, "run", "tiny.ts", "--out", "reports", "--templates", "nowhere");
    expect(missing.code, missing.output).toBe(2);
    expect(missing.output).toMatch(/--templates: nowhere is not a folder/);
    expect(existsSync(join(dir, "reports"))).toBe(false);
  }, 60_000);

  it("gameday report --templates: the same check, for the folder's own kind of report", async () => {
    const dir = await folder("report");
    const r = gameday(dir, "run", "tiny.ts", "--out", "reports");
    expect(r.code, r.output).toBe(0);
    const runDir = onlyRun(dir);
    const before = readFileSync(join(runDir, "gameday_report.md"), "utf8");
    mkdirSync(join(dir, "tpl"));
    // A rollout template's name is not a run report's: refused, not rendered with the bundled one.
    writeFileSync(join(dir, "tpl", "rollout_report.md.hbs"), "ROLLOUT\n");
    writeFileSync(join(dir, "tpl", "gameday_reprot.md.hbs"), "MISSPELT\n");
    const bad = gameday(dir, "report", runDir, "--templates", "tpl");
    expect(bad.code, bad.output).toBe(2);
    expect(bad.output).toMatch(
      /tpl\/gameday_reprot\.md\.hbs: not a report template \(known: gameday_report\.md\.hbs/,
    );
    expect(bad.output).toMatch(/tpl\/rollout_report\.md\.hbs: not a report template/);
    expect(bad.output).not.toContain("wrote ");
    expect(readFileSync(join(runDir, "gameday_report.md"), "utf8")).toBe(before);
    const missing = gameday(dir, "report", runDir, "--templates", "nowhere");
    expect(missing.code, missing.output).toBe(2);
    expect(missing.output).toMatch(/--templates: nowhere is not a folder/);

    rmSync(join(dir, "tpl"), { recursive: true });
    mkdirSync(join(dir, "tpl"));
    writeFileSync(join(dir, "tpl", "gameday_report.md.hbs"), "AGAIN {{verdict}}\n");
    const good = gameday(dir, "report", runDir, "--templates", "tpl");
    expect(good.code, good.output).toBe(0);
    expect(readFileSync(join(runDir, "gameday_report.md"), "utf8")).toBe("AGAIN PASS\n");
  }, 60_000);

  it("a rollout folder's templates are checked against the rollout report names", () => {
    const tpl = join(work, "rollout-tpl");
    mkdirSync(tpl);
    writeFileSync(join(tpl, "gameday_report.md.hbs"), "x");
    writeFileSync(join(tpl, "rollout_report.md.hbs"), "{{outcome}}");
    expect(templateFolderProblems(tpl, ROLLOUT_REPORT_TEMPLATES)).toEqual([
      {
        file: join(tpl, "gameday_report.md.hbs"),
        message: "not a report template (known: rollout_report.md.hbs, rollout_report.html.hbs)",
      },
    ]);
    expect(templateFolderProblems(tpl).map((p) => p.file)).toEqual([join(tpl, "rollout_report.md.hbs")]);
  });
});
