// The pinned versions of scripts/versions.env, read the way the shell reads the file's simple lines
// (KEY=VALUE, KEY="a b", KEY='a b', comments), so setup.sh and `gameday setup` cannot disagree.
import { readFileSync } from "node:fs";
import { VERSIONS_FILE } from "./folders.ts";

export interface PinnedVersions {
  node: string;
  vegeta: string;
  toxiproxyModule: string;
  toxiproxyVersion: string;
  actionlintModule: string;
  actionlintVersion: string;
  /** Debian packages that runs need (redis-server, prometheus, …). */
  debianPackages: string[];
  /** Debian packages only this repository's tests and benchmarks need. */
  debianDevPackages: string[];
}

export class VersionsFileError extends Error {
  override name = "VersionsFileError";
}

/** KEY → value of every assignment line; anything else that is not blank or a comment is an error. */
export function parseVersionsEnv(text: string, file = "versions.env"): Map<string, string> {
  const values = new Map<string, string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) throw new VersionsFileError(`${file}:${i + 1}: not a KEY=VALUE line: ${line}`);
    values.set(m[1]!, unquote(m[2]!, `${file}:${i + 1}`));
  });
  return values;
}

function unquote(value: string, where: string): string {
  const q = value[0];
  if (q === '"' || q === "'") {
    const end = value.indexOf(q, 1);
    const rest = end === -1 ? "" : value.slice(end + 1).trim();
    if (end === -1 || (rest !== "" && !rest.startsWith("#")))
      throw new VersionsFileError(`${where}: unbalanced quotes: ${value}`);
    return value.slice(1, end);
  }
  // Unquoted: up to a comment; a space inside would make the shell run a command, not assign.
  const bare = value.replace(/\s+#.*$/, "");
  if (/\s/.test(bare)) throw new VersionsFileError(`${where}: quote a value with spaces: ${value}`);
  return bare;
}

export function pinnedVersions(values: ReadonlyMap<string, string>, file = "versions.env"): PinnedVersions {
  const need = (key: string): string => {
    const v = values.get(key);
    if (!v) throw new VersionsFileError(`${file}: ${key} is not set`);
    return v;
  };
  const list = (key: string): string[] => (values.get(key) ?? "").split(/\s+/).filter(Boolean);
  return {
    node: need("NODE_VERSION"),
    vegeta: need("VEGETA_VERSION"),
    toxiproxyModule: need("TOXIPROXY_MODULE"),
    toxiproxyVersion: need("TOXIPROXY_VERSION"),
    actionlintModule: need("ACTIONLINT_MODULE"),
    actionlintVersion: need("ACTIONLINT_VERSION"),
    debianPackages: list("DEBIAN_PACKAGES"),
    debianDevPackages: list("DEBIAN_DEV_PACKAGES"),
  };
}

/** The package's scripts/versions.env. */
export function readPinnedVersions(file = VERSIONS_FILE): PinnedVersions {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new VersionsFileError(`cannot read the pinned versions (${(err as Error).message})`);
  }
  return pinnedVersions(parseVersionsEnv(text, file), file);
}
