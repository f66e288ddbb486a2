// The local provider: the harness starts what the config asks for on this machine —
// toxiproxy-server (when toxiproxy.api has port 0 or nothing answers there), redis-server for
// redis entries with port 0, the HTTP fault proxies in process, and each configured command —
// and resolves every port 0 to the port actually used.
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { ProcessControl } from "../faults/driver.ts";
import { startHttpFaultProxy } from "../faults/http-proxy/server.ts";
import { ensureProxies } from "../faults/toxiproxy.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { splitHostPort } from "./hosts.ts";
import {
  freePort,
  ManagedProcess,
  type StartOptions,
  startOnFreePort,
  startOnPort,
  tcpReady,
} from "./process.ts";
import type { Environment } from "./provider.ts";
import { toolPath } from "./tool-path.ts";

async function httpProxyAnswers(host: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${host}:${port}/__gameday/health`, {
      signal: AbortSignal.timeout(1_000),
    });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

export async function startLocal(
  config: GamedayConfig,
  o: { logDir: string; stateFile: string },
): Promise<Environment> {
  const started: Array<{ stop(): Promise<void> }> = [];
  const managed = new Map<string, ManagedProcess>();
  const stopAll = async () => {
    for (const s of started.reverse()) await s.stop().catch(() => {});
  };
  try {
    const resolved: GamedayConfig = structuredClone(config);

    if (resolved.toxiproxy) {
      const { host, port } = splitHostPort(resolved.toxiproxy.api);
      const running =
        port !== 0 &&
        (await tcpReady(host, port).then(
          () => true,
          () => false,
        ));
      if (!running) {
        const options = (p: number): StartOptions => ({
          name: "toxiproxy-server",
          command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
          args: ["-host", host, "-port", String(p)],
          logDir: o.logDir,
          stateFile: o.stateFile,
          ready: { http: `http://${host}:${p}/version` },
        });
        const p = await startOnPort(port, options, { host }).catch((err: Error) => {
          throw new EnvironmentError(
            `toxiproxy-server did not start: ${err.message} (run gameday setup, or set TOXIPROXY_SERVER_BIN)`,
          );
        });
        started.push(p.process);
        resolved.toxiproxy.api = `${host}:${p.port}`;
      }
    }

    for (const proxy of resolved.proxies) {
      const { host, port } = splitHostPort(proxy.listen);
      if (proxy.kind === "toxiproxy") {
        // Created now on port 0, so the address in the resolved config is one toxiproxy already holds.
        if (port === 0 && resolved.toxiproxy) {
          const listening = await ensureProxies(resolved.toxiproxy.api, [proxy]);
          proxy.listen = listening[proxy.name] ?? proxy.listen;
        } else if (port === 0) proxy.listen = `${host}:${await freePort(host)}`;
        continue;
      }
      // A fault proxy already answering there (e.g. `gameday proxy`) is used as it is.
      if (port !== 0 && (await httpProxyAnswers(host, port))) continue;
      const hp = await startHttpFaultProxy({ host, port, upstream: proxy.upstream, token: proxy.token });
      started.push({ stop: () => hp.close() });
      proxy.listen = `${host}:${hp.port}`;
    }

    for (const r of resolved.redis) {
      const url = new URL(r.url);
      if (url.port !== "0") continue;
      const p = await startOnFreePort(
        (port) => ({
          name: `redis-${r.name}`,
          command: toolPath("redis-server", "REDIS_SERVER_BIN"),
          args: ["--bind", url.hostname, "--port", String(port), "--save", "", "--appendonly", "no"],
          logDir: o.logDir,
          stateFile: o.stateFile,
          ready: { tcp: { host: url.hostname, port } },
        }),
        { host: url.hostname },
      ).catch((err: Error) => {
        throw new EnvironmentError(
          `redis-server did not start: ${err.message} (install it: apt-get install redis-server, or set REDIS_SERVER_BIN)`,
        );
      });
      started.push(p.process);
      url.port = String(p.port);
      r.url = url.toString().replace(/\/$/, "");
    }

    for (const proc of resolved.processes) {
      const [command, ...args] = proc.command;
      const ready =
        proc.ready && "tcp" in proc.ready
          ? { tcp: splitHostPort(proc.ready.tcp), ownsPort: false }
          : proc.ready
            ? { http: proc.ready.http, ownsPort: false }
            : undefined;
      const p = await ManagedProcess.start({
        name: proc.name,
        command: command!,
        args,
        env: proc.env,
        logDir: o.logDir,
        stateFile: o.stateFile,
        ready,
      }).catch((err: Error) => {
        throw new EnvironmentError(`process ${proc.name} did not start: ${err.message}`);
      });
      started.push(p);
      managed.set(proc.name, p);
    }

    const processes: ProcessControl = {
      pid: (name) => managed.get(name)?.pid,
      restart: async (name) => {
        const p = managed.get(name);
        if (!p) throw new Error(`process "${name}" was not started by this environment`);
        await p.restart();
      },
    };
    return { config: resolved, processes, stop: stopAll };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
