// The emergency exits of `gameday run` — a second Ctrl-C, an uncaught exception — still stop every
// process the run's environment started (each in its own process group, so they would outlive the
// harness), also one that ignores SIGTERM and also while the environment is still starting.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { alive, freePort, sleep } from "../../src/env/process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { type GamedayChild, spawnGameday } from "../gameday-child.ts";
import { runFolders } from "../run-folders.ts";

const work = mkdtempSync(join(tmpdir(), "gameday-emergency-"));
const leftovers: number[] = [];
afterAll(() => {
  for (const pid of leftovers) {
    try {
      process.kill(-pid, "SIGKILL");
    } catch {
      // gone, as it should be
    }
  }
  rmSync(work, { recursive: true, force: true });
});

async function until<T>(what: string, f: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = f();
    if (v !== undefined) return v;
    await sleep(50);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * A folder with a local-provider config: "calm" exits on SIGTERM, "stubborn" ignores it and serves a
 * port; with `neverReady`, a third process whose readiness never comes keeps the environment starting.
 */
async function folder(name: string, o: { neverReady?: boolean } = {}): Promise<string> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  const stubbornPort = await freePort();
  const idle = "setInterval(() => {}, 1000)";
  const processes = [
    { name: "calm", command: [process.execPath, "-e", idle] },
    {
      name: "stubborn",
      command: [
        process.execPath,
        "-e",
        `process.on("SIGTERM", () => {}); require("node:net").createServer().listen(${stubbornPort}, "127.0.0.1"); ${idle}`,
      ],
      ready: { tcp: `127.0.0.1:${stubbornPort}` },
    },
    ...(o.neverReady
      ? [
          {
            name: "never-ready",
            command: [process.execPath, "-e", idle],
            ready: { tcp: `127.0.0.1:${await freePort()}` },
          },
        ]
      : []),
  ];
  writeFileSync(
    join(dir, "gameday.config.ts"),
    `import { defineConfig } from "gameday";
export default defineConfig(${JSON.stringify({
      provider: "local",
      receiver: { listen: `127.0.0.1:${await freePort()}` },
      processes,
    })});
`,
  );
  writeFileSync(
    join(dir, "long.ts"),
    `import { defineScenario } from "gameday";
export default defineScenario({ id: "long", title: "Long", owner: "SRE", hypothesis: "a run to interrupt", duration: "2m" });
`,
  );
  return dir;
}

function startRun(dir: string, nodeArgs: string[] = []): GamedayChild {
  return spawnGameday(["run", "long.ts", "--out", join(dir, "reports")], { cwd: dir, nodeArgs });
}

/** The run's pid file once it lists `names` (each process of the environment, by name). */
async function recordedPids(dir: string, names: string[]): Promise<Record<string, number>> {
  return until(`pids of ${names.join(", ")}`, () => {
    const reports = join(dir, "reports");
    const [runId] = runFolders(reports);
    const file = runId ? join(reports, runId, "env", "pids.json") : "";
    if (!file || !existsSync(file)) return undefined;
    try {
      const pids = JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
      return names.every((n) => pids[n] !== undefined) ? pids : undefined;
    } catch {
      return undefined; // being written
    }
  });
}

function journalHas(dir: string, type: string): boolean {
  const reports = join(dir, "reports");
  const [runId] = runFolders(reports);
  const file = join(reports, runId!, "journal.jsonl");
  return existsSync(file) && readFileSync(file, "utf8").includes(`"type":"${type}"`);
}

describe("gameday run: emergency exits stop the environment the run started", () => {
  it("second SIGINT while the environment stops slowly: exit 130, no process of it left", async () => {
    const dir = await folder("second-sigint");
    const run = startRun(dir);
    const pids = await recordedPids(dir, ["calm", "stubborn"]);
    leftovers.push(...Object.values(pids));
    await until("the scenario to start", () => (journalHas(dir, "scenario.start") ? true : undefined));
    run.child.kill("SIGINT");
    // The orderly stop now waits out "stubborn"'s SIGTERM grace; the second Ctrl-C cuts it short.
    await until("the orderly stop to begin", () =>
      /stopping environment/.test(run.output()) ? true : undefined,
    );
    run.child.kill("SIGINT");
    const code = await run.exited;
    expect(run.output()).toMatch(/SIGINT again: reverting faults, stopping the environment/);
    expect(code, run.output()).toBe(130);
    expect(Object.entries(pids).filter(([, pid]) => alive(pid))).toEqual([]);
  }, 60_000);

  it("two SIGINTs while the environment is still starting: exit 130, no process of it left", async () => {
    const dir = await folder("sigint-during-start", { neverReady: true });
    const run = startRun(dir);
    const pids = await recordedPids(dir, ["calm", "stubborn", "never-ready"]);
    leftovers.push(...Object.values(pids));
    run.child.kill("SIGINT");
    await sleep(200);
    run.child.kill("SIGINT");
    const code = await run.exited;
    expect(code, run.output()).toBe(130);
    expect(Object.entries(pids).filter(([, pid]) => alive(pid))).toEqual([]);
  }, 60_000);

  it("an uncaught exception during the run: exit 3, no process of it left", async () => {
    const dir = await folder("uncaught");
    const trigger = join(dir, "throw-now");
    // Loaded before the CLI: throws from a timer, outside any of the harness's own try blocks.
    const preload = join(dir, "throw-on-trigger.mjs");
    writeFileSync(
      preload,
      `import { existsSync } from "node:fs";
const t = setInterval(() => {
  if (!existsSync(${JSON.stringify(trigger)})) return;
  clearInterval(t);
  throw new Error("injected crash");
}, 50);
t.unref();
`,
    );
    const run = startRun(dir, ["--import", preload]);
    const pids = await recordedPids(dir, ["calm", "stubborn"]);
    leftovers.push(...Object.values(pids));
    await until("the scenario to start", () => (journalHas(dir, "scenario.start") ? true : undefined));
    writeFileSync(trigger, "");
    const code = await run.exited;
    expect(run.output()).toMatch(/internal error: Error: injected crash/);
    expect(code, run.output()).toBe(3);
    expect(Object.entries(pids).filter(([, pid]) => alive(pid))).toEqual([]);
  }, 60_000);
});
