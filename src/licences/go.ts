// Go modules compiled into the Go-built tools in .tools/bin (gameday-load, toxiproxy-server,
// toxiproxy-cli, actionlint): `go version -m` lists each binary's main module and dependencies
// (with any `=>` replacement); each module's licence is read from its source in the module cache (or
// from `go mod download -json`), its licence files classified by text.ts. The Go standard library,
// compiled into every one of them, is checked from GOROOT's LICENSE.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { failed, judged, type LicenceFinding } from "./finding.ts";
import { licenceFiles, readLicenceFiles } from "./licence-files.ts";
import { deniedGoModule } from "./policy.ts";
import { allOf } from "./spdx.ts";

/**
 * The Go-built tools make setup links into .tools/bin. actionlint only lints the CI examples in the
 * tests and never ships, but make setup builds it from source, so its modules are checked the same.
 */
export const GO_TOOLS: readonly string[] = [
  "gameday-load",
  "toxiproxy-server",
  "toxiproxy-cli",
  "actionlint",
];

export class GoMissingError extends Error {
  override name = "GoMissingError";
}

export interface ModuleRef {
  path: string;
  /** "(devel)" for a main module built from a local folder. */
  version: string;
}

export interface BuiltModule extends ModuleRef {
  /** The module actually compiled in, when go.mod replaced this one. */
  replacement?: ModuleRef;
}

export interface BuildInfo {
  goVersion: string;
  /** The main module (`mod` line). */
  main?: BuiltModule;
  deps: BuiltModule[];
}

/** Parses `go version -m <binary>` output. */
export function parseBuildInfo(output: string): BuildInfo {
  const lines = output.split("\n");
  const goVersion = lines[0]?.split(": ").at(-1)?.trim() ?? "";
  const info: BuildInfo = { goVersion, deps: [] };
  let last: BuiltModule | undefined;
  for (const line of lines.slice(1)) {
    const [, kind, path, version] = line.split("\t");
    if (!kind || !path) continue;
    if (kind === "mod" || kind === "dep") {
      last = { path, version: version ?? "" };
      if (kind === "mod") info.main = last;
      else info.deps.push(last);
    } else if (kind === "=>" && last) {
      last.replacement = { path, version: version ?? "" };
    }
  }
  return info;
}

/** Go's module path (and version) escaping for the module cache: each capital letter becomes "!" + its lower case. */
export function escapeModulePath(path: string): string {
  return path.replace(/[A-Z]/g, (c) => `!${c.toLowerCase()}`);
}

function go(args: string[], cwd?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync("go", args, { encoding: "utf8", cwd, timeout: 120_000 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === "ENOENT") {
    throw new GoMissingError(
      "Go is not installed (no `go` on PATH): the licence check reads the modules compiled into the Go-built tools " +
        "with `go version -m` and their licences from the module cache. Install Go 1.22+ (make setup needs it too).",
    );
  }
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export interface GoEnv {
  modCache: string;
  goRoot: string;
}

export function goEnv(): GoEnv {
  const r = go(["env", "GOMODCACHE", "GOROOT"]);
  const [modCache = "", goRoot = ""] = r.stdout.trim().split("\n");
  if (r.status !== 0 || !modCache || !goRoot) throw new Error(`go env failed: ${r.stderr.trim()}`);
  return { modCache, goRoot };
}

/** The source folder of module@version: the module cache, else what `go mod download` reports. */
export function moduleDir(module: ModuleRef, env: GoEnv): { dir?: string; error?: string } {
  const cached = join(env.modCache, `${escapeModulePath(module.path)}@${escapeModulePath(module.version)}`);
  if (existsSync(cached)) return { dir: cached };
  // Outside any module, so no go.mod of ours is consulted.
  const r = go(["mod", "download", "-json", `${module.path}@${module.version}`], tmpdir());
  try {
    const out = JSON.parse(r.stdout) as { Dir?: string; Error?: string };
    if (out.Dir && existsSync(out.Dir)) return { dir: out.Dir };
    return { error: out.Error ?? `go mod download gave no folder (${r.stderr.trim()})` };
  } catch {
    return { error: `go mod download failed: ${r.stderr.trim() || `exit ${r.status}`}` };
  }
}

function moduleFromGoMod(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  return readFileSync(file, "utf8").match(/^module\s+(\S+)/m)?.[1];
}

export interface GoContext {
  env: GoEnv;
  /** This repository's Go module (load-engine/go.mod) and its licence (package.json). */
  ownModule: string | undefined;
  ownLicence: string | undefined;
}

/** The finding for one module compiled into `tools`. */
export function checkModule(module: BuiltModule, tools: readonly string[], ctx: GoContext): LicenceFinding {
  const built = module.replacement ?? module;
  const dependency = {
    ecosystem: "go" as const,
    name: module.replacement ? `${module.path} => ${built.path}` : module.path,
    version: built.version || "(local)",
    where: tools.join(", "),
  };
  const denied = deniedGoModule(module.path) ?? (module.replacement && deniedGoModule(built.path));
  if (denied) return failed(dependency, `denied module: ${denied}`, "denied");

  if (built.version === "(devel)" || built.version === "") {
    if (!module.replacement && module.path === ctx.ownModule && ctx.ownLicence)
      return judged(dependency, ctx.ownLicence, "this repository (package.json license)");
    return failed(dependency, "built from a local folder, whose licence cannot be read");
  }
  const located = moduleDir(built, ctx.env);
  if (!located.dir) return failed(dependency, `source not found: ${located.error}`);
  const files = licenceFiles(located.dir, { nested: true });
  const topLevel = files.filter((f) => !f.includes("/"));
  if (topLevel.length === 0) return failed(dependency, "no licence file at the module's top level");
  const read = readLicenceFiles(located.dir, files);
  const licence = read.licences.length > 0 ? allOf(read.licences) : "unknown";
  if (read.unrecognised.length > 0)
    return failed(dependency, `no known licence in ${read.unrecognised.join(", ")}`, licence);
  const nested = files.length - topLevel.length;
  return judged(
    dependency,
    licence,
    `${topLevel.join(", ")}${nested > 0 ? ` + ${nested} in subfolders` : ""}`,
  );
}

/** One finding per module (and Go version, for the standard library) compiled into GO_TOOLS. */
export function goFindings(root: string, tools: readonly string[] = GO_TOOLS): LicenceFinding[] {
  const env = goEnv();
  const packageJson = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { license?: string };
  const ctx: GoContext = {
    env,
    ownModule: moduleFromGoMod(join(root, "load-engine/go.mod")),
    ownLicence: packageJson.license,
  };

  const findings: LicenceFinding[] = [];
  const modules = new Map<string, { module: BuiltModule; tools: string[] }>();
  const goVersions = new Map<string, string[]>();
  for (const tool of tools) {
    const link = join(root, ".tools/bin", tool);
    const where = `.tools/bin/${tool}`;
    if (!existsSync(link)) {
      findings.push(
        failed({ ecosystem: "go", name: tool, version: "-", where }, "not built: run make setup"),
      );
      continue;
    }
    const r = go(["version", "-m", realpathSync(link)]);
    const info = parseBuildInfo(r.stdout);
    if (r.status !== 0 || !info.main) {
      const why = r.stderr.trim() || "no module information";
      findings.push(failed({ ecosystem: "go", name: tool, version: "-", where }, `go version -m: ${why}`));
      continue;
    }
    goVersions.set(info.goVersion, [...(goVersions.get(info.goVersion) ?? []), tool]);
    for (const module of [info.main, ...info.deps]) {
      const built = module.replacement ?? module;
      const key = `${module.path}@${module.version}=>${built.path}@${built.version}`;
      const seen = modules.get(key);
      if (seen) seen.tools.push(tool);
      else modules.set(key, { module, tools: [tool] });
    }
  }

  for (const [goVersion, usedBy] of goVersions) {
    const dependency = {
      ecosystem: "go" as const,
      name: "std",
      version: goVersion,
      where: usedBy.join(", "),
    };
    const file = join(env.goRoot, "LICENSE");
    const read = existsSync(file) ? readLicenceFiles(env.goRoot, ["LICENSE"]) : undefined;
    findings.push(
      read && read.licences.length > 0
        ? judged(dependency, allOf(read.licences), "Go standard library (GOROOT/LICENSE)")
        : failed(dependency, `Go standard library: no readable licence at ${file}`),
    );
  }
  const sorted = [...modules.values()].sort((a, b) => a.module.path.localeCompare(b.module.path));
  for (const { module, tools: usedBy } of sorted) findings.push(checkModule(module, usedBy, ctx));
  return findings;
}
