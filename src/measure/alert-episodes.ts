// The alert episodes of a scenario for result.json: one record per firing → resolved episode of each
// fingerprint, not one per alert name, so an alert that fires again later in the scenario (a cache
// alert re-firing after the purge) is in the result and the reports like the first one.
import type { JournalEntry } from "../engine/journal-events.ts";
import type { AlertRecord } from "../engine/result.ts";

/**
 * Episodes received in [start, end], in the order they began, each with its first acknowledgement.
 * A firing starts an episode unless it repeats the open one (same startsAt) or is a late retry of
 * one already resolved; a resolved closes the episode with its startsAt (else the open one). An ack
 * belongs to the episode of its fingerprint current when it was journalled (the alert book acks the
 * current episode only); a name-only ack (no fingerprint) to the open episodes of that name.
 */
export function alertEpisodes(entries: readonly JournalEntry[], start: number, end: number): AlertRecord[] {
  const episodes: AlertRecord[] = [];
  const current = new Map<string, AlertRecord>();
  const count = new Map<string, number>();
  for (const e of entries) {
    if (e.t < start || e.t > end) continue;
    if (e.type === "alert.received") {
      const cur = current.get(e.fingerprint);
      if (e.status === "firing") {
        if (cur && cur.startsAt === e.startsAt && (cur.resolvedAt === null || e.startsAt !== null)) continue;
        const episode = (count.get(e.fingerprint) ?? 0) + 1;
        count.set(e.fingerprint, episode);
        const r: AlertRecord = {
          name: e.name,
          fingerprint: e.fingerprint,
          episode,
          receiver: e.receiver,
          startsAt: e.startsAt,
          receivedAt: e.t,
          resolvedAt: null,
          ackAt: null,
          ackBy: null,
          synthetic: false,
        };
        episodes.push(r);
        current.set(e.fingerprint, r);
      } else {
        const open = episodes.filter((r) => r.fingerprint === e.fingerprint && r.resolvedAt === null);
        const r =
          open.find((x) => e.startsAt !== null && x.startsAt === e.startsAt) ??
          (cur?.resolvedAt === null ? cur : undefined);
        if (r) r.resolvedAt = e.t;
      }
    } else if (e.type === "alert.ack") {
      for (const r of current.values()) {
        const match =
          e.fingerprint === r.fingerprint ||
          (e.fingerprint === "" && e.name === r.name && r.resolvedAt === null);
        if (match && r.ackAt === null) {
          r.ackAt = e.t;
          r.ackBy = e.by;
          r.synthetic = e.synthetic;
        }
      }
    }
  }
  return episodes;
}
