// Is the SBOM current? The production packages package-lock.json pins (lockfileVersion 3 "packages":
// every node_modules/… entry not marked "dev") against the components a CycloneDX SBOM lists. A file
// that merely exists proves nothing: an SBOM generated before a dependency change lists yesterday's
// packages, so the PRR compares the two, name@version by name@version.

/** One package at one version, e.g. { name: "@opentelemetry/api", version: "1.10.0" }. */
export interface Pkg {
  name: string;
  version: string;
}

export interface LockPackage {
  name?: string;
  version?: string;
  dev?: boolean;
  /** Optional packages are production ones unless also dev: npm installs them with --omit dev. */
  optional?: boolean;
  link?: boolean;
}

export interface Lockfile {
  name?: string;
  lockfileVersion?: number;
  packages?: Record<string, LockPackage>;
}

/** The CycloneDX fields this module reads; everything else passes through untouched. */
export interface CdxComponent {
  "bom-ref"?: string;
  name?: string;
  group?: string;
  version?: string;
  purl?: string;
  components?: CdxComponent[];
  [field: string]: unknown;
}

export interface CdxBom {
  bomFormat?: string;
  components?: CdxComponent[];
  dependencies?: Array<{ ref: string; dependsOn?: string[] }>;
  [field: string]: unknown;
}

export class SbomInputError extends Error {
  override name = "SbomInputError";
}

const NODE_MODULES = "node_modules/";

/**
 * The package name of a lockfile entry: its `name` (set for aliases, `"x": "npm:y@1"`), else the path
 * after the last node_modules/ — which handles nested copies (a/node_modules/@scope/b → @scope/b).
 */
export function lockEntryName(path: string, entry: LockPackage): string {
  if (entry.name) return entry.name;
  const at = path.lastIndexOf(NODE_MODULES);
  return at === -1 ? path : path.slice(at + NODE_MODULES.length);
}

/**
 * Every production package of a lockfileVersion 2/3 lockfile, deduplicated by name@version and
 * sorted. "Production" is npm's own notion: an entry without `"dev": true` is installed by
 * `npm ci --omit dev` (optional and devOptional entries included). Links and the root entry ("")
 * name no package of their own.
 */
export function lockfileProductionPackages(lock: Lockfile): Pkg[] {
  if (!lock.packages || typeof lock.packages !== "object")
    throw new SbomInputError(
      `has no "packages" map (lockfileVersion ${String(lock.lockfileVersion)}); regenerate it with npm 7 or later`,
    );
  const out = new Map<string, Pkg>();
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (!path.startsWith(NODE_MODULES) && !path.includes(`/${NODE_MODULES}`)) continue;
    if (entry.dev === true || entry.link === true || typeof entry.version !== "string") continue;
    const pkg = { name: lockEntryName(path, entry), version: entry.version };
    out.set(pkgId(pkg), pkg);
  }
  return sortPkgs([...out.values()]);
}

/**
 * A component's package: from its purl (pkg:npm/%40scope/name@version) when it has one, else from
 * name (with CycloneDX's `group` as the scope) and version. Components of another ecosystem (a purl
 * that is not pkg:npm) are not npm packages and yield null, as does one without a version.
 */
export function componentPackage(c: CdxComponent): Pkg | null {
  if (typeof c.purl === "string" && c.purl.length > 0) {
    const m = /^pkg:npm\/([^?#]+)@([^@?#]+)(?:[?#].*)?$/.exec(c.purl);
    if (m) return { name: decodeURIComponent(m[1]!), version: decodeURIComponent(m[2]!) };
    if (!c.purl.startsWith("pkg:npm/")) return null;
  }
  if (typeof c.name !== "string" || typeof c.version !== "string") return null;
  const name = c.group && !c.name.startsWith("@") ? `${c.group}/${c.name}` : c.name;
  return { name, version: c.version };
}

/** Every npm package a CycloneDX SBOM lists (nested components included), deduplicated and sorted. */
export function sbomPackages(bom: CdxBom): Pkg[] {
  if (bom.bomFormat !== "CycloneDX" || !Array.isArray(bom.components))
    throw new SbomInputError(
      'is not a CycloneDX SBOM (needs "bomFormat": "CycloneDX" and a "components" array)',
    );
  const out = new Map<string, Pkg>();
  const walk = (list: readonly CdxComponent[]) => {
    for (const c of list) {
      const pkg = componentPackage(c);
      if (pkg) out.set(pkgId(pkg), pkg);
      if (Array.isArray(c.components)) walk(c.components);
    }
  };
  walk(bom.components);
  return sortPkgs([...out.values()]);
}

export interface VersionDiffers {
  name: string;
  /** Versions the lockfile pins that the SBOM does not list. */
  locked: string[];
  /** Versions the SBOM lists that the lockfile does not pin. */
  listed: string[];
}

export interface SbomDrift {
  /** Production packages of the lockfile: how many the SBOM is measured against. */
  locked: number;
  /** In the lockfile, and the SBOM lists no version of that name. */
  missing: Pkg[];
  /** The SBOM lists the name, but not at the locked version. */
  differs: VersionDiffers[];
  /** In the SBOM, and the lockfile has no production package of that name. */
  extra: Pkg[];
}

/** What differs between the lockfile's production packages and the SBOM's components. */
export function sbomDrift(locked: readonly Pkg[], listed: readonly Pkg[]): SbomDrift {
  const byName = (pkgs: readonly Pkg[]) => {
    const m = new Map<string, Set<string>>();
    for (const p of pkgs) m.set(p.name, (m.get(p.name) ?? new Set()).add(p.version));
    return m;
  };
  const lock = byName(locked);
  const sbom = byName(listed);
  const drift: SbomDrift = { locked: locked.length, missing: [], differs: [], extra: [] };
  for (const name of [...new Set([...lock.keys(), ...sbom.keys()])].sort()) {
    const l = lock.get(name) ?? new Set<string>();
    const s = sbom.get(name) ?? new Set<string>();
    const onlyLocked = [...l].filter((v) => !s.has(v)).sort();
    const onlyListed = [...s].filter((v) => !l.has(v)).sort();
    if (onlyLocked.length && onlyListed.length)
      drift.differs.push({ name, locked: onlyLocked, listed: onlyListed });
    else {
      drift.missing.push(...onlyLocked.map((version) => ({ name, version })));
      drift.extra.push(...onlyListed.map((version) => ({ name, version })));
    }
  }
  return drift;
}

export function isCurrent(d: SbomDrift): boolean {
  return d.missing.length + d.differs.length + d.extra.length === 0;
}

/** How many names each drift list shows before "… and N more": enough to act on, short enough to read. */
export const SHOWN = 6;

/**
 * "3 missing from the SBOM (yaml@2.9.1, …); 1 at another version (zod: locked 4.6.7, SBOM lists
 * 4.6.6); 0 extra" — each non-empty kind with its count and the first few by name@version.
 */
export function describeDrift(d: SbomDrift): string {
  const list = (items: string[]) =>
    items.slice(0, SHOWN).join(", ") + (items.length > SHOWN ? ` and ${items.length - SHOWN} more` : "");
  const parts: string[] = [];
  if (d.missing.length)
    parts.push(`${d.missing.length} missing from the SBOM (${list(d.missing.map(pkgId))})`);
  if (d.differs.length)
    parts.push(
      `${d.differs.length} at another version (${list(
        d.differs.map((x) => `${x.name}: locked ${x.locked.join(", ")}, SBOM lists ${x.listed.join(", ")}`),
      )})`,
    );
  if (d.extra.length) parts.push(`${d.extra.length} extra in the SBOM (${list(d.extra.map(pkgId))})`);
  return parts.join("; ");
}

/**
 * The SBOM cut down to the lockfile's production packages: components, and the dependency graph's
 * refs to them. `npm sbom --omit dev` cannot be used for this: it drops every package that any dev
 * dependency also reaches, even when production code needs it (npm/cli#7909), so `make sbom` asks
 * npm for every package and keeps those the lockfile does not mark dev.
 */
export function productionSbom(bom: CdxBom, lock: Lockfile): CdxBom {
  const keep = new Set(lockfileProductionPackages(lock).map(pkgId));
  if (!Array.isArray(bom.components)) throw new SbomInputError('has no "components" array');
  const components = bom.components.filter((c) => {
    const pkg = componentPackage(c);
    return pkg === null || keep.has(pkgId(pkg));
  });
  const kept = new Set(components.map((c) => c["bom-ref"]).filter((r): r is string => typeof r === "string"));
  const root = (bom.metadata as { component?: CdxComponent } | undefined)?.component?.["bom-ref"];
  if (typeof root === "string") kept.add(root);
  const out: CdxBom = { ...bom, components };
  if (Array.isArray(bom.dependencies))
    out.dependencies = bom.dependencies
      .filter((d) => kept.has(d.ref))
      .map((d) => (d.dependsOn ? { ...d, dependsOn: d.dependsOn.filter((r) => kept.has(r)) } : d));
  return out;
}

export function pkgId(p: Pkg): string {
  return `${p.name}@${p.version}`;
}

function sortPkgs(pkgs: Pkg[]): Pkg[] {
  return pkgs.sort((a, b) => (a.name === b.name ? cmp(a.version, b.version) : cmp(a.name, b.name)));
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
