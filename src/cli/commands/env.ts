// `gameday env up|down|status`: keep an environment (the reference stack, or the local provider's
// processes) up between runs. `up` starts a detached holder process that owns the environment and
// records it in .gameday/env.json; `run` reuses it; `down` stops the holder, which stops everything.
import { spawn } from "node:child_process";
import { mkdirSync, openSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { environmentPidFile, provideEnvironment } from "../../env/environment.ts";
import { alive, sleep, stopRecorded } from "../../env/process.ts";
import { clearEnvState, ENV_STATE_FILE, readEnvState, STATE_DIR, writeEnvState } from "../../env/state.ts";
import { type Command, str } from "../command.ts";
import { EXIT, EnvironmentError, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG } from "./scenarios.ts";

const ENV_DIR = join(STATE_DIR, "env");
const HOLDER_LOG = join(ENV_DIR, "holder.log");
const UP_TIMEOUT_MS = 90_000;

function describeEndpoints(config: NonNullable<ReturnType<typeof readEnvState>>["config"]): string {
  const lines = [
    ...config.services.map((s) => `  service  ${s.name.padEnd(16)} ${s.url}`),
    ...config.proxies.map(
      (p) =>
        `  ${p.kind === "http" ? "httpproxy" : "toxiproxy"} ${p.name.padEnd(16)} ${p.listen} → ${p.upstream}`,
    ),
    ...config.redis.map((r) => `  redis    ${r.name.padEnd(16)} ${r.url}`),
  ];
  if (config.toxiproxy) lines.push(`  toxiproxy api             ${config.toxiproxy.api}`);
  if (config.prometheus) lines.push(`  prometheus                ${config.prometheus.url}`);
  if (config.alertmanager) lines.push(`  alertmanager              ${config.alertmanager.url}`);
  return lines.join("\n");
}

async function up(configFile: string | undefined): Promise<number> {
  const existing = readEnvState();
  if (existing) {
    console.log(
      `environment already up (pid ${existing.pid}, ${existing.provider}):\n${describeEndpoints(existing.config)}`,
    );
    return EXIT.ok;
  }
  const config = await configFrom(configFile);
  if (!config) throw new UsageError(`no config: pass --config F or create ${DEFAULT_CONFIG}`);
  if (config.provider === "external") {
    console.log("provider is external: nothing to start; runs use the configured URLs");
    return EXIT.ok;
  }
  mkdirSync(ENV_DIR, { recursive: true });
  const main = fileURLToPath(new URL("../main.ts", import.meta.url));
  const log = openSync(HOLDER_LOG, "a");
  const child = spawn(
    process.execPath,
    [
      "--disable-warning=ExperimentalWarning",
      main,
      "env",
      "hold",
      ...(configFile ? ["--config", configFile] : []),
    ],
    {
      detached: true,
      stdio: ["ignore", log, log],
    },
  );
  child.unref();
  console.log(`starting ${config.provider} environment (holder pid ${child.pid}, log ${HOLDER_LOG})`);
  const deadline = Date.now() + UP_TIMEOUT_MS;
  let exited = false;
  child.once("exit", () => {
    exited = true;
  });
  while (Date.now() < deadline) {
    const state = readEnvState();
    if (state) {
      console.log(`environment up:\n${describeEndpoints(state.config)}\nstop it with: gameday env down`);
      return EXIT.ok;
    }
    if (exited) throw new EnvironmentError(`the environment failed to start; see ${HOLDER_LOG}`);
    await sleep(200);
  }
  throw new EnvironmentError(
    `the environment was not up within ${UP_TIMEOUT_MS / 1000} s; see ${HOLDER_LOG}`,
  );
}

/** The holder: brings the environment up, records it, and keeps it until SIGTERM/SIGINT. */
async function hold(configFile: string | undefined): Promise<number> {
  const config = await configFrom(configFile);
  if (!config) throw new UsageError("no config");
  const runDir = resolve(ENV_DIR);
  const receiverUrl = `http://${config.receiver.listen}`;
  const env = await provideEnvironment(config, { runDir, receiverUrl });
  writeEnvState({
    pid: process.pid,
    startedAt: Date.now(),
    provider: config.provider,
    config: env.config,
    logDir: join(runDir, "logs"),
    pidFile: environmentPidFile(runDir),
  });
  console.log(`holder ${process.pid}: environment up`);
  await new Promise<void>((done) => {
    process.once("SIGTERM", done);
    process.once("SIGINT", done);
  });
  console.log(`holder ${process.pid}: stopping`);
  await env.stop();
  clearEnvState();
  return EXIT.ok;
}

async function down(): Promise<number> {
  const state = readEnvState();
  if (state) {
    process.kill(state.pid, "SIGTERM");
    // The holder clears its state after stopping the stack, then exits: wait for both.
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (readEnvState() || alive(state.pid))) await sleep(100);
  }
  // Whatever a crashed holder left running is listed in the pid files.
  const stopped = [
    ...(await stopRecorded(join(ENV_DIR, "pids.json"))),
    ...(await stopRecorded(join(ENV_DIR, "env", "pids.json"))),
  ];
  clearEnvState();
  console.log(
    state
      ? `environment stopped${stopped.length ? ` (also stopped leftovers: ${stopped.join(", ")})` : ""}`
      : stopped.length
        ? `stopped leftovers: ${stopped.join(", ")}`
        : "no environment was up",
  );
  return EXIT.ok;
}

export const envCommand: Command = {
  name: "env",
  summary: "bring the configured environment up or down between runs",
  usage: "env up|down|status [--config F]",
  help: `up      starts the config's provider (the reference stack, or local processes) in the
        background on free loopback ports and records it in ${ENV_STATE_FILE};
        later \`gameday run\` calls use it (after checking it answers) instead of
        starting their own, and leave it running
down    stops it; nothing is left running (also after a crashed holder)
status  prints the endpoints of the environment that is up

Options:
  --config F   run config (default ${DEFAULT_CONFIG})`,
  options: { config: { type: "string" } },
  async run(args) {
    const [action] = args.positionals;
    switch (action) {
      case "up":
        return up(str(args, "config"));
      case "hold":
        return hold(str(args, "config"));
      case "down":
        return down();
      case "status": {
        const state = readEnvState();
        console.log(
          state
            ? `up since ${new Date(state.startedAt).toISOString()} (pid ${state.pid}, ${state.provider}):\n${describeEndpoints(state.config)}`
            : "no environment is up",
        );
        return EXIT.ok;
      }
      default:
        throw new UsageError(`env needs up, down or status${action ? ` (got "${action}")` : ""}`);
    }
  },
};
