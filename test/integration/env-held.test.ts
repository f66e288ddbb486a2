// `gameday run` and the state `gameday env up` leaves: a held environment that does not answer is
// an ERROR with a way out (nothing is injected into it); a state file whose holder is gone is named
// and a fresh environment is used instead.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort } from "../../src/env/process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { runFolders } from "../run-folders.ts";
import { tinyRunFolder } from "../tiny-run.ts";
import { runGameday } from "../gameday-child.ts";

const _root = resolve(import.meta.dirname, "../..");
const work = mkdtempSync(join(tmpdir(), "gameday-env-held-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gameday(cwd: string, ...args: string[]) {
  return runGameday(args, { cwd, timeoutMs: 60_000 });
}

async function folder(name: string): Promise<string> {
  const dir = await tinyRunFolder(join(work, name));
  mkdirSync(join(dir, ".gameday"), { recursive: true });
  return dir;
}

function writeState(dir: string, pid: number, copilotPort: number, receiverPort: number): void {
  const state = {
    pid,
    startedAt: Date.now(),
    provider: "reference",
    logDir: join(dir, ".gameday", "env", "logs"),
    config: {
      provider: "reference",
      allowHosts: [],
      proxies: [],
      services: [{ name: "copilot", url: `http://127.0.0.1:${copilotPort}`, health: "/healthz" }],
      redis: [],
      processes: [],
      receiver: { listen: `127.0.0.1:${receiverPort}` },
      probes: [],
      reportsDir: "reports",
    },
  };
  writeFileSync(join(dir, ".gameday", "env.json"), JSON.stringify(state));
}

describe("gameday run with the state of gameday env up", () => {
  it("refuses a held environment whose services do not answer: exit 3, what is down, how to recover", async () => {
    const dir = await folder("dead-stack");
    // This test's own process stands in for a live holder whose stack has died.
    writeState(dir, process.pid, await freePort(), await freePort());
    const r = gameday(dir, "run", "tiny.ts", "--out", join(dir, "reports"));
    expect(r.code, r.output).toBe(3);
    expect(r.output).toMatch(
      /environment from `gameday env up` \(holder pid \d+\) does not answer: service copilot/,
    );
    expect(r.output).toMatch(/ECONNREFUSED/);
    expect(r.output).toMatch(/gameday env down/);
  }, 60_000);

  it("names a state file whose holder is gone and runs on a fresh environment", async () => {
    const dir = await folder("stale");
    // A pid that cannot be a live process: beyond the kernel's pid_max.
    writeState(dir, 2 ** 22 + 1, await freePort(), await freePort());
    const r = gameday(dir, "run", "tiny.ts", "--out", join(dir, "reports"));
    expect(r.output).toMatch(/names holder pid 4194305, which is not running: starting a fresh environment/);
    expect(r.code, r.output).toBe(0);
    expect(runFolders(join(dir, "reports"))).toHaveLength(1);
  }, 60_000);
});
