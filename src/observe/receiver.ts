// The alert receiver: Alertmanager (or anything that can POST JSON) delivers alerts here during a
// run. An accepted alert is journalled before the 2xx goes out, so nothing acknowledged to the
// sender can be lost. It is hardened like any listener facing other systems: loopback by default,
// bearer token required elsewhere, bounded bodies, 4xx with a reason for bad input, and no input
// can crash it.
import type { IncomingMessage, ServerResponse } from "node:http";
import { isLoopback } from "../env/hosts.ts";
import type { Journal } from "../engine/journal.ts";
import {
  allowMethod as allow,
  bearerMatches,
  HttpError,
  listenJson,
  readJsonBody as readJson,
  sendJson as send,
  validateBody as validate,
} from "../http/json-endpoint.ts";
import { acknowledge } from "./ack.ts";
import type { AlertBook, IncomingAlert } from "./alert-book.ts";
import {
  ackRequest,
  ackTargetOf,
  fromPlain,
  fromWebhook,
  plainAlert,
  webhookPayload,
} from "./alert-payload.ts";

export { MAX_BODY_BYTES } from "../http/json-endpoint.ts";

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

const RECEIVER_NAME = "[A-Za-z0-9_.-]{1,100}";
const ALERTS_ROUTE = new RegExp(`^/alerts/(${RECEIVER_NAME})(/plain)?$`);

export async function startAlertReceiver(o: ReceiverOptions): Promise<AlertReceiver> {
  const host = o.host ?? "127.0.0.1";
  if (!isLoopback(host) && !o.token) {
    throw new Error(
      `alert receiver: refusing to listen on ${host} without a token (set receiver.token, or bind to 127.0.0.1)`,
    );
  }
  const token = o.token;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://receiver").pathname;
    if (path === "/healthz") return send(res, 200, { ok: true });
    if (token && !bearerMatches(req.headers.authorization, token)) {
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

  const listening = await listenJson("alert receiver", host, o.port ?? 0, handle);
  return { url: listening.url, port: listening.port, close: listening.close };
}
