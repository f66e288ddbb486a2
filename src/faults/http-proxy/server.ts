// The HTTP fault proxy: a streaming reverse proxy for what Toxiproxy cannot express at TCP level —
// status codes (429/5xx with Retry-After), added latency and aborted responses, by method, path
// prefix, header and percentage. The control API lives on the same port under /__gameday/.
//
// The data path works on bytes (node:net), not on node:http's objects. Profiling the http-module
// version under wrk put more than half of its busy time in per-request objects (IncomingMessage,
// ServerResponse, ClientRequest, header objects, stream pipes) and in re-serialising heads, and it
// reached 0.4–0.6 of Toxiproxy's throughput; this one matches Toxiproxy's (bench/README.md,
// 2026-12-03). Here each client connection gets its own
// kept-alive upstream connection, opened at its first forwarded request (as Toxiproxy pairs them),
// and a request costs one scan of its head: the request line and the framing headers are read,
// Host (and the path, when the upstream URL has one) is rewritten, and every other byte of heads and
// bodies passes through unchanged and unbuffered. Responses are framed (Content-Length, chunked,
// until close; none for HEAD, 1xx, 204, 304) only to keep them in order with the proxy's own fault
// answers and to cut an aborted one after its head.
import { timingSafeEqual } from "node:crypto";
import { STATUS_CODES } from "node:http";
import { type AddressInfo, connect, createServer, type Socket } from "node:net";
import { isLoopback } from "../../env/hosts.ts";
import { type Rule, ruleInput, RuleSet } from "./rules.ts";

export const CONTROL_PREFIX = "/__gameday/";
const MAX_CONTROL_BODY = 64 * 1024;
/** Node's default limit for a request head (--max-http-header-size); also applied to responses. */
const MAX_HEAD = 16 * 1024;
/** Bytes a client may send during a latency hold before reading from it pauses. */
const HELD_MAX = 1024 * 1024;
/** An idle client connection is closed after this long, as node:http's keepAliveTimeout did. */
const IDLE_MS = 30_000;

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

/** A response the proxy writes itself: a fault's status or a control API answer. */
interface Answer {
  status: number;
  headers: Array<[string, string]>;
  body: string;
}

function jsonAnswer(status: number, body: unknown, headers: Array<[string, string]> = []): Answer {
  return { status, headers: [["content-type", "application/json"], ...headers], body: JSON.stringify(body) };
}

function serialize(a: Answer, close: boolean): Buffer {
  const body = Buffer.from(a.body, "utf8");
  let head = `HTTP/1.1 ${a.status} ${STATUS_CODES[a.status] ?? ""}\r\n`;
  for (const [k, v] of a.headers) head += `${k}: ${v}\r\n`;
  head += `content-length: ${body.length}\r\ndate: ${new Date().toUTCString()}\r\nconnection: ${close ? "close" : "keep-alive"}\r\n\r\n`;
  return Buffer.concat([Buffer.from(head, "latin1"), body]);
}

/** The answer a status rule gives, as node:http's version of this proxy wrote it. */
function faultAnswer(rule: Rule & { status: number }): Answer {
  const extra: Array<[string, string]> = [["x-gameday-fault", rule.tag]];
  if (rule.retryAfterSec !== undefined) extra.push(["retry-after", String(rule.retryAfterSec)]);
  if (rule.body !== undefined)
    return { status: rule.status, headers: [["content-type", "text/plain"], ...extra], body: rule.body };
  return jsonAnswer(rule.status, { error: "fault injected by gameday", status: rule.status }, extra);
}

/** Constant-time bearer check, so the token cannot be guessed byte by byte from response timing. */
function authorized(header: string | undefined, token: string): boolean {
  const got = Buffer.from(header ?? "");
  const want = Buffer.from(`Bearer ${token}`);
  return got.length === want.length && timingSafeEqual(got, want);
}

class ProtocolError extends Error {}

/**
 * Finds where a chunked body ends, across reads, without copying it: sizes, extensions and trailers
 * are stepped over byte by byte; chunk data is skipped in one step.
 */
class ChunkedScanner {
  #state: "size" | "ext" | "data" | "dataEnd" | "trailer" = "size";
  #size = 0;
  #digits = 0;
  #remaining = 0;
  #lineLength = 0;

  /** Consumes buf from `from`; returns the offset just past the body's end, or -1 if it goes on. */
  scan(buf: Buffer, from: number): number {
    let i = from;
    const n = buf.length;
    while (i < n) {
      switch (this.#state) {
        case "size": {
          const c = buf[i++]!;
          const hex =
            c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;
          if (hex >= 0) {
            if (++this.#digits > 12) throw new ProtocolError("chunk size too large");
            this.#size = this.#size * 16 + hex;
          } else if (c === 59 /* ; */ || c === 13 /* \r */ || c === 32 || c === 9) {
            if (this.#digits === 0) throw new ProtocolError("chunk size missing");
            this.#state = "ext";
          } else if (c === 10 /* \n */ && this.#digits > 0) {
            this.#endSizeLine();
          } else throw new ProtocolError("bad chunk size");
          break;
        }
        case "ext":
          if (buf[i++] === 10) this.#endSizeLine();
          break;
        case "data": {
          const take = Math.min(this.#remaining, n - i);
          i += take;
          this.#remaining -= take;
          if (this.#remaining === 0) this.#state = "dataEnd";
          break;
        }
        case "dataEnd":
          if (buf[i++] === 10) {
            this.#state = "size";
            this.#size = 0;
            this.#digits = 0;
          }
          break;
        case "trailer": {
          const c = buf[i++]!;
          if (c === 10) {
            if (this.#lineLength === 0) return i;
            this.#lineLength = 0;
          } else if (c !== 13) this.#lineLength++;
          break;
        }
      }
    }
    return -1;
  }

  #endSizeLine(): void {
    if (this.#size === 0) {
      this.#state = "trailer";
      this.#lineLength = 0;
    } else {
      this.#state = "data";
      this.#remaining = this.#size;
    }
  }
}

/** How a message's body is delimited. */
type Framing =
  | { kind: "length"; remaining: number }
  | { kind: "chunked"; scanner: ChunkedScanner }
  | { kind: "close" };

/** What a request head says, read in one pass over its latin1 text. */
interface RequestHead {
  text: string;
  method: string;
  target: string;
  minor: number;
  /** Offsets of the Host header's value in `text`, or -1. */
  hostStart: number;
  hostEnd: number;
  framing: Framing;
  close: boolean;
}

/** A response on its way to the client, in request order. */
interface Pending {
  /** Written by the proxy itself (a fault or the control API), or forwarded from the upstream. */
  local?: Buffer;
  /** Close the client connection after this response. */
  close: boolean;
  /** The request was HEAD: the response has no body whatever its headers say. */
  head: boolean;
  /** Abort rule: the client gets the response head, then the connection is cut. */
  abort: boolean;
  /** Response bytes already written to the client. */
  started: boolean;
}

const NODE_FIRST_WINS = new Set([
  "age",
  "authorization",
  "content-length",
  "content-type",
  "etag",
  "expires",
  "from",
  "host",
  "if-modified-since",
  "if-unmodified-since",
  "last-modified",
  "location",
  "max-forwards",
  "proxy-authorization",
  "referer",
  "retry-after",
  "server",
  "user-agent",
]);

/** A header's value from a head's text, combined across repeats as IncomingMessage.headers does. */
function headerValue(text: string, lowerName: string): string | undefined {
  let found: string | undefined;
  let at = text.indexOf("\r\n") + 2;
  while (at > 1 && at < text.length) {
    let end = text.indexOf("\r\n", at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", at);
    if (colon > at && colon < end && colon - at === lowerName.length) {
      if (text.slice(at, colon).toLowerCase() === lowerName) {
        const value = text.slice(colon + 1, end).trim();
        if (found === undefined) found = value;
        else if (lowerName === "set-cookie")
          return undefined; // an array in Node: equals no string
        else if (!NODE_FIRST_WINS.has(lowerName)) found += (lowerName === "cookie" ? "; " : ", ") + value;
      }
    }
    at = end + 2;
  }
  return found;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Reads the request line and the framing headers of a complete head (without its blank line). */
function parseRequestHead(text: string): RequestHead {
  const lineEnd = text.indexOf("\r\n");
  const line = lineEnd < 0 ? text : text.slice(0, lineEnd);
  const sp1 = line.indexOf(" ");
  const sp2 = line.lastIndexOf(" ");
  if (sp1 <= 0 || sp2 <= sp1 + 1) throw new ProtocolError("bad request line");
  const method = line.slice(0, sp1);
  const version = line.slice(sp2 + 1);
  if (!TOKEN.test(method) || (version !== "HTTP/1.1" && version !== "HTTP/1.0"))
    throw new ProtocolError("bad request line");
  const minor = version === "HTTP/1.1" ? 1 : 0;
  let hostStart = -1;
  let hostEnd = -1;
  let length = -1;
  let chunked = false;
  let encoded = false;
  let close = minor === 0;
  let at = lineEnd < 0 ? text.length : lineEnd + 2;
  while (at < text.length) {
    let end = text.indexOf("\r\n", at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", at);
    if (colon <= at || colon > end) throw new ProtocolError("bad header line");
    const nameLength = colon - at;
    // Only four names matter here; comparing lengths first keeps other headers to one subtraction.
    if (nameLength === 4 || nameLength === 10 || nameLength === 14 || nameLength === 17) {
      const name = text.slice(at, colon).toLowerCase();
      if (name === "host") {
        if (hostStart >= 0) throw new ProtocolError("repeated Host");
        hostStart = colon + 1;
        hostEnd = end;
      } else if (name === "content-length") {
        const v = text.slice(colon + 1, end).trim();
        if (!/^\d{1,15}$/.test(v) || (length >= 0 && Number(v) !== length))
          throw new ProtocolError("bad Content-Length");
        length = Number(v);
      } else if (name === "transfer-encoding") {
        encoded = true;
        chunked = /(^|,)\s*chunked\s*$/i.test(text.slice(colon + 1, end));
      } else if (name === "connection") {
        const v = text.slice(colon + 1, end).toLowerCase();
        if (/(^|,)\s*close\s*(,|$)/.test(v)) close = true;
        else if (minor === 0 && /(^|,)\s*keep-alive\s*(,|$)/.test(v)) close = false;
      }
    }
    at = end + 2;
  }
  // As node:http (llhttp) does: a request with both, or with a final coding other than chunked, is
  // refused, since proxy and upstream could read its end differently (request smuggling).
  if (encoded && (!chunked || length >= 0)) throw new ProtocolError("ambiguous request framing");
  const framing: Framing = chunked
    ? { kind: "chunked", scanner: new ChunkedScanner() }
    : { kind: "length", remaining: Math.max(0, length) };
  return { text, method, target: line.slice(sp1 + 1, sp2), minor, hostStart, hostEnd, framing, close };
}

/** Reads a response head's status and framing. */
function parseResponseHead(
  text: string,
  forHead: boolean,
): { status: number; framing: Framing; close: boolean } {
  if (!text.startsWith("HTTP/1.")) throw new ProtocolError("bad status line");
  const status = Number(text.slice(9, 12));
  if (!Number.isInteger(status) || status < 100) throw new ProtocolError("bad status line");
  let length = -1;
  let chunked = false;
  let close = text[7] === "0";
  let at = text.indexOf("\r\n");
  at = at < 0 ? text.length : at + 2;
  while (at < text.length) {
    let end = text.indexOf("\r\n", at);
    if (end < 0) end = text.length;
    const colon = text.indexOf(":", at);
    const nameLength = colon - at;
    if (colon > at && colon < end && (nameLength === 10 || nameLength === 14 || nameLength === 17)) {
      const name = text.slice(at, colon).toLowerCase();
      const v = text
        .slice(colon + 1, end)
        .trim()
        .toLowerCase();
      if (name === "content-length") length = Number(v);
      else if (name === "transfer-encoding") chunked = /(^|,)\s*chunked$/.test(v);
      else if (name === "connection") {
        if (/(^|,)\s*close\s*(,|$)/.test(v)) close = true;
        else if (/(^|,)\s*keep-alive\s*(,|$)/.test(v)) close = false;
      }
    }
    at = end + 2;
  }
  const bodiless = forHead || status < 200 || status === 204 || status === 304;
  const framing: Framing = bodiless
    ? { kind: "length", remaining: 0 }
    : chunked
      ? { kind: "chunked", scanner: new ChunkedScanner() }
      : length >= 0 && Number.isSafeInteger(length)
        ? { kind: "length", remaining: length }
        : { kind: "close" };
  return { status, framing, close };
}

/** Advances a body's framing over buf from `from`; returns where the body ends, or -1 if it goes on. */
function bodyEnd(framing: Framing, buf: Buffer, from: number): number {
  if (framing.kind === "length") {
    const take = Math.min(framing.remaining, buf.length - from);
    framing.remaining -= take;
    return framing.remaining === 0 ? from + take : -1;
  }
  if (framing.kind === "chunked") return framing.scanner.scan(buf, from);
  return -1;
}

interface Shared {
  rules: RuleSet;
  upstream: URL;
  upstreamLabel: string;
  basePath: string;
  control(method: string, target: string, headers: (n: string) => string | undefined, body: string): Answer;
}

/** One client connection, its upstream connection, and the requests in flight between them. */
class Connection {
  readonly #s: Shared;
  readonly #c: Socket;
  #u: Socket | undefined;
  #upError = "";
  /** Responses owed to the client, oldest first. */
  readonly #queue: Pending[] = [];
  // Request side: a partial head, the body being passed on, where it goes, and a latency pause.
  #reqHead: Buffer | undefined;
  #reqBody: Framing | undefined;
  #reqTo: "upstream" | "drop" | "control" = "upstream";
  #controlBody: Buffer[] = [];
  #controlSize = 0;
  #controlHead: RequestHead | undefined;
  #held: Buffer | undefined;
  #timer: NodeJS.Timeout | undefined;
  // Response side: a partial head and the body being passed on.
  #resHead: Buffer | undefined;
  #resBody: Framing | undefined;
  #closed = false;
  /** Waiting for the upstream (client) socket to drain; reading from the other side is paused. */
  #upFull = false;
  #clientFull = false;

  constructor(shared: Shared, socket: Socket) {
    this.#s = shared;
    this.#c = socket;
    socket.setNoDelay(true);
    // Idle means owing nothing: no answer due, no latency hold, no request body still coming.
    socket.setTimeout(IDLE_MS, () => {
      if (this.#queue.length === 0 && this.#timer === undefined && !this.#reqBody) socket.destroy();
    });
    socket.on("data", (b: Buffer) => this.#fromClient(b));
    // A client that shuts its side gives up what it has in flight, as with node:http's default
    // (httpAllowHalfOpen off): a held request is never forwarded, an upstream response is cut.
    socket.on("end", () => {
      socket.end();
      this.#shutdown();
    });
    socket.on("error", () => socket.destroy());
    socket.on("close", () => this.#shutdown());
  }

  destroy(): void {
    this.#c.destroy();
    this.#shutdown();
  }

  #shutdown(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    const u = this.#u;
    this.#u = undefined;
    u?.destroy();
  }

  // ---- client → upstream ------------------------------------------------------------------------

  #fromClient(chunk: Buffer): void {
    if (this.#timer !== undefined) {
      // A latency hold: the socket keeps being read so a client that leaves is seen at once, and
      // what it sends meanwhile waits here (reading pauses past HELD_MAX, the next request's worth).
      this.#held = this.#held ? Buffer.concat([this.#held, chunk]) : chunk;
      if (this.#held.length > HELD_MAX) this.#c.pause();
      return;
    }
    let buf = chunk;
    let at = 0;
    try {
      while (at < buf.length && !this.#closed) {
        if (this.#reqBody) {
          const end = bodyEnd(this.#reqBody, buf, at);
          this.#body(buf, at, end < 0 ? buf.length : end);
          if (end < 0) return;
          this.#reqBody = undefined;
          at = end;
          if (this.#reqTo === "control") this.#controlDone();
          continue;
        }
        if (this.#reqHead) {
          buf = Buffer.concat([this.#reqHead, buf.subarray(at)]);
          at = 0;
          this.#reqHead = undefined;
        }
        // Blank lines before a request line are allowed (RFC 9112 §2.2).
        while (at + 1 < buf.length && buf[at] === 13 && buf[at + 1] === 10) at += 2;
        const end = buf.indexOf("\r\n\r\n", at, "latin1");
        if (end < 0) {
          if (buf.length - at > MAX_HEAD) throw new ProtocolError("request head too large");
          if (at < buf.length) this.#reqHead = buf.subarray(at);
          return;
        }
        if (end - at > MAX_HEAD) throw new ProtocolError("request head too large");
        const head = parseRequestHead(buf.toString("latin1", at, end));
        at = end + 4;
        if (!this.#request(head, buf, at)) {
          // Held by a latency rule: the rest waits for the timer.
          this.#held = at < buf.length ? buf.subarray(at) : undefined;
          return;
        }
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.destroy();
    }
  }

  /** Handles a parsed request head; false when a latency rule holds the connection until later. */
  #request(head: RequestHead, buf: Buffer, bodyAt: number): boolean {
    const s = this.#s;
    if (head.method === "CONNECT") throw new ProtocolError("CONNECT is not proxied");
    if (head.target.startsWith(CONTROL_PREFIX)) {
      this.#controlHead = head;
      this.#controlBody = [];
      this.#controlSize = 0;
      this.#start(head.framing, "control");
      if (this.#reqBody === undefined) this.#controlDone();
      return true;
    }
    const rule =
      s.rules.size === 0
        ? undefined
        : s.rules.pick(head.method, head.target, (name) => headerValue(head.text, name));
    if (!rule) {
      this.#forward(head, buf, bodyAt, false);
      return true;
    }
    if (rule.latencyMs) {
      // Nothing is forwarded or answered on this connection until the delay is over; a client
      // that gives up meanwhile never reaches the upstream (the timer dies with the connection).
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        const rest = this.#held;
        this.#held = undefined;
        this.#act(rule, head);
        if (!this.#upFull) this.#c.resume();
        if (rest) this.#fromClient(rest);
      }, rule.latencyMs);
      return false;
    }
    this.#act(rule, head);
    return true;
  }

  /** What a matched rule does once its latency (if any) is over; the body follows in #fromClient. */
  #act(rule: Rule, head: RequestHead): void {
    if (rule.status !== undefined) {
      const close = head.close;
      this.#queue.push({
        local: serialize(faultAnswer(rule as Rule & { status: number }), close),
        close,
        head: false,
        abort: false,
        started: false,
      });
      this.#start(head.framing, "drop");
      this.#flush();
      return;
    }
    this.#forward(head, undefined, 0, rule.abort);
  }

  /** Sets up a request's body framing; a body already complete (none) leaves #reqBody unset. */
  #start(framing: Framing, to: "upstream" | "drop" | "control"): void {
    this.#reqTo = to;
    this.#reqBody = framing.kind === "length" && framing.remaining === 0 ? undefined : framing;
  }

  /**
   * Sends a request head upstream. `raw` is the head's bytes [rawAt, end of blank line) when they
   * are still at hand (not after a latency hold): an unchanged head is then written without a copy.
   */
  #forward(head: RequestHead, raw: Buffer | undefined, rawAt: number, abort: boolean): void {
    const s = this.#s;
    const u = this.#upstream();
    this.#queue.push({ close: head.close, head: head.method === "HEAD", abort, started: false });
    this.#start(head.framing, "upstream");
    const host = s.upstream.host;
    const text = head.text;
    if (
      !s.basePath &&
      head.hostStart >= 0 &&
      raw &&
      text.slice(head.hostStart, head.hostEnd).trim() === host
    ) {
      u.write(raw.subarray(rawAt - text.length - 4, rawAt));
      return;
    }
    // Host is rewritten to the upstream's (as node:http's request() set it) and the upstream URL's
    // path prepended; every other byte of the head goes as received.
    let lineEnd = text.indexOf("\r\n");
    if (lineEnd < 0) lineEnd = text.length;
    const line = s.basePath
      ? `${head.method} ${s.basePath}${head.target} HTTP/1.${head.minor}`
      : text.slice(0, lineEnd);
    const out =
      head.hostStart >= 0
        ? `${line}${text.slice(lineEnd, head.hostStart)} ${host}${text.slice(head.hostEnd)}\r\n\r\n`
        : `${line}\r\nHost: ${host}${text.slice(lineEnd)}\r\n\r\n`;
    u.write(out, "latin1");
  }

  /** Bytes [from, to) of buf belong to the current request's body. */
  #body(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (this.#reqTo === "upstream") {
      const u = this.#u;
      if (u && !u.write(from === 0 && to === buf.length ? buf : buf.subarray(from, to)) && !this.#upFull) {
        this.#upFull = true;
        this.#c.pause();
        u.once("drain", () => {
          this.#upFull = false;
          if (this.#timer === undefined) this.#c.resume();
        });
      }
    } else if (this.#reqTo === "control") {
      this.#controlSize += to - from;
      if (this.#controlSize > MAX_CONTROL_BODY) {
        this.#reqTo = "drop";
        this.#controlHead = undefined;
        this.#queue.push({
          local: serialize(jsonAnswer(400, { error: `body over ${MAX_CONTROL_BODY} bytes` }), true),
          close: true,
          head: false,
          abort: false,
          started: false,
        });
        this.#flush();
        return;
      }
      this.#controlBody.push(Buffer.from(buf.subarray(from, to)));
    }
  }

  #controlDone(): void {
    const head = this.#controlHead;
    this.#controlHead = undefined;
    if (!head) return;
    let body: Buffer = Buffer.concat(this.#controlBody);
    this.#controlBody = [];
    if (head.framing.kind === "chunked") body = dechunk(body);
    let answer: Answer;
    try {
      answer = this.#s.control(
        head.method,
        head.target,
        (n) => headerValue(head.text, n),
        body.toString("utf8"),
      );
    } catch (err) {
      answer = jsonAnswer(400, { error: (err as Error).message });
    }
    this.#queue.push({
      local: serialize(answer, head.close),
      close: head.close,
      head: false,
      abort: false,
      started: false,
    });
    this.#flush();
  }

  // ---- upstream → client ------------------------------------------------------------------------

  #upstream(): Socket {
    if (this.#u) return this.#u;
    const u = connect({ host: this.#s.upstream.hostname, port: Number(this.#s.upstream.port || 80) });
    u.setNoDelay(true);
    this.#u = u;
    this.#upError = "";
    this.#resHead = undefined;
    this.#resBody = undefined;
    u.on("data", (b: Buffer) => this.#fromUpstream(u, b));
    u.on("error", (err) => {
      this.#upError = err.message;
    });
    u.on("close", () => this.#upstreamClosed(u));
    return u;
  }

  #fromUpstream(u: Socket, chunk: Buffer): void {
    let buf = chunk;
    let at = 0;
    try {
      while (at < buf.length && this.#u === u) {
        const p = this.#queue[0];
        if (!p || p.local) throw new ProtocolError("upstream sent a response nobody asked for");
        if (this.#resBody) {
          const end = bodyEnd(this.#resBody, buf, at);
          this.#toClient(buf, at, end < 0 ? buf.length : end);
          p.started = true;
          if (end < 0) return;
          at = end;
          this.#resBody = undefined;
          this.#responseDone(p, false);
          continue;
        }
        if (this.#resHead) {
          buf = Buffer.concat([this.#resHead, buf.subarray(at)]);
          at = 0;
          this.#resHead = undefined;
        }
        const end = buf.indexOf("\r\n\r\n", at, "latin1");
        if (end < 0) {
          if (buf.length - at > MAX_HEAD) throw new ProtocolError("response head too large");
          this.#resHead = buf.subarray(at);
          return;
        }
        const r = parseResponseHead(buf.toString("latin1", at, end), p.head);
        const headEnd = end + 4;
        if (r.status === 101) {
          this.#tunnel(buf, at);
          return;
        }
        if (p.abort && r.status >= 200) {
          // The head reaches the client, then both connections are cut mid-response.
          this.#c.end(buf.subarray(at, headEnd));
          this.#shutdown();
          return;
        }
        const bodyEnds = r.framing.kind === "length" && r.framing.remaining === 0;
        if (bodyEnds) {
          this.#toClient(buf, at, headEnd);
          at = headEnd;
          if (r.status >= 200) this.#responseDone(p, r.close);
          continue;
        }
        this.#toClient(buf, at, headEnd);
        p.started = true;
        this.#resBody = r.framing;
        if (r.close) p.close = true;
        at = headEnd;
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.destroy();
    }
  }

  /** Writes bytes [from, to) of an upstream read to the client, with backpressure on the upstream. */
  #toClient(buf: Buffer, from: number, to: number): void {
    if (to <= from) return;
    if (!this.#c.write(from === 0 && to === buf.length ? buf : buf.subarray(from, to)) && !this.#clientFull) {
      this.#clientFull = true;
      const u = this.#u;
      u?.pause();
      this.#c.once("drain", () => {
        this.#clientFull = false;
        u?.resume();
      });
    }
  }

  #responseDone(p: Pending, upstreamCloses: boolean): void {
    this.#queue.shift();
    if (upstreamCloses) p.close = true;
    if (p.close) {
      this.#c.end();
      this.#shutdown();
      return;
    }
    this.#flush();
  }

  /** Writes the proxy's own answers that are next in line (after any forwarded one before them). */
  #flush(): void {
    while (this.#queue[0]?.local) {
      const p = this.#queue.shift()!;
      this.#c.write(p.local!);
      if (p.close) {
        this.#c.end();
        this.#shutdown();
        return;
      }
    }
  }

  #upstreamClosed(u: Socket): void {
    if (this.#u !== u) return;
    this.#u = undefined;
    const p = this.#queue[0];
    if (p && !p.local && this.#resBody?.kind === "close") {
      // A response delimited by the connection's end is complete now.
      this.#resBody = undefined;
      p.close = true;
      this.#responseDone(p, true);
      return;
    }
    this.#resBody = undefined;
    this.#resHead = undefined;
    if (this.#reqTo === "upstream") this.#reqTo = "drop";
    if (p?.started) {
      this.destroy();
      return;
    }
    // Requests sent on this connection and not yet answered get a 502 naming the upstream.
    const reason = this.#upError || "upstream closed the connection before answering";
    for (const q of this.#queue) {
      if (q.local) continue;
      q.local = serialize(
        jsonAnswer(502, { error: "upstream unreachable", upstream: this.#s.upstreamLabel, reason }),
        q.close,
      );
    }
    this.#flush();
  }

  /** After 101 Switching Protocols both sides are raw bytes: a TCP pipe from here on. */
  #tunnel(buf: Buffer, at: number): void {
    const u = this.#u!;
    this.#queue.length = 0;
    u.removeAllListeners("data");
    this.#c.removeAllListeners("data");
    this.#c.setTimeout(0);
    this.#c.write(buf.subarray(at));
    if (this.#held) u.write(this.#held);
    u.pipe(this.#c);
    this.#c.pipe(u);
  }
}

/** Decodes a complete chunked body (control API requests only). */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf("\r\n", at, "latin1");
    if (eol < 0) throw new Error("malformed chunked body");
    const size = Number.parseInt(raw.toString("latin1", at, eol).split(";")[0]!.trim(), 16);
    if (!Number.isFinite(size)) throw new Error("malformed chunked body");
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
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
  const rules = new RuleSet(o.random);

  const control = (
    method: string,
    target: string,
    header: (n: string) => string | undefined,
    body: string,
  ): Answer => {
    // Health stays open so readiness checks need no secret; it reveals only the rule count.
    if (o.token && target !== `${CONTROL_PREFIX}health` && !authorized(header("authorization"), o.token))
      return jsonAnswer(401, { error: "missing or wrong bearer token" });
    const url = new URL(target, "http://proxy");
    const path = url.pathname.slice(CONTROL_PREFIX.length);
    if (path === "health" && method === "GET")
      return jsonAnswer(200, { ok: true, upstream: o.upstream, rules: rules.size });
    if (path === "rules" && method === "GET") return jsonAnswer(200, rules.list());
    if (path === "rules" && method === "POST") {
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        return jsonAnswer(400, { error: `malformed JSON: ${(err as Error).message}` });
      }
      const rule = ruleInput.safeParse(parsed);
      if (!rule.success)
        return jsonAnswer(400, {
          error: "invalid rule",
          issues: rule.error.issues.map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`),
        });
      return jsonAnswer(201, rules.add(rule.data));
    }
    if (path === "rules" && method === "DELETE") {
      const tag = url.searchParams.get("tag");
      if (tag === null || tag === "")
        return jsonAnswer(400, {
          error: "DELETE /__gameday/rules needs ?tag=<prefix> (or DELETE /__gameday/rules/<id>)",
        });
      return jsonAnswer(200, { removed: rules.removeByTag(tag) });
    }
    const one = /^rules\/([A-Za-z0-9_-]+)$/.exec(path);
    if (one && method === "DELETE") {
      const removed = rules.remove(one[1]!);
      return jsonAnswer(removed ? 200 : 404, removed ? { removed: 1 } : { error: `no rule ${one[1]}` });
    }
    return jsonAnswer(404, { error: `no control route ${method} ${url.pathname}` });
  };

  const shared: Shared = {
    rules,
    upstream,
    upstreamLabel: o.upstream,
    basePath: upstream.pathname.replace(/\/$/, ""),
    control,
  };
  const connections = new Set<Connection>();
  // allowHalfOpen: a client that has sent its last request and shut its side still gets the answers.
  const server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    const c = new Connection(shared, socket);
    connections.add(c);
    socket.once("close", () => connections.delete(c));
  });

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
        server.close(() => resolve());
        for (const c of connections) c.destroy();
        connections.clear();
      }),
  };
}
