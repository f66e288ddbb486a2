// The built-in engine's result stream: one tab-separated line per request, cut by LineSplitter from chunks that
// arrive at any byte boundary (a torn tail waits for the next chunk). Parsing is by hand, without
// JSON, because this sits on the per-request path of every run:
//   #gameday-load \t 1 \t index \t start_ns \t latency_ns \t status \t error [\t h:<name>…] [\t body]
//   <index> \t <start, unix ns> \t <latency, ns> \t <status> \t <error> [\t <header value>…] [\t <body, base64>]
import { LineSplitter } from "./line-splitter.ts";

export interface LoadResult {
  /** The request's index; -1 when the engine could not tell (the request was never built). */
  index: number;
  /** Request start, epoch ms (fractional). */
  startMs: number;
  latencyMs: number;
  /** 0 when no response came. */
  status: number;
  error: string;
  /** Values of the asked-for headers, in the order of the header line; "" when absent. */
  headerValues: string[];
  /** Base64 body, when the engine was asked for bodies. */
  body: string | undefined;
}

export interface ResultColumns {
  headers: string[];
  body: boolean;
}

const MAGIC = "#gameday-load\t1\t";
/** Longest line kept; longer ones are not results (a body is capped at 64 KiB, i.e. ~88 KiB base64). */
const MAX_LINE = 1 << 20;

export class ResultLineParser {
  columns: ResultColumns | undefined;
  malformed = 0;
  readonly #onResult: (r: LoadResult) => void;
  readonly #lines: LineSplitter;

  constructor(onResult: (r: LoadResult) => void) {
    this.#onResult = onResult;
    this.#lines = new LineSplitter(
      MAX_LINE,
      (s, start, end) => this.#line(s, start, end),
      () => {
        this.malformed += 1;
      },
    );
  }

  write(chunk: Buffer | string): void {
    this.#lines.write(chunk);
  }

  end(): void {
    this.#lines.end();
  }

  #line(s: string, start: number, end: number): void {
    if (end <= start) return;
    if (this.columns === undefined) {
      const line = s.slice(start, end);
      if (!line.startsWith(MAGIC)) {
        this.malformed += 1;
        return;
      }
      const cols = line.split("\t").slice(2);
      this.columns = {
        headers: cols.filter((c) => c.startsWith("h:")).map((c) => c.slice(2)),
        body: cols.at(-1) === "body",
      };
      return;
    }
    const { headers, body } = this.columns;
    const t1 = s.indexOf("\t", start);
    const t2 = s.indexOf("\t", t1 + 1);
    const t3 = s.indexOf("\t", t2 + 1);
    const t4 = s.indexOf("\t", t3 + 1);
    // Each search starts after the previous hit, so once all four are found they are in order.
    if (t1 < 0 || t2 < 0 || t3 < 0 || t4 < 0 || t4 > end) {
      this.malformed += 1;
      return;
    }
    let t5 = s.indexOf("\t", t4 + 1);
    if (t5 < 0 || t5 > end) t5 = end;
    const startNs = s.slice(t1 + 1, t2);
    // Unix ns has 19 digits, past 2^53: split into whole ms and the ns remainder.
    const startMs = Number(startNs.slice(0, -6)) + Number(startNs.slice(-6)) / 1e6;
    const latencyMs = Number(s.slice(t2 + 1, t3)) / 1e6;
    const status = Number(s.slice(t3 + 1, t4));
    const index = Number(s.slice(start, t1));
    if (
      !Number.isFinite(startMs) ||
      !Number.isFinite(latencyMs) ||
      !Number.isFinite(status) ||
      !Number.isFinite(index)
    ) {
      this.malformed += 1;
      return;
    }
    const error = t5 > t4 + 1 ? s.slice(t4 + 1, t5) : "";
    let headerValues: string[] = NO_HEADERS;
    let bodyValue: string | undefined;
    if (headers.length > 0 || body) {
      const rest = t5 < end ? s.slice(t5 + 1, end).split("\t") : [];
      headerValues = headers.map((_, k) => rest[k] ?? "");
      if (body) bodyValue = rest[headers.length] ?? "";
    }
    this.#onResult({ index, startMs, latencyMs, status, error, headerValues, body: bodyValue });
  }
}

const NO_HEADERS: string[] = [];
