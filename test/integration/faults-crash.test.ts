// A run SIGKILLed with faults applied: cleanupRun, in this (another) process, undoes every one of
// them from the journal and the run tag, appends what it did to the journal, and leaves nothing on
// any target.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cleanupAll, cleanupRun } from "../../src/engine/cleanup.ts";
import { eventsOf, readJournal } from "../../src/engine/journal.ts";
import { freePort, type ManagedProcess, startOnFreePort } from "../../src/env/process.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";
import { ensureProxies } from "../../src/faults/toxiproxy.ts";
import { configSchema, type GamedayConfig } from "../../src/scenario/config.ts";
import {
  flagService,
  HOST,
  logDir,
  probe,
  redisBin,
  serve,
  startRedis,
  startToxiproxy,
  type TestServer,
  toxiproxyBin,
} from "./faults-targets.ts";

const missing = !toxiproxyBin
  ? "toxiproxy-server is not installed (make setup)"
  : !redisBin
    ? "redis-server is not installed"
    : undefined;
if (missing) console.warn(`skipping the crash cleanup test: ${missing}`);

interface ProxyJson {
  enabled: boolean;
  toxics: Array<{ name: string }>;
}

describe.skipIf(missing !== undefined)("cleanup after a SIGKILLed run", () => {
  const dir = logDir();
  let toxi: Awaited<ReturnType<typeof startToxiproxy>>;
  let redis: Awaited<ReturnType<typeof startRedis>>;
  let upstream: TestServer;
  let proxy: HttpFaultProxy;
  let flags: Awaited<ReturnType<typeof flagService>>;
  let web: ManagedProcess;
  let webUrl: string;
  let config: GamedayConfig;

  beforeAll(async () => {
    [toxi, redis, upstream, flags] = await Promise.all([
      startToxiproxy(dir),
      startRedis(dir),
      serve((_q, s) => s.end("ok")),
      flagService({ failover: true }),
    ]);
    proxy = await startHttpFaultProxy({ upstream: upstream.url });
    const webProc = await startOnFreePort((webPort) => ({
      name: "web",
      command: process.execPath,
      args: ["-e", `require("node:http").createServer((q, s) => s.end("up")).listen(${webPort}, "${HOST}")`],
      logDir: dir,
      ready: { http: `http://${HOST}:${webPort}/` },
    }));
    web = webProc.process;
    webUrl = `http://${HOST}:${webProc.port}/`;
    config = configSchema.parse({
      toxiproxy: { api: toxi.api },
      proxies: [
        {
          kind: "toxiproxy",
          name: "svc",
          listen: `${HOST}:${await freePort()}`,
          upstream: `${HOST}:${upstream.port}`,
        },
        {
          kind: "toxiproxy",
          name: "svc2",
          listen: `${HOST}:${await freePort()}`,
          upstream: `${HOST}:${upstream.port}`,
        },
        { kind: "http", name: "llm", listen: `${HOST}:${proxy.port}`, upstream: upstream.url },
      ],
      services: [{ name: "control", url: flags.url }],
      redis: [{ name: "cache", url: redis.url }],
    });
    await ensureProxies(toxi.api, config.proxies);
  });

  afterAll(async () => {
    await web?.stop();
    await proxy?.close();
    await Promise.all([upstream?.close(), flags?.close(), toxi?.proc.stop(), redis?.proc.stop()]);
  });

  it("undoes every fault of every kind and leaves no tagged leftover", async () => {
    const runId = "20261123T085500Z-c4a5";
    const journalPath = join(dir, runId, "journal.jsonl");
    const r = new Redis(redis.url);
    await r.set("k", "v");
    r.disconnect();

    const child = spawn(process.execPath, [join(import.meta.dirname, "faults-crash-child.ts")], {
      env: {
        ...process.env,
        GAMEDAY_CRASH_INPUT: JSON.stringify({ config, journal: journalPath, runId, pids: { web: web.pid } }),
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    const exited = new Promise<NodeJS.Signals | null>((res) => child.once("exit", (_code, sig) => res(sig)));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", (c: Buffer) => c.toString().includes("applied") && resolve());
      child.once("exit", (code) => reject(new Error(`child exited (${code}) before applying: ${stderr}`)));
    });

    // Every fault is really in place before the kill.
    const toxic = async (name: string) =>
      (await fetch(`http://${toxi.api}/proxies/${name}`)).json() as Promise<ProxyJson>;
    expect((await toxic("svc")).toxics).toHaveLength(1);
    expect((await toxic("svc2")).enabled).toBe(false);
    expect(proxy.rules.size).toBe(2);
    expect(flags.flags.failover).toBe(false);
    expect(await probe(webUrl, 300)).toBe("timeout");

    child.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");

    const report = await cleanupRun(journalPath, { config });
    expect(report.failed, report.lines.join("\n")).toBe(0);
    expect(report.items.filter((i) => i.how === "journal").map((i) => i.faultId)).toEqual([
      "f07",
      "f06",
      "f05",
      "f04",
      "f03",
      "f02",
      "f01",
    ]);
    expect(report.items.filter((i) => i.how === "tag").map((i) => i.detail)).toEqual([
      `removed gameday-${runId}-f99`,
    ]);
    expect(report.lines.join("\n")).toMatch(/damaged line/);

    for (const name of ["svc", "svc2"]) {
      const p = await toxic(name);
      expect(p.enabled, name).toBe(true);
      expect(p.toxics, name).toEqual([]);
    }
    expect(proxy.rules.list()).toEqual([]);
    expect(flags.flags).toEqual({ failover: true });
    expect(await probe(webUrl)).toBe(200);

    const { entries } = readJournal(journalPath);
    const reverted = eventsOf(entries, "fault.reverted");
    expect(reverted.map((e) => e.faultId).sort()).toEqual(["f01", "f02", "f03", "f04", "f05", "f06", "f07"]);
    expect(reverted.every((e) => e.reason === "cleanup")).toBe(true);

    // A second cleanup finds nothing; neither does a scan for any gameday tag.
    const again = await cleanupRun(journalPath, { config });
    expect(again.items).toEqual([]);
    expect((await cleanupAll({ config })).items).toEqual([]);
  });
});
