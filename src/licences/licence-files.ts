// The licence files in a package or module folder (LICENSE, LICENCE, COPYING, LICENSE.md,
// LICENSE-MIT, …) and the licences their texts state (text.ts).
import { type Dirent, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { classifyLicenceText } from "./text.ts";

const LICENCE_FILE = /^(licen[cs]es?|copying|unlicense)([-._][^/]*)?$/i;
/** Source files that happen to be named license.go and the like are code, not licence texts. */
const SOURCE_FILE = /\.(go|[cm]?[jt]sx?|json|c|h|cc|py|rs|html?|tmpl|ya?ml|sh|toml)$/i;
/** Folders whose files are not part of what is built: test data, dependencies, hidden folders. */
const SKIPPED_FOLDER = /^(testdata|node_modules|vendor|[._].*)$/;

function isLicenceFile(name: string): boolean {
  return LICENCE_FILE.test(name) && !SOURCE_FILE.test(name);
}

/**
 * Licence files in `dir`, as paths relative to it: the top level's first, then (with `nested`) those
 * of subfolders other than testdata, vendor and hidden ones — a module that bundles code under
 * another licence keeps its text there.
 */
export function licenceFiles(dir: string, options: { nested?: boolean } = {}): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true, recursive: options.nested === true });
  } catch {
    return [];
  }
  const files = entries
    .filter((e) => e.isFile() && isLicenceFile(e.name))
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter(
      (rel) =>
        !rel
          .split("/")
          .slice(0, -1)
          .some((folder) => SKIPPED_FOLDER.test(folder)),
    );
  const depth = (p: string) => p.split("/").length;
  return files.sort((a, b) => depth(a) - depth(b) || a.localeCompare(b));
}

export interface FileLicences {
  /** Every licence the files state, each once, in file order. */
  licences: string[];
  /** The licence files read. */
  files: string[];
  /** Files whose text names no licence text.ts knows. */
  unrecognised: string[];
}

export function readLicenceFiles(dir: string, files: readonly string[]): FileLicences {
  const licences: string[] = [];
  const unrecognised: string[] = [];
  for (const file of files) {
    const found = classifyLicenceText(readFileSync(join(dir, file), "utf8"));
    if (found.length === 0) unrecognised.push(file);
    licences.push(...found);
  }
  return { licences: [...new Set(licences)], files: [...files], unrecognised };
}
