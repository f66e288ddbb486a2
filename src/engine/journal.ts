// The run journal: append-only JSONL, one event per line, written synchronously so a killed run
// still leaves every event it got to. Measurement and reports read it back with readJournal.
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  statSync,
} from "node:fs";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import type { EventOf, JournalEntry, JournalEvent, JournalEventType } from "./journal-events.ts";

export class Journal {
  readonly path: string;
  #fd: number;
  #seq = 0;
  readonly #mono0 = performance.now();
  readonly #listeners = new Set<(e: JournalEntry) => void>();

  /**
   * Opens (or creates) a journal for appending. Reopening an existing journal — `gameday cleanup`
   * on a killed run — continues its sequence numbers and first ends a torn last line, so the next
   * event is not glued onto half an event.
   */
  constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(path), { recursive: true });
    if (existsSync(path)) {
      endTornLine(path);
      this.#seq = readJournal(path).entries.reduce((max, e) => Math.max(max, e.seq), 0);
    }
    this.#fd = openSync(path, "a");
  }

  /** Appends one event and flushes it to the file before returning; returns the stored entry. */
  write(event: JournalEvent, at: number = Date.now()): JournalEntry {
    const entry = {
      ...event,
      seq: ++this.#seq,
      t: at,
      mono: round3(performance.now() - this.#mono0),
    } as JournalEntry;
    appendFileSync(this.#fd, `${JSON.stringify(entry)}\n`);
    for (const l of this.#listeners) l(entry);
    return entry;
  }

  /**
   * Pushes the page cache to disk. Not needed against a SIGKILL (appendFileSync already hands each
   * line to the kernel), only against a host crash; the engine calls it at phase boundaries.
   */
  sync(): void {
    fsyncSync(this.#fd);
  }

  onEvent(listener: (e: JournalEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): void {
    if (this.#fd < 0) return;
    try {
      fsyncSync(this.#fd);
    } finally {
      closeSync(this.#fd);
      this.#fd = -1;
    }
  }
}

/**
 * A SIGKILL can leave the journal's last line half-written; the next event appended to it would be
 * glued onto that fragment and lost with it. Ending the fragment first keeps new events readable.
 */
function endTornLine(path: string): void {
  const size = statSync(path).size;
  if (size === 0) return;
  const fd = openSync(path, "r");
  try {
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    if (last[0] !== 0x0a) appendFileSync(path, "\n");
  } finally {
    closeSync(fd);
  }
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

export interface ReadJournal {
  entries: JournalEntry[];
  /** Lines that were not valid JSON (e.g. a torn last line after SIGKILL), with their 1-based line numbers. */
  damaged: Array<{ line: number; text: string }>;
}

/** Reads a journal back; a torn or corrupt line is reported, never fatal. */
export function readJournal(path: string): ReadJournal {
  const entries: JournalEntry[] = [];
  const damaged: ReadJournal["damaged"] = [];
  const lines = readFileSync(path, "utf8").split("\n");
  lines.forEach((text, i) => {
    if (text.trim() === "") return;
    try {
      const parsed = JSON.parse(text) as JournalEntry;
      if (typeof parsed.type !== "string" || typeof parsed.t !== "number") throw new Error("not an event");
      entries.push(parsed);
    } catch {
      damaged.push({ line: i + 1, text });
    }
  });
  return { entries, damaged };
}

export function eventsOf<T extends JournalEventType>(
  entries: readonly JournalEntry[],
  type: T,
): EventOf<T>[] {
  return entries.filter((e): e is EventOf<T> => e.type === type);
}
