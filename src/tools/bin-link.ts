// Links a tool into a bin folder (the per-user bin, or a checkout's .tools/bin) as `ln -sf` would,
// but atomically: the new link is made beside the old one and renamed over it, so a run starting
// meanwhile finds the old tool or the new one, never none.
import { mkdirSync, readlinkSync, realpathSync, renameSync, rmSync, symlinkSync } from "node:fs";
import { join, resolve } from "node:path";

export type LinkOutcome = "linked" | "unchanged";

function realpathOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return resolve(path);
  }
}

function currentLink(path: string): string | undefined {
  try {
    return readlinkSync(path);
  } catch {
    return undefined;
  }
}

/** Makes `<binDir>/<name>` a symlink to `target`; a tool found in that very place is left as it is. */
export function linkTool(
  binDir: string,
  name: string,
  target: string,
): { path: string; outcome: LinkOutcome } {
  const path = join(binDir, name);
  const absolute = resolve(target);
  if (currentLink(path) === absolute) return { path, outcome: "unchanged" };
  // Found through the link itself (Go missing, the tool already linked there): relinking would
  // point the link at itself.
  if (realpathOrSelf(path) === realpathOrSelf(absolute)) return { path, outcome: "unchanged" };
  mkdirSync(binDir, { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  rmSync(tmp, { force: true });
  symlinkSync(absolute, tmp);
  renameSync(tmp, path);
  return { path, outcome: "linked" };
}
