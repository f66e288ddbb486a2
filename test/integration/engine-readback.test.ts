// Read-back verification against real targets: after apply the engine confirms the fault shows on
// the target (a toxic on a real toxiproxy-server, a rule on a real HTTP fault proxy), after revert
// that it is gone. A revert the target did not honour is an ERROR and stays open for cleanup.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupRun } from "../../src/engine/cleanup.ts";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import { listRules } from "../../src/faults/http-proxy/client.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";
import { configSchema } from "../../src/scenario/config.ts";
import { baseScenario, runInProcess } from "./engine-harness.ts";
import { logDir, serve, startToxiproxy, type TestServer } from "./faults-targets.ts";

let upstream: TestServer;
let toxi: Awaited<ReturnType<typeof startToxiproxy>>;
let proxy: HttpFaultProxy;
// A control plane that acknowledges rule removals without doing them, in front of the real proxy:
// the kind of silent failure read-back exists to catch.
let front: Server;
let frontAddr: string;
let lying = false;

beforeAll(async () => {
  upstream = await serve((_req, res) => res.end("ok"));
  toxi = await startToxiproxy(logDir());
  proxy = await startHttpFaultProxy({ host: "127.0.0.1", port: 0, upstream: upstream.url });
  front = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c;
    });
    req.on("end", async () => {
      if (lying && req.method === "DELETE") {
        res.setHeader("content-type", "application/json");
        return res.end(JSON.stringify({ removed: 1 }));
      }
      const answer = await fetch(`${proxy.url}${req.url}`, {
        method: req.method,
        headers: body ? { "content-type": "application/json" } : {},
        body: body || undefined,
      });
      res.statusCode = answer.status;
      res.setHeader("content-type", answer.headers.get("content-type") ?? "application/json");
      res.end(await answer.text());
    });
  });
  await new Promise<void>((r) => front.listen(0, "127.0.0.1", r));
  frontAddr = `127.0.0.1:${(front.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  front?.closeAllConnections();
  front?.close();
  await proxy?.close();
  await toxi?.proc.stop();
  await upstream?.close();
});

const readbacks = (entries: JournalEntry[]) =>
  entries.flatMap((e) =>
    e.type === "fault.readback" ? [{ faultId: e.faultId, after: e.after, active: e.active, ok: e.ok }] : [],
  );

describe("read-back after apply and after revert", () => {
  it("journals the toxic and the proxy rule as present after apply and gone after revert", async () => {
    const run = await runInProcess({
      config: {
        toxiproxy: { api: toxi.api },
        proxies: [
          {
            kind: "toxiproxy",
            name: "db",
            listen: "127.0.0.1:0",
            upstream: upstream.url.replace("http://", ""),
          },
          { kind: "http", name: "llm", listen: proxy.url.replace("http://", ""), upstream: upstream.url },
        ],
      },
      scenario: {
        ...baseScenario,
        duration: "1500ms",
        timeline: [
          {
            at: "100ms",
            inject: {
              kind: "toxiproxy",
              target: "db",
              toxic: "latency",
              attributes: { latency: 50 },
              duration: "600ms",
            },
          },
          { at: "100ms", inject: { kind: "http", target: "llm", status: 503, duration: "600ms" } },
        ],
      },
    });
    expect(run.result.verdict, run.progress.join("\n")).not.toBe("ERROR");
    expect(readbacks(run.entries)).toEqual(
      expect.arrayContaining([
        { faultId: "f01", after: "apply", active: true, ok: true },
        { faultId: "f02", after: "apply", active: true, ok: true },
        { faultId: "f01", after: "revert", active: false, ok: true },
        { faultId: "f02", after: "revert", active: false, ok: true },
      ]),
    );
    expect(readbacks(run.entries)).toHaveLength(4);
    // Each revert is journalled only after its read-back.
    for (const id of ["f01", "f02"]) {
      const rb = run.entries.find(
        (e) => e.type === "fault.readback" && e.faultId === id && e.after === "revert",
      )!;
      const rv = run.entries.find((e) => e.type === "fault.reverted" && e.faultId === id)!;
      expect(rb.seq).toBeLessThan(rv.seq);
    }
    expect(await listRules(proxy.url)).toEqual([]);
  }, 30_000);

  it("a revert the target did not honour is an ERROR, and the fault stays open for cleanup", async () => {
    lying = true;
    const config = {
      proxies: [{ kind: "http" as const, name: "llm", listen: frontAddr, upstream: upstream.url }],
    };
    let runDir = "";
    try {
      const run = await runInProcess({
        config,
        onStart: (i) => {
          runDir = i.runDir;
        },
        scenario: {
          ...baseScenario,
          duration: "1s",
          timeline: [
            { at: "100ms", inject: { kind: "http", target: "llm", status: 502, duration: "300ms" } },
          ],
        },
      });
      expect(run.result.verdict).toBe("ERROR");
      expect(run.exitCode).toBe(3);
      expect(readbacks(run.entries)).toContainEqual({
        faultId: "f01",
        after: "revert",
        active: true,
        ok: false,
      });
      expect(run.entries.some((e) => e.type === "fault.reverted")).toBe(false);
      const failed = run.entries.find((e) => e.type === "fault.revert_failed");
      expect(failed && "error" in failed ? failed.error : "").toMatch(
        /f01 \(http on llm\) was not reverted: still present on llm/,
      );
      expect(run.result.scenarios[0]!.errors.join("\n")).toMatch(/was not reverted/);
      expect((await listRules(proxy.url)).map((r) => r.tag)).toEqual([expect.stringMatching(/-f01$/)]);
    } finally {
      lying = false;
    }
    // `gameday cleanup` finds it open in the journal and removes it for real this time.
    const report = await cleanupRun(join(runDir, "journal.jsonl"), { config: configSchema.parse(config) });
    expect(report.failed).toBe(0);
    expect(report.lines).toContain("reverted f01: http on llm");
    expect(await listRules(proxy.url)).toEqual([]);
  }, 30_000);
});
