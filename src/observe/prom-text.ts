// A strict parser for the Prometheus text exposition format (version 0.0.4): HELP and TYPE lines,
// label values with \\ \" \n escapes, histogram and summary series, ±Inf and NaN, optional
// millisecond timestamps. Anything it does not understand is an error naming the line, because a
// silently misread metric would corrupt a measurement rather than fail it.

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface PromSample {
  /** The series name as written (e.g. http_request_duration_seconds_bucket). */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Milliseconds since the epoch, when the exposition gave one. */
  timestampMs?: number;
}

export interface MetricFamily {
  name: string;
  type: MetricType;
  help?: string;
  samples: PromSample[];
}

export class PromTextError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = "PromTextError";
    this.line = line;
  }
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set<MetricType>(["counter", "gauge", "histogram", "summary", "untyped"]);
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT = /^-?\d+$/;

/** Parses a whole exposition; families keep the order in which they first appear. */
export function parsePromText(text: string): MetricFamily[] {
  const families = new Map<string, MetricFamily>();
  /** Families whose group has ended: a later line for them means the exposition interleaves families. */
  const closed = new Set<string>();
  const typed = new Set<string>();
  let current: MetricFamily | undefined;
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();

  const enter = (name: string, lineNo: number): MetricFamily => {
    if (current?.name === name) return current;
    if (closed.has(name))
      throw new PromTextError(
        lineNo,
        `metric family ${name} appears again after other families (its lines must be one group)`,
      );
    if (current) closed.add(current.name);
    let fam = families.get(name);
    if (!fam) {
      fam = { name, type: "untyped", samples: [] };
      families.set(name, fam);
    }
    current = fam;
    return fam;
  };

  lines.forEach((raw, i) => {
    const lineNo = i + 1;
    const line = raw.replace(/[ \t]+$/, "");
    if (line.trim() === "") return;
    if (line.startsWith("#")) {
      const m = /^#[ \t]+(HELP|TYPE)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (!m) return; // a plain comment
      const [, keyword, name, rest = ""] = m;
      if (!METRIC_NAME.test(name!))
        throw new PromTextError(lineNo, `invalid metric name "${name}" in ${keyword}`);
      const fam = enter(name!, lineNo);
      if (keyword === "HELP") {
        if (fam.help !== undefined) throw new PromTextError(lineNo, `second HELP for ${name}`);
        fam.help = unescapeHelp(rest, lineNo);
      } else {
        if (!TYPES.has(rest as MetricType))
          throw new PromTextError(lineNo, `unknown metric type "${rest}" for ${name}`);
        if (fam.samples.length > 0) throw new PromTextError(lineNo, `TYPE for ${name} after its samples`);
        if (typed.has(name!)) throw new PromTextError(lineNo, `second TYPE for ${name}`);
        fam.type = rest as MetricType;
        typed.add(name!);
      }
      return;
    }
    const sample = parseSampleLine(line, lineNo);
    const fam = enter(familyOf(sample.name, current, families), lineNo);
    checkSeries(fam, sample, lineNo);
    fam.samples.push(sample);
  });
  return [...families.values()];
}

/** Every sample of an exposition, flattened. */
export function parsePromSamples(text: string): PromSample[] {
  return parsePromText(text).flatMap((f) => f.samples);
}

function familyOf(
  series: string,
  current: MetricFamily | undefined,
  families: Map<string, MetricFamily>,
): string {
  for (const suffix of ["_bucket", "_sum", "_count", "_created"]) {
    if (!series.endsWith(suffix)) continue;
    const base = series.slice(0, -suffix.length);
    const fam = current?.name === base ? current : families.get(base);
    if (
      fam &&
      (fam.type === "histogram" || fam.type === "summary") &&
      (suffix !== "_bucket" || fam.type === "histogram")
    ) {
      return base;
    }
  }
  return series;
}

function checkSeries(fam: MetricFamily, s: PromSample, lineNo: number): void {
  if (fam.type === "histogram" && s.name === `${fam.name}_bucket`) {
    const le = s.labels.le;
    if (le === undefined) throw new PromTextError(lineNo, `histogram bucket ${s.name} has no "le" label`);
    if (parseValue(le) === undefined)
      throw new PromTextError(lineNo, `histogram bucket ${s.name} has le="${le}", not a number`);
  } else if (fam.type === "histogram" && s.name === fam.name) {
    throw new PromTextError(
      lineNo,
      `histogram ${fam.name} has a bare sample (expected _bucket, _sum or _count)`,
    );
  } else if (fam.type === "summary" && s.name === fam.name) {
    const q = s.labels.quantile;
    if (q === undefined) throw new PromTextError(lineNo, `summary ${s.name} sample has no "quantile" label`);
    if (parseValue(q) === undefined)
      throw new PromTextError(lineNo, `summary ${s.name} has quantile="${q}", not a number`);
  }
}

function parseSampleLine(line: string, lineNo: number): PromSample {
  const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
  if (!nameMatch) throw new PromTextError(lineNo, `expected a metric name, got "${clip(line)}"`);
  const name = nameMatch[0];
  let pos = name.length;
  let labels: Record<string, string> = {};
  if (line[pos] === "{") {
    const parsed = parseLabels(line, pos, lineNo);
    labels = parsed.labels;
    pos = parsed.end;
  }
  const rest = line.slice(pos);
  if (!/^[ \t]/.test(rest))
    throw new PromTextError(lineNo, `expected whitespace and a value after ${name}, got "${clip(rest)}"`);
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length > 2)
    throw new PromTextError(
      lineNo,
      `unexpected text after value and timestamp: "${clip(fields.slice(2).join(" "))}"`,
    );
  const value = parseValue(fields[0]!);
  if (value === undefined) throw new PromTextError(lineNo, `"${clip(fields[0]!)}" is not a sample value`);
  const sample: PromSample = { name, labels, value };
  if (fields[1] !== undefined) {
    if (!INT.test(fields[1]))
      throw new PromTextError(lineNo, `"${clip(fields[1])}" is not a millisecond timestamp`);
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** Parses `{a="x",b="y"}` starting at `start` (the brace); returns the labels and the index after `}`. */
export function parseLabels(
  line: string,
  start: number,
  lineNo = 1,
): { labels: Record<string, string>; end: number } {
  const labels: Record<string, string> = {};
  let pos = start + 1;
  const skipSpace = () => {
    while (line[pos] === " " || line[pos] === "\t") pos++;
  };
  for (;;) {
    skipSpace();
    if (line[pos] === "}") return { labels, end: pos + 1 };
    const m = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(line.slice(pos));
    if (!m)
      throw new PromTextError(
        lineNo,
        `expected a label name or "}" at column ${pos + 1}, got "${clip(line.slice(pos))}"`,
      );
    const key = m[0];
    if (!LABEL_NAME.test(key)) throw new PromTextError(lineNo, `invalid label name "${key}"`);
    if (Object.hasOwn(labels, key)) throw new PromTextError(lineNo, `label "${key}" appears twice`);
    pos += key.length;
    skipSpace();
    if (line[pos] !== "=")
      throw new PromTextError(lineNo, `expected "=" after label ${key} at column ${pos + 1}`);
    pos++;
    skipSpace();
    if (line[pos] !== '"')
      throw new PromTextError(lineNo, `expected a quoted value for label ${key} at column ${pos + 1}`);
    pos++;
    let value = "";
    for (;;) {
      const c = line[pos];
      if (c === undefined) throw new PromTextError(lineNo, `unterminated value of label ${key}`);
      if (c === '"') break;
      if (c === "\\") {
        const e = line[pos + 1];
        if (e === "\\") value += "\\";
        else if (e === '"') value += '"';
        else if (e === "n") value += "\n";
        else
          throw new PromTextError(
            lineNo,
            `invalid escape "\\${e ?? ""}" in label ${key} (only \\\\, \\" and \\n are allowed)`,
          );
        pos += 2;
        continue;
      }
      value += c;
      pos++;
    }
    pos++;
    labels[key] = value;
    skipSpace();
    if (line[pos] === ",") {
      pos++;
      continue;
    }
    if (line[pos] === "}") return { labels, end: pos + 1 };
    throw new PromTextError(lineNo, `expected "," or "}" after label ${key} at column ${pos + 1}`);
  }
}

/** A sample value: a float, or ±Inf / NaN in the spellings Go's ParseFloat accepts. */
export function parseValue(text: string): number | undefined {
  if (FLOAT.test(text)) return Number(text);
  const lower = text.toLowerCase();
  if (lower === "nan") return Number.NaN;
  if (lower === "+inf" || lower === "inf") return Number.POSITIVE_INFINITY;
  if (lower === "-inf") return Number.NEGATIVE_INFINITY;
  return undefined;
}

function unescapeHelp(text: string, lineNo: number): string {
  return text.replace(/\\(.?)/g, (_, e: string) => {
    if (e === "\\") return "\\";
    if (e === "n") return "\n";
    throw new PromTextError(lineNo, `invalid escape "\\${e}" in HELP (only \\\\ and \\n are allowed)`);
  });
}

function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** A series selector as written in a scrape probe: `name` or `name{label="v",…}` (equality only). */
export interface SeriesSelector {
  name: string;
  labels: Record<string, string>;
}

export function parseSelector(text: string): SeriesSelector {
  const t = text.trim();
  const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(t);
  if (!m) throw new Error(`selector "${text}": expected a metric name`);
  if (t.length === m[0].length) return { name: m[0], labels: {} };
  if (t[m[0].length] !== "{") throw new Error(`selector "${text}": expected "{" after ${m[0]}`);
  try {
    const { labels, end } = parseLabels(t, m[0].length);
    if (end !== t.length) throw new Error(`unexpected "${t.slice(end)}" after "}"`);
    return { name: m[0], labels };
  } catch (err) {
    throw new Error(`selector "${text}": ${(err as Error).message.replace(/^line 1: /, "")}`);
  }
}

export function matchesSelector(sample: PromSample, sel: SeriesSelector): boolean {
  if (sample.name !== sel.name) return false;
  for (const [k, v] of Object.entries(sel.labels)) if (sample.labels[k] !== v) return false;
  return true;
}
