// One-line human summaries of faults, for plans, progress lines and reports.
import { formatDuration } from "../scenario/duration.ts";
import type { FaultSpec } from "../scenario/schema.ts";

export function describeFault(f: FaultSpec): string {
  switch (f.kind) {
    case "toxiproxy": {
      const attrs = Object.entries(f.attributes)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ");
      const tox = f.toxicity < 1 ? `, ${Math.round(f.toxicity * 100)}%` : "";
      return `toxiproxy ${f.toxic}${attrs ? ` ${attrs}` : ""} on ${f.target} (${f.stream}${tox}, ${formatDuration(f.duration)})`;
    }
    case "http": {
      const what = [
        f.status !== undefined ? `${f.status}` : "",
        f.retryAfter !== undefined ? `Retry-After ${Math.ceil(f.retryAfter / 1000)}s` : "",
        f.latency !== undefined ? `+${formatDuration(f.latency)}` : "",
        f.abort ? "abort" : "",
      ]
        .filter(Boolean)
        .join(" ");
      const match = [
        f.match.method,
        f.match.pathPrefix,
        f.match.header ? `${f.match.header.name}=${f.match.header.value}` : "",
      ]
        .filter(Boolean)
        .join(" ");
      return `http ${what} on ${f.target}${match ? ` [${match}]` : ""} (${f.percent}%, ${formatDuration(f.duration)})`;
    }
    case "redis":
      return `redis purge ${f.purge === "all" ? "all keys (FLUSHDB)" : `keys ${f.purge.pattern}`} on ${f.target}`;
    case "http-action":
      return `http-action ${f.apply.method} ${f.apply.path} on ${f.target}${f.duration !== undefined ? ` (${formatDuration(f.duration)})` : ""}`;
    case "process":
      return `process ${f.signal} ${f.target}${f.duration !== undefined ? ` (${formatDuration(f.duration)})` : ""}`;
  }
}
