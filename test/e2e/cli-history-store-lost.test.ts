// A history store that fails after the run has started never costs the run: the run folder is
// complete, the run exits 3 saying how to record it later, and `gameday history import` then
// records it. With --baseline, a run that could not be compared exits 3 too rather than pass
// uncompared. The store is broken mid-run by overwriting its file.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openRunStore } from "../../src/history/open-store.ts";
import { runFolders } from "../run-folders.ts";
import { tinyRunFolder } from "../tiny-run.ts";
import { type GamedayExit, spawnGameday } from "../gameday-child.ts";

const _root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-store-lost-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function folder(name: string): Promise<string> {
  return tinyRunFolder(join(work, name), { duration: "3s" });
}

/** whileRunning is called every 50 ms once a run folder has its journal, until it returns true. */
function gameday(cwd: string, args: string[], whileRunning?: () => boolean): Promise<GamedayExit> {
  const run = spawnGameday(args, { cwd });
  // Once the run folder's journal exists the store has been checked and closed.
  const poll = setInterval(() => {
    const [folder] = runFolders(join(cwd, "reports"));
    if (whileRunning && folder && existsSync(join(cwd, "reports", folder, "journal.jsonl")) && whileRunning())
      clearInterval(poll);
  }, 50);
  return run.ended.finally(() => clearInterval(poll));
}

const breakStore = (dir: string) => () => {
  for (const suffix of ["-wal", "-shm"]) rmSync(join(dir, `store.sqlite${suffix}`), { force: true });
  writeFileSync(join(dir, "store.sqlite"), "this is no longer a database");
  return true;
};

describe("a history store lost during the run", () => {
  it("keeps the run folder complete, exits 3 naming the way to record it, and history import records it", async () => {
    const dir = await folder("record");
    const r = await gameday(
      dir,
      ["run", "tiny.ts", "--out", "reports", "--store", "store.sqlite"],
      breakStore(dir),
    );
    expect(r.code, r.output).toBe(3);
    const [run] = runFolders(join(dir, "reports"));
    const runDir = join(dir, "reports", run!);
    for (const f of ["result.json", "journal.jsonl", "report.html", "junit.xml"])
      expect(existsSync(join(runDir, f)), f).toBe(true);
    expect(r.output).toContain("is not a SQLite database");
    expect(r.output).toContain(`record it later with: gameday history import ${runDir}`);

    rmSync(join(dir, "store.sqlite"));
    const imported = await gameday(dir, ["history", "import", runDir, "--store", "store.sqlite"]);
    expect(imported.code, imported.output).toBe(0);
    expect(imported.output).toContain("1 recorded");
    const store = await openRunStore(join(dir, "store.sqlite"));
    try {
      expect((await store.runs()).map((x) => x.runId)).toEqual([run]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it("with --baseline, a run that could not be compared exits 3 instead of passing uncompared", async () => {
    const dir = await folder("baseline");
    const first = await gameday(dir, ["run", "tiny.ts", "--out", "reports", "--store", "store.sqlite"]);
    expect(first.code, first.output).toBe(0);
    const r = await gameday(
      dir,
      [
        "run",
        "tiny.ts",
        "--out",
        "reports",
        "--store",
        "store.sqlite",
        "--baseline",
        "last-pass",
        "--no-record",
      ],
      // The second run's folder, not the first's.
      () => runFolders(join(dir, "reports")).length === 2 && breakStore(dir)(),
    );
    expect(r.code, r.output).toBe(3);
    expect(r.output).toContain("could not be compared with last-pass");
  }, 60_000);
});
