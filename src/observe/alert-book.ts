// The harness's view of alerts during a run: one entry per fingerprint with its firing/resolved
// state and acknowledgement. State changes go through a `commit` callback first (the journal
// write), so the book never holds something the journal does not — a failed write leaves the
// book unchanged and the sender's retry is not mistaken for a duplicate.
import { createHash } from "node:crypto";

export type AlertStatus = "firing" | "resolved";
export type AckVia = "cli" | "api" | "web" | "auto";

/** One alert notification as the receiver understood it (from Alertmanager or a plain post). */
export interface IncomingAlert {
  fingerprint: string;
  name: string;
  status: AlertStatus;
  /** Wall-clock ms; null when the sender gave none (Alertmanager's zero time). */
  startsAt: number | null;
  endsAt: number | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  receiver: string;
}

export interface AckRecord {
  at: number;
  by: string;
  via: AckVia;
  synthetic: boolean;
}

export interface AlertState extends IncomingAlert {
  firstReceivedAt: number;
  lastReceivedAt: number;
  /** Acknowledgement of the current firing episode, if any. */
  ack: AckRecord | null;
}

export type AckTarget = { fingerprint: string } | { name: string } | { all: true };

export interface AckOutcome {
  /** Alerts this call acknowledged (first acknowledgements only). */
  acked: AlertState[];
  /** Alerts that matched but were acknowledged before; unchanged. */
  already: AlertState[];
}

/** Alertmanager-style 16 hex digit fingerprint for senders that give none: stable over label order. */
export function fingerprintOf(labels: Record<string, string>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => [k, labels[k]]);
  return createHash("sha256").update(JSON.stringify(canonical)).digest("hex").slice(0, 16);
}

export class AlertBook {
  readonly #alerts = new Map<string, AlertState>();
  readonly #onFiring = new Set<(a: AlertState) => void>();

  /**
   * Records a notification unless it repeats the last one for its fingerprint (same status and
   * startsAt). `commit` runs before the book changes; if it throws, nothing is recorded.
   * Returns whether the notification was new.
   */
  receive(alert: IncomingAlert, at: number, commit: (a: IncomingAlert) => void = () => {}): boolean {
    const prev = this.#alerts.get(alert.fingerprint);
    if (prev && prev.status === alert.status && prev.startsAt === alert.startsAt) return false;
    // Prometheus gives a re-fired alert a new startsAt, so "firing" with the start of an episode
    // already resolved is a late retry of an old notification, not a new episode.
    if (
      prev?.status === "resolved" &&
      alert.status === "firing" &&
      alert.startsAt !== null &&
      prev.startsAt === alert.startsAt
    ) {
      return false;
    }
    commit(alert);
    // A new firing episode (first sight, or firing again after a resolve / with a new start) needs its own ack.
    const newEpisode =
      alert.status === "firing" && (!prev || prev.status === "resolved" || prev.startsAt !== alert.startsAt);
    const state: AlertState = {
      ...alert,
      firstReceivedAt: prev?.firstReceivedAt ?? at,
      lastReceivedAt: at,
      ack: newEpisode ? null : (prev?.ack ?? null),
    };
    this.#alerts.set(alert.fingerprint, state);
    if (newEpisode) for (const l of this.#onFiring) l(state);
    return true;
  }

  /** Acknowledges the matching alerts. `{ fingerprint }` matches any known alert; name and all match firing ones. */
  ack(target: AckTarget, ack: AckRecord, commit: (a: AlertState) => void = () => {}): AckOutcome {
    const out: AckOutcome = { acked: [], already: [] };
    for (const a of this.#match(target)) {
      if (a.ack) {
        out.already.push(a);
        continue;
      }
      commit(a);
      a.ack = { ...ack };
      out.acked.push(a);
    }
    return out;
  }

  get(fingerprint: string): AlertState | undefined {
    return this.#alerts.get(fingerprint);
  }

  list(): AlertState[] {
    return [...this.#alerts.values()].sort((a, b) => a.firstReceivedAt - b.firstReceivedAt);
  }

  firing(): AlertState[] {
    return this.list().filter((a) => a.status === "firing");
  }

  /** Called once per new firing episode, after it is recorded. Returns an unsubscribe function. */
  onFiring(listener: (a: AlertState) => void): () => void {
    this.#onFiring.add(listener);
    return () => this.#onFiring.delete(listener);
  }

  #match(target: AckTarget): AlertState[] {
    if ("fingerprint" in target) {
      const a = this.#alerts.get(target.fingerprint);
      return a ? [a] : [];
    }
    if ("name" in target) return this.firing().filter((a) => a.name === target.name);
    return this.firing();
  }
}
