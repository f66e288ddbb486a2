// Scratch folders for tests. Each test file keeps one set and empties it in afterAll, so a
// run of the suite leaves nothing behind in /tmp or reports/tmp (hundreds of folders did).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TempDirs {
  /** A new empty folder named `<prefix><random>` under `parent` (default: the OS temp folder). */
  make(prefix: string, parent?: string): string;
  /** Removes every folder `make` returned; safe to call twice. */
  removeAll(): void;
}

export function tempDirs(): TempDirs {
  const made = new Set<string>();
  return {
    make(prefix, parent = tmpdir()) {
      mkdirSync(parent, { recursive: true });
      const dir = mkdtempSync(join(parent, prefix));
      made.add(dir);
      return dir;
    },
    removeAll() {
      for (const dir of made) rmSync(dir, { recursive: true, force: true });
      made.clear();
    },
  };
}
