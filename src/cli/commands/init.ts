// `gameday init`: a starting point in a team's own repository — a config for the service at a URL,
// one example scenario that needs only the built-in load engine, and reports kept out of git.
import { existsSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { planScaffold, REPORTS_DIR, writeScaffold } from "../../init/scaffold.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";

/** The three commands after init; `setup` builds the load engine the example needs. */
function nextSteps(url: string): Array<[string, string]> {
  return [
    ["npx gameday setup", "builds the built-in load engine (once per machine)"],
    ["npx gameday validate", "checks the config and every scenario in scenarios/"],
    [
      "npx gameday run scenarios --profile ci",
      `runs the example for about 10 s against ${url}; reports in ${REPORTS_DIR}/<run-id>/`,
    ],
  ];
}

export const initCommand: Command = {
  name: "init",
  summary: "write a starter config, an example scenario and the .gitignore entry into a repository",
  usage: "init --url URL [--dir D] [--force]",
  help: `Writes a starting point for gamedays against the service at URL:
  gameday.config.ts      provider "external" (gameday starts nothing; the service runs at URL)
                         with URL as the service "app", and commented sections for proxies,
                         Toxiproxy, Redis, probes, Prometheus, Alertmanager, receiver and autoAck;
                         a URL off loopback is listed in allowHosts
  scenarios/example.ts   steady load on "app" (built-in engine, 5 requests/s for 5 min; 10 s
                         with --profile ci), its steady state, checks and error budget
  .gitignore             the reports/ entry, appended once (the file is created if absent)
and prints the three commands to run next.

Where the nearest package.json does not say "type": "module" (or there is none yet), Node
would load .ts files as CommonJS, or guess with a warning on every run, so the files are
gameday.config.mts and scenarios/example.mts (always ES modules); every command finds
gameday.config.mts by itself.

It never overwrites: when a file it would write exists, it exits 2 naming every such file and
writes nothing. --force overwrites them (never a config or scenario of the same name with
another extension: that also exits 2).

Options:
  --url URL   the service's base URL, http:// or https:// (also as the only argument)
  --dir D     the folder to write into (default: the current one)
  --force     overwrite the files init writes

Example:
  npx gameday init --url http://127.0.0.1:8080`,
  options: { url: { type: "string" }, dir: { type: "string" }, force: { type: "boolean" } },
  async run(args) {
    if (args.positionals.length > 1)
      throw new UsageError(`init takes one URL (got ${args.positionals.join(" ")})`);
    const [positional] = args.positionals;
    const option = str(args, "url");
    if (positional !== undefined && option !== undefined && positional !== option)
      throw new UsageError(`two URLs given (${positional} and --url ${option}); pass one`);
    const url = option ?? positional;
    if (url === undefined)
      throw new UsageError("the service's URL is required: gameday init --url http://127.0.0.1:8080");
    const dir = resolve(str(args, "dir") ?? ".");
    const force = flag(args, "force");
    const scaffold = planScaffold({ dir, url });
    const existed = new Set(scaffold.files.filter((f) => existsSync(join(dir, f.path))).map((f) => f.path));
    const result = writeScaffold(scaffold, force);

    const shown = (path: string) => relative(process.cwd(), join(dir, path)) || ".";
    for (const path of result.written)
      console.log(`${existed.has(path) ? "overwrote" : "wrote"} ${shown(path)}`);
    const gitignore = shown(".gitignore");
    console.log(
      result.gitignore === "present"
        ? `${gitignore} already ignores ${REPORTS_DIR}/`
        : `${result.gitignore === "created" ? "created" : "appended to"} ${gitignore}: ${REPORTS_DIR}/`,
    );
    if (scaffold.extReason) console.log(`.mts files: ${scaffold.extReason}`);
    if (scaffold.allowHost)
      console.log(
        `allowHosts lists ${scaffold.allowHost}: it is not loopback, and runs touch it on purpose only`,
      );

    const steps = nextSteps(scaffold.url);
    const width = Math.max(...steps.map(([cmd]) => cmd.length));
    const where = relative(process.cwd(), dir);
    console.log(`\nnext${where ? `, in ${where}` : ""}:`);
    for (const [cmd, what] of steps) console.log(`  ${cmd.padEnd(width)}   ${what}`);
    return EXIT.ok;
  },
};
