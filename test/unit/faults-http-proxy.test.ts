// The HTTP fault proxy against a real upstream HTTP server on loopback: forwarding, rule matching,
// percentages, latency, aborts, streaming in both directions, and the control API's guards. The
// proxy frames HTTP/1.1 itself (node:net, not node:http), so the "wire" block drives it with raw
// bytes on one connection: pipelining, bodiless responses, chunked bodies, reconnects, refusals.
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from "node:http";
import { type AddressInfo, connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addRule, listRules, removeRule, removeRulesByTag } from "../../src/faults/http-proxy/client.ts";
import { type HttpFaultProxy, startHttpFaultProxy } from "../../src/faults/http-proxy/server.ts";

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

let upstream: Server;
let upstreamUrl: string;
let handler: Handler;
const echo: Handler = (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const body = JSON.stringify({
      method: req.method,
      url: req.url,
      headers: req.headers,
      body: Buffer.concat(chunks).toString(),
    });
    res.writeHead(200, { "content-type": "application/json", "x-upstream": "yes" });
    res.end(body);
  });
};

beforeAll(async () => {
  handler = echo;
  upstream = createServer((req, res) => handler(req, res));
  await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});

afterAll(async () => {
  upstream.closeAllConnections();
  await new Promise((r) => upstream.close(r));
});

async function withProxy(
  fn: (p: HttpFaultProxy) => Promise<void>,
  opts: { random?: () => number; token?: string; base?: string } = {},
) {
  const p = await startHttpFaultProxy({
    upstream: upstreamUrl + (opts.base ?? ""),
    random: opts.random,
    token: opts.token,
  });
  try {
    await fn(p);
  } finally {
    await p.close();
    handler = echo;
  }
}

async function get(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> | undefined; text: string }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

describe("forwarding", () => {
  it("forwards method, path under the upstream base path, query, headers and body", () =>
    withProxy(
      async (p) => {
        const r = await get(`${p.url}/v1/chat?x=1`, {
          method: "POST",
          headers: { "x-team": "sre" },
          body: "hello",
        });
        expect(r.status).toBe(200);
        expect(r.headers.get("x-upstream")).toBe("yes");
        expect(r.json).toMatchObject({ method: "POST", url: "/base/v1/chat?x=1", body: "hello" });
        // Host names the upstream, as a client of the upstream would send it.
        expect(r.json?.headers).toMatchObject({ "x-team": "sre", host: new URL(upstreamUrl).host });
      },
      { base: "/base" },
    ));

  it("preserves upstream status text and repeated response headers", () =>
    withProxy(async (p) => {
      handler = (_req, res) => {
        res.writeHead(201, "Made It", [
          ["Set-Cookie", "a=1"],
          ["Set-Cookie", "b=2"],
          ["X-Cost-Usd", "0.0021"],
        ]);
        res.end("created");
      };
      const res = await fetch(`${p.url}/x`);
      expect(res.status).toBe(201);
      expect(res.statusText).toBe("Made It");
      expect(res.headers.getSetCookie()).toEqual(["a=1", "b=2"]);
      expect(res.headers.get("x-cost-usd")).toBe("0.0021");
      expect(await res.text()).toBe("created");
    }));

  it("answers 502 naming the upstream when the upstream is unreachable", async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, "127.0.0.1", r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    const p = await startHttpFaultProxy({ upstream: `http://127.0.0.1:${port}` });
    try {
      const r = await get(`${p.url}/x`);
      expect(r.status).toBe(502);
      expect(r.json?.upstream).toBe(`http://127.0.0.1:${port}`);
    } finally {
      await p.close();
    }
  });

  it("streams a chunked upstream response: the first chunk arrives before the upstream ends", () =>
    withProxy(async (p) => {
      let release: () => void = () => {};
      const released = new Promise<void>((r) => {
        release = r;
      });
      let upstreamEnded = false;
      handler = (_req, res) => {
        res.writeHead(200, { "content-type": "application/octet-stream" });
        res.write(Buffer.alloc(64 * 1024, 1));
        released.then(() => {
          for (let i = 0; i < 16; i++) res.write(Buffer.alloc(64 * 1024, 2));
          upstreamEnded = true;
          res.end();
        });
      };
      const res = await fetch(`${p.url}/big`);
      const reader = res.body!.getReader();
      const first = await reader.read();
      expect(first.done).toBe(false);
      expect(upstreamEnded).toBe(false);
      release();
      let total = first.value!.length;
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        total += next.value.length;
      }
      expect(upstreamEnded).toBe(true);
      expect(total).toBe(17 * 64 * 1024);
    }));

  it("streams the request body: upstream sees the first chunk before the client finishes sending", () =>
    withProxy(async (p) => {
      let firstSeen: () => void = () => {};
      const seen = new Promise<void>((r) => {
        firstSeen = r;
      });
      let bytes = 0;
      handler = (req, res) => {
        req.once("data", () => firstSeen());
        req.on("data", (c: Buffer) => {
          bytes += c.length;
        });
        req.on("end", () => res.end(String(bytes)));
      };
      const answer = new Promise<string>((resolve, reject) => {
        const req = request(
          `${p.url}/upload`,
          { method: "POST", headers: { "transfer-encoding": "chunked" } },
          (res) => {
            let text = "";
            res.on("data", (c: Buffer) => {
              text += c.toString();
            });
            res.on("end", () => resolve(text));
          },
        );
        req.on("error", reject);
        req.write(Buffer.alloc(1000, 1));
        // The rest is sent only once the upstream has seen the first chunk: a buffering proxy would hang here.
        seen.then(() => req.end(Buffer.alloc(1000, 2)));
      });
      expect(await answer).toBe("2000");
    }));
});

describe("rules", () => {
  it("answers a status with Retry-After and the fault header, then passes through once removed", () =>
    withProxy(async (p) => {
      const rule = await addRule(p.url, { tag: "gameday-r1-f01", status: 502, retryAfterSec: 7 });
      const r = await get(`${p.url}/v1/chat`);
      expect(r.status).toBe(502);
      expect(r.headers.get("retry-after")).toBe("7");
      expect(r.headers.get("x-gameday-fault")).toBe("gameday-r1-f01");
      expect(await removeRule(p.url, rule.id)).toBe(true);
      expect(await removeRule(p.url, rule.id)).toBe(false);
      expect((await get(`${p.url}/v1/chat`)).status).toBe(200);
    }));

  it("uses a custom body when one is given", () =>
    withProxy(async (p) => {
      p.rules.add({ tag: "t", status: 429, body: "slow down" });
      const r = await get(`${p.url}/`);
      expect(r.status).toBe(429);
      expect(r.text).toBe("slow down");
    }));

  it("matches by method, path prefix and header; other requests pass through", () =>
    withProxy(async (p) => {
      p.rules.add({
        tag: "m",
        status: 503,
        match: { method: "post", pathPrefix: "/v1/chat", header: { name: "X-Tenant", value: "a" } },
      });
      const hit = await get(`${p.url}/v1/chat/x`, { method: "POST", headers: { "x-tenant": "a" }, body: "" });
      expect(hit.status).toBe(503);
      expect((await get(`${p.url}/v1/chat/x`, { method: "GET", headers: { "x-tenant": "a" } })).status).toBe(
        200,
      );
      expect(
        (await get(`${p.url}/v1/embed`, { method: "POST", headers: { "x-tenant": "a" }, body: "" })).status,
      ).toBe(200);
      expect(
        (await get(`${p.url}/v1/chat`, { method: "POST", headers: { "x-tenant": "b" }, body: "" })).status,
      ).toBe(200);
    }));

  it("affects exactly the drawn share with an injected draw", () => {
    // A counter spread over [0, 100): 10 requests draw 0, 10, ..., 90, so 30 % hits the first three.
    let n = 0;
    return withProxy(
      async (p) => {
        p.rules.add({ tag: "pct", status: 500, percent: 30 });
        const statuses: number[] = [];
        for (let i = 0; i < 10; i++) statuses.push((await get(`${p.url}/`)).status);
        expect(statuses.filter((s) => s === 500)).toHaveLength(3);
        expect(statuses.filter((s) => s === 200)).toHaveLength(7);
      },
      { random: () => (n++ % 10) * 10 },
    );
  });

  it("defaults to a random draw: 0 % never fires and 50 % fires on some but not all of 100 requests", () =>
    withProxy(async (p) => {
      p.rules.add({ tag: "never", status: 500, percent: 0, match: { pathPrefix: "/zero" } });
      p.rules.add({ tag: "half", status: 500, percent: 50, match: { pathPrefix: "/half" } });
      let zero = 0;
      let half = 0;
      for (let i = 0; i < 100; i++) {
        if ((await get(`${p.url}/zero`)).status === 500) zero++;
        if ((await get(`${p.url}/half`)).status === 500) half++;
      }
      expect(zero).toBe(0);
      expect(half).toBeGreaterThan(20);
      expect(half).toBeLessThan(80);
    }));

  it("adds latency before forwarding", () =>
    withProxy(async (p) => {
      p.rules.add({ tag: "slow", latencyMs: 150, match: { pathPrefix: "/slow" } });
      const t0 = performance.now();
      const r = await get(`${p.url}/slow`);
      const slow = performance.now() - t0;
      expect(r.status).toBe(200);
      expect(slow).toBeGreaterThanOrEqual(145);
      // The fastest of two: a busy machine may stall one request, not every one.
      const fast: number[] = [];
      for (let i = 0; i < 2; i++) {
        const t1 = performance.now();
        await get(`${p.url}/fast`);
        fast.push(performance.now() - t1);
      }
      expect(Math.min(...fast)).toBeLessThan(100);
    }));

  it("a client that gives up during the added latency never reaches the upstream", () =>
    withProxy(async (p) => {
      let reached = 0;
      handler = (req, res) => {
        reached++;
        echo(req, res);
      };
      p.rules.add({ tag: "slow", latencyMs: 300 });
      await expect(fetch(`${p.url}/`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 400));
      expect(reached).toBe(0);
      p.rules.removeByTag("slow");
      expect((await get(`${p.url}/`)).status).toBe(200);
      expect(reached).toBe(1);
    }));

  it("aborts the response mid-way: headers arrive, the body fails", () =>
    withProxy(async (p) => {
      handler = (_req, res) => {
        res.writeHead(200, { "content-length": "100000" });
        res.write(Buffer.alloc(1000));
        setTimeout(() => res.end(Buffer.alloc(99_000)), 100);
      };
      p.rules.add({ tag: "cut", abort: true });
      const res = await fetch(`${p.url}/`);
      expect(res.status).toBe(200);
      await expect(res.arrayBuffer()).rejects.toThrow();
    }));
});

describe("control API", () => {
  it("lists rules, removes by tag prefix with a count, and reports health", () =>
    withProxy(async (p) => {
      await addRule(p.url, { tag: "gameday-run1-f01", status: 502 });
      await addRule(p.url, { tag: "gameday-run1-f02", latencyMs: 10 });
      await addRule(p.url, { tag: "gameday-run2-f01", status: 503 });
      expect((await listRules(p.url)).map((r) => r.tag)).toEqual([
        "gameday-run1-f01",
        "gameday-run1-f02",
        "gameday-run2-f01",
      ]);
      expect(await removeRulesByTag(p.url, "gameday-run1")).toBe(2);
      expect((await listRules(p.url)).map((r) => r.tag)).toEqual(["gameday-run2-f01"]);
      const health = await get(`${p.url}/__gameday/health`);
      expect(health.json).toMatchObject({ ok: true, rules: 1 });
    }));

  it("rejects malformed bodies with 400 and a reason", () =>
    withProxy(async (p) => {
      const post = (body: string) =>
        get(`${p.url}/__gameday/rules`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body,
        });
      const notJson = await post("{not json");
      expect(notJson.status).toBe(400);
      expect(String(notJson.json?.error)).toMatch(/malformed JSON/);
      const badStatus = await post(JSON.stringify({ tag: "x", status: 418 }));
      expect(badStatus.status).toBe(400);
      expect(JSON.stringify(badStatus.json?.issues)).toMatch(/status/);
      const badPercent = await post(JSON.stringify({ tag: "x", status: 502, percent: 150 }));
      expect(badPercent.status).toBe(400);
      expect(JSON.stringify(badPercent.json?.issues)).toMatch(/percent/);
      const unknownField = await post(JSON.stringify({ tag: "x", status: 502, colour: "red" }));
      expect(unknownField.status).toBe(400);
      const noTag = await get(`${p.url}/__gameday/rules`, { method: "DELETE" });
      expect(noTag.status).toBe(400);
      expect(p.rules.size).toBe(0);
    }));

  it("requires the bearer token when one is set (401 otherwise)", () =>
    withProxy(
      async (p) => {
        expect((await get(`${p.url}/__gameday/rules`)).status).toBe(401);
        expect(
          (await get(`${p.url}/__gameday/rules`, { headers: { authorization: "Bearer wrong" } })).status,
        ).toBe(401);
        await expect(addRule(p.url, { tag: "t", status: 502 })).rejects.toThrow(/401/);
        const rule = await addRule(p.url, { tag: "t", status: 502 }, "s3cret");
        expect((await listRules(p.url, { token: "s3cret" })).map((r) => r.id)).toEqual([rule.id]);
        expect((await get(`${p.url}/__gameday/health`)).status).toBe(200);
      },
      { token: "s3cret" },
    ));

  it("refuses a non-loopback bind without a token", async () => {
    await expect(startHttpFaultProxy({ host: "0.0.0.0", upstream: upstreamUrl })).rejects.toThrow(
      /without a control token/,
    );
  });
});

/**
 * Writes `send` (a string, or parts written ~20 ms apart) on one raw connection and collects what
 * comes back until `done` says it is complete or the proxy closes the connection.
 */
function wire(
  port: number,
  send: string | string[],
  done: (text: string) => boolean = () => false,
): Promise<{ text: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within 3 s; got:\n${text}`));
    }, 3_000);
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ text, closed });
    };
    socket.on("data", (b: Buffer) => {
      text += b.toString("latin1");
      if (done(text)) finish(false);
    });
    socket.on("close", () => finish(true));
    socket.on("error", () => {});
    const parts = typeof send === "string" ? [send] : send;
    parts.forEach((part, i) => {
      setTimeout(() => socket.write(part), i * 20);
    });
  });
}

const count = (text: string, what: string) => text.split(what).length - 1;

describe("wire", () => {
  it("answers pipelined requests in order: a slow forwarded one, a fault and a control call", () =>
    withProxy(async (p) => {
      handler = (req, res) => setTimeout(() => res.end(`slow ${req.url}`), 80);
      p.rules.add({ tag: "fault", status: 503, match: { pathPrefix: "/fail" } });
      const r = await wire(
        p.port,
        "GET /first HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /fail HTTP/1.1\r\nHost: x\r\n\r\n" +
          "GET /__gameday/health HTTP/1.1\r\nHost: x\r\n\r\n",
        (t) => t.includes('"rules":1}'),
      );
      const first = r.text.indexOf("slow /first");
      const fault = r.text.indexOf("HTTP/1.1 503 Service Unavailable");
      const health = r.text.indexOf('"ok":true');
      expect(first).toBeGreaterThan(0);
      expect(fault).toBeGreaterThan(first);
      expect(health).toBeGreaterThan(fault);
      expect(r.text).toContain("x-gameday-fault: fault");
    }));

  it("keeps the connection in step across bodiless answers: HEAD, 204, 304, then a GET", () =>
    withProxy(async (p) => {
      handler = (req, res) => {
        if (req.url === "/204") res.writeHead(204).end();
        else if (req.url === "/304") res.writeHead(304, { etag: '"v1"' }).end();
        else res.writeHead(200, { "content-type": "text/plain", "content-length": "5" }).end("hello");
      };
      const head = "HEAD /h HTTP/1.1\r\nHost: x\r\n\r\n";
      const r = await wire(
        p.port,
        `${head}GET /204 HTTP/1.1\r\nHost: x\r\n\r\nGET /304 HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n`,
        (t) => t.endsWith("hello"),
      );
      expect(r.text.match(/^HTTP\/1\.1 \d+/gm)).toEqual([
        "HTTP/1.1 200",
        "HTTP/1.1 204",
        "HTTP/1.1 304",
        "HTTP/1.1 200",
      ]);
      expect(count(r.text, "hello")).toBe(1);
    }));

  it("passes a chunked request body split across writes and reads the next request after it", () =>
    withProxy(async (p) => {
      const r = await wire(
        p.port,
        [
          "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
          "lo\r\n6;ext=1\r\n world\r\n0\r\n",
          "\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n",
        ],
        (t) => t.includes('"url":"/after"'),
      );
      expect(r.text).toContain('"body":"hello world"');
      expect(r.text).toContain('"url":"/after"');
    }));

  it("drains the body of a request a status rule answers, and the connection goes on", () =>
    withProxy(async (p) => {
      p.rules.add({ tag: "t", status: 429, body: "later", match: { method: "POST" } });
      const r = await wire(
        p.port,
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\nhello world" +
          "GET /y HTTP/1.1\r\nHost: x\r\n\r\n",
        (t) => t.includes('"url":"/y"'),
      );
      expect(r.text).toMatch(/^HTTP\/1\.1 429 Too Many Requests/);
      expect(r.text).toContain("later");
      expect(r.text).not.toContain('"url":"/x"');
    }));

  it("holds a request with a body for the latency and then forwards body and all", () =>
    withProxy(async (p) => {
      p.rules.add({ tag: "slow", latencyMs: 100 });
      const t0 = performance.now();
      const r = await wire(p.port, "POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nbody", (t) =>
        t.includes('"body":"body"'),
      );
      expect(performance.now() - t0).toBeGreaterThanOrEqual(95);
      expect(r.text).toContain('"url":"/late"');
    }));

  it("opens a new upstream connection when the upstream closed the idle one", async () => {
    const short = createServer((req, res) => res.end(`short ${req.url}`));
    short.keepAliveTimeout = 50;
    await new Promise<void>((r) => short.listen(0, "127.0.0.1", r));
    const p = await startHttpFaultProxy({
      upstream: `http://127.0.0.1:${(short.address() as AddressInfo).port}`,
    });
    try {
      const get = "HTTP/1.1\r\nHost: x\r\n\r\n";
      const r = await new Promise<string>((resolve, reject) => {
        const socket = connect(p.port, "127.0.0.1");
        let text = "";
        socket.on("data", (b: Buffer) => {
          text += b.toString();
          if (text.includes("short /one") && !text.includes("/two")) {
            // Past the upstream's keep-alive timeout: it has closed its side by now.
            setTimeout(() => socket.write(`GET /two ${get}`), 200);
          }
          if (text.includes("short /two")) {
            socket.destroy();
            resolve(text);
          }
        });
        socket.on("error", reject);
        socket.write(`GET /one ${get}`);
      });
      expect(count(r, "HTTP/1.1 200 OK")).toBe(2);
    } finally {
      await p.close();
      short.closeAllConnections();
      await new Promise((r) => short.close(r));
    }
  });

  it("answers an HTTP/1.0 request without Host, adding the upstream's Host, and closes", () =>
    withProxy(async (p) => {
      const r = await wire(p.port, "GET /old HTTP/1.0\r\n\r\n");
      expect(r.closed).toBe(true);
      expect(r.text).toContain('"url":"/old"');
      expect(r.text).toContain(`"host":"${new URL(upstreamUrl).host}"`);
    }));

  it("refuses a request with both Content-Length and Transfer-Encoding without reaching the upstream", () =>
    withProxy(async (p) => {
      let reached = 0;
      handler = (req, res) => {
        reached++;
        echo(req, res);
      };
      const r = await wire(
        p.port,
        "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
      );
      expect(r.closed).toBe(true);
      expect(r.text).toBe("");
      expect(reached).toBe(0);
    }));

  it("takes a control call with a chunked body and rejects a tag that would break the fault header", () =>
    withProxy(async (p) => {
      const rule = JSON.stringify({ tag: "chunked-tag", status: 502 });
      const r = await wire(
        p.port,
        `POST /__gameday/rules HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n${rule.length.toString(16)}\r\n${rule}\r\n0\r\n\r\n`,
        (t) => t.includes("}"),
      );
      expect(r.text).toMatch(/^HTTP\/1\.1 201 Created/);
      expect(p.rules.list().map((x) => x.tag)).toEqual(["chunked-tag"]);
      await expect(addRule(p.url, { tag: "a\r\nset-cookie: x=1", status: 502 })).rejects.toThrow(/400.*tag/);
    }));
});
