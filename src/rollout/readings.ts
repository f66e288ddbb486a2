// Reads a criterion's value from where it lives: Prometheus (an instant query, `$window` filled in
// under the profile), a probe of the config, or Alertmanager (the count of matching firing alerts).
// A reading never throws: no value comes back as null with the reason, and an unreachable source
// is marked, since that is an environment problem (exit 3) rather than a failing gate.
import { readProbeOnce } from "../observe/probes.ts";
import { instantQuery, PromQLError } from "../observe/promql.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { CriterionRole } from "./decision.ts";
import { pickValue, type Reading } from "./rules.ts";
import type { Criterion, Trigger } from "./schema.ts";
import { promDuration, type RolloutProfile, scaledWindow } from "./schedule.ts";

export interface ReadContext {
  config: GamedayConfig;
  profile: RolloutProfile;
  signal?: AbortSignal;
}

export interface SourcedReading extends Reading {
  /** The source did not answer (network, timeout): the environment, not the service, failed. */
  unreachable?: boolean;
}

/** The query a criterion runs under the profile: `$window` replaced by its scaled window. */
export function queryOf(c: Criterion | Trigger, profile: RolloutProfile): string {
  const q = c.promql ?? "";
  return c.window === undefined ? q : q.replaceAll("$window", promDuration(scaledWindow(c.window, profile)));
}

export async function readCriterion(
  c: Criterion | Trigger,
  role: CriterionRole,
  ctx: ReadContext,
): Promise<SourcedReading> {
  if (c.promql !== undefined) {
    const query = queryOf(c, ctx.profile);
    const url = ctx.config.prometheus?.url;
    if (!url) return { value: null, source: query, error: "no prometheus in the config" };
    try {
      const r = await instantQuery(url, query, { timeoutMs: 5_000, signal: ctx.signal });
      const value = pickValue(
        c,
        role,
        r.series.map((s) => s.value),
      );
      return value === null
        ? { value, source: query, error: r.series.length ? "NaN (no samples in the window)" : "empty result" }
        : { value, source: query };
    } catch (err) {
      const e = err as Error;
      const unreachable = e instanceof PromQLError && (e.kind === "network" || e.kind === "timeout");
      return { value: null, source: query, error: e.message, unreachable };
    }
  }
  if (c.probe !== undefined) {
    const source = `probe ${c.probe}`;
    const probe = ctx.config.probes.find((p) => p.name === c.probe);
    if (!probe) return { value: null, source, error: `no probe "${c.probe}" in the config` };
    try {
      const value = pickValue(c, role, await readProbeOnce(probe, ctx.config.prometheus?.url));
      return value === null ? { value, source, error: "the probe gave no numeric value" } : { value, source };
    } catch (err) {
      return { value: null, source, error: (err as Error).message, unreachable: true };
    }
  }
  const match = c.alert ?? { labels: {} };
  return readAlertCount(match, ctx);
}

/** Where a criterion's value comes from, as reports and `rollout plan` print it. */
export function sourceOf(c: Criterion | Trigger, profile: RolloutProfile): string {
  if (c.promql !== undefined) return queryOf(c, profile);
  if (c.probe !== undefined) return `probe ${c.probe}`;
  return alertSource(c.alert ?? { labels: {} });
}

function alertSource(match: { name?: string; labels: Record<string, string> }): string {
  const labels = { ...(match.name ? { alertname: match.name } : {}), ...match.labels };
  return `alerts{${Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",")}}`;
}

/** Firing (active, not silenced or inhibited) alerts in Alertmanager whose labels match. */
async function readAlertCount(
  match: { name?: string; labels: Record<string, string> },
  ctx: ReadContext,
): Promise<SourcedReading> {
  const source = alertSource(match);
  const base = ctx.config.alertmanager?.url;
  if (!base) return { value: null, source, error: "no alertmanager in the config" };
  const url = new URL(
    "api/v2/alerts?active=true&silenced=false&inhibited=false",
    base.endsWith("/") ? base : `${base}/`,
  );
  let body: unknown;
  try {
    const res = await fetch(url, {
      signal: ctx.signal
        ? AbortSignal.any([ctx.signal, AbortSignal.timeout(5_000)])
        : AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok)
      return { value: null, source, error: `Alertmanager HTTP ${res.status}: ${text.slice(0, 120)}` };
    body = JSON.parse(text);
  } catch (err) {
    const e = err as Error;
    const cause = (e.cause as Error | undefined)?.message;
    return {
      value: null,
      source,
      error: `Alertmanager ${url.origin}: ${e.message}${cause ? ` (${cause})` : ""}`,
      unreachable: true,
    };
  }
  if (!Array.isArray(body))
    return { value: null, source, error: "Alertmanager answered something other than a list of alerts" };
  const wanted = { ...(match.name ? { alertname: match.name } : {}), ...match.labels };
  const count = body.filter((a: unknown) => {
    const labels = (a as { labels?: Record<string, string> }).labels ?? {};
    return Object.entries(wanted).every(([k, v]) => labels[k] === v);
  }).length;
  return { value: count, source };
}
