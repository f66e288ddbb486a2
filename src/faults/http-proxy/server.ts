// The HTTP fault proxy: a streaming reverse proxy for what Toxiproxy cannot express at TCP level —
// status codes (429/5xx with Retry-After), added latency and aborted responses, by method, path
// prefix, header and percentage. Bodies are piped, never buffered; with no rule active a request
// costs one rule-count check. The control API lives on the same port under /__gameday/.
import {
  Agent,
  createServer,
  type IncomingMessage,
  request as httpRequest,
  type ServerResponse,
} from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { AddressInfo } from "node:net";
import { isLoopback } from "../../env/hosts.ts";
import { ruleInput, RuleSet } from "./rules.ts";

export const CONTROL_PREFIX = "/__gameday/";
const MAX_CONTROL_BODY = 64 * 1024;

export interface HttpFaultProxyOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Base URL requests are forwarded to; its path is prepended. */
  upstream: string;
  /** Bearer token for the control API; required when bound to a non-loopback host. */
  token?: string;
  /** Injectable percentage draw, [0, 100). */
  random?: () => number;
}

export interface HttpFaultProxy {
  url: string;
  port: number;
  rules: RuleSet;
  close(): Promise<void>;
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Constant-time bearer check, so the token cannot be guessed byte by byte from response timing. */
function authorized(header: string | undefined, token: string): boolean {
  const got = Buffer.from(header ?? "");
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

function readBody(req: IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error(`body over ${limit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export async function startHttpFaultProxy(o: HttpFaultProxyOptions): Promise<HttpFaultProxy> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopback(host) && !o.token) {
    throw new Error(`refusing to bind the HTTP fault proxy to ${host} without a control token`);
  }
  let upstream: URL;
  try {
    upstream = new URL(o.upstream);
  } catch {
    throw new Error(`upstream "${o.upstream}" is not a URL`);
  }
  if (upstream.protocol !== "http:")
    throw new Error(`upstream ${o.upstream}: only http:// upstreams are supported`);
  const basePath = upstream.pathname.replace(/\/$/, "");
  const agent = new Agent({ keepAlive: true, maxSockets: 512, scheduling: "lifo" });
  const rules = new RuleSet(o.random);

  const forward = (req: IncomingMessage, res: ServerResponse, abortAfterHeaders: boolean) => {
    // The parsed request is ours to change: rewriting it in place saves a copy per request.
    req.headers.host = upstream.host;
    const up = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port || 80,
        method: req.method,
        path: basePath + (req.url ?? "/"),
        headers: req.headers,
        agent,
      },
      (upRes) => {
        // Raw header pairs pass through as received (case, order, repeats) and skip re-validation.
        res.writeHead(upRes.statusCode ?? 502, upRes.statusMessage, upRes.rawHeaders);
        if (abortAfterHeaders) {
          res.flushHeaders();
          upRes.destroy();
          res.socket?.destroy();
          return;
        }
        upRes.pipe(res);
        upRes.on("error", () => res.destroy());
      },
    );
    up.on("error", (err) => {
      if (res.headersSent) res.destroy();
      else sendJson(res, 502, { error: "upstream unreachable", upstream: o.upstream, reason: err.message });
    });
    res.on("close", () => {
      if (!res.writableFinished) up.destroy();
    });
    req.pipe(up);
  };

  const control = async (req: IncomingMessage, res: ServerResponse) => {
    // Health stays open so readiness checks need no secret; it reveals only the rule count.
    if (o.token && req.url !== `${CONTROL_PREFIX}health` && !authorized(req.headers.authorization, o.token)) {
      sendJson(res, 401, { error: "missing or wrong bearer token" });
      return;
    }
    const url = new URL(req.url ?? "/", "http://proxy");
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    if (path === "health" && req.method === "GET") {
      sendJson(res, 200, { ok: true, upstream: o.upstream, rules: rules.size });
      return;
    }
    if (path === "rules" && req.method === "GET") {
      sendJson(res, 200, rules.list());
      return;
    }
    if (path === "rules" && req.method === "POST") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(await readBody(req, MAX_CONTROL_BODY));
      } catch (err) {
        sendJson(res, 400, { error: `malformed JSON: ${(err as Error).message}` });
        return;
      }
      const rule = ruleInput.safeParse(parsed);
      if (!rule.success) {
        sendJson(res, 400, {
          error: "invalid rule",
          issues: rule.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`),
        });
        return;
      }
      sendJson(res, 201, rules.add(rule.data));
      return;
    }
    if (path === "rules" && req.method === "DELETE") {
      const tag = url.searchParams.get("tag");
      if (tag === null || tag === "") {
        sendJson(res, 400, {
          error: "DELETE /__gameday/rules needs ?tag=<prefix> (or DELETE /__gameday/rules/<id>)",
        });
        return;
      }
      sendJson(res, 200, { removed: rules.removeByTag(tag) });
      return;
    }
    const one = /^rules\/([A-Za-z0-9_-]+)$/.exec(path);
    if (one && req.method === "DELETE") {
      const removed = rules.remove(one[1]!);
      sendJson(res, removed ? 200 : 404, removed ? { removed: 1 } : { error: `no rule ${one[1]}` });
      return;
    }
    sendJson(res, 404, { error: `no control route ${req.method} ${url.pathname}` });
  };

  const server = createServer((req, res) => {
    if (req.url?.startsWith(CONTROL_PREFIX)) {
      control(req, res).catch((err: Error) => {
        if (!res.headersSent) sendJson(res, 400, { error: err.message });
      });
      return;
    }
    const rule = rules.size === 0 ? undefined : rules.pick(req);
    if (!rule) {
      forward(req, res, false);
      return;
    }
    const act = () => {
      if (rule.status !== undefined) {
        req.resume();
        const headers: Record<string, string> = { "x-gameday-fault": rule.tag };
        if (rule.retryAfterSec !== undefined) headers["retry-after"] = String(rule.retryAfterSec);
        if (rule.body !== undefined) {
          res.writeHead(rule.status, {
            "content-type": "text/plain",
            "content-length": Buffer.byteLength(rule.body),
            ...headers,
          });
          res.end(rule.body);
        } else
          sendJson(res, rule.status, { error: "fault injected by gameday", status: rule.status }, headers);
        return;
      }
      forward(req, res, rule.abort);
    };
    if (rule.latencyMs) {
      // A client that gives up during the delay must not still reach the upstream (nor hold a timer).
      const timer = setTimeout(act, rule.latencyMs);
      res.once("close", () => clearTimeout(timer));
    } else act();
  });
  server.keepAliveTimeout = 30_000;
  server.on("clientError", (_err, socket) => socket.destroy());

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    port,
    rules,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
