// A gameday whose reader goes away (its parent killed, `gameday … | head` done) keeps going: the
// run finishes, its journal and reports are written, and it exits with the run's own code. Before,
// a write to the closed pipe raised an error whose report raised the next one, forever.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { tempDirs } from "../temp-dirs.ts";
import { runFolders } from "../run-folders.ts";
import { tinyRunFolder } from "../tiny-run.ts";

const root = resolve(import.meta.dirname, "../..");
const dirs = tempDirs();
afterAll(() => dirs.removeAll());

describe("gameday with its output closed under it", () => {
  it("finishes the run, writes its reports and exits 0 when stdout and stderr close mid-run", async () => {
    const dir = await tinyRunFolder(dirs.make("gameday-closed-output-"), { duration: "3s" });
    const child = spawn(
      process.execPath,
      [
        "--disable-warning=ExperimentalWarning",
        join(root, "src/cli/main.ts"),
        "run",
        "tiny.ts",
        "--out",
        "reports",
      ],
      { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let seen = "";
    child.stderr.on("data", (c: Buffer) => {
      seen += c;
    });
    const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
    // Once the run has started, the reader goes away.
    for (let i = 0; i < 100 && !/▶ tiny/.test(seen); i++) await new Promise((r) => setTimeout(r, 100));
    expect(seen).toMatch(/▶ tiny/);
    child.stdout.destroy();
    child.stderr.destroy();
    const code = await Promise.race([
      exited,
      new Promise<"hung">((done) => setTimeout(() => done("hung"), 30_000).unref()),
    ]);
    if (code === "hung") child.kill("SIGKILL");
    expect(code).toBe(0);
    const [runId] = runFolders(join(dir, "reports"));
    expect(runId).toBeDefined();
    const runDir = join(dir, "reports", runId!);
    expect(JSON.parse(readFileSync(join(runDir, "result.json"), "utf8")).verdict).toBe("PASS");
    expect(existsSync(join(runDir, "gameday_report.md"))).toBe(true);
    expect(readFileSync(join(runDir, "journal.jsonl"), "utf8")).toContain('"type":"run.end"');
  }, 60_000);
});
