// Fault drivers and the HTTP fault proxy.
// 1. Apply latency per driver (apply call returned = t_inject), p50/p99 over repeated apply/revert
//    cycles against real targets: Toxiproxy p99 ≤ 20 ms, HTTP-proxy rule p99 ≤ 5 ms.
// 2. The HTTP fault proxy with no rule vs a direct connection and vs real peers in front of the same
//    loopback upstream — Toxiproxy (no toxic) and HAProxy (pass-through, when installed) — driven by
//    wrk in round-robin rounds whose order rotates: added p50 at one connection (≤ 0.3 ms; measured
//    unloaded so queueing does not hide the proxy's own cost) and throughput at 16 connections
//    relative to direct, judged against Toxiproxy's ratio in the same run (issue 13: a fixed 0.7 is
//    beyond any proxy on two shared cores). Upstream and proxies each run in their own process, as
//    in a real stack, so none shares an event loop with wrk's target.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";
import { freePort, startOnFreePort, tcpReady } from "../src/env/process.ts";
import type { FaultDriver, FaultRef } from "../src/faults/driver.ts";
import { addRule } from "../src/faults/http-proxy/client.ts";
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
  return benchChild(process.execPath, ["--input-type=module", "-e", code], port, "inherit");
}

/**
 * A child in the bench's own session; resolves once `port` accepts connections. The peers are
 * started this way, not with ManagedProcess (which starts a new session, as a provider must): with
 * the kernel's scheduler autogroups (sched_autogroup_enabled = 1 here) a process in a session of
 * its own is scheduled as a separate group, and Toxiproxy measured 25–40 % slower like that than in
 * wrk's session (2026-12-03). Every side of a comparison must be scheduled alike.
 */
async function benchChild(
  command: string,
  args: string[],
  port: number,
  stderr: "inherit" | { log: string },
): Promise<ChildProcess> {
  const fd = stderr === "inherit" ? undefined : openSync(stderr.log, "a");
  const child = spawn(command, args, { stdio: ["ignore", "ignore", fd ?? "inherit"] });
  if (fd !== undefined) closeSync(fd); // the child has its own copy
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
  requests: number;
  p50Ms: number;
  p99Ms: number;
}

/**
 * CPU seconds (user + system) a process has used, from /proc/<pid>/stat; undefined where there is
 * no /proc. A proxy's CPU per request hardly moves when other work shares the cores, unlike its
 * throughput, so it is the steadier number on a busy machine.
 */
function cpuSeconds(pid: number | undefined, ticksPerSecond: number): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces: utime is the
    // 14th field of the line, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

function toMs(value: string, unit: string): number {
  const v = Number(value);
  return unit === "us" ? v / 1000 : unit === "s" ? v * 1000 : v;
}

async function wrk(url: string, threads: number, connections: number, seconds: number): Promise<WrkResult> {
  const args = [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, "--latency", url];
  const { stdout } = await run("wrk", args, {
    timeout: (seconds + 20) * 1000,
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout);
  const requests = /(\d+) requests in/.exec(stdout);
  const p50 = /\s50%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(stdout);
  if (!rps || !requests || !p50 || !p99) throw new Error(`could not read wrk output:\n${stdout}`);
  if (/Non-2xx|Socket errors/.test(stdout)) throw new Error(`wrk saw errors against ${url}:\n${stdout}`);
  return {
    rps: Number(rps[1]),
    requests: Number(requests[1]),
    p50Ms: toMs(p50[1]!, p50[2]!),
    p99Ms: toMs(p99[1]!, p99[2]!),
  };
}

type Side = "direct" | "haproxy" | "toxiproxy" | "proxy" | "proxyRule" | "bare" | "slowDirect" | "slowProxy";

/** Debian installs HAProxy in /usr/sbin, which a non-root PATH often lacks. */
function haproxyBinary(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/usr/local/sbin"];
  for (const dir of dirs) {
    if (dir && existsSync(join(dir, "haproxy"))) return join(dir, "haproxy");
  }
  return undefined;
}

/**
 * HAProxy as a pass-through HTTP proxy: HTTP mode (it parses every request and response, as the
 * fault proxy must), keep-alive on both sides and idle upstream connections shared between
 * clients (`http-reuse always`), threads = cores (its default).
 */
function haproxyConfig(port: number, upstreamPort: number): string {
  return [
    "global",
    "  maxconn 4096",
    "defaults",
    "  mode http",
    "  option http-keep-alive",
    "  http-reuse always",
    "  timeout connect 5s",
    "  timeout client 60s",
    "  timeout server 60s",
    "frontend bench",
    `  bind ${HOST}:${port}`,
    "  default_backend upstream",
    "backend upstream",
    `  server up ${HOST}:${upstreamPort}`,
    "",
  ].join("\n");
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

    // ---- proxy throughput and latency, judged against real peers ----------------------------------
    // Every proxy sits in front of the same zero-work upstream and is driven by the same wrk, so the
    // ratios ÷ direct compare data paths, not machines. The peers: Toxiproxy (TCP splice, no toxic)
    // and HAProxy (an HTTP proxy in C, keep-alive to the upstream) when it is installed. A Node
    // http-module pipe proxy (the previous data path's design, no rules) and a second gameday proxy
    // with a non-matching header rule (the rule path) are measured too. A second upstream with a
    // 1 ms service time stands in for a provider, where proxy cost should vanish.
    const bench = { threads: 2, connections: 16 }; // as in issue 13: wrk -t2 -c16
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
    const rulePort = await freePort();
    const ruleProxy = await nodeChild(
      `import { startHttpFaultProxy } from ${JSON.stringify(serverUrl)};
       await startHttpFaultProxy({ port: ${rulePort}, upstream: "http://${HOST}:${upstreamPort}" });`,
      rulePort,
    );
    started.push(() => stopChild(ruleProxy));
    // Never matches (wrk sends no such header), so every request runs the rule match, header included.
    await addRule(`http://${HOST}:${rulePort}`, {
      tag: "bench-rule-path",
      status: 503,
      match: { method: "GET", pathPrefix: "/", header: { name: "x-bench-never", value: "1" } },
    });
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

    // A Toxiproxy server of its own for the throughput rounds, in the bench's session (see
    // benchChild), with one proxy created through its API: the server above runs in a session of
    // its own, as the providers start it, and has been through hundreds of toxic cycles.
    const toxiPeerApi = await freePort();
    const toxiPeer = await benchChild(
      bin("toxiproxy-server"),
      ["-host", HOST, "-port", String(toxiPeerApi)],
      toxiPeerApi,
      { log: join(ctx.workDir, "toxiproxy-peer.log") },
    );
    started.push(() => stopChild(toxiPeer));
    const toxiPeerListen = `${HOST}:${await freePort()}`;
    const created = await fetch(`http://${HOST}:${toxiPeerApi}/proxies`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        name: "bench-peer",
        listen: toxiPeerListen,
        upstream: `${HOST}:${upstreamPort}`,
        enabled: true,
      }),
    });
    if (created.status !== 201)
      throw new Error(
        `Toxiproxy peer: creating the proxy answered ${created.status}: ${await created.text()}`,
      );

    const haproxy = haproxyBinary();
    let haproxyUrl: string | undefined;
    let haproxyPid: number | undefined;
    if (haproxy) {
      const port = await freePort();
      const cfg = join(ctx.workDir, "haproxy.cfg");
      writeFileSync(cfg, haproxyConfig(port, upstreamPort));
      const hap = await benchChild(haproxy, ["-db", "-f", cfg], port, {
        log: join(ctx.workDir, "haproxy.log"),
      });
      started.push(() => stopChild(hap));
      haproxyUrl = `http://${HOST}:${port}/`;
      haproxyPid = hap.pid;
    } else {
      ctx.log(
        "HAProxy: not found on PATH, /usr/sbin or /usr/local/sbin — peer skipped (make setup installs it)",
      );
    }

    const urls: Partial<Record<Side, string>> = {
      direct: `http://${HOST}:${upstreamPort}/`,
      ...(haproxyUrl ? { haproxy: haproxyUrl } : {}),
      toxiproxy: `http://${toxiPeerListen}/`,
      proxy: `http://${HOST}:${proxyPort}/`,
      proxyRule: `http://${HOST}:${rulePort}/`,
      bare: `http://${HOST}:${barePort}/`,
      slowDirect: `http://${HOST}:${slowPort}/`,
      slowProxy: `http://${HOST}:${slowProxyPort}/`,
    };
    const sides = (Object.keys(urls) as Side[]).filter((k) => urls[k] !== undefined);
    // The process whose CPU each proxy side costs (direct has none).
    const pids: Partial<Record<Side, number | undefined>> = {
      haproxy: haproxyPid,
      toxiproxy: toxiPeer.pid,
      proxy: proxy.pid,
      proxyRule: ruleProxy.pid,
      bare: bare.pid,
      slowProxy: slowProxy.pid,
    };
    const ticks = await run("getconf", ["CLK_TCK"]).then(
      (r) => Number(r.stdout.trim()) || 100,
      () => 100,
    );
    const cpuUs: Partial<Record<Side, number[]>> = {};
    const withLatency: Side[] = ["direct", "haproxy", "toxiproxy", "proxy"];
    const latSec = Math.max(1, Math.round(2 * ctx.scale));
    const thrSec = Math.max(1, Math.round(3 * ctx.scale));
    const rounds = ctx.scale >= 1 ? 4 : 2;
    const lat: Partial<Record<Side, number[]>> = {};
    const thr: Partial<Record<Side, number[]>> = {};
    for (const k of sides) {
      lat[k] = [];
      thr[k] = [];
      cpuUs[k] = [];
    }
    for (const k of sides) await wrk(urls[k]!, 1, 4, 1); // warm-up: connections, JIT
    for (let r = 0; r < rounds; r++) {
      // Round-robin with the start rotated each round, so no side always runs first or last.
      const order = sides.map((_, i) => sides[(i + r) % sides.length]!);
      for (const k of order) {
        const one = withLatency.includes(k) ? await wrk(urls[k]!, 1, 1, latSec) : undefined;
        const cpu0 = cpuSeconds(pids[k], ticks);
        const many = await wrk(urls[k]!, bench.threads, bench.connections, thrSec);
        const cpu1 = cpuSeconds(pids[k], ticks);
        const us =
          cpu0 === undefined || cpu1 === undefined ? undefined : ((cpu1 - cpu0) * 1e6) / many.requests;
        if (us !== undefined) cpuUs[k]!.push(us);
        if (one) lat[k]!.push(one.p50Ms);
        thr[k]!.push(many.rps);
        ctx.log(
          `round ${r + 1} ${k}: ${one ? `p50 ${one.p50Ms.toFixed(3)} ms at 1 conn; ` : ""}${Math.round(many.rps)} req/s at ${bench.connections} conns (p50 ${many.p50Ms.toFixed(3)} ms)${us === undefined ? "" : `; proxy CPU ${us.toFixed(1)} µs/req`}`,
        );
      }
    }
    const p50 = (k: Side) => median(lat[k] ?? []);
    const rps = (k: Side) => median(thr[k] ?? []);
    /** Median over rounds of side ÷ base within each round: drift between rounds cancels. */
    const ratio = (k: Side, base: Side = "direct") =>
      median((thr[k] ?? []).map((v, i) => v / thr[base]![i]!));
    const rounded = (k: Side) => Math.round(rps(k)).toLocaleString("en-US");
    const wrkArgs = `wrk -t${bench.threads} -c${bench.connections}, ${rounds} rounds × ${thrSec} s, median of per-round ratios`;
    const added = p50("proxy") - p50("direct");
    const toxiRatio = ratio("toxiproxy");
    const proxyRatio = ratio("proxy");
    const cpu = (k: Side) => median(cpuUs[k] ?? []);
    for (const k of sides) {
      ctx.log(
        `${k.padEnd(10)} median ${rounded(k).padStart(7)} req/s = ${ratio(k).toFixed(3)} of direct${lat[k]?.length ? `; p50 at 1 conn ${p50(k).toFixed(3)} ms` : ""}${cpuUs[k]?.length ? `; CPU ${cpu(k).toFixed(1)} µs/req` : ""}`,
      );
    }
    for (const k of ["proxy", "proxyRule", "toxiproxy", "haproxy", "bare"] as const) {
      if (!cpuUs[k]?.length) continue;
      records.push({
        name: `${k === "proxyRule" ? "http-proxy-rule" : k === "proxy" ? "http-proxy" : k === "bare" ? "node_http_pipe_proxy" : k}.cpu_us_per_request`,
        value: cpu(k),
        unit: "µs",
        note: `user + system CPU of the proxy process per request at ${bench.connections} conns, median of ${cpuUs[k].length} rounds${k === "proxy" ? `; Toxiproxy ${cpu("toxiproxy").toFixed(1)} µs` : ""}`,
      });
    }
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
        value: proxyRatio,
        unit: "ratio",
        target: `>= ${toxiRatio.toFixed(3)} (Toxiproxy ÷ direct, same run)`,
        ok: proxyRatio >= toxiRatio,
        note: `gameday proxy, no rule: ${rounded("proxy")} vs ${rounded("direct")} req/s direct; ${wrkArgs}; ${cpus().length} cores shared by wrk, upstream and proxy`,
      },
      {
        name: "toxiproxy.throughput_ratio",
        value: toxiRatio,
        unit: "ratio",
        note: `no toxic: ${rounded("toxiproxy")} req/s; added p50 at 1 conn ${(p50("toxiproxy") - p50("direct")).toFixed(3)} ms`,
      },
      haproxyUrl
        ? {
            name: "haproxy.throughput_ratio",
            value: ratio("haproxy"),
            unit: "ratio",
            note: `pass-through, keep-alive to upstream: ${rounded("haproxy")} req/s; added p50 at 1 conn ${(p50("haproxy") - p50("direct")).toFixed(3)} ms`,
          }
        : {
            name: "haproxy.throughput_ratio",
            value: Number.NaN,
            unit: "ratio",
            note: "skipped: haproxy not installed (make setup installs Debian's haproxy)",
          },
      {
        name: "http-proxy.rule_path_throughput_ratio",
        value: ratio("proxyRule"),
        unit: "ratio",
        note: `one non-matching rule (method, path prefix, header): ${rounded("proxyRule")} req/s = ${ratio("proxyRule", "proxy").toFixed(3)} of no rule`,
      },
      {
        name: "node_http_pipe_proxy.throughput_ratio",
        value: ratio("bare"),
        unit: "ratio",
        note: `Node http-module pipe proxy (the previous data path's design, no rules): ${rounded("bare")} req/s; gameday proxy ÷ it ${ratio("proxy", "bare").toFixed(2)}`,
      },
      {
        name: "http-proxy.throughput_ratio_1ms_upstream",
        value: ratio("slowProxy", "slowDirect"),
        unit: "ratio",
        target: ">= 0.7",
        ok: ratio("slowProxy", "slowDirect") >= 0.7,
        note: `upstream with 1 ms service time: ${rounded("slowProxy")} vs ${rounded("slowDirect")} req/s direct`,
      },
      {
        name: "direct.rps",
        value: rps("direct"),
        unit: "req/s",
        note: `tiny Node upstream, wrk -t${bench.threads} -c${bench.connections}`,
      },
    );
  } finally {
    for (const stop of started.reverse()) await stop().catch(() => {});
  }
  return records;
}
