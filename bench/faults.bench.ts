// Fault drivers and the HTTP fault proxy.
// 1. Apply latency per driver (apply call returned = t_inject), p50/p99 over repeated apply/revert
//    cycles against real targets: Toxiproxy p99 ≤ 20 ms, HTTP-proxy rule p99 ≤ 5 ms.
// 2. The HTTP fault proxy with no rule vs a direct connection vs Toxiproxy (no toxic), in front of
//    the same loopback upstream, driven by wrk in alternating rounds: added p50 at one connection
//    (≤ 0.3 ms; measured unloaded so queueing does not hide the proxy's own cost) and throughput at
//    16 connections relative to direct (≥ 0.7). Upstream and proxy each run in their own process,
//    as in a real stack, so none shares an event loop with wrk's target.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, startOnFreePort, tcpReady } from "../src/env/process.ts";
import type { FaultDriver, FaultRef } from "../src/faults/driver.ts";
import { createDrivers } from "../src/faults/index.ts";
import { ensureProxies } from "../src/faults/toxiproxy.ts";
import { configSchema } from "../src/scenario/config.ts";
import { type FaultSpec, faultSpec } from "../src/scenario/schema.ts";
import type { BenchContext, BenchRecord } from "./types.ts";

const HOST = "127.0.0.1";
const run = promisify(execFile);

function bin(name: string): string {
  const local = resolve(".tools/bin", name);
  return existsSync(local) ? local : name;
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A node process running `code` (ESM); resolves once `port` accepts connections. */
async function nodeChild(code: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", code], {
    stdio: ["ignore", "ignore", "inherit"],
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await tcpReady(HOST, port);
      return child;
    } catch (err) {
      if (Date.now() > deadline || child.exitCode !== null) {
        child.kill("SIGKILL");
        throw new Error(`bench child on port ${port} did not start: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((r) => {
    child.once("exit", () => r());
    child.kill("SIGTERM");
  });
}

interface WrkResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "s" ? v * 1000 : v;
}

async function wrk(url: string, connections: number, seconds: number): Promise<WrkResult> {
  const { stdout } = await run("wrk", ["-t1", `-c${connections}`, `-d${seconds}s`, "--latency", url], {
    timeout: (seconds + 20) * 1000,
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  if (!rps || !p50 || !p99) throw new Error(`could not read wrk output:\n${stdout}`);
  if (/Non-2xx|Socket errors/.test(stdout)) throw new Error(`wrk saw errors against ${url}:\n${stdout}`);
  return { rps: Number(rps[1]), p50Ms: toMs(p50[1]!, p50[2]!), p99Ms: toMs(p99[1]!, p99[2]!) };
}

async function timeApplies(
  label: string,
  n: number,
  driver: FaultDriver,
  spec: FaultSpec,
  between?: () => Promise<void>,
): Promise<{ p50: number; p99: number; n: number; label: string }> {
  const times: number[] = [];
  // A few uncounted cycles first: connections and JIT warm, as they are after a run's setup.
  for (let i = -5; i < n; i++) {
    const ref: FaultRef = { faultId: `b${i}`, tag: `gameday-bench-b${i}` };
    if (between) await between();
    const t0 = performance.now();
    const applied = await driver.apply(spec, ref);
    if (i >= 0) times.push(performance.now() - t0);
    await driver.revert(spec, ref, applied.previous);
  }
  times.sort((a, b) => a - b);
  return { p50: pct(times, 50), p99: pct(times, 99), n, label };
}

export default async function faultsBench(ctx: BenchContext): Promise<BenchRecord[]> {
  const records: BenchRecord[] = [];
  const started: Array<() => Promise<void>> = [];
  try {
    // ---- targets ----------------------------------------------------------------------------------
    const upstreamPort = await freePort();
    const upstream = await nodeChild(
      `import { createServer } from "node:http";
       const body = Buffer.from("ok\\n");
       const s = createServer((q, r) => { r.writeHead(200, { "content-type": "text/plain", "content-length": body.length }); r.end(body); });
       s.keepAliveTimeout = 60000; s.listen(${upstreamPort}, "${HOST}");`,
      upstreamPort,
    );
    started.push(() => stopChild(upstream));

    const proxyPort = await freePort();
    const serverUrl = new URL("../src/faults/http-proxy/server.ts", import.meta.url).href;
    const proxy = await nodeChild(
      `import { startHttpFaultProxy } from ${JSON.stringify(serverUrl)};
       await startHttpFaultProxy({ port: ${proxyPort}, upstream: "http://${HOST}:${upstreamPort}" });`,
      proxyPort,
    );
    started.push(() => stopChild(proxy));

    const { process: toxi, port: toxiPort } = await startOnFreePort((port) => ({
      name: "toxiproxy-bench",
      command: bin("toxiproxy-server"),
      args: ["-host", HOST, "-port", String(port)],
      logDir: ctx.workDir,
      ready: { http: `http://${HOST}:${port}/version` },
    }));
    started.push(() => toxi.stop());

    const { process: redis, port: redisPort } = await startOnFreePort((port) => ({
      name: "redis-bench",
      command: bin("redis-server"),
      args: ["--bind", HOST, "--port", String(port), "--save", "", "--appendonly", "no"],
      logDir: ctx.workDir,
      ready: { tcp: { host: HOST, port } },
    }));
    started.push(() => redis.stop());

    let flag = { on: true };
    const flags = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        if (req.method !== "GET")
          flag = { ...flag, ...(JSON.parse(Buffer.concat(chunks).toString()) as { on: boolean }) };
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(flag));
      });
    });
    await new Promise<void>((r) => flags.listen(0, HOST, r));
    started.push(
      () =>
        new Promise((r) => {
          flags.closeAllConnections();
          flags.close(() => r());
        }),
    );

    const sleeper = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
      stdio: "ignore",
      detached: true,
    });
    started.push(() => stopChild(sleeper));

    const toxiListen = `${HOST}:${await freePort()}`;
    const config = configSchema.parse({
      toxiproxy: { api: `${HOST}:${toxiPort}` },
      proxies: [
        { kind: "toxiproxy", name: "up", listen: toxiListen, upstream: `${HOST}:${upstreamPort}` },
        {
          kind: "http",
          name: "hp",
          listen: `${HOST}:${proxyPort}`,
          upstream: `http://${HOST}:${upstreamPort}`,
        },
      ],
      services: [{ name: "flags", url: `http://${HOST}:${(flags.address() as AddressInfo).port}` }],
      redis: [{ name: "cache", url: `redis://${HOST}:${redisPort}` }],
    });
    await ensureProxies(config.toxiproxy!.api, config.proxies);
    const drivers = createDrivers({
      config,
      processes: { pid: (n) => (n === "sleeper" ? sleeper.pid : undefined), restart: async () => {} },
    });

    // ---- apply latency per driver -----------------------------------------------------------------
    const n = Math.max(20, Math.round(200 * ctx.scale));
    const fs = (x: unknown) => faultSpec.parse(x);
    const redisClient = new Redis(config.redis[0]!.url);
    started.push(async () => redisClient.disconnect());
    const applies = [
      await timeApplies(
        "toxiproxy",
        n,
        drivers.toxiproxy as FaultDriver,
        fs({
          kind: "toxiproxy",
          target: "up",
          toxic: "latency",
          attributes: { latency: 100 },
          duration: "1m",
        }),
      ),
      await timeApplies(
        "toxiproxy-down",
        Math.ceil(n / 4),
        drivers.toxiproxy as FaultDriver,
        fs({ kind: "toxiproxy", target: "up", toxic: "down", duration: "1m" }),
      ),
      await timeApplies(
        "http-proxy",
        n,
        drivers.http as FaultDriver,
        fs({ kind: "http", target: "hp", status: 502, duration: "1m" }),
      ),
      await timeApplies(
        "redis",
        Math.ceil(n / 4),
        drivers.redis as FaultDriver,
        fs({ kind: "redis", target: "cache", purge: { pattern: "emb:*" } }),
        async () => {
          const pipe = redisClient.pipeline();
          for (let i = 0; i < 1000; i++) pipe.set(`emb:${i}`, "v");
          await pipe.exec();
        },
      ),
      await timeApplies(
        "http-action",
        Math.ceil(n / 2),
        drivers["http-action"] as FaultDriver,
        fs({
          kind: "http-action",
          target: "flags",
          apply: { method: "PUT", path: "/flags", body: { on: false } },
          read: { path: "/flags" },
        }),
      ),
      await timeApplies(
        "process",
        Math.ceil(n / 4),
        drivers.process as FaultDriver,
        fs({ kind: "process", target: "sleeper", signal: "SIGSTOP", duration: "1m" }),
      ),
    ];
    const targets: Record<string, number> = { toxiproxy: 20, "http-proxy": 5 };
    for (const a of applies) {
      ctx.log(`${a.label}: ${a.n} applies, p50 ${a.p50.toFixed(2)} ms, p99 ${a.p99.toFixed(2)} ms`);
      records.push({
        name: `faults.apply.${a.label}.p50_ms`,
        value: a.p50,
        unit: "ms",
        note: `${a.n} applies`,
      });
      const t = targets[a.label];
      records.push({
        name: `faults.apply.${a.label}.p99_ms`,
        value: a.p99,
        unit: "ms",
        ...(t === undefined ? {} : { target: `<= ${t}`, ok: a.p99 <= t }),
        note:
          a.label === "redis"
            ? "SCAN+UNLINK of 1000 keys, includes connect"
            : a.label === "http-action"
              ? "GET read + PUT"
              : undefined,
      });
    }

    // ---- proxy overhead ---------------------------------------------------------------------------
    // A bare Node pipe proxy (no rules, no control API) shows the platform's ceiling on this machine,
    // so the HTTP fault proxy's own cost is separable from "one more process on two cores". A second
    // upstream with a 1 ms service time stands in for a provider, where proxy cost should vanish.
    const barePort = await freePort();
    const bare = await nodeChild(
      `import { Agent, createServer, request } from "node:http";
       const agent = new Agent({ keepAlive: true, maxSockets: 512 });
       createServer((req, res) => {
         const up = request({ host: "${HOST}", port: ${upstreamPort}, method: req.method, path: req.url, headers: req.headers, agent },
           (r) => { res.writeHead(r.statusCode, r.rawHeaders); r.pipe(res); });
         req.pipe(up);
       }).listen(${barePort}, "${HOST}");`,
      barePort,
    );
    started.push(() => stopChild(bare));
    const slowPort = await freePort();
    const slow = await nodeChild(
      `import { createServer } from "node:http";
       const s = createServer((q, r) => setTimeout(() => r.end("ok\\n"), 1));
       s.keepAliveTimeout = 60000; s.listen(${slowPort}, "${HOST}");`,
      slowPort,
    );
    started.push(() => stopChild(slow));
    const slowProxyPort = await freePort();
    const slowProxy = await nodeChild(
      `import { startHttpFaultProxy } from ${JSON.stringify(serverUrl)};
       await startHttpFaultProxy({ port: ${slowProxyPort}, upstream: "http://${HOST}:${slowPort}" });`,
      slowProxyPort,
    );
    started.push(() => stopChild(slowProxy));

    const urls = {
      direct: `http://${HOST}:${upstreamPort}/`,
      proxy: `http://${HOST}:${proxyPort}/`,
      toxiproxy: `http://${toxiListen}/`,
      bare: `http://${HOST}:${barePort}/`,
      slowDirect: `http://${HOST}:${slowPort}/`,
      slowProxy: `http://${HOST}:${slowProxyPort}/`,
    };
    type Side = keyof typeof urls;
    const withLatency: Side[] = ["direct", "proxy", "toxiproxy"];
    const latSec = Math.max(1, Math.round(2 * ctx.scale));
    const thrSec = Math.max(1, Math.round(2 * ctx.scale));
    const rounds = ctx.scale >= 1 ? 2 : 1;
    const lat = Object.fromEntries(Object.keys(urls).map((k) => [k, [] as number[]])) as Record<
      Side,
      number[]
    >;
    const thr = Object.fromEntries(Object.keys(urls).map((k) => [k, [] as number[]])) as Record<
      Side,
      number[]
    >;
    for (const u of Object.values(urls)) await wrk(u, 4, 1); // warm-up: connections, JIT
    for (let r = 0; r < rounds; r++) {
      for (const k of Object.keys(urls) as Side[]) {
        const one = withLatency.includes(k) ? await wrk(urls[k], 1, latSec) : undefined;
        const many = await wrk(urls[k], 16, thrSec);
        if (one) lat[k].push(one.p50Ms);
        thr[k].push(many.rps);
        ctx.log(
          `round ${r + 1} ${k}: ${one ? `p50 ${one.p50Ms.toFixed(3)} ms at 1 conn; ` : ""}${Math.round(many.rps)} req/s at 16 conns (p50 ${many.p50Ms.toFixed(3)} ms)`,
        );
      }
    }
    const p50 = (k: Side) => median(lat[k]);
    const rps = (k: Side) => median(thr[k]);
    const added = p50("proxy") - p50("direct");
    const ratio = rps("proxy") / rps("direct");
    const slowRatio = rps("slowProxy") / rps("slowDirect");
    records.push(
      {
        name: "http-proxy.added_p50_ms",
        value: added,
        unit: "ms",
        target: "<= 0.3",
        ok: added <= 0.3,
        note: `wrk -c1: direct ${p50("direct").toFixed(3)}, proxy ${p50("proxy").toFixed(3)} ms`,
      },
      {
        name: "http-proxy.throughput_ratio",
        value: ratio,
        unit: "ratio",
        target: ">= 0.7",
        ok: ratio >= 0.7,
        note: `zero-work upstream, wrk -c16: ${Math.round(rps("proxy"))} vs ${Math.round(rps("direct"))} req/s direct; CPU-bound (wrk + upstream + proxy on ${cpus().length} cores)`,
      },
      {
        name: "http-proxy.vs_bare_node_proxy",
        value: rps("proxy") / rps("bare"),
        unit: "ratio",
        target: ">= 0.9",
        ok: rps("proxy") / rps("bare") >= 0.9,
        note: `bare Node pipe proxy ${Math.round(rps("bare"))} req/s = ${(rps("bare") / rps("direct")).toFixed(2)} of direct: the platform ceiling here`,
      },
      {
        name: "http-proxy.throughput_ratio_1ms_upstream",
        value: slowRatio,
        unit: "ratio",
        target: ">= 0.7",
        ok: slowRatio >= 0.7,
        note: `upstream with 1 ms service time: ${Math.round(rps("slowProxy"))} vs ${Math.round(rps("slowDirect"))} req/s direct`,
      },
      {
        name: "toxiproxy.added_p50_ms",
        value: p50("toxiproxy") - p50("direct"),
        unit: "ms",
        note: "no toxic, for comparison",
      },
      {
        name: "toxiproxy.throughput_ratio",
        value: rps("toxiproxy") / rps("direct"),
        unit: "ratio",
        note: `${Math.round(rps("toxiproxy"))} req/s, zero-work upstream`,
      },
      { name: "direct.rps", value: rps("direct"), unit: "req/s", note: "tiny node upstream, wrk -t1 -c16" },
    );
  } finally {
    for (const stop of started.reverse()) await stop().catch(() => {});
  }
  return records;
}
