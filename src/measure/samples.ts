// The one place every observed number lands: load samples, probe readings, scraped metrics.
// Kept columnar (time, value, interned tag set) so an hour of per-request samples stays small and
// measurements can use exact per-request timestamps rather than 1 s buckets.

export type Tags = Readonly<Record<string, string>>;

export interface Sample {
  /** Wall-clock milliseconds (fractional allowed). */
  t: number;
  value: number;
  tags: Tags;
}

export interface TagFilter {
  [key: string]: string | ((value: string | undefined) => boolean);
}

export interface Bucket {
  /** Bucket start, wall-clock ms. */
  start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Values in arrival order, kept only for percentile math within a bucket. */
  values: Float64Array;
}

class Column {
  t = new Float64Array(1024);
  v = new Float64Array(1024);
  tagId = new Uint32Array(1024);
  length = 0;
  sorted = true;

  push(t: number, v: number, tagId: number): void {
    if (this.length === this.t.length) {
      const cap = this.length * 2;
      const nt = new Float64Array(cap);
      nt.set(this.t);
      this.t = nt;
      const nv = new Float64Array(cap);
      nv.set(this.v);
      this.v = nv;
      const ni = new Uint32Array(cap);
      ni.set(this.tagId);
      this.tagId = ni;
    }
    if (this.length > 0 && t < this.t[this.length - 1]!) this.sorted = false;
    this.t[this.length] = t;
    this.v[this.length] = v;
    this.tagId[this.length] = tagId;
    this.length += 1;
  }

  /** Loads deliver samples slightly out of order (by completion); sort lazily before the first query. */
  ensureSorted(): void {
    if (this.sorted) return;
    const idx = Array.from({ length: this.length }, (_, i) => i).sort((a, b) => this.t[a]! - this.t[b]!);
    const t = new Float64Array(this.t.length);
    const v = new Float64Array(this.v.length);
    const g = new Uint32Array(this.tagId.length);
    idx.forEach((from, to) => {
      t[to] = this.t[from]!;
      v[to] = this.v[from]!;
      g[to] = this.tagId[from]!;
    });
    this.t = t;
    this.v = v;
    this.tagId = g;
    this.sorted = true;
  }

  /** First index with t >= from. */
  lowerBound(from: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < from) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  bytes(): number {
    return this.t.byteLength + this.v.byteLength + this.tagId.byteLength;
  }
}

export class SampleStore {
  readonly #columns = new Map<string, Column>();
  readonly #tagSets: Tags[] = [];
  readonly #tagIndex = new Map<string, number>();

  add(metric: string, t: number, value: number, tags: Tags = {}): void {
    let col = this.#columns.get(metric);
    if (!col) {
      col = new Column();
      this.#columns.set(metric, col);
    }
    col.push(t, value, this.#intern(tags));
  }

  metrics(): string[] {
    return [...this.#columns.keys()].sort();
  }

  count(metric: string): number {
    return this.#columns.get(metric)?.length ?? 0;
  }

  /** Samples of one metric in time order within [from, to), optionally filtered by tags. */
  *samples(metric: string, filter: TagFilter = {}, from = -Infinity, to = Infinity): Generator<Sample> {
    const col = this.#columns.get(metric);
    if (!col) return;
    col.ensureSorted();
    const match = this.#matcher(filter);
    for (let i = col.lowerBound(from); i < col.length; i++) {
      const t = col.t[i]!;
      if (t >= to) break;
      const tags = this.#tagSets[col.tagId[i]!]!;
      if (match(tags)) yield { t, value: col.v[i]!, tags };
    }
  }

  /** First sample at or after `from` matching the filter and predicate. */
  first(
    metric: string,
    filter: TagFilter = {},
    from = -Infinity,
    pred: (s: Sample) => boolean = () => true,
  ): Sample | undefined {
    for (const s of this.samples(metric, filter, from)) if (pred(s)) return s;
    return undefined;
  }

  /** Per-bucket aggregates, buckets aligned to `align` (e.g. t_inject) so boundaries fall where measurements need them. */
  buckets(
    metric: string,
    filter: TagFilter = {},
    bucketMs = 1_000,
    align = 0,
    from = -Infinity,
    to = Infinity,
  ): Bucket[] {
    const out: Bucket[] = [];
    let cur: { start: number; values: number[]; sum: number; min: number; max: number } | undefined;
    const flush = () => {
      if (!cur) return;
      out.push({
        start: cur.start,
        count: cur.values.length,
        sum: cur.sum,
        min: cur.min,
        max: cur.max,
        values: Float64Array.from(cur.values),
      });
    };
    for (const s of this.samples(metric, filter, from, to)) {
      const start = align + Math.floor((s.t - align) / bucketMs) * bucketMs;
      if (!cur || cur.start !== start) {
        flush();
        cur = { start, values: [], sum: 0, min: Infinity, max: -Infinity };
      }
      cur.values.push(s.value);
      cur.sum += s.value;
      if (s.value < cur.min) cur.min = s.value;
      if (s.value > cur.max) cur.max = s.value;
    }
    flush();
    return out;
  }

  /** Time range covered by a metric, or undefined when it has no samples. */
  span(metric: string): { from: number; to: number } | undefined {
    const col = this.#columns.get(metric);
    if (!col || col.length === 0) return undefined;
    col.ensureSorted();
    return { from: col.t[0]!, to: col.t[col.length - 1]! };
  }

  /** Bytes held by the sample columns (for the memory benchmark). */
  bytes(): number {
    let n = 0;
    for (const c of this.#columns.values()) n += c.bytes();
    return n;
  }

  #intern(tags: Tags): number {
    const keys = Object.keys(tags);
    if (keys.length === 0 && this.#tagSets.length > 0 && Object.keys(this.#tagSets[0]!).length === 0)
      return 0;
    keys.sort();
    let key = "";
    for (const k of keys) key += `${k}\u0000${tags[k]}\u0001`;
    let id = this.#tagIndex.get(key);
    if (id === undefined) {
      id = this.#tagSets.length;
      this.#tagSets.push(Object.freeze({ ...tags }));
      this.#tagIndex.set(key, id);
    }
    return id;
  }

  #matcher(filter: TagFilter): (tags: Tags) => boolean {
    const entries = Object.entries(filter);
    if (entries.length === 0) return () => true;
    return (tags) =>
      entries.every(([k, want]) => (typeof want === "function" ? want(tags[k]) : tags[k] === want));
  }
}

/** Percentile by nearest rank over a copy; fine for per-bucket slices. */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = Float64Array.from(values).sort();
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
