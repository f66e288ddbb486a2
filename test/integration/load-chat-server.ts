// A stand-in for the Ops Copilot's POST /v1/chat on a free loopback port, for the load tests and
// benchmarks: answers with x-provider and x-cost-usd, 502 for every `failEvery`-th request, and
// counts what it served (the ground truth the load engines' samples are checked against).
// GET/POST /status/<code> answers that status (for failure classification); with `log` every
// request is kept (arrival time, method, path, headers, body); requests in flight are counted.
import { createServer, type IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import { freePort } from "../../src/env/process.ts";

export interface ChatServerOptions {
  /** Every n-th request answers 502 from provider "primary"; 0 = never. */
  failEvery?: number;
  /** Delay before answering, ms. */
  delayMs?: number;
  /** Keep every request in `served.log` (tests only: it grows with the load). */
  log?: boolean;
  /** Never answer: requests hang until the client gives up or the server closes. */
  hang?: boolean;
}

export interface ServedRequest {
  /** Arrival (request head received), epoch ms. */
  t: number;
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface ChatServer {
  url: string;
  served: {
    total: number;
    byStatus: Record<number, number>;
    prompts: Set<string>;
    users: Set<string>;
    /** Requests received and not yet answered (or abandoned), now and at most. */
    inFlight: number;
    maxInFlight: number;
    /** Every request, when started with `log`. */
    log: ServedRequest[];
  };
  close(): Promise<void>;
}

export async function startChatServer(o: ChatServerOptions = {}): Promise<ChatServer> {
  const served: ChatServer["served"] = {
    total: 0,
    byStatus: {},
    prompts: new Set(),
    users: new Set(),
    inFlight: 0,
    maxInFlight: 0,
    log: [],
  };
  const server = createServer((req, res) => {
    const arrived = Date.now();
    served.inFlight += 1;
    served.maxInFlight = Math.max(served.maxInFlight, served.inFlight);
    res.once("close", () => {
      served.inFlight -= 1;
    });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const n = ++served.total;
      const text = Buffer.concat(chunks).toString("utf8");
      if (o.log)
        served.log.push({
          t: arrived,
          method: req.method ?? "",
          url: req.url ?? "",
          headers: req.headers,
          body: text,
        });
      try {
        const body = JSON.parse(text) as { prompt?: string; user?: string };
        if (body.prompt) served.prompts.add(body.prompt);
        if (body.user) served.users.add(body.user);
      } catch {
        // counted anyway; the tests look at prompts only where the script sends JSON
      }
      if (o.hang) return;
      const asked = /^\/status\/(\d{3})(?:[?#]|$)/.exec(req.url ?? "");
      const chat = req.url === "/v1/chat";
      const fail = chat && o.failEvery !== undefined && o.failEvery > 0 && n % o.failEvery === 0;
      const status = asked ? Number(asked[1]) : !chat ? 404 : fail ? 502 : 200;
      served.byStatus[status] = (served.byStatus[status] ?? 0) + 1;
      const answer = () => {
        res.writeHead(status, {
          "content-type": "application/json",
          "x-provider": fail ? "primary" : "secondary",
          "x-cost-usd": fail ? "0" : "0.0021",
        });
        res.end(JSON.stringify({ answer: fail ? null : "ok" }));
      };
      if (o.delayMs) setTimeout(answer, o.delayMs);
      else answer();
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Standalone (benchmarks run the server in its own process so it does not share an event loop
// with the ingest being measured): `node load-chat-server.ts [failEvery]` prints its URL.
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const srv = await startChatServer({ failEvery: Number(process.argv[2] ?? "0") });
  process.stdout.write(`${srv.url}\n`);
  const stop = () => void srv.close().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
