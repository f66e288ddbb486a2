// Shared by the rollout end-to-end tests: a test rollout built on the bundled one (its phases,
// gates, triggers and runbooks, with prerequisites the test controls and no calendar freeze, so
// the tests do not depend on the day they run), and readers for what `rollout advance` leaves.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { EventOf, JournalEntry, JournalEventType } from "../src/engine/journal-events.ts";
import type { RolloutResult } from "../src/rollout/result.ts";

export const root = resolve(import.meta.dirname, "..");

/** A PRR of ten items, all green (files that exist), so the PRR prerequisite passes. */
export function writeReadyPrr(dir: string): string {
  writeFileSync(join(dir, "evidence.txt"), "evidence\n");
  const items = Array.from(
    { length: 10 },
    (_, i) =>
      `{ id: "item-${i}", category: "runbooks", title: "item ${i}", check: { kind: "file-exists", paths: ["evidence.txt"] } }`,
  );
  const file = join(dir, "ready.prr.ts");
  writeFileSync(
    file,
    `export default { service: "Ops Copilot", owners: { sre: "IC", security: "AppSec", product: "PM", platform: "EM" }, items: [${items.join(", ")}] };\n`,
  );
  return file;
}

/**
 * The bundled rollout with `overrides` (a TS object literal body) spread over it. Its phases keep
 * their gates and the triggers stay as they are; each phase lasts 36 h (the seed's intensive
 * window, 15m … 36h: 8 checkpoints, 4.5 s in ci) instead of days, so a P0 → P4 run takes under a
 * minute.
 */
export function writeTestRollout(dir: string, overrides: string): string {
  const file = join(dir, "retrieval-v2.test-rollout.ts");
  writeFileSync(
    file,
    `import { defineRollout } from "gameday";
import base from ${JSON.stringify(join(root, "rollouts/retrieval-v2.ts"))};
export default defineRollout({
  ...base,
  phases: base.phases.map((p) => ({ ...p, minDuration: "36h" })),
  freeze: [],
  ${overrides}
});
`,
  );
  return file;
}

/** The one run folder `rollout advance` made under `out`. */
export function runFolder(out: string): string | undefined {
  if (!existsSync(out)) return undefined;
  const runs = readdirSync(out).filter((n) => /^\d{8}T\d{6}Z-[0-9a-f]{4}$/.test(n));
  return runs.length === 1 ? join(out, runs[0]!) : undefined;
}

export function journalOf(runDir: string): JournalEntry[] {
  const path = join(runDir, "journal.jsonl");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as JournalEntry];
      } catch {
        return []; // a line being written
      }
    });
}

export function eventsOf<T extends JournalEventType>(entries: JournalEntry[], type: T): Array<EventOf<T>> {
  return entries.filter((e): e is EventOf<T> => e.type === type);
}

export function rolloutResult(runDir: string): RolloutResult {
  return JSON.parse(readFileSync(join(runDir, "rollout.json"), "utf8")) as RolloutResult;
}

export interface TruthEvent {
  t: number;
  type: string;
  detail?: Record<string, unknown>;
}

/** The reference service's own record of what happened (written at the end of the advance). */
export function groundTruth(runDir: string): TruthEvent[] {
  return JSON.parse(readFileSync(join(runDir, "ground-truth.json"), "utf8")) as TruthEvent[];
}

/** The test rollout with a ready PRR as its only prerequisite, plus `overrides`. */
export function readyRollout(dir: string, overrides = ""): string {
  const prr = writeReadyPrr(dir);
  return writeTestRollout(
    dir,
    `prerequisites: { prr: { file: ${JSON.stringify(prr)} } }${overrides ? `, ${overrides}` : ""}`,
  );
}

/** `gameday rollout advance` in the ci profile on the bundled config's reference stack. */
export function advanceArgs(file: string, out: string, extra: string[] = []): string[] {
  return [
    "rollout",
    "advance",
    file,
    "--profile",
    "ci",
    "--out",
    out,
    "--config",
    join(root, "gameday.config.ts"),
    ...extra,
  ];
}
