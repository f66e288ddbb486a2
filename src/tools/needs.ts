// Which tools a config (and its scenarios' loads) needs, following what the providers start:
//   reference       gameday-load, toxiproxy-server, redis-server, prometheus, alertmanager
//   local           toxiproxy-server for toxiproxy.api (needed on port 0; on a fixed port only when
//                   nothing listens there yet), redis-server for redis entries on port 0
//   external        nothing of its own: the targets are given
//   testcontainers  a container runtime, no tool of the catalogue
// Built-in loads need gameday-load, k6 loads the user's own k6. Without a config nothing is
// needed, and what the bundled reference stack needs is recommended.
import type { GamedayConfig } from "../scenario/config.ts";

export type NeedLevel = "required" | "recommended" | "optional";

export interface ToolNeed {
  level: NeedLevel;
  /** Why, shortest first: "provider reference", "scenario chat-burst (k6 load)". */
  reasons: string[];
}

export interface LoadKind {
  /** The scenario's id. */
  id: string;
  kind: "http" | "k6";
}

export interface NeedsInput {
  config?: GamedayConfig;
  /** The scenarios' loads; undefined when the scenarios were not read. */
  loads?: readonly LoadKind[];
}

export const REFERENCE_TOOLS = [
  "gameday-load",
  "toxiproxy-server",
  "redis-server",
  "prometheus",
  "alertmanager",
];

const RANK: Record<NeedLevel, number> = { optional: 0, recommended: 1, required: 2 };

function scenarioList(ids: readonly string[]): string {
  const shown = ids.slice(0, 3).join(", ");
  return ids.length > 3 ? `${shown} +${ids.length - 3}` : shown;
}

/** Every tool the input needs or recommends, by name; a tool not in the map is optional. */
export function toolNeeds(input: NeedsInput): Map<string, ToolNeed> {
  const needs = new Map<string, ToolNeed>();
  const add = (tool: string, level: NeedLevel, reason: string) => {
    const prev = needs.get(tool);
    if (!prev) needs.set(tool, { level, reasons: [reason] });
    else {
      if (RANK[level] > RANK[prev.level]) prev.level = level;
      if (!prev.reasons.includes(reason)) prev.reasons.push(reason);
    }
  };
  const { config, loads } = input;
  // Without a config there is no run to need anything: what the reference stack needs is advice.
  const needed: NeedLevel = config ? "required" : "recommended";
  add("node", "required", "gameday itself");

  if (!config)
    for (const tool of REFERENCE_TOOLS) add(tool, "recommended", "the reference stack (no config)");
  else if (config.provider === "reference")
    for (const tool of REFERENCE_TOOLS) add(tool, "required", "provider reference");
  else if (config.provider === "local") {
    if (config.toxiproxy) {
      const port = config.toxiproxy.api.slice(config.toxiproxy.api.lastIndexOf(":") + 1);
      if (port === "0") add("toxiproxy-server", "required", "toxiproxy.api (port 0: gameday starts it)");
      else
        add(
          "toxiproxy-server",
          "recommended",
          `toxiproxy.api (started when nothing listens at ${config.toxiproxy.api})`,
        );
    }
    const started = config.redis.filter((r) => new URL(r.url).port === "0").map((r) => r.name);
    if (started.length)
      add("redis-server", "required", `redis ${started.join(", ")} (port 0: gameday starts it)`);
  }

  if (loads === undefined) {
    if (config && config.provider !== "reference")
      add("gameday-load", "recommended", "built-in loads (scenarios not read)");
  } else {
    const http = loads.filter((l) => l.kind === "http").map((l) => l.id);
    const k6 = loads.filter((l) => l.kind === "k6").map((l) => l.id);
    if (http.length) add("gameday-load", needed, `built-in loads: ${scenarioList(http)}`);
    if (k6.length) add("k6", needed, `k6 loads: ${scenarioList(k6)}`);
  }
  return needs;
}
