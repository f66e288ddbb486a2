// Faults are reverted on the exit paths of a real run that are not signals (the kill matrix covers
// those): an error thrown inside a scenario, and a stopIf condition aborting it. Real engine, real
// toxiproxy-server, real HTTP fault proxy, real k6.
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EventOf, JournalEntry } from "../../src/engine/journal-events.ts";
import { listRules } from "../../src/faults/http-proxy/client.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";
import { resolveK6Bin } from "../../src/load/k6-runner.ts";
import { baseScenario, runInProcess } from "./engine-harness.ts";
import { logDir, serve, startToxiproxy, type TestServer } from "./faults-targets.ts";
import { type ChatServer, startChatServer } from "./load-chat-server.ts";

const CHAT = fileURLToPath(new URL("../../scenarios/load/chat.ts", import.meta.url));

let k6: string | undefined;
try {
  k6 = resolveK6Bin();
} catch (err) {
  console.log(`skipping the stop-condition run with load: ${(err as Error).message}`);
}

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

/** Processes whose command line mentions `text` (a k6 started for a run folder). */
function processesMentioning(text: string): number[] {
  return readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, "utf8").includes(text);
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

  it.skipIf(!k6)(
    "a stopIf condition aborts the run within a second of holding, stops k6 and reverts",
    async () => {
      const window = 1_000;
      const run = await runInProcess({
        config: {
          proxies: [
            { kind: "http", name: "llm", listen: proxy.url.replace("http://", ""), upstream: chat.url },
          ],
          services: [{ name: "copilot", url: chat.url }],
        },
        scenario: {
          ...baseScenario,
          duration: "30s",
          load: { kind: "k6", script: CHAT, rate: 40, duration: "30s", target: "llm" },
          timeline: [{ at: "2s", inject: { kind: "http", target: "llm", status: 503, duration: "25s" } }],
          stopIf: { errorRate: { above: 0.5, for: `${window}ms` } },
        },
      });
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
      const reverted = one(entries, "fault.reverted");
      expect(reverted.reason).toBe("stop condition");
      expect(reverted.t - stop.t).toBeLessThan(1_000);
      expect(await listRules(proxy.url)).toEqual([]);
      // k6 was stopped with the scenario, long before its 30 s, and nothing of it is left running.
      const loadEnd = one(entries, "load.end");
      expect(loadEnd.t - stop.t).toBeLessThan(5_000);
      expect(processesMentioning(run.runDir)).toEqual([]);
      expect(one(entries, "scenario.end").t - one(entries, "scenario.start").t).toBeLessThan(15_000);
    },
    60_000,
  );
});
