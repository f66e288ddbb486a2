// PromQL client failure modes that need no Prometheus: nothing listening, a hung endpoint, and a
// non-Prometheus answer (e.g. a proxy's 502). Prometheus's own errors are covered with the real
// binary in test/integration/observe-stack.test.ts.
import { createServer, type Server } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/env/process.ts";
import { instantQuery, PromQLError } from "../../src/observe/promql.ts";

let hung: TcpServer;
const sockets: Socket[] = [];
let proxy: Server;
const urlOf = (s: { address(): unknown }) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

beforeAll(async () => {
  hung = createTcpServer((s) => sockets.push(s));
  await new Promise<void>((r) => hung.listen(0, "127.0.0.1", r));
  proxy = createServer((_req, res) => {
    res.statusCode = 502;
    res.end("upstream down");
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => hung.close(r));
  proxy.closeAllConnections();
  await new Promise((r) => proxy.close(r));
});

async function kindOf(p: Promise<unknown>): Promise<[string, string]> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(PromQLError);
    return [(err as PromQLError).kind, (err as Error).message];
  }
  throw new Error("expected a PromQLError");
}

describe("instantQuery errors", () => {
  it("names a refused connection", async () => {
    const [kind, msg] = await kindOf(instantQuery(`http://127.0.0.1:${await freePort()}`, "up"));
    expect(kind).toBe("network");
    expect(msg).toMatch(/ECONNREFUSED/);
  });

  it("gives up after the timeout", async () => {
    const t = Date.now();
    const [kind, msg] = await kindOf(instantQuery(urlOf(hung), "up", { timeoutMs: 200 }));
    expect(kind).toBe("timeout");
    expect(msg).toMatch(/no answer within 200 ms for up/);
    expect(Date.now() - t).toBeLessThan(1_500);
  });

  it("reports an HTTP error that is not a Prometheus answer", async () => {
    const [kind, msg] = await kindOf(instantQuery(urlOf(proxy), "up"));
    expect(kind).toBe("http");
    expect(msg).toMatch(/HTTP 502 .*upstream down/);
  });
});
