// Builds the Go tools into the per-user cache, in the layout scripts/setup.sh has always used, so
// a checkout and an installed package share each build:
//   <cache>/gameday-load-<hash>/gameday-load       hash: sha256 of `go version`, go.mod, go.sum, *.go
//   <cache>/<name>-<version>/<name>                `go install MODULE/cmd@VERSION`
// A build is written next to its final place and renamed into it, so an interrupted or concurrent
// build never leaves a half-written binary where the next run would take it for a finished one.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { LOAD_ENGINE_SOURCES } from "./folders.ts";

export class GoBuildError extends Error {
  override name = "GoBuildError";
}

/**
 * `go version`'s output line (newline included, as the hash reads it), or undefined when Go does not
 * run. Asked in load-engine/, where it builds: a go.mod or go.work around the current folder could
 * name another toolchain.
 */
export function goVersionOutput(go: string, sources = LOAD_ENGINE_SOURCES): string | undefined {
  const cwd = existsSync(sources) ? sources : undefined;
  const env = { ...process.env, GOWORK: "off" };
  const r = spawnSync(go, ["version"], { cwd, env, encoding: "utf8", timeout: 30_000 });
  return r.status === 0 && r.stdout.startsWith("go version") ? r.stdout : undefined;
}

/** The load engine's source files in the order the shell's `*.go` lists them (C collation). */
function loadEngineFiles(dir: string): string[] {
  const go = readdirSync(dir)
    .filter((f) => f.endsWith(".go"))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return ["go.mod", "go.sum", ...go].map((f) => join(dir, f));
}

/** The cache key of a load-engine build: any change of source or Go version is a new build. */
export function loadEngineHash(goVersion: string, dir = LOAD_ENGINE_SOURCES): string {
  const hash = createHash("sha256").update(goVersion);
  for (const file of loadEngineFiles(dir)) hash.update(readFileSync(file));
  return hash.digest("hex").slice(0, 16);
}

export function loadEngineCachePath(cache: string, hash: string): string {
  return join(cache, `gameday-load-${hash}`, "gameday-load");
}

export function goInstallCachePath(cache: string, name: string, version: string): string {
  return join(cache, `${name}-${version}`, name);
}

/** GOFLAGS plus ours, keeping whatever the user set. */
function goFlags(extra: string[]): string {
  const mine = (process.env.GOFLAGS ?? "").split(/\s+/).filter(Boolean);
  return [...mine, ...extra.filter((f) => !mine.includes(f))].join(" ");
}

/** Runs Go with its output on our stderr (module downloads, compile errors). */
function runGo(go: string, args: string[], o: { cwd?: string; env: NodeJS.ProcessEnv }): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(go, args, { cwd: o.cwd, env: o.env, stdio: ["ignore", 2, 2] });
    child.once("error", (err) => fail(new GoBuildError(`${go} ${args.join(" ")}: ${err.message}`)));
    child.once("exit", (code, signal) => {
      if (code === 0) done();
      else
        fail(
          new GoBuildError(
            `${go} ${args.join(" ")} failed (${signal ?? `exit ${code}`}); its output is above`,
          ),
        );
    });
  });
}

/** A scratch folder inside the cache, on the same file system as the build's final place. */
function scratch(cache: string): string {
  mkdirSync(cache, { recursive: true });
  return mkdtempSync(join(cache, ".build-"));
}

/** `go build` of load-engine/ to `dest` (a path from loadEngineCachePath). */
export async function buildLoadEngine(
  go: string,
  dest: string,
  sources = LOAD_ENGINE_SOURCES,
): Promise<void> {
  if (!existsSync(join(sources, "go.mod")))
    throw new GoBuildError(`the load engine's sources are not at ${sources} (go.mod is missing)`);
  const tmp = scratch(dirname(dirname(dest)));
  try {
    const out = join(tmp, "gameday-load");
    // -buildvcs=false: an installed package sits inside the user's repository, whose VCS state is
    // none of the binary's business (and stamping it fails where git is missing).
    // GOWORK=off: an installed package may sit below a go.work of the user's, which does not list it.
    const env = {
      ...process.env,
      GOWORK: "off",
      GOFLAGS: goFlags(["-trimpath", "-mod=readonly", "-buildvcs=false"]),
    };
    await runGo(go, ["build", "-o", out, "."], { cwd: sources, env });
    mkdirSync(dirname(dest), { recursive: true });
    renameSync(out, dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** `go install pkg@version` into a scratch GOBIN, then the binary Go names `binary` moved to `dest`. */
export async function goInstall(
  go: string,
  o: { pkg: string; version: string; binary: string; dest: string },
): Promise<void> {
  const tmp = scratch(dirname(dirname(o.dest)));
  try {
    const env = { ...process.env, GOBIN: tmp, GOFLAGS: goFlags(["-trimpath"]) };
    await runGo(go, ["install", `${o.pkg}@${o.version}`], { env });
    mkdirSync(dirname(o.dest), { recursive: true });
    renameSync(join(tmp, o.binary), o.dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
