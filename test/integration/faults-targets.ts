// Real fault targets for the fault-driver tests: toxiproxy-server, redis-server, small HTTP
// servers on loopback, each on a free port, each stopped by the test that started it.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import { afterAll } from "vitest";
import { type ManagedProcess, startOnFreePort } from "../../src/env/process.ts";
import { tempDirs } from "../temp-dirs.ts";

export const HOST = "127.0.0.1";

// Registered when the importing test file loads, so with vitest's stacked hooks it runs after
// that file's own afterAll hooks have stopped the processes that log into these folders.
const scratch = tempDirs();
afterAll(() => scratch.removeAll());

export function logDir(): string {
  return scratch.make("gameday-faults-");
}

function onPath(bin: string): string | undefined {
  const local = resolve(".tools/bin", bin);
  if (existsSync(local)) return local;
  try {
    return execFileSync("sh", ["-c", `command -v ${bin}`], { encoding: "utf8" }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export const toxiproxyBin = onPath("toxiproxy-server");
export const redisBin = onPath("redis-server");

export async function startToxiproxy(dir: string): Promise<{ api: string; proc: ManagedProcess }> {
  if (!toxiproxyBin) throw new Error("toxiproxy-server not found (make setup)");
  const { process: proc, port } = await startOnFreePort((port) => ({
    name: `toxiproxy-${port}`,
    command: toxiproxyBin,
    args: ["-host", HOST, "-port", String(port)],
    logDir: dir,
    ready: { http: `http://${HOST}:${port}/version` },
  }));
  return { api: `${HOST}:${port}`, proc };
}

export async function startRedis(dir: string): Promise<{ url: string; proc: ManagedProcess }> {
  if (!redisBin) throw new Error("redis-server not found");
  const { process: proc, port } = await startOnFreePort((port) => ({
    name: `redis-${port}`,
    command: redisBin,
    args: ["--bind", HOST, "--port", String(port), "--save", "", "--appendonly", "no"],
    logDir: dir,
    ready: { tcp: { host: HOST, port } },
  }));
  return { url: `redis://${HOST}:${port}`, proc };
}

export interface TestServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<TestServer> {
  const server: Server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, HOST, r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${HOST}:${port}`,
    port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A flag service like the reference stack's control service: GET returns the flags, PUT merges a JSON object. */
export async function flagService(
  initial: Record<string, unknown>,
): Promise<TestServer & { flags: Record<string, unknown> }> {
  const flags: Record<string, unknown> = { ...initial };
  const s = await serve((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      if (req.url !== "/flags") {
        res.writeHead(404).end("no such path");
        return;
      }
      if (req.method === "PUT" || req.method === "POST") {
        try {
          Object.assign(flags, JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>);
        } catch {
          res.writeHead(400).end("bad json");
          return;
        }
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(flags));
    });
  });
  return Object.assign(s, { flags });
}

/** A request that gives up after `ms`; resolves to the status, or "timeout"/"error". */
export async function probe(url: string, ms = 1_000): Promise<number | "timeout" | "error"> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ms) });
    await res.arrayBuffer();
    return res.status;
  } catch (err) {
    return (err as Error).name === "TimeoutError" ? "timeout" : "error";
  }
}
