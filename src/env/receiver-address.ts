// Where the harness's alert receiver is. A run binds it (port 0: a free port, the reference stack's
// default) and hands its URL to the provider, whose Alertmanager then delivers there. `gameday env
// up` has no receiver of its own: it picks the address the later runs bind and records it in the
// held environment's state. `gameday ack` finds the address a running run or the held environment
// recorded, so nobody has to type a port that was picked at run time.
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { RESOLVED_CONFIG } from "../engine/resolved-config.ts";
import { readRunLock } from "../serve/run-lock.ts";
import { splitHostPort } from "./hosts.ts";
import { alive, freePort } from "./process.ts";
import { ENV_STATE_FILE, readEnvState } from "./state.ts";

/** A host:port with port 0 made concrete: a port free on that host now. */
export async function concreteListen(listen: string): Promise<string> {
  const { host, port } = splitHostPort(listen);
  return port === 0 ? `${host}:${await freePort(host)}` : listen;
}

/** Where a receiver was recorded, and by whom (for messages). */
export interface RecordedReceiver {
  url: string;
  /** e.g. "run 20261203-101500-ab12" or "the environment held by gameday env up (pid 123)". */
  source: string;
}

function usable(listen: unknown): listen is string {
  return typeof listen === "string" && splitHostPort(listen).port > 0;
}

/** The receiver of the run holding the reports folder's lock, from the resolved config it wrote. */
function runningRunReceiver(reportsDir: string): RecordedReceiver | undefined {
  const holder = readRunLock(reportsDir);
  // A lock from another host (a shared folder) names a loopback receiver this machine cannot reach.
  if (!holder?.runId || holder.host !== hostname() || !alive(holder.pid)) return undefined;
  let listen: unknown;
  try {
    const resolved = JSON.parse(readFileSync(join(reportsDir, holder.runId, RESOLVED_CONFIG), "utf8")) as {
      receiver?: { listen?: unknown };
    };
    listen = resolved.receiver?.listen;
  } catch {
    // Not written yet (the environment is still starting) or unreadable: nothing recorded.
    return undefined;
  }
  return usable(listen) ? { url: `http://${listen}`, source: `run ${holder.runId}` } : undefined;
}

/**
 * The receiver a run is using now, as the run recorded it: the run in progress in `reportsDir`
 * first, else the address the environment held by `gameday env up` delivers to (which every run
 * on that environment binds). Undefined when neither is recorded.
 */
export function recordedReceiver(o: {
  reportsDir: string;
  envStateFile?: string;
}): RecordedReceiver | undefined {
  const run = runningRunReceiver(o.reportsDir);
  if (run) return run;
  const held = readEnvState(o.envStateFile ?? ENV_STATE_FILE);
  const listen: unknown = held?.config.receiver?.listen;
  return held && usable(listen)
    ? { url: `http://${listen}`, source: `the environment held by gameday env up (pid ${held.pid})` }
    : undefined;
}
