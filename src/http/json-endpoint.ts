// The request handling every gameday listener shares (the alert receiver, the serve API): errors
// as JSON with a status and a reason, bearer-token checks in constant time, bodies bounded, and
// malformed JSON answered with the parser's reason instead of a crash.
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { z } from "zod";
import { describeIssues } from "../observe/alert-payload.ts";

export const MAX_BODY_BYTES = 1024 * 1024;

export class HttpError extends Error {
  readonly status: number;
  readonly extra: Record<string, unknown> | undefined;
  constructor(status: number, message: string, extra?: Record<string, unknown>) {
    super(message);
    this.status = status;
    this.extra = extra;
  }
}

/** Compares an Authorization header with `Bearer <token>` without leaking the match length. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const got = Buffer.from(header);
  const expected = Buffer.from(`Bearer ${token}`);
  return got.length === expected.length && timingSafeEqual(got, expected);
}

export function allowMethod(req: IncomingMessage, method: string): void {
  if (req.method !== method) throw new HttpError(405, `${req.method} not allowed here; use ${method}`);
}

export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const r = schema.safeParse(body);
  if (!r.success) throw new HttpError(400, `invalid payload: ${describeIssues(r.error)}`);
  return r.data;
}

/** Reads a JSON body of at most `limit` bytes: 413 beyond it, 400 with the parser's reason when malformed. */
export async function readJsonBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    throw new HttpError(413, `body of ${declared} bytes exceeds ${limit}`);
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
      if (size > limit) {
        over = true;
        chunks.length = 0;
        reject(new HttpError(413, `body exceeds ${limit} bytes`));
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

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}

export interface Listening {
  server: Server;
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * A server whose handler errors become JSON answers (HttpError's status, else 500), hardened
 * against malformed HTTP and slow senders, listening on host:port (0: a free port).
 */
export async function listenJson(
  what: string,
  host: string,
  port: number,
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<Listening> {
  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof HttpError ? err : new HttpError(500, `internal error: ${(err as Error).message}`);
      if (e.status === 401) res.setHeader("www-authenticate", 'Bearer realm="gameday"');
      sendJson(res, e.status, { error: e.message, ...e.extra });
    });
  });
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
      reject(new Error(`${what}: cannot listen on ${host}:${port}: ${err.message}`)),
    );
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  const urlHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    url: `http://${urlHost}:${bound}`,
    port: bound,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
