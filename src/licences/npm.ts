// npm dependencies: every package in package-lock.json (lockfileVersion 3, dev and prod alike). The
// licence is the lockfile's `license` field; failing that the installed package.json's `license`
// (or the legacy `licenses` array, whose entries are alternatives); failing that its licence file.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { failed, judged, type LicenceFinding } from "./finding.ts";
import { licenceFiles, readLicenceFiles } from "./licence-files.ts";
import { DATA_ONLY_PACKAGES } from "./policy.ts";
import { allOf } from "./spdx.ts";

interface LockPackage {
  name?: string;
  version?: string;
  license?: unknown;
  link?: boolean;
}

interface Lockfile {
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
}

interface Manifest {
  license?: unknown;
  licenses?: unknown;
}

export class LockfileError extends Error {
  override name = "LockfileError";
}

/** A `license` value: an SPDX string, or the legacy `{ type, url }` object. */
function licenceValue(value: unknown): string | undefined {
  if (typeof value === "string") return value.trim() || undefined;
  if (value && typeof value === "object" && "type" in value && typeof value.type === "string")
    return value.type.trim() || undefined;
  return undefined;
}

/** The legacy `licenses: [{ type }]` array: any of them applies. */
function legacyLicences(value: unknown): string | undefined {
  if (!Array.isArray(value)) return undefined;
  const types = value.map(licenceValue).filter((t): t is string => t !== undefined);
  if (types.length === 0) return undefined;
  return types.map((t) => (types.length > 1 && /\s/.test(t) ? `(${t})` : t)).join(" OR ");
}

const SEE_LICENSE = /^SEE LICEN[CS]E IN\s+(.+)$/i;

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

function nameOf(key: string, entry: LockPackage): string {
  if (entry.name) return entry.name;
  const at = key.lastIndexOf("node_modules/");
  return at === -1 ? key : key.slice(at + "node_modules/".length);
}

function checkPackage(root: string, key: string, entry: LockPackage, dataOnly: boolean): LicenceFinding {
  const dependency = {
    ecosystem: "npm" as const,
    name: nameOf(key, entry),
    version: entry.version ?? "?",
    where: key,
  };
  const options = { dataOnly };
  const locked = licenceValue(entry.license);
  if (locked && !SEE_LICENSE.test(locked)) return judged(dependency, locked, "package-lock.json", options);

  const dir = join(root, key);
  const manifestFile = join(dir, "package.json");
  if (!existsSync(manifestFile)) {
    return failed(dependency, "not installed (run make setup), and package-lock.json names no licence");
  }
  const manifest = readJson<Manifest>(manifestFile);
  const declared = licenceValue(manifest.license);
  const legacy = declared === undefined ? legacyLicences(manifest.licenses) : undefined;
  const see = (declared ?? "").match(SEE_LICENSE);

  if (declared && !see) return judged(dependency, declared, "package.json license", options);
  if (legacy) return judged(dependency, legacy, "package.json licenses (legacy)", options);

  const files = see ? [see[1]!.trim()] : licenceFiles(dir);
  if (files.length === 0 || (see && !existsSync(join(dir, files[0]!)))) {
    return failed(dependency, "no licence field and no licence file");
  }
  const read = readLicenceFiles(dir, files);
  if (read.licences.length === 0) {
    return failed(dependency, `no licence field, and ${read.unrecognised.join(", ")} names no known licence`);
  }
  return judged(dependency, allOf(read.licences), `licence file ${read.files.join(", ")}`, options);
}

/** One finding per package entry of `root`/package-lock.json (the root project itself excepted). */
export function npmFindings(
  root: string,
  dataOnlyPackages: readonly string[] = DATA_ONLY_PACKAGES,
): LicenceFinding[] {
  const lockfile = readJson<Lockfile>(join(root, "package-lock.json"));
  if (lockfile.lockfileVersion !== 3 || !lockfile.packages) {
    throw new LockfileError(
      `package-lock.json has lockfileVersion ${String(lockfile.lockfileVersion)}; the licence check reads version 3 (npm 9 or later)`,
    );
  }
  const findings: LicenceFinding[] = [];
  for (const [key, entry] of Object.entries(lockfile.packages)) {
    // "" is this project; a link's target folder has an entry of its own.
    if (key === "" || entry.link) continue;
    findings.push(checkPackage(root, key, entry, dataOnlyPackages.includes(nameOf(key, entry))));
  }
  return findings;
}
