// Sets and reads the rollout's traffic share through the config's flag service: one JSON field
// written with the phase's extra flag state, then read back, so a flag service that silently
// ignored the write is caught at once instead of at the next checkpoint.
import { callService } from "../faults/service-call.ts";
import { fieldValue } from "../observe/probes.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import type { Rollout } from "./schema.ts";

export class TrafficError extends Error {
  override name = "TrafficError";
}

/** The share the flag service reports now; null when the field is absent. */
export async function readShare(
  config: GamedayConfig,
  r: Rollout,
  signal?: AbortSignal,
): Promise<number | null> {
  const f = r.flag;
  const answer = await callService(config, f.service, { method: "GET", path: f.readPath ?? f.path }, signal);
  const v = fieldValue(answer.text, f.field.split("."));
  return typeof v === "number" ? v : null;
}

/** Writes the share (with the phase's flag state) and returns what the service reads back. */
export async function writeShare(
  config: GamedayConfig,
  r: Rollout,
  share: number,
  flagState: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<number> {
  const f = r.flag;
  await callService(
    config,
    f.service,
    { method: f.method, path: f.path, body: { ...flagState, [f.field]: share } },
    signal,
  );
  const back = await readShare(config, r, signal);
  if (back === null || Math.abs(back - share) > 1e-9)
    throw new TrafficError(
      `flag service "${f.service}" did not take ${f.field}=${share}: it reads back ${back === null ? "no such field" : back}`,
    );
  return back;
}
