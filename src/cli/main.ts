// The `gameday` command: parses arguments, calls the library, maps errors to exit codes.
import { StoreError } from "../history/sql-database.ts";
import { ValidationError } from "../scenario/errors.ts";
import { type Command, parseCommandArgs } from "./command.ts";
import { commands } from "./commands/index.ts";
import { EXIT, EnvironmentError, UsageError } from "./exit-codes.ts";
import { VERSION } from "./version.ts";

function overview(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return `gameday ${VERSION} — chaos gamedays and production-readiness reviews

usage: gameday <command> [options]

commands:
${commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

gameday <command> --help shows a command's options.
exit codes: 0 all PASS (WARN allowed unless --strict), 1 any FAIL, 2 invalid input or usage,
            3 ERROR (environment or harness failure), 130 interrupted (after cleanup)
tables wrap to the terminal's width (COLUMNS=N sets it); piped, each row stays on one line`;
}

function commandHelp(cmd: Command): string {
  return `usage: gameday ${cmd.usage}\n\n${cmd.summary}\n\n${cmd.help}`;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    const topic = name === "help" ? commands.find((c) => c.name === rest[0]) : undefined;
    console.log(topic ? commandHelp(topic) : overview());
    return EXIT.ok;
  }
  if (name === "--version" || name === "-v" || name === "version") {
    console.log(VERSION);
    return EXIT.ok;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`gameday: unknown command "${name}" (known: ${commands.map((c) => c.name).join(", ")})`);
    return EXIT.usage;
  }
  try {
    const args = parseCommandArgs(cmd, rest);
    if (args.values.help) {
      console.log(commandHelp(cmd));
      return EXIT.ok;
    }
    if (args.values.version) {
      console.log(VERSION);
      return EXIT.ok;
    }
    return await cmd.run(args);
  } catch (err) {
    return reportError(cmd.name, err);
  }
}

function reportError(command: string, err: unknown): number {
  if (err instanceof ValidationError) {
    for (const p of err.message.split("\n")) console.error(p);
    console.error(
      `gameday ${command}: ${err.problems.length} problem${err.problems.length === 1 ? "" : "s"}; nothing was started`,
    );
    return EXIT.usage;
  }
  if (err instanceof UsageError) {
    console.error(`gameday ${command}: ${err.message}`);
    return EXIT.usage;
  }
  if (err instanceof StoreError) {
    console.error(`gameday ${command}: history store: ${err.message}`);
    return EXIT.error;
  }
  if (err instanceof EnvironmentError) {
    console.error(`gameday ${command}: environment error: ${err.message}`);
    return EXIT.error;
  }
  const e = err as Error;
  console.error(`gameday ${command}: error: ${e?.message ?? String(err)}`);
  if (process.env.GAMEDAY_DEBUG) console.error(e?.stack);
  return EXIT.error;
}

/**
 * Whoever reads our output may go away (a closed pipe, `gameday … | head`, a killed parent): a run
 * then goes on and finishes its journal and reports, and only what it would have printed is lost.
 * Any other output error is still an error.
 */
function tolerateClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr])
    stream.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code !== "EPIPE") throw err;
    });
}

/** Runs the command line of this process; its exit code becomes the process's. */
export function runCommandLine(): void {
  tolerateClosedOutput();
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(`gameday: internal error: ${(err as Error)?.stack ?? String(err)}`);
      process.exitCode = EXIT.error;
    },
  );
}

// Run directly (bin/gameday, `node src/cli/main.ts`); the installed command enters through bin.ts.
if (import.meta.main) runCommandLine();
