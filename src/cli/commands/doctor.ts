// `gameday doctor`: each tool gameday uses, its version, where it was found and what needs it;
// exit 3 when a tool the config needs is missing. Reads and runs `--version` only: installs nothing.
import { existsSync } from "node:fs";
import { loadScenarios } from "../../scenario/loader.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { type Tool, toolCatalogue, toolsFor } from "../../tools/catalogue.ts";
import { type Located, locateTool } from "../../tools/locate.ts";
import { describeMissing, type MissingTool, remedyFor } from "../../tools/missing.ts";
import { type LoadKind, type NeedLevel, type ToolNeed, toolNeeds } from "../../tools/needs.ts";
import { NODE_MINIMUM, nodeSupported } from "../../tools/node-runtime.ts";
import { readPinnedVersions } from "../../tools/pinned-versions.ts";
import { readToolVersion, type VersionReading } from "../../tools/tool-version.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { table, terminalWidth } from "../table.ts";
import { configFrom, DEFAULT_SCENARIOS, defaultConfigFile } from "./scenarios.ts";

interface ScenarioLoads {
  /** Undefined when no scenario was read. */
  loads?: LoadKind[];
  note: string;
}

/** The scenarios' load kinds, if they can be read; doctor reports on tools, not on scenarios. */
async function scenarioLoads(paths: string[], config: GamedayConfig | undefined): Promise<ScenarioLoads> {
  if (!paths.length) return { note: `scenarios: none (no ${DEFAULT_SCENARIOS}/ folder): loads not checked` };
  try {
    const loaded = await loadScenarios(paths, config);
    const loads = loaded.flatMap(({ scenario }) =>
      scenario.load ? [{ id: scenario.id, kind: scenario.load.kind }] : [],
    );
    const count = (kind: string) => loads.filter((l) => l.kind === kind).length;
    return {
      loads,
      note: `scenarios: ${loaded.length} in ${paths.join(", ")} (${count("http")} built-in loads, ${count("k6")} k6 loads)`,
    };
  } catch (err) {
    const first = (err as Error).message.split("\n")[0];
    return { note: `scenarios: not read (${first}; gameday validate shows why): loads not checked` };
  }
}

interface Row {
  tool: Tool;
  located: Located;
  reading?: VersionReading;
  need: ToolNeed;
}

function versionCell(row: Row): string {
  if (!row.located.found) return "missing";
  const { version, problem } = row.reading ?? {};
  if (!version) return `unknown (${problem ?? "no version"})`;
  if (row.tool.source.kind === "node" && !nodeSupported(version))
    return `${version} (too old: < ${NODE_MINIMUM})`;
  return version;
}

function whereCell(row: Row): string {
  const found = row.located.found;
  const ignored = row.located.ignoredOverride;
  const where = found ? `${found.path} (${found.via})` : "-";
  return ignored ? `${where}; ${ignored.envVar}=${ignored.value} ignored: not an executable file` : where;
}

function needCell(need: ToolNeed): string {
  const why = need.reasons.join("; ");
  return need.level === "required" ? why : `${need.level}: ${why}`;
}

/** Whether the tool can serve: found, and for Node new enough. */
function usable(row: Row): boolean {
  if (!row.located.found) return false;
  if (row.tool.source.kind !== "node") return true;
  return nodeSupported(row.reading?.version ?? process.version);
}

export const doctorCommand: Command = {
  name: "doctor",
  summary: "print each tool gameday uses: version, where it was found, what needs it",
  usage: "doctor [scenario path…] [--config F] [--dev]",
  help: `Prints one row per tool gameday runs or builds: its version (or "missing"), where it was found
and how (an override variable, the checkout's .tools/bin, the per-user bin of gameday setup, PATH,
or a system folder), and what needs it. Tools are looked for in that order; gameday itself
finds them the same way.

What is needed comes from the config (--config F, else the project's default config file when
there is one) and the loads of the scenarios (the given paths, else ${DEFAULT_SCENARIOS}/ when present):
  provider reference   gameday-load, toxiproxy-server, redis-server, prometheus, alertmanager
  provider local       toxiproxy-server for toxiproxy.api, redis-server for redis entries on port 0
  built-in loads       gameday-load;  k6 loads: your own k6 (gameday never installs it, AGPL-3.0)
Without a config nothing is needed and the reference stack's tools are shown as recommended.

Exit 0 when everything the config needs is here; 3 when something is missing, with a last line
naming each missing tool and the command that gets it (gameday setup, or an apt-get line).
Installs nothing: gameday setup does. A --version that hangs is given 5 s.

Options:
  --config F   the run config whose needs are checked
  --dev        also this repository's test and benchmark tools (actionlint, chromium, wrk, …)`,
  options: { config: { type: "string" }, dev: { type: "boolean" } },
  async run(args) {
    const configFile = str(args, "config");
    const config = await configFrom(configFile);
    const paths = args.positionals.length
      ? args.positionals
      : existsSync(DEFAULT_SCENARIOS)
        ? [DEFAULT_SCENARIOS]
        : [];
    const scenarios = await scenarioLoads(paths, config);
    const needs = toolNeeds({ config, loads: scenarios.loads });
    const tools = toolsFor(toolCatalogue(readPinnedVersions()), { dev: flag(args, "dev") });

    const rows: Row[] = await Promise.all(
      tools.map(async (tool) => {
        const located = locateTool(tool);
        const reading = located.found ? await readToolVersion(tool, located.found.path) : undefined;
        const need: ToolNeed = needs.get(tool.name) ?? { level: "optional", reasons: [tool.purpose] };
        return { tool, located, reading, need };
      }),
    );

    const configLine = config
      ? `config: ${configFile ?? defaultConfigFile()} (provider ${config.provider})`
      : "config: none (no --config, no default config file): nothing is required; what the reference stack needs is recommended";
    console.log(configLine);
    console.log(scenarios.note);
    console.log("");
    console.log(
      table(
        ["tool", "version", "found", "needed by"],
        rows.map((r) => [r.tool.name, versionCell(r), whereCell(r), needCell(r.need)]),
        { width: terminalWidth() },
      ),
    );
    console.log("");

    const goFound = rows.some((r) => r.tool.source.kind === "go-toolchain" && usable(r));
    const absent = (level: NeedLevel): MissingTool[] =>
      rows
        .filter((r) => r.need.level === level && !usable(r))
        .map((r) => ({ tool: r.tool.name, remedy: remedyFor(r.tool, { goFound }) }));
    const required = absent("required");
    const recommended = absent("recommended");
    if (recommended.length)
      console.log(`gameday doctor: recommended, not here: ${describeMissing(recommended)}`);
    if (required.length) {
      console.log(`gameday doctor: missing what the config needs: ${describeMissing(required)}`);
      return EXIT.error;
    }
    console.log(
      config
        ? "gameday doctor: everything the config needs is here"
        : "gameday doctor: no config, so nothing is required",
    );
    return EXIT.ok;
  },
};
