// `gameday setup`: installs or finds what runs need — the Node check, the load engine and Toxiproxy
// built with Go into the per-user cache and linked into a bin folder, the Debian packages where it
// runs as root — and ends with exactly what is missing and the command that gets it.
import { AptError, aptCommand, aptInstall, canInstallPackages } from "../../tools/apt.ts";
import { linkTool } from "../../tools/bin-link.ts";
import { goBuilt, type Tool, toolCatalogue, toolsFor } from "../../tools/catalogue.ts";
import { userBinDir, userCacheDir } from "../../tools/folders.ts";
import { isExecutable } from "../../tools/executable.ts";
import { goVersionOutput } from "../../tools/go-build.ts";
import {
  GO_REQUIREMENT,
  type GoToolResult,
  obtainGoTool,
  pinnedBuildPath,
} from "../../tools/go-tool-setup.ts";
import { locateTool } from "../../tools/locate.ts";
import { describeMissing, type MissingTool, remedyFor } from "../../tools/missing.ts";
import { NODE_MINIMUM, nodeSupported } from "../../tools/node-runtime.ts";
import { readPinnedVersions } from "../../tools/pinned-versions.ts";
import { toolNeeds } from "../../tools/needs.ts";
import { readToolVersion } from "../../tools/tool-version.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { configFrom } from "./scenarios.ts";

const say = (line: string) => console.log(`setup: ${line}`);

async function versionOf(tool: Tool, path: string): Promise<string> {
  const r = await readToolVersion(tool, path);
  return r.version ?? "(version unknown)";
}

function checkNode(missing: MissingTool[]): void {
  if (nodeSupported(process.version)) say(`node ${process.version} (${process.execPath})`);
  else {
    say(
      `node ${process.version} (${process.execPath}) is too old: gameday needs Node ${NODE_MINIMUM} or newer`,
    );
    missing.push({ tool: "node", remedy: `install Node ${NODE_MINIMUM} or newer` });
  }
}

/** The Go toolchain; when it is missing, says which tools need it and what to do instead. */
function findGo(tools: readonly Tool[], cache: string): { path: string; version: string } | undefined {
  const go = tools.find((t) => t.source.kind === "go-toolchain");
  const found = go ? locateTool(go).found : undefined;
  const version = found ? goVersionOutput(found.path) : undefined;
  if (found && version) {
    say(`go ${version.trim().replace(/^go version /, "")} (${found.path})`);
    return { path: found.path, version };
  }
  // Overridden tools and pinned builds already in the cache do without Go.
  const needGo = tools.filter(
    (t) =>
      goBuilt(t) &&
      !(t.envVar && process.env[t.envVar]) &&
      !isExecutable(pinnedBuildPath(t, { cache }) ?? ""),
  );
  const what = found ? `go does not run (${found.path})` : "go not found";
  if (!needGo.length) say(`${what}; not needed: every Go-built tool is cached or overridden`);
  else
    say(
      `${what}: ${needGo.map((t) => t.name).join(", ")} ${needGo.length === 1 ? "is" : "are"} built with Go — install ${GO_REQUIREMENT} (the official tarball in /usr/local/go will do; Debian's golang package may be older), or set ${needGo.map((t) => t.envVar).join(", ")} to binaries you have`,
    );
  return undefined;
}

async function setupGoTool(
  tool: Tool,
  o: { cache: string; bin: string; go: { path: string; version: string } | undefined },
  missing: MissingTool[],
): Promise<void> {
  const result: GoToolResult = await obtainGoTool(tool, { cache: o.cache, go: o.go, say });
  if (result.kind === "missing") {
    say(`${tool.name} missing: ${result.reason}`);
    missing.push({ tool: tool.name, remedy: result.remedy });
    return;
  }
  const link = linkTool(o.bin, tool.name, result.path);
  const linked = link.outcome === "unchanged" ? `already linked at ${link.path}` : `linked at ${link.path}`;
  const version = await versionOf(tool, link.path);
  switch (result.kind) {
    case "override":
      return say(`${tool.name} ${version} from $${result.envVar} (${result.path}), ${linked}`);
    case "cached":
      return say(`${tool.name} ${version}: cached build, nothing to build; ${linked}`);
    case "built":
      return say(`${tool.name} ${version}: built into ${result.path}, ${linked}`);
    case "elsewhere":
      return say(
        `${tool.name} ${version} from ${result.via} (${result.path}), ${linked}; Go is not installed, so the pinned build was not made`,
      );
  }
}

/** --check: where each Go-built tool is now, building and linking nothing. */
function checkGoTool(
  tool: Tool,
  o: { cache: string; go: { path: string; version: string } | undefined },
  missing: MissingTool[],
): void {
  const found = locateTool(tool).found;
  if (found) {
    say(`${tool.name} found (${found.via}: ${found.path})`);
    return;
  }
  const cached = pinnedBuildPath(tool, o);
  const built = cached !== undefined && isExecutable(cached);
  say(`${tool.name} missing${built ? ` (built in the cache, not linked: ${cached})` : ""}`);
  // A build already in the cache needs no Go: setup only links it.
  missing.push({ tool: tool.name, remedy: remedyFor(tool, { goFound: o.go !== undefined || built }) });
}

function debianPackage(tool: Tool): string {
  return tool.source.kind === "debian" ? tool.source.package : tool.name;
}

async function setupDebian(tools: readonly Tool[], check: boolean, missing: MissingTool[]): Promise<void> {
  const absent: Tool[] = [];
  for (const tool of tools) {
    const found = locateTool(tool).found;
    if (found) say(`${tool.name} ${await versionOf(tool, found.path)} (${found.path})`);
    else absent.push(tool);
  }
  if (!absent.length) return;
  const packages = absent.map(debianPackage);
  if (!check && canInstallPackages()) {
    say(`apt-get install ${packages.join(" ")} (their services are not started) — a minute or more`);
    try {
      await aptInstall(packages);
    } catch (err) {
      if (!(err instanceof AptError)) throw err;
      say(`error: ${err.message}`);
    }
  }
  const stillAbsent = absent.filter((t) => !locateTool(t).found);
  for (const tool of absent) {
    if (stillAbsent.includes(tool)) continue;
    const found = locateTool(tool).found!;
    say(`${tool.name} ${await versionOf(tool, found.path)} (${found.path}), installed`);
  }
  if (!stillAbsent.length) return;
  const how = aptCommand(stillAbsent.map(debianPackage));
  for (const tool of stillAbsent) say(`${tool.name} missing (Debian package ${debianPackage(tool)})`);
  for (const tool of stillAbsent) missing.push({ tool: tool.name, remedy: how });
}

/**
 * The Debian tools to get: with a config, those it needs (a team on provider "external" needs no
 * Redis or Prometheus); without one, or with a config that does not load, everything the bundled
 * reference stack needs. A config error must not stop setup: `gameday validate` reports it.
 */
async function debianTools(
  tools: readonly Tool[],
  configFile: string | undefined,
  dev: boolean,
): Promise<Tool[]> {
  const debian = tools.filter((t) => t.source.kind === "debian");
  let config: GamedayConfig | undefined;
  try {
    config = await configFrom(configFile);
  } catch (err) {
    say(`config not read (${(err as Error).message.split("\n")[0]}): getting what the reference stack needs`);
    return debian;
  }
  if (!config || dev) return debian;
  const needs = toolNeeds({ config });
  const skipped = debian.filter((t) => t.scope === "run" && needs.get(t.name)?.level !== "required");
  for (const tool of skipped)
    say(`${tool.name} skipped: the config (provider ${config.provider}) does not need it`);
  return debian.filter((t) => !skipped.includes(t));
}

async function reportK6(tools: readonly Tool[]): Promise<void> {
  const k6 = tools.find((t) => t.source.kind === "user-installed");
  if (!k6) return;
  const found = locateTool(k6).found;
  const yours = "gameday never installs k6 (AGPL-3.0); a k6 load runs your own";
  if (found) say(`k6 ${await versionOf(k6, found.path)} (${found.path}): ${yours}`);
  else say(`k6 not found: ${yours} from K6_BIN or PATH (needed only by scenarios with a k6 load)`);
}

function summary(missing: readonly MissingTool[], o: { check: boolean; bin: string }): number {
  if (!missing.length) {
    say(
      o.check
        ? "check: everything runs need is here (nothing was installed)"
        : `done: everything runs need is here; Go-built tools are linked in ${o.bin}`,
    );
    return EXIT.ok;
  }
  say(`missing: ${describeMissing(missing)}${o.check ? " — nothing was installed (--check)" : ""}`);
  return EXIT.error;
}

export const setupCommand: Command = {
  name: "setup",
  summary: "install or find what runs need (load engine, Toxiproxy, Redis, Prometheus, Alertmanager)",
  usage: "setup [--check] [--config F] [--bin DIR] [--dev]",
  help: `Gets every tool a run needs and says exactly what is still missing:
  - checks Node (${NODE_MINIMUM} or newer);
  - builds the built-in load engine (gameday-load, from the package's load-engine/ sources) and
    Toxiproxy (toxiproxy-server, toxiproxy-cli; go install at the version pinned in
    scripts/versions.env) with Go into the per-user cache, and links them into the bin folder.
    A build is kept per version, so a second run only re-links (a few seconds);
  - installs the missing Debian packages the config needs (redis-server, prometheus,
    prometheus-alertmanager for the reference stack; all of them without a config) with apt-get
    when it runs as root, without starting their services; otherwise it prints the exact
    sudo apt-get install line;
  - k6 is never installed (AGPL-3.0): a scenario with a k6 load runs your own k6 (PATH or K6_BIN).
Each tool gets one line; the last line lists what is missing and the command that gets it.
Exit 0 when everything runs need is here, 3 when something could not be obtained.

The cache is \${GAMEDAY_CACHE:-\${XDG_CACHE_HOME:-~/.cache}/gameday}; the default bin folder is
its bin/, where gameday looks after an override and before PATH, so it need not be on PATH.
GAMEDAY_LOAD_BIN, TOXIPROXY_SERVER_BIN and TOXIPROXY_CLI_BIN name binaries to use instead of
building (they are linked as they are); Go is then not needed.

Options:
  --check     report only: build, link and install nothing; exit 3 if something is missing
  --config F  the run config (default: the project's config file when present); its provider
              decides which Debian packages are needed (none for "external"); without a
              config, all that the bundled reference stack needs
  --bin DIR   link the tools into DIR instead of the per-user bin folder
  --dev       also this repository's test and benchmark tools (actionlint; chromium, wrk,
              postgresql-15, haproxy); make setup uses it

Examples:
  gameday setup
  gameday setup --check
  gameday setup --config staging.config.mts`,
  options: {
    check: { type: "boolean" },
    config: { type: "string" },
    bin: { type: "string" },
    dev: { type: "boolean" },
  },
  async run(args) {
    const check = flag(args, "check");
    const cache = userCacheDir();
    const bin = str(args, "bin") ?? userBinDir();
    const tools = toolsFor(toolCatalogue(readPinnedVersions()), { dev: flag(args, "dev") });
    const missing: MissingTool[] = [];

    checkNode(missing);
    const goTools = tools.filter(goBuilt);
    const go = findGo(tools, cache);
    for (const tool of goTools) {
      if (check) checkGoTool(tool, { cache, go }, missing);
      else await setupGoTool(tool, { cache, bin, go }, missing);
    }
    await setupDebian(await debianTools(tools, str(args, "config"), flag(args, "dev")), check, missing);
    await reportK6(tools);
    return summary(missing, { check, bin });
  },
};
