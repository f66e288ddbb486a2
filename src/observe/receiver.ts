// The alert receiver: Alertmanager (or anything that can POST JSON) delivers alerts here during a
// run. An accepted alert is journalled before the 2xx goes out, so nothing acknowledged to the
// sender can be lost. It is hardened like any listener facing other systems: loopback by default,
// bearer token required elsewhere, bounded bodies, 4xx with a reason for bad input, and no input
// can crash it.
import { isLoopback } from "../env/hosts.ts";
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import type { Journal } from "../engine/journal.ts";
import { acknowledge } from "./ack.ts";
import type { AlertBook, IncomingAlert } from "./alert-book.ts";
import {
  ackRequest,
  ackTargetOf,
  describeIssues,
  fromPlain,
  fromWebhook,
  plainAlert,
  webhookPayload,
} from "./alert-payload.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ReceiverOptions {
  host?: string;
  /** 0 or absent: a free port. */
  port?: number;
  /** Bearer token every request must carry (except /healthz). Required unless bound to loopback. */
  token?: string;
  journal?: Journal;
  book: AlertBook;
}

export interface AlertReceiver {
  url: string;
  port: number;
  close(): Promise<void>;
}

class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const RECEIVER_NAME = "[A-Za-z0-9_.-]{1,100}";
const ALERTS_ROUTE = new RegExp(`^/alerts/(${RECEIVER_NAME})(/plain)?$`);

export async function startAlertReceiver(o: ReceiverOptions): Promise<AlertReceiver> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopback(host) && !o.token) {
    throw new Error(
      `alert receiver: refusing to listen on ${host} without a token (set receiver.token, or bind to 127.0.0.1)`,
    );
  }
  const token = o.token ? Buffer.from(`Bearer ${o.token}`) : undefined;

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
      send(res, e.status, { error: e.message });
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (path === "/healthz") return send(res, 200, { ok: true });
    if (token && !authorized(req.headers.authorization, token)) {
      res.setHeader("www-authenticate", 'Bearer realm="gameday"');
      throw new HttpError(401, "missing or wrong bearer token");
    }
    const alerts = ALERTS_ROUTE.exec(path);
    if (alerts) {
      allow(req, "POST");
      const receiver = alerts[1]!;
      const body = await readJson(req);
      const incoming = alerts[2]
        ? [fromPlain(validate(plainAlert, body), receiver)]
        : fromWebhook(validate(webhookPayload, body), receiver);
      return send(res, 200, intake(incoming));
    }
    if (path === "/ack") {
      allow(req, "POST");
      const body = validate(ackRequest, await readJson(req));
      const out = acknowledge(o.book, o.journal, ackTargetOf(body), {
        by: body.by,
        via: body.via,
        synthetic: false,
      });
      const all = [...out.acked, ...out.already];
      return send(res, 200, {
        acked: out.acked.map((a) => a.fingerprint),
        already: out.already.map((a) => a.fingerprint),
        alerts: all.map((a) => ({ fingerprint: a.fingerprint, name: a.name, status: a.status })),
      });
    }
    if (path === "/alerts") {
      allow(req, "GET");
      return send(res, 200, { alerts: o.book.list() });
    }
    throw new HttpError(
      404,
      `no route ${path} (POST /alerts/<receiver>, POST /alerts/<receiver>/plain, POST /ack, GET /alerts)`,
    );
  }

  function intake(alerts: IncomingAlert[]): { accepted: number; duplicates: number } {
    let accepted = 0;
    const at = Date.now();
    for (const a of alerts) {
      const isNew = o.book.receive(a, at, (x) =>
        o.journal?.write(
          {
            type: "alert.received",
            fingerprint: x.fingerprint,
            name: x.name,
            status: x.status,
            startsAt: x.startsAt,
            endsAt: x.endsAt,
            receiver: x.receiver,
            labels: x.labels,
          },
          at,
        ),
      );
      if (isNew) accepted++;
    }
    return { accepted, duplicates: alerts.length - accepted };
  }

  // Malformed HTTP (bad request line, oversized headers) gets a 400 instead of an error event.
  server.on("clientError", (_err, socket) => {
    if (socket.writable)
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    else socket.destroy();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new Error(`alert receiver: cannot listen on ${host}:${o.port ?? 0}: ${err.message}`)),
    );
    server.listen(o.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function authorized(header: string | undefined, expected: Buffer): boolean {
  if (header === undefined) return false;
  const got = Buffer.from(header);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

function allow(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `${req.method} not allowed here; use ${method}`);
}

function validate<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, `invalid payload: ${describeIssues(r.error)}`);
  return r.data;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) {
    req.resume();
    throw new HttpError(413, `body of ${declared} bytes exceeds ${MAX_BODY_BYTES}`);
  }
  // Event-based rather than for-await: leaving an async iterator early destroys the socket, and
  // the sender should still get its 413. Excess bytes are read and dropped.
  const body = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on("data", (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        over = true;
        chunks.length = 0;
        reject(new HttpError(413, `body exceeds ${MAX_BODY_BYTES} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!over) resolve(Buffer.concat(chunks));
    });
    req.on("error", (err) => reject(new HttpError(400, `request stream failed: ${err.message}`)));
  });
  const text = body.toString("utf8");
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new HttpError(400, `malformed JSON: ${(err as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
