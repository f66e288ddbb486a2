// A port picked by freePort() can be taken by another program before the child binds it. CI lost a
// whole suite to this: toxiproxy-server stays up when its bind fails, and the program that took the
// port never answered /version, so readiness waited 15 s and failed. These tests take the port on
// purpose with a real listener and check that the harness says so at once and moves to a new port.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { toolPath } from "../../src/env/tool-path.ts";
import {
  freePort,
  ManagedProcess,
  PortTakenError,
  portListener,
  type StartOptions,
  startOnFreePort,
} from "../../src/env/process.ts";

const HOST = "127.0.0.1";
const logDir = mkdtempSync(join(tmpdir(), "gameday-port-race-"));
const servers: Server[] = [];
const started: ManagedProcess[] = [];

afterAll(async () => {
  for (const p of started) await p.stop();
  for (const s of servers) s.close();
  rmSync(logDir, { recursive: true, force: true });
});

/** A listener that accepts connections and never answers: what CI's thief looked like. */
async function takePort(port = 0): Promise<number> {
  const server = createServer(() => {});
  servers.push(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, HOST, resolve);
  });
  const addr = server.address();
  if (addr === null || typeof addr === "string") throw new Error("no port");
  return addr.port;
}

const toxiproxy = (port: number): StartOptions => ({
  name: "toxiproxy-server",
  command: toolPath("toxiproxy-server", "TOXIPROXY_SERVER_BIN"),
  args: ["-host", HOST, "-port", String(port)],
  logDir,
  ready: { http: `http://${HOST}:${port}/version` },
});

const redis = (port: number): StartOptions => ({
  name: "redis",
  command: toolPath("redis-server", "REDIS_SERVER_BIN"),
  args: ["--bind", HOST, "--port", String(port), "--save", "", "--appendonly", "no"],
  logDir,
  ready: { tcp: { host: HOST, port } },
});

describe("a port taken between freePort() and the child's bind", () => {
  it("toxiproxy-server (stays up after a failed bind) is reported as a taken port within a second, not after the 15 s readiness timeout", async () => {
    const port = await takePort();
    const t0 = Date.now();
    const err = await ManagedProcess.start(toxiproxy(port)).then(
      (p) => {
        started.push(p);
        return undefined;
      },
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PortTakenError);
    expect((err as PortTakenError).port).toBe(port);
    expect((err as Error).message).toMatch(/address already in use|pid \d+/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });

  it("redis-server (exits after a failed bind) is reported as a taken port, naming who holds it", async () => {
    const port = await takePort();
    const err = await ManagedProcess.start(redis(port)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortTakenError);
    expect((err as Error).message).toMatch(new RegExp(`address already in use|pid ${process.pid}`, "i"));
  });

  it("a listener that answers the readiness probe but is not the child is not mistaken for it", async () => {
    // An HTTP server that answers /version with 200, like a second toxiproxy would.
    const impostor = createHttpServer((_req, res) => res.end("impostor"));
    await new Promise<void>((r) => impostor.listen(0, HOST, r));
    const addr = impostor.address();
    const port = typeof addr === "object" && addr ? addr.port : 0;
    try {
      const err = await ManagedProcess.start(toxiproxy(port)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PortTakenError);
      expect((err as Error).message).toContain(`pid ${process.pid}`);
    } finally {
      impostor.close();
    }
  });

  it("startOnFreePort starts toxiproxy-server on a port the child itself owns", async () => {
    const { process: proc, port } = await startOnFreePort(toxiproxy, { host: HOST });
    started.push(proc);
    expect(proc.running).toBe(true);
    expect(portListener(port, proc.pid ?? -1)).toEqual({ kind: "ours" });
    const res = await fetch(`http://${HOST}:${port}/version`);
    expect(res.status).toBe(200);
  });

  it("startOnFreePort retries after a PortTakenError and gives up after the attempts it was given", async () => {
    const taken = await takePort();
    let builds = 0;
    const { process: proc, port } = await startOnFreePort(
      (p) => {
        builds += 1;
        return redis(builds === 1 ? taken : p);
      },
      { host: HOST },
    );
    started.push(proc);
    expect(builds).toBe(2);
    expect(port).not.toBe(taken);

    let tries = 0;
    const err = await startOnFreePort(
      () => {
        tries += 1;
        return redis(taken);
      },
      { host: HOST, attempts: 2 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PortTakenError);
    expect(tries).toBe(2);
  });

  it("portListener tells ours, foreign and nobody apart", async () => {
    const free = await freePort(HOST);
    expect(portListener(free, process.pid)).toEqual({ kind: "none" });
    const mine = await takePort();
    // This test process holds it: "ours" for its own process group, "foreign" for any other.
    const stat = readFileSync("/proc/self/stat", "utf8");
    const pgid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]);
    expect(portListener(mine, pgid)).toEqual({ kind: "ours" });
    expect(portListener(mine, 999_999_999)).toMatchObject({ kind: "foreign", pid: process.pid });
  });
});
