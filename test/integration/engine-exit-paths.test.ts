// Faults are reverted on the exit paths of a real run that are not signals (the kill matrix covers
// those): an error thrown inside a scenario, and a stopIf condition aborting it. Real engine, real
// toxiproxy-server, real HTTP fault proxy, the real built-in load engine (gameday-load).
import { readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf, JournalEntry } from "../../src/engine/journal-events.ts";
import { alive } from "../../src/env/process.ts";
import { failureClassifier } from "../../src/engine/failures.ts";
import { evaluateStop } from "../../src/evaluate/stop.ts";
import { listRules } from "../../src/faults/http-proxy/client.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";
import { LOAD_ENGINE_NAME } from "../../src/load/engine-bin.ts";
import { SampleStore, type Tags } from "../../src/measure/samples.ts";
import type { LoadResponse } from "../../src/scenario/schema.ts";
import { baseScenario, runInProcess } from "./engine-harness.ts";
import { logDir, serve, startToxiproxy, type TestServer } from "./faults-targets.ts";
import { type ChatServer, startChatServer } from "./load-chat-server.ts";

let chat: ChatServer;
let toxi: Awaited<ReturnType<typeof startToxiproxy>>;
let proxy: HttpFaultProxy;
let control: TestServer;

beforeAll(async () => {
  chat = await startChatServer();
  toxi = await startToxiproxy(logDir());
  proxy = await startHttpFaultProxy({ host: "127.0.0.1", port: 0, upstream: chat.url });
  // A control service whose change endpoint fails: the error a scenario hits mid-run.
  control = await serve((req, res) => {
    req.resume();
    req.on("end", () => {
      res.statusCode = req.url === "/boom" ? 500 : 200;
      res.end(req.url === "/boom" ? "internal error" : "{}");
    });
  });
}, 30_000);

afterAll(async () => {
  await proxy?.close();
  await toxi?.proc.stop();
  await control?.close();
  await chat?.close();
});

const isFailure = failureClassifier(["5xx", "429", "network"]);

function one<T extends JournalEntry["type"]>(
  entries: JournalEntry[],
  type: T,
  pred: (e: EventOf<T>) => boolean = () => true,
): EventOf<T> {
  const found = entries.filter((e): e is EventOf<T> => e.type === type && pred(e as EventOf<T>));
  expect(found, `one ${type} in the journal`).toHaveLength(1);
  return found[0]!;
}

async function toxicsLeft(): Promise<string[]> {
  const proxies = (await (await fetch(`http://${toxi.api}/proxies`)).json()) as Record<
    string,
    { toxics: Array<{ name: string }>; enabled: boolean }
  >;
  return Object.entries(proxies).flatMap(([n, p]) => [
    ...p.toxics.map((t) => `${n}:${t.name}`),
    ...(p.enabled ? [] : [`${n} disabled`]),
  ]);
}

/**
 * Live load engines this test process started: a `gameday-load` command line whose parent is this
 * process (the engine runs in this process's run; other runs on the machine have their own parent).
 * A zombie is not live: it has exited and only waits to be reaped.
 */
function loadEngines(): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        const argv0 = readFileSync(`/proc/${d}/cmdline`, "utf8").split("\0")[0] ?? "";
        if (basename(argv0) !== LOAD_ENGINE_NAME) return false;
        const stat = readFileSync(`/proc/${d}/stat`, "utf8");
        const [state, ppid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return Number(ppid) === process.pid && state !== "Z";
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe("exit paths of a real run", () => {
  it("an error thrown inside a scenario reverts the faults already applied and ends it at once", async () => {
    const run = await runInProcess({
      config: {
        toxiproxy: { api: toxi.api },
        proxies: [
          { kind: "toxiproxy", name: "db", listen: "127.0.0.1:0", upstream: chat.url.replace("http://", "") },
        ],
        services: [{ name: "control", url: control.url }],
      },
      scenario: {
        ...baseScenario,
        duration: "20s",
        timeline: [
          {
            at: "100ms",
            inject: {
              kind: "toxiproxy",
              target: "db",
              toxic: "latency",
              attributes: { latency: 100 },
              duration: "15s",
            },
          },
          {
            at: "600ms",
            inject: {
              kind: "http-action",
              target: "control",
              apply: { method: "PUT", path: "/boom", body: { on: true } },
            },
          },
        ],
      },
    });
    const { entries } = run;
    expect(run.result.verdict).toBe("ERROR");
    expect(run.exitCode).toBe(3);
    expect(run.result.scenarios[0]!.errors.join("\n")).toMatch(/PUT .*\/boom answered 500/);
    one(entries, "fault.applied", (e) => e.faultId === "f01");
    expect(one(entries, "fault.reverted", (e) => e.faultId === "f01").reason).toBe("scenario end");
    expect(one(entries, "fault.readback", (e) => e.faultId === "f01" && e.after === "revert").active).toBe(
      false,
    );
    const start = one(entries, "scenario.start");
    const end = one(entries, "scenario.end");
    expect(end.t - start.t).toBeLessThan(5_000);
    expect(await toxicsLeft()).toEqual([]);
  }, 30_000);

  it("a stopIf condition aborts the run within a second of holding, stops the load engine and reverts", async () => {
    const window = 1_000;
    const answeredBefore = chat.served.byStatus[200] ?? 0;
    // Every response as the engine reported it, to find when the condition first held.
    const responses: Array<{ end: number; status: number }> = [];
    // The engines of this run, seen while it goes (the engine exits with the load, so look early).
    const engines = new Set<number>();
    const watch = setInterval(() => {
      for (const pid of loadEngines()) engines.add(pid);
    }, 20);
    let run: Awaited<ReturnType<typeof runInProcess>>;
    try {
      run = await runInProcess({
        config: {
          proxies: [
            { kind: "http", name: "llm", listen: proxy.url.replace("http://", ""), upstream: chat.url },
          ],
          services: [{ name: "copilot", url: chat.url }],
        },
        scenario: {
          ...baseScenario,
          duration: "30s",
          load: {
            kind: "http",
            target: "llm",
            rate: 40,
            duration: "30s",
            request: { method: "POST", path: "/v1/chat", body: { prompt: "Why is p95 up?", user: "u1" } },
            record: (res: LoadResponse) => {
              responses.push({ end: res.startedAt + res.latencyMs, status: res.status });
            },
          },
          timeline: [{ at: "2s", inject: { kind: "http", target: "llm", status: 503, duration: "25s" } }],
          stopIf: { errorRate: { above: 0.5, for: `${window}ms` } },
        },
      });
    } finally {
      clearInterval(watch);
    }
    const { entries } = run;
    const scenario = run.result.scenarios[0]!;
    expect(scenario.stopped, run.progress.join("\n")).toMatch(
      /^error rate .* > 50\.0% over the last 1000 ms/,
    );
    const applied = one(entries, "fault.applied");
    const stop = one(entries, "stop");
    // Every request fails from t_inject on, so the condition holds at the latest one window later.
    expect(stop.t).toBeGreaterThan(applied.t);
    expect(stop.t - applied.t).toBeLessThanOrEqual(window + 1_000);
    // When it first held, by every response the engine reported (5 ms steps): the run stopped
    // within a second of that. The monitor sees a response a flush (50 ms) after it ends, so it may
    // fire a little before the complete record says the condition holds, never much before.
    const store = new SampleStore();
    for (const r of responses) store.add("http_req_duration", r.end, 1, { status: String(r.status) });
    const check = {
      stopIf: { errorRate: { above: 0.5, for: window } },
      store,
      failed: (t: Tags) => isFailure(Number(t.status)),
    };
    let heldAt: number | undefined;
    for (let t = applied.t; t <= stop.t + 1_000 && heldAt === undefined; t += 5)
      if (evaluateStop(check, t)) heldAt = t;
    expect(heldAt, "the stop condition held by the responses").toBeDefined();
    expect(stop.t - heldAt!).toBeLessThanOrEqual(1_000);
    expect(heldAt! - stop.t).toBeLessThanOrEqual(500);
    console.log(
      `stop condition: held ${heldAt! - applied.t} ms after t_inject, run stopped ${stop.t - heldAt!} ms later`,
    );
    const reverted = one(entries, "fault.reverted");
    expect(reverted.reason).toBe("stop condition");
    expect(reverted.t - stop.t).toBeLessThan(1_000);
    expect(await listRules(proxy.url)).toEqual([]);
    // The load really ran on the built-in engine: answered before the fault, 503 after it.
    expect(one(entries, "load.start").command[0]).toBe(LOAD_ENGINE_NAME);
    expect((chat.served.byStatus[200] ?? 0) - answeredBefore).toBeGreaterThan(40);
    expect(engines.size, "a gameday-load process of this run was seen").toBeGreaterThan(0);
    // The engine was stopped with the scenario, long before its 30 s (SIGINT: it stops sending at
    // once and waits only for the requests in flight), and nothing of it is left running.
    const loadEnd = one(entries, "load.end");
    expect(loadEnd.t - stop.t).toBeLessThan(2_000);
    expect(loadEngines()).toEqual([]);
    expect([...engines].filter((pid) => alive(pid))).toEqual([]);
    const summary = JSON.parse(readFileSync(join(run.runDir, scenario.id, "load.summary.json"), "utf8")) as {
      aborted: boolean;
      planned: number;
      results: number;
    };
    expect(summary).toMatchObject({ aborted: true, planned: 1_200 });
    expect(summary.results).toBeLessThan(summary.planned / 2);
    expect(one(entries, "scenario.end").t - one(entries, "scenario.start").t).toBeLessThan(15_000);
  }, 60_000);
});
