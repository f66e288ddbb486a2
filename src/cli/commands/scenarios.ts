// `gameday list` and `gameday validate`: read scenario files, touch nothing.
import { existsSync } from "node:fs";
import { planScenario } from "../../engine/plan.ts";
import { missingLoadEngines } from "../../load/preflight.ts";
import { formatDuration } from "../../scenario/duration.ts";
import { loadConfig, loadScenarios } from "../../scenario/loader.ts";
import { applyProfile, profileByName } from "../../scenario/profile.ts";
import type { GamedayConfig } from "../../scenario/config.ts";
import { type Command, str } from "../command.ts";
import { EXIT } from "../exit-codes.ts";
import { table, terminalWidth } from "../table.ts";

/** The default config's name in messages (the first of DEFAULT_CONFIG_FILES). */
export const DEFAULT_CONFIG = "gameday.config.ts";
/**
 * The names a config is looked up under, first existing wins. `.mts` because in a package whose
 * package.json is not "type": "module" Node loads a `.ts` file as CommonJS, where `import` fails;
 * `gameday init` writes gameday.config.mts there.
 */
export const DEFAULT_CONFIG_FILES = [
  DEFAULT_CONFIG,
  "gameday.config.mts",
  "gameday.config.js",
  "gameday.config.mjs",
] as const;
/** How help texts name the default config. */
export const DEFAULT_CONFIG_HELP = "gameday.config.ts, .mts, .js or .mjs, the first present";
export const DEFAULT_SCENARIOS = "scenarios";

/** The default config file in the working directory, if there is one. */
export function defaultConfigFile(): string | undefined {
  return DEFAULT_CONFIG_FILES.find((f) => existsSync(f));
}

/** The config named by --config, or the default config file when present; undefined when there is none. */
export async function configFrom(file: string | undefined): Promise<GamedayConfig | undefined> {
  const chosen = file ?? defaultConfigFile();
  return chosen === undefined ? undefined : loadConfig(chosen);
}

export const listCommand: Command = {
  name: "list",
  summary: "list scenarios: id, title, owner, faults, planned duration",
  usage: "list [path…] [--profile real|ci]",
  help: `Lists the scenarios in the given files or folders (default: ${DEFAULT_SCENARIOS}/).
Durations are shown for the chosen profile (default real).

Options:
  --profile P   real (scale 1) or ci (every duration × 1/30)`,
  options: { profile: { type: "string" } },
  async run(args) {
    const profile = profileByName(str(args, "profile") ?? "real");
    const loaded = await loadScenarios(args.positionals.length ? args.positionals : [DEFAULT_SCENARIOS]);
    const rows = loaded.map(({ scenario }) => {
      const s = applyProfile(scenario, profile);
      const faults = s.timeline.flatMap((t) => (t.inject ? [t.inject.kind] : []));
      return [
        s.id,
        s.title,
        s.owner,
        faults.join(", ") || (s.runbook ? "runbook" : "-"),
        formatDuration(planScenario(s).plannedMs),
      ];
    });
    console.log(
      table(["id", "title", "owner", "faults", `planned (${profile.name})`], rows, {
        width: terminalWidth(),
      }),
    );
    return EXIT.ok;
  },
};

export const validateCommand: Command = {
  name: "validate",
  summary: "validate scenario files against the schema and the config",
  usage: "validate <file|dir…> [--config F]",
  help: `Validates scenario files: the schema, conflicting faults, and (with a config) that every
target they name exists, and that the config touches no host off loopback that allowHosts does
not list. Every problem is printed as <file>: <path.to.field>: <message>.
Exit 0 when valid, 2 when not. Nothing is started.

A scenario whose load needs an engine that is not here (a k6 load without your own k6 on
PATH or in K6_BIN; the built-in engine before \`make setup\`) is valid, with a warning on
stderr: \`gameday run\` would exit 3 for it before touching anything.

Options:
  --config F    run config to check target names against
                (default ${DEFAULT_CONFIG_HELP})`,
  options: { config: { type: "string" } },
  async run(args) {
    const config = await configFrom(str(args, "config"));
    const loaded = await loadScenarios(
      args.positionals.length ? args.positionals : [DEFAULT_SCENARIOS],
      config,
    );
    for (const { file, scenario } of loaded) {
      console.log(`ok  ${file} (${scenario.id})`);
      for (const problem of missingLoadEngines([{ id: scenario.id, load: scenario.load }]))
        console.error(`warning: ${file}: load: ${problem.replace(`${scenario.id}: `, "")}`);
    }
    return EXIT.ok;
  },
};
