// Where each journal event sits in journal.jsonl, so reports can link evidence as
// `journal.jsonl#L<line>` (the line numbers a reader sees in any editor).
import { existsSync, readFileSync } from "node:fs";
import type { JournalEntry } from "../engine/journal-events.ts";
import { readJournal } from "../engine/journal.ts";

export interface JournalIndex {
  entries: JournalEntry[];
  /** seq → 1-based line number. */
  lineOf: Map<number, number>;
  damaged: number;
  present: boolean;
}

export function indexJournal(path: string): JournalIndex {
  if (!existsSync(path)) return { entries: [], lineOf: new Map(), damaged: 0, present: false };
  const { entries, damaged } = readJournal(path);
  const lineOf = new Map<number, number>();
  readFileSync(path, "utf8")
    .split("\n")
    .forEach((text, i) => {
      if (text.trim() === "") return;
      try {
        const seq = (JSON.parse(text) as { seq?: unknown }).seq;
        if (typeof seq === "number") lineOf.set(seq, i + 1);
      } catch {
        // damaged lines are already counted by readJournal
      }
    });
  return { entries, lineOf, damaged: damaged.length, present: true };
}
