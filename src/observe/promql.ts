// Instant PromQL queries against Prometheus's HTTP API. Errors say which of the three things went
// wrong — the request (timeout, refused), the HTTP layer, or Prometheus itself (errorType: error) —
// because each points at a different fix.

export interface InstantSeries {
  labels: Record<string, string>;
  /** Evaluation instant, wall-clock ms. */
  t: number;
  value: number;
}

export interface InstantResult {
  resultType: "vector" | "matrix" | "scalar" | "string";
  series: InstantSeries[];
}

export class PromQLError extends Error {
  readonly kind: "timeout" | "network" | "http" | "prometheus" | "response";
  constructor(kind: PromQLError["kind"], message: string) {
    super(message);
    this.name = "PromQLError";
    this.kind = kind;
  }
}

export interface QueryOptions {
  timeoutMs?: number;
  /** Evaluation time, wall-clock ms; default now. */
  time?: number;
  signal?: AbortSignal;
}

interface ApiBody {
  status?: string;
  errorType?: string;
  error?: string;
  data?: { resultType?: string; result?: unknown };
}

/** Runs an instant query; every result series becomes one InstantSeries (a matrix keeps its last point). */
export async function instantQuery(
  prometheusUrl: string,
  query: string,
  o: QueryOptions = {},
): Promise<InstantResult> {
  const timeoutMs = o.timeoutMs ?? 2_000;
  const url = new URL("api/v1/query", prometheusUrl.endsWith("/") ? prometheusUrl : `${prometheusUrl}/`);
  const form = new URLSearchParams({ query });
  if (o.time !== undefined) form.set("time", (o.time / 1000).toFixed(3));
  const signals = [AbortSignal.timeout(timeoutMs), ...(o.signal ? [o.signal] : [])];
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      signal: AbortSignal.any(signals),
    });
    text = await res.text();
  } catch (err) {
    const e = err as Error;
    if (e.name === "TimeoutError")
      throw new PromQLError("timeout", `PromQL ${url.origin}: no answer within ${timeoutMs} ms for ${query}`);
    const cause = (e.cause as Error | undefined)?.message;
    throw new PromQLError("network", `PromQL ${url.origin}: ${e.message}${cause ? ` (${cause})` : ""}`);
  }
  let body: ApiBody | undefined;
  try {
    body = JSON.parse(text) as ApiBody;
  } catch {
    body = undefined;
  }
  if (body?.status === "error") {
    throw new PromQLError(
      "prometheus",
      `PromQL ${body.errorType ?? "error"} (HTTP ${res.status}): ${body.error ?? "no message"} — query: ${query}`,
    );
  }
  if (!res.ok)
    throw new PromQLError(
      "http",
      `PromQL ${url.origin}: HTTP ${res.status} ${res.statusText}: ${text.slice(0, 200)}`,
    );
  if (body?.status !== "success" || !body.data) {
    throw new PromQLError(
      "response",
      `PromQL ${url.origin}: not a Prometheus API answer: ${text.slice(0, 200)}`,
    );
  }
  return toResult(body.data, url.origin);
}

function toResult(data: NonNullable<ApiBody["data"]>, origin: string): InstantResult {
  const bad = (why: string) => new PromQLError("response", `PromQL ${origin}: ${why}`);
  const point = (p: unknown): { t: number; value: number } => {
    if (!Array.isArray(p) || p.length !== 2 || typeof p[0] !== "number" || typeof p[1] !== "string") {
      throw bad(`malformed sample ${JSON.stringify(p)}`);
    }
    return { t: Math.round(p[0] * 1000), value: Number(p[1]) };
  };
  const r = data.result;
  switch (data.resultType) {
    case "vector":
    case "matrix": {
      if (!Array.isArray(r)) throw bad(`${data.resultType} result is not a list`);
      const series = r.map((s: { metric?: Record<string, string>; value?: unknown; values?: unknown[] }) => {
        const p = data.resultType === "vector" ? s.value : s.values?.at(-1);
        return { labels: { ...(s.metric ?? {}) }, ...point(p) };
      });
      return { resultType: data.resultType, series };
    }
    case "scalar":
    case "string":
      return { resultType: data.resultType, series: [{ labels: {}, ...point(r) }] };
    default:
      throw bad(`unknown resultType ${String(data.resultType)}`);
  }
}
