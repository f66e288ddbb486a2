// `gameday env up` keeps the reference stack up between runs; `gameday run` uses that stack (no
// second one), undoes every fault it injected there, and leaves the stack running; `env down`
// leaves nothing running. The held stack outlives the run, so this is where the live Toxiproxy
// and HTTP-fault-proxy state can be read back after a run (the reference e2e's stack is gone).
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { alive, freePort } from "../../src/env/process.ts";
import { afterAll, describe, expect, it } from "vitest";
import { runFolders } from "../run-folders.ts";
import { runGameday, spawnGameday } from "../gameday-child.ts";

const root = resolve(import.meta.dirname, "../..");
// A folder of its own (state in <work>/.gameday, reports in <work>/reports) and a receiver port of
// its own, so runs of other tests or people on this machine cannot collide with this one.
const work = mkdtempSync(join(tmpdir(), "gameday-env-reuse-"));
const outDir = join(work, "reports");
const configFile = join(work, "gameday.config.ts");
afterAll(() => rmSync(work, { recursive: true, force: true }));

function gameday(...args: string[]) {
  return runGameday(args, { cwd: work, timeoutMs: 120_000 });
}

interface HeldConfig {
  services: Array<{ name: string; url: string }>;
  toxiproxy: { api: string };
  proxies: Array<{ kind: string; name: string; listen: string; token?: string }>;
}

async function getJson(url: string, token?: string): Promise<unknown> {
  const res = await fetch(url, {
    headers: token ? { authorization: `Bearer ${token}` } : {},
    signal: AbortSignal.timeout(2_000),
  });
  if (!res.ok) throw new Error(`GET ${url} answered ${res.status}`);
  return res.json();
}

/** What is injected on the held stack right now: live toxics, disabled proxies, HTTP-proxy rules. */
async function injected(cfg: HeldConfig): Promise<string[]> {
  const proxies = (await getJson(`http://${cfg.toxiproxy.api}/proxies`)) as Record<
    string,
    { enabled: boolean; toxics: Array<{ name: string }> }
  >;
  const left: string[] = [];
  for (const [name, p] of Object.entries(proxies)) {
    if (!p.enabled) left.push(`toxiproxy ${name}: disabled`);
    for (const t of p.toxics) left.push(`toxiproxy ${name}: toxic ${t.name}`);
  }
  for (const p of cfg.proxies.filter((x) => x.kind === "http")) {
    const rules = (await getJson(`http://${p.listen}/__gameday/rules`, p.token)) as Array<{ tag?: string }>;
    for (const r of rules) left.push(`http proxy ${p.name}: rule ${r.tag ?? "?"}`);
  }
  return left;
}

/** Every live process whose parent chain leads to `ancestor`, with its command line. */
function descendants(ancestor: number): Array<{ pid: number; cmd: string }> {
  const parent = new Map<number, number>();
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, "utf8");
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone while we looked
    }
  }
  const out: Array<{ pid: number; cmd: string }> = [];
  for (const pid of parent.keys()) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p !== ancestor) continue;
      try {
        out.push({ pid, cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ") });
      } catch {
        // gone
      }
      break;
    }
  }
  return out;
}

describe("gameday env up | run | status | down", () => {
  it("brings the reference stack up, runs scenarios on it without a second stack, leaves nothing injected, and stops every process", async () => {
    writeFileSync(
      configFile,
      `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "reference",
  autoAck: { after: "60s" },
  receiver: { listen: "127.0.0.1:${await freePort()}" },
});
`,
    );
    const up = gameday("env", "up");
    expect(up.code, up.output).toBe(0);
    expect(up.output).toMatch(/environment up:/);
    const state = JSON.parse(readFileSync(join(work, ".gameday", "env.json"), "utf8")) as {
      pid: number;
      config: HeldConfig;
    };
    const pidsFile = join(work, ".gameday", "env", "env", "pids.json");
    const pidsOf = () => JSON.parse(readFileSync(pidsFile, "utf8")) as Record<string, number>;
    const before = pidsOf();
    const pids = Object.values(before);
    try {
      expect(pids.length).toBeGreaterThanOrEqual(8);
      const copilot = state.config.services.find((s) => s.name === "copilot")!;
      const res = await fetch(`${copilot.url}/healthz`);
      expect(res.status).toBe(200);
      expect(gameday("env", "status").output).toMatch(/up since .* \(pid \d+, reference\)/);
      // A second `up` reuses what is running.
      expect(gameday("env", "up").output).toMatch(/already up/);
      const kindOf = new Map(state.config.proxies.map((p) => [p.name, p.kind]));
      expect(new Set(kindOf.values())).toEqual(new Set(["toxiproxy", "http"]));
      expect(await injected(state.config)).toEqual([]);

      // A run while the stack is up: it must start no environment of its own. One scenario
      // injects through Toxiproxy (vector-store latency), the other through an HTTP fault proxy
      // (embeddings 429s).
      const gamedayRun = spawnGameday(
        [
          "run",
          join(root, "scenarios/vector-latency-spike.ts"),
          join(root, "scenarios/embedding-throttle.ts"),
          "--profile",
          "ci",
          "--out",
          outDir,
        ],
        { cwd: work },
      );
      const run = gamedayRun.child;
      const children = new Set<string>();
      // Caught between fork and exec a child still has the run's own command line, and an exited
      // one (a zombie until reaped) has none: neither is a process the run started.
      const ownCmd = readFileSync(`/proc/${run.pid}/cmdline`, "utf8").split("\0").join(" ");
      const sampler = setInterval(() => {
        for (const d of descendants(run.pid!)) if (d.cmd !== "" && d.cmd !== ownCmd) children.add(d.cmd);
      }, 100);
      // What the live APIs showed mid-run: proof that the after-run reads look at the stack the
      // faults really went to, so their coming back empty means something.
      const seenLive = new Set<string>();
      let reading = false;
      const liveSampler = setInterval(() => {
        if (reading) return;
        reading = true;
        injected(state.config)
          .then((now) => {
            for (const l of now) seenLive.add(l.startsWith("toxiproxy") ? "toxiproxy" : "http");
          })
          .catch(() => {})
          .finally(() => {
            reading = false;
          });
      }, 250);
      const { code, output: out } = await gamedayRun.ended;
      clearInterval(sampler);
      clearInterval(liveSampler);
      expect(out).toMatch(/using the reference environment held by gameday env up/);
      expect(code, out).toBe(0);
      // Its only children are the built-in load engine (one gameday-load per scenario) and the
      // moment of git that reads the checkout's commit for the history; no server of a second stack.
      const servers = [...children].filter((c) =>
        /toxiproxy-server|prometheus|alertmanager|redis-server|ops-copilot/.test(c),
      );
      expect(servers, out).toEqual([]);
      expect([...children].length, out).toBeGreaterThan(0);
      expect(
        [...children].filter((c) => !/(^|\/)gameday-load -plan |^git (rev-parse|symbolic-ref) /.test(c)),
        [...children].join("\n"),
      ).toEqual([]);

      const [runId] = runFolders(outDir);
      const runDir = join(outDir, runId!);
      const resolved = JSON.parse(readFileSync(join(runDir, "env", "config.json"), "utf8")) as HeldConfig;
      // Same addresses as the held stack, and no process started under the run folder.
      expect(resolved.toxiproxy.api).toBe(state.config.toxiproxy.api);
      expect(resolved.services.find((s) => s.name === "copilot")?.url).toBe(copilot.url);
      expect(existsSync(join(runDir, "env", "pids.json"))).toBe(false);
      expect(existsSync(join(runDir, "logs"))).toBe(false);

      // Faults went in through both kinds of proxy, by the journal and by the live APIs...
      const journal = readFileSync(join(runDir, "journal.jsonl"), "utf8")
        .split("\n")
        .filter((l) => l.trim() !== "")
        .map((l) => JSON.parse(l) as { type: string; faultId?: string; target?: string });
      const targetOf = new Map(
        journal.filter((e) => e.type === "fault.registered").map((e) => [e.faultId, e.target]),
      );
      const appliedKinds = new Set(
        journal
          .filter((e) => e.type === "fault.applied")
          .map(
            (e) => kindOf.get(targetOf.get(e.faultId) ?? "") ?? `unknown target ${targetOf.get(e.faultId)}`,
          ),
      );
      expect(appliedKinds).toEqual(new Set(["toxiproxy", "http"]));
      expect(seenLive).toEqual(new Set(["toxiproxy", "http"]));
      // ...and after the run none is left on the stack that is still up.
      expect(await injected(state.config)).toEqual([]);

      // The stack outlives the run, with the same processes.
      expect(pidsOf()).toEqual(before);
      expect(pids.filter((p) => !alive(p))).toEqual([]);
      expect(alive(state.pid)).toBe(true);
      expect((await fetch(`${copilot.url}/healthz`)).status).toBe(200);
      expect(gameday("env", "status").output).toMatch(/up since/);
    } finally {
      const down = gameday("env", "down");
      expect(down.code, down.output).toBe(0);
    }
    expect(alive(state.pid)).toBe(false);
    expect(pids.filter(alive)).toEqual([]);
    expect(gameday("env", "status").output).toMatch(/no environment is up/);
  }, 240_000);
});
