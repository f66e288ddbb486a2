// Acknowledgements: t_ack of DESIGN.md. The first ack of a firing episode is journalled as
// `alert.ack`; later ones change nothing, so MTTA always uses the first. Acks come from people
// (CLI, API) or from the auto-responder of unattended runs, whose acks are marked synthetic.
import type { Journal } from "../engine/journal.ts";
import type { AckOutcome, AckTarget, AckVia, AlertBook } from "./alert-book.ts";

export interface AckBy {
  by: string;
  via: AckVia;
  synthetic?: boolean;
}

/** Acknowledges matching alerts in the book, journalling each first ack before it is recorded. */
export function acknowledge(
  book: AlertBook,
  journal: Journal | undefined,
  target: AckTarget,
  who: AckBy,
  at = Date.now(),
): AckOutcome {
  const synthetic = who.synthetic ?? who.via === "auto";
  return book.ack(target, { at, by: who.by, via: who.via, synthetic }, (a) => {
    journal?.write(
      { type: "alert.ack", fingerprint: a.fingerprint, name: a.name, by: who.by, via: who.via, synthetic },
      at,
    );
  });
}

export const AUTO_RESPONDER = "auto-responder";

/**
 * Acknowledges every new firing episode `afterMs` after it was received (for unattended runs).
 * A person's earlier ack wins; the auto-responder then does nothing for that alert.
 */
export function startAutoAck(book: AlertBook, o: { afterMs: number; journal?: Journal }): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const schedule = (fingerprint: string, receivedAt: number) => {
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        const a = book.get(fingerprint);
        if (!a || a.ack) return;
        acknowledge(book, o.journal, { fingerprint }, { by: AUTO_RESPONDER, via: "auto", synthetic: true });
      },
      Math.max(0, receivedAt + o.afterMs - Date.now()),
    );
    timers.add(timer);
  };
  for (const a of book.firing()) if (!a.ack) schedule(a.fingerprint, a.lastReceivedAt);
  const off = book.onFiring((a) => schedule(a.fingerprint, a.lastReceivedAt));
  return {
    stop() {
      off();
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}

export interface SendAckResult {
  /** Fingerprints acknowledged by this call. */
  acked: string[];
  /** Fingerprints that matched but had been acknowledged already. */
  already: string[];
  alerts: Array<{ fingerprint: string; name: string; status: string }>;
}

/** Client for `gameday ack`: posts to a running receiver's /ack. */
export async function sendAck(
  receiverUrl: string,
  target: AckTarget,
  o: { by: string; token?: string; via?: "cli" | "api"; timeoutMs?: number },
): Promise<SendAckResult> {
  const url = new URL("ack", receiverUrl.endsWith("/") ? receiverUrl : `${receiverUrl}/`);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(o.token ? { authorization: `Bearer ${o.token}` } : {}),
      },
      body: JSON.stringify({ ...target, by: o.by, via: o.via ?? "cli" }),
      signal: AbortSignal.timeout(o.timeoutMs ?? 5_000),
    });
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    const cause = (e.cause as Error | undefined)?.message;
    throw new Error(
      `no alert receiver answering at ${url.origin} (is a gameday run going?): ${cause ?? e.message}`,
    );
  }
  if (res.status === 401) throw new Error(`the receiver at ${url.origin} requires a bearer token (--token)`);
  if (!res.ok)
    throw new Error(
      `the receiver at ${url.origin} refused the ack: HTTP ${res.status} ${text.slice(0, 200)}`,
    );
  return JSON.parse(text) as SendAckResult;
}
