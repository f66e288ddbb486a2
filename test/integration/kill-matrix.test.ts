// Never leave a fault behind: every fault kind × every way a run can die (SIGINT, SIGTERM,
// SIGKILL followed by `gameday cleanup`) ends with zero faults on the real targets. Toxiproxy is
// covered as a toxic and as `down` (a disabled proxy), processes as SIGSTOP and as SIGKILL with
// restart. The HTTP-fault run also drives a load through the faulted proxy on the built-in engine:
// its gameday-load process must not outlive the run either, however the run dies (a SIGKILLed
// harness gives it no chance to stop it: the engine stops itself, by PR_SET_PDEATHSIG).
import { type ChildProcess, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:http";
import { basename, join, resolve } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toolPath } from "../../src/env/tool-path.ts";
import { alive, type ManagedProcess, sleep, startOnFreePort } from "../../src/env/process.ts";
import { LOAD_ENGINE_NAME } from "../../src/load/engine-bin.ts";
import { spawnGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
// The proxy is started like the environment starts it (a managed process), not as a gameday child.
const main = join(root, "src/cli/main.ts");
// Inside the repo, so the generated scenario and config files resolve `import … from "gameday"`.
mkdirSync(join(root, "reports", "tmp"), { recursive: true });
const work = mkdtempSync(join(root, "reports", "tmp", "kill-"));
const logDir = join(work, "logs");

let toxiproxy: ManagedProcess;
let toxiPort: number;
let proxy: ManagedProcess;
let proxyPort: number;
let redis: ManagedProcess;
let redisPort: number;
let flags: Server;
let flagsPort: number;
let upstreamPort: number;
let upstream: Server;
const flagState: { large_model: boolean } = { large_model: true };

/** Listens on a port the kernel picks, so no other process can take it first. */
async function listenOnLoopback(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("server has no TCP address");
  return addr.port;
}

beforeAll(async () => {
  upstream = createServer((_req, res) => res.end("ok"));
  upstreamPort = await listenOnLoopback(upstream);
  ({ process: toxiproxy, port: toxiPort } = await startOnFreePort((port) => ({
    name: "toxiproxy-server",
    command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
    args: ["-host", "127.0.0.1", "-port", String(port)],
    logDir,
    ready: { http: `http://127.0.0.1:${port}/version` },
  })));
  ({ process: proxy, port: proxyPort } = await startOnFreePort((port) => ({
    name: "gameday-proxy",
    command: process.execPath,
    args: [
      "--disable-warning=ExperimentalWarning",
      main,
      "proxy",
      "--listen",
      `127.0.0.1:${port}`,
      "--upstream",
      `http://127.0.0.1:${upstreamPort}`,
    ],
    logDir,
    ready: { http: `http://127.0.0.1:${port}/__gameday/health` },
  })));
  ({ process: redis, port: redisPort } = await startOnFreePort((port) => ({
    name: "redis",
    command: "redis-server",
    args: ["--bind", "127.0.0.1", "--port", String(port), "--save", "", "--appendonly", "no"],
    logDir,
    ready: { tcp: { host: "127.0.0.1", port } },
  })));
  flags = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", () => {
      if (req.method === "PUT") Object.assign(flagState, JSON.parse(body || "{}"));
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify(flagState));
    });
  });
  flagsPort = await listenOnLoopback(flags);
}, 60_000);

afterAll(async () => {
  await Promise.all([toxiproxy?.stop(), proxy?.stop(), redis?.stop()]);
  flags?.close();
  upstream?.close();
  rmSync(work, { recursive: true, force: true });
});

type Kind = "toxiproxy" | "toxiproxy-down" | "http" | "redis" | "http-action" | "process" | "process-kill";

function scenarioFor(kind: Kind): string {
  const inject: Record<Kind, string> = {
    toxiproxy: `fault.latency("up", { latency: 200, duration: "60s" })`,
    "toxiproxy-down": `fault.toxic("up", "down", { duration: "60s" })`,
    http: `fault.httpStatus("front", { status: 503, duration: "60s" })`,
    redis: `fault.cachePurge("cache", { pattern: "k:*" })`,
    "http-action": `fault.httpAction("flags", { apply: { method: "PUT", path: "/flags", body: { large_model: false } }, read: { path: "/flags" }, duration: "60s" })`,
    process: `fault.signal("victim", "SIGSTOP", { duration: "60s" })`,
    "process-kill": `fault.signal("victim", "SIGKILL", { restart: true, duration: "60s" })`,
  };
  // Through the faulted proxy: the engine keeps sending (503s) until the run stops it.
  const load = kind === "http" ? `\n  load: load.http({ target: "front", rate: 20, duration: "60s" }),` : "";
  return `import { defineScenario, fault, load } from "gameday";
export default defineScenario({
  id: "kill-${kind}",
  title: "kill test ${kind}",
  owner: "SRE",
  hypothesis: "the fault is undone however the run dies",
  duration: "60s",${load}
  timeline: [{ at: "300ms", inject: ${inject[kind]} }],
});
`;
}

function configFile(dir: string): string {
  const file = join(dir, "kill.config.ts");
  writeFileSync(
    file,
    `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "local",
  toxiproxy: { api: "127.0.0.1:${toxiPort}" },
  proxies: [
    { kind: "toxiproxy", name: "up", listen: "127.0.0.1:0", upstream: "127.0.0.1:${upstreamPort}" },
    { kind: "http", name: "front", listen: "127.0.0.1:${proxyPort}", upstream: "http://127.0.0.1:${upstreamPort}" },
  ],
  services: [{ name: "flags", url: "http://127.0.0.1:${flagsPort}", health: "/flags" }],
  redis: [{ name: "cache", url: "redis://127.0.0.1:${redisPort}" }],
  processes: [{ name: "victim", command: ["${process.execPath}", "-e", "setInterval(() => {}, 1000)"] }],
  receiver: { listen: "127.0.0.1:0" },
});
`,
  );
  return file;
}

function journalOf(runDir: string): Array<{
  type: string;
  faultId?: string;
  previous?: unknown;
  detail?: Record<string, unknown>;
  reason?: string;
  after?: string;
  active?: boolean | null;
}> {
  return readFileSync(join(runDir, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function faultsLeft(kind: Kind, runDir: string): Promise<string[]> {
  switch (kind) {
    case "process-kill": {
      // The fault is the victim being down: its pid at apply time gone, not yet restarted.
      const applied = journalOf(runDir).find((e) => e.type === "fault.applied");
      const pid = (applied?.previous as { pid?: number } | undefined)?.pid;
      return pid !== undefined && !alive(pid) ? [`victim ${pid} killed`] : [];
    }
    case "toxiproxy":
    case "toxiproxy-down": {
      const res = await fetch(`http://127.0.0.1:${toxiPort}/proxies`);
      const proxies = (await res.json()) as Record<
        string,
        { toxics: Array<{ name: string }>; enabled: boolean }
      >;
      return Object.entries(proxies).flatMap(([n, p]) => [
        ...p.toxics.map((t) => `${n}:${t.name}`),
        ...(p.enabled ? [] : [`${n} disabled`]),
      ]);
    }
    case "http": {
      const res = await fetch(`http://127.0.0.1:${proxyPort}/__gameday/rules`);
      const rules = (await res.json()) as Array<{ tag: string }> | { rules: Array<{ tag: string }> };
      return (Array.isArray(rules) ? rules : rules.rules).map((r) => r.tag);
    }
    case "redis":
      return [];
    case "http-action":
      return flagState.large_model ? [] : ["large_model=false"];
    case "process": {
      const pids = JSON.parse(readFileSync(join(runDir, "env", "pids.json"), "utf8")) as Record<
        string,
        number
      >;
      const pid = pids.victim;
      if (pid === undefined) return [];
      const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, "utf8") : "";
      return /\) T /.test(stat) ? [`victim ${pid} stopped`] : [];
    }
  }
}

function startRun(kind: Kind): {
  child: ChildProcess;
  dir: string;
  reports: string;
  done: Promise<number | null>;
} {
  const dir = mkdtempSync(join(work, `${kind}-`));
  writeFileSync(join(dir, "scenario.ts"), scenarioFor(kind));
  const cfg = configFile(dir);
  const reports = join(dir, "reports");
  const run = spawnGameday(["run", join(dir, "scenario.ts"), "--config", cfg, "--out", reports, "--quiet"]);
  return { child: run.child, dir, reports, done: run.exited };
}

async function waitForApplied(reports: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const runs = existsSync(reports)
      ? spawnSync("ls", [reports]).stdout.toString().trim().split("\n").filter(Boolean)
      : [];
    const runDir = runs[0] ? join(reports, runs[0]) : undefined;
    if (
      runDir &&
      existsSync(join(runDir, "journal.jsonl")) &&
      readFileSync(join(runDir, "journal.jsonl"), "utf8").includes('"type":"fault.applied"')
    ) {
      return runDir;
    }
    await sleep(50);
  }
  throw new Error("the fault was never applied");
}

const kinds: Kind[] = [
  "toxiproxy",
  "toxiproxy-down",
  "http",
  "redis",
  "http-action",
  "process",
  "process-kill",
];

/** The live load engines whose parent is `ppid` (a run's gameday-load; zombies have exited). */
function loadEnginesOf(ppid: number): number[] {
  const found: number[] = [];
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const argv0 = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0")[0] ?? "";
      if (basename(argv0) !== LOAD_ENGINE_NAME) continue;
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const [state, parent] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(parent) === ppid && state !== "Z") found.push(Number(d));
    } catch {
      // exited while we looked
    }
  }
  return found;
}

/** Signals and exits land asynchronously: polls `check` until it holds or `ms` pass. */
async function eventually(check: () => Promise<boolean>, ms = 2_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await sleep(25);
  }
  return true;
}
const deaths = ["SIGINT", "SIGTERM", "SIGKILL"] as const;

describe("kill matrix: no fault survives its run", () => {
  for (const kind of kinds) {
    for (const death of deaths) {
      it(`${kind} × ${death}${death === "SIGKILL" ? " + gameday cleanup" : ""}`, async () => {
        if (kind === "redis") {
          const r = new Redis(redisPort, "127.0.0.1");
          await r.mset("k:1", "a", "k:2", "b", "other", "c");
          r.disconnect();
        }
        const run = startRun(kind);
        const runDir = await waitForApplied(run.reports);
        if (kind !== "redis")
          expect(await eventually(async () => (await faultsLeft(kind, runDir)).length > 0)).toBe(true);
        // The run's load engine, found while the run is alive (its parent is the run).
        let engines: number[] = [];
        if (kind === "http") {
          expect(
            await eventually(async () => {
              engines = loadEnginesOf(run.child.pid!);
              return engines.length > 0;
            }, 10_000),
            "the run's gameday-load is running",
          ).toBe(true);
          expect(engines).toHaveLength(1);
        }
        run.child.kill(death);
        const code = await run.done;
        if (death === "SIGKILL") {
          // Nobody stops it: the kernel's parent-death signal does, within moments of the kill.
          expect(await eventually(async () => engines.every((pid) => !alive(pid)))).toBe(true);
        } else {
          // The harness stops its load engine before it exits.
          expect(engines.filter((pid) => alive(pid))).toEqual([]);
        }
        if (death === "SIGKILL") {
          // SIGKILL gives the harness no chance: the fault is still there until cleanup.
          if (kind !== "redis") expect(await faultsLeft(kind, runDir)).not.toEqual([]);
          const runId = runDir.split("/").at(-1)!;
          // Async: the flags service lives in this test process and must keep answering meanwhile.
          const cleanup = await spawnGameday(["cleanup", "--run", runId, "--out", run.reports]).ended;
          expect(cleanup.code, cleanup.output).toBe(0);
          expect(cleanup.output).toMatch(/cleaned up 1 run/);
        } else {
          expect(code).toBe(130);
          const journal = readFileSync(join(runDir, "journal.jsonl"), "utf8");
          expect(journal).toContain('"type":"fault.reverted"');
          expect(journal).toContain('"interrupted":true');
        }
        if (kind === "process-kill") {
          const entries = journalOf(runDir);
          const reverted = entries.find((e) => e.type === "fault.reverted");
          if (death === "SIGKILL") {
            // The environment is gone with the run; cleanup records the fault closed, no restart.
            expect(reverted?.reason).toBe("cleanup");
          } else {
            // Reverted by a restart before the environment was torn down, confirmed by read-back;
            // the restarted victim was stopped with the environment, not orphaned.
            const before = (
              entries.find((e) => e.type === "fault.applied")?.previous as { pid?: number } | undefined
            )?.pid;
            expect(reverted?.detail?.restarted).toBe("victim");
            const after = Number(reverted?.detail?.pid);
            expect(before).toBeGreaterThan(0);
            expect(after).toBeGreaterThan(0);
            expect(after).not.toBe(before);
            expect(entries.find((e) => e.type === "fault.readback" && e.after === "revert")?.active).toBe(
              false,
            );
            expect(alive(after)).toBe(false);
          }
        } else expect(await faultsLeft(kind, runDir)).toEqual([]);
        if (kind === "redis") {
          const r = new Redis(redisPort, "127.0.0.1");
          expect(await r.exists("k:1", "k:2")).toBe(0);
          expect(await r.get("other")).toBe("c");
          r.disconnect();
        }
        // Nothing the run started is left running either.
        if (existsSync(join(runDir, "env", "pids.json"))) {
          const pids = JSON.parse(readFileSync(join(runDir, "env", "pids.json"), "utf8")) as Record<
            string,
            number
          >;
          for (const pid of Object.values(pids))
            expect(
              existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, "utf8")),
            ).toBe(false);
        }
      }, 60_000);
    }
  }
});
