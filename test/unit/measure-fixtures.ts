// Hand-built journals, scenarios and per-request sample streams for the measure/evaluate tests.
import type { JournalEntry, JournalEvent } from "../../src/engine/journal-events.ts";
import { SampleStore, type Tags } from "../../src/measure/samples.ts";
import {
  faultSpec,
  type FaultSpecInput,
  type Scenario,
  type ScenarioInput,
  scenarioSchema,
} from "../../src/scenario/schema.ts";

export const T0 = 1_700_000_000_000;

export function scenario(over: Partial<ScenarioInput> = {}): Scenario {
  return scenarioSchema.parse({ id: "s1", title: "S1", owner: "SRE", hypothesis: "h", ...over });
}

export const http502 = (duration = "20s"): FaultSpecInput => ({
  kind: "http",
  target: "llm-primary",
  status: 502,
  duration,
});

/** A journal in the making: entries get increasing seq numbers and the given wall-clock t. */
export class JournalBuilder {
  readonly entries: JournalEntry[] = [];
  add(event: JournalEvent, t: number): JournalEntry {
    const entry = { ...event, seq: this.entries.length + 1, t, mono: t - T0 } as JournalEntry;
    this.entries.push(entry);
    return entry;
  }
  /** scenario.start, fault.registered + fault.applied at `inject` (when given). */
  static run(
    id: string,
    o: { start: number; inject?: number; spec?: FaultSpecInput; faultId?: string },
  ): JournalBuilder {
    const j = new JournalBuilder();
    j.add({ type: "scenario.start", scenario: id, plannedMs: 60_000 }, o.start);
    if (o.inject !== undefined) {
      const spec = faultSpec.parse(o.spec ?? http502());
      const faultId = o.faultId ?? "f1";
      j.add(
        {
          type: "fault.registered",
          scenario: id,
          faultId,
          kind: spec.kind,
          target: spec.target,
          tag: `gameday-r-${faultId}`,
          spec,
        },
        o.inject - 1,
      );
      j.add({ type: "fault.applied", faultId, plannedAt: o.inject, lateMs: 0 }, o.inject);
    }
    return j;
  }
  firing(
    name: string,
    t: number,
    o: { startsAt?: number | null; fingerprint?: string; receiver?: string } = {},
  ): JournalEntry {
    return this.add(
      {
        type: "alert.received",
        fingerprint: o.fingerprint ?? `fp-${name}`,
        name,
        status: "firing",
        startsAt: o.startsAt === undefined ? t : o.startsAt,
        endsAt: null,
        receiver: o.receiver ?? "sre",
        labels: { alertname: name },
      },
      t,
    );
  }
  ack(name: string, t: number, o: { fingerprint?: string; auto?: boolean } = {}): JournalEntry {
    return this.add(
      {
        type: "alert.ack",
        fingerprint: o.fingerprint ?? `fp-${name}`,
        name,
        by: o.auto ? "auto-responder" : "alice",
        via: o.auto ? "auto" : "cli",
        synthetic: o.auto ?? false,
      },
      t,
    );
  }
}

/** Deterministic PRNG (mulberry32) so a failing ground-truth case can be replayed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface Req {
  status: number;
  ms: number;
  tags?: Tags;
}

/**
 * Requests started at `rps` with ±40 % jitter on the gap between them, in [from, to); `at(start)`
 * says what each request looked like. As the load engines do (the built-in one and k6), a sample
 * is stamped when the request completes (start + duration). Returns the start instants.
 */
export function load(
  store: SampleStore,
  from: number,
  to: number,
  rps: number,
  at: (t: number) => Req,
  random: () => number = rng(1),
): number[] {
  const out: number[] = [];
  const gap = 1_000 / rps;
  for (let t = from + random() * gap; t < to; t += gap * (0.6 + 0.8 * random())) {
    const r = at(t);
    store.add("http_req_duration", t + r.ms, r.ms, { status: String(r.status), ...r.tags });
    out.push(t);
  }
  return out;
}

export const ok: Req = { status: 200, ms: 100 };
export const bad502: Req = { status: 502, ms: 5 };

export function newStore(): SampleStore {
  return new SampleStore();
}
