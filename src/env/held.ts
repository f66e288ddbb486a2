// An environment that `gameday env up` keeps in its holder process: a later `gameday run` attaches
// to it instead of starting its own. The run never stops it (its owner is the holder, stopped by
// `gameday env down`), and it is checked to answer before anything is injected into it.
import { existsSync, readFileSync } from "node:fs";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { ProcessControl } from "../faults/driver.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { alive } from "./process.ts";
import type { Environment } from "./provider.ts";
import type { EnvState } from "./state.ts";

const CHECK_TIMEOUT_MS = 3_000;

/** The endpoints that must answer for a held environment to count as up (name → URL). */
export function livenessChecks(config: GamedayConfig): Array<{ name: string; url: string }> {
  const checks = config.services.map((s) => ({
    name: `service ${s.name}`,
    url: new URL(s.health, s.url).toString(),
  }));
  if (config.toxiproxy) {
    const api = config.toxiproxy.api;
    checks.push({
      name: "toxiproxy api",
      url: `${/^https?:\/\//.test(api) ? api : `http://${api}`}/version`,
    });
  }
  if (config.prometheus)
    checks.push({ name: "prometheus", url: new URL("/-/ready", config.prometheus.url).toString() });
  if (config.alertmanager)
    checks.push({ name: "alertmanager", url: new URL("/-/ready", config.alertmanager.url).toString() });
  return checks;
}

async function answers(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(CHECK_TIMEOUT_MS) });
    await res.arrayBuffer();
    return res.status < 500 ? undefined : `HTTP ${res.status}`;
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    return cause ?? (err as Error).message;
  }
}

function recordedPids(file: string | undefined): Record<string, number> {
  if (!file || !existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Record<string, number>;
  } catch {
    return {};
  }
}

/**
 * The held environment as a run sees it, after checking that its holder lives and every endpoint
 * answers; otherwise an EnvironmentError that says what is down and how to recover.
 */
export async function attachHeldEnvironment(state: EnvState): Promise<Environment> {
  const recover = "stop it with `gameday env down` and start it again with `gameday env up`";
  if (!alive(state.pid))
    throw new EnvironmentError(`the environment's holder (pid ${state.pid}) is not running; ${recover}`);
  const failed = (
    await Promise.all(
      livenessChecks(state.config).map(async (c) => {
        const problem = await answers(c.url);
        return problem ? `${c.name} (${c.url}): ${problem}` : undefined;
      }),
    )
  ).filter((p): p is string => p !== undefined);
  if (failed.length)
    throw new EnvironmentError(
      `the environment from \`gameday env up\` (holder pid ${state.pid}) does not answer: ${failed.join("; ")}; ${recover}`,
    );
  const processes: ProcessControl = {
    pid: (name) => {
      const pid = recordedPids(state.pidFile)[name];
      return pid !== undefined && alive(pid) ? pid : undefined;
    },
    restart: async (name) => {
      throw new Error(
        `process "${name}" belongs to the environment held by \`gameday env up\` (pid ${state.pid}); a restart needs a run that starts its own environment (gameday env down first)`,
      );
    },
  };
  const copilot =
    state.provider === "reference" ? state.config.services.find((s) => s.name === "copilot") : undefined;
  const attachedAt = Date.now();
  return {
    config: state.config,
    processes,
    groundTruth: copilot
      ? async () => {
          // Only this run's part of the long-lived service's record.
          const res = await fetch(new URL(`/debug/events?since=${attachedAt}`, copilot.url), {
            signal: AbortSignal.timeout(5_000),
          });
          if (!res.ok) throw new Error(`copilot /debug/events answered ${res.status}`);
          return ((await res.json()) as { events: unknown[] }).events;
        }
      : undefined,
    // Not the run's to stop: `gameday env down` stops the holder, which stops everything.
    stop: async () => {},
  };
}
