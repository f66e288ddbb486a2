// `gameday env up|down|status`: keep an environment (the reference stack, or the local provider's
// processes) up between runs. `up` starts a detached holder process that owns the environment and
// records it in .gameday/env.json; `run` reuses it; `down` stops the holder, which stops everything.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { environmentPidFile, provideEnvironment } from "../../env/environment.ts";
import { alive, sleep, stopRecorded } from "../../env/process.ts";
import { concreteListen } from "../../env/receiver-address.ts";
import { ownModule } from "../../package/layout.ts";
import { clearEnvState, ENV_STATE_FILE, readEnvState, STATE_DIR, writeEnvState } from "../../env/state.ts";
import { type Command, str } from "../command.ts";
import { EXIT, EnvironmentError, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

const ENV_DIR = join(STATE_DIR, "env");
const HOLDER_LOG = join(ENV_DIR, "holder.log");
const UP_TIMEOUT_MS = 90_000;
/** Where the holder's providers record the pids they start. */
const HELD_PIDS = environmentPidFile(resolve(ENV_DIR));

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
  // Bound by each run on this environment, not by the holder; `gameday ack` finds it here.
  lines.push(`  alert receiver            http://${config.receiver.listen} (bound by each run)`);
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
  const main = ownModule("cli/main.ts");
  // Only this start's part of the (appended) log holds its error.
  const logStart = existsSync(HOLDER_LOG) ? statSync(HOLDER_LOG).size : 0;
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
  // The holder runs in a session of its own, so Ctrl-C reaches only this process: pass it on.
  let interrupted: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    interrupted ??= sig;
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    while (Date.now() < deadline) {
      if (interrupted) {
        console.error(`${interrupted} received: stopping the environment that was starting`);
        await abandon(child.pid);
        return EXIT.interrupted;
      }
      const state = readEnvState();
      if (state) {
        console.log(`environment up:\n${describeEndpoints(state.config)}\nstop it with: gameday env down`);
        return EXIT.ok;
      }
      if (exited) {
        await abandon(child.pid);
        throw new EnvironmentError(
          `the environment failed to start: ${holderError(logStart)}; see ${HOLDER_LOG}`,
        );
      }
      await sleep(200);
    }
    await abandon(child.pid);
    throw new EnvironmentError(
      `the environment was not up within ${UP_TIMEOUT_MS / 1000} s, and was stopped; see ${HOLDER_LOG}`,
    );
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}

/** The error the holder reported for this start (the CLI's "gameday env: …" line), or a pointer to the log. */
function holderError(logStart: number): string {
  let text = "";
  try {
    text = readFileSync(HOLDER_LOG, "utf8").slice(logStart);
  } catch {
    // no log: fall through
  }
  const line = text
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("gameday env: "));
  return line ? line.replace(/^gameday env: (environment error: |error: )?/, "") : "the holder exited";
}

/** A start that will not complete: the holder is stopped, then whatever it had started. */
async function abandon(holderPid: number | undefined): Promise<void> {
  if (holderPid !== undefined && alive(holderPid)) {
    process.kill(holderPid, "SIGTERM");
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && alive(holderPid)) await sleep(50);
    if (alive(holderPid)) process.kill(holderPid, "SIGKILL");
  }
  await stopRecorded(HELD_PIDS);
  clearEnvState();
}

/** The holder: brings the environment up, records it, and keeps it until SIGTERM/SIGINT. */
async function hold(configFile: string | undefined): Promise<number> {
  // A stop asked for while the environment is still starting cannot wait for the start to finish:
  // what has started so far is in the pid file; stop that and leave.
  let stopRequested = false;
  const stopWhileStarting = () => {
    if (stopRequested) return;
    stopRequested = true;
    console.log(`holder ${process.pid}: stop requested while starting; stopping what has started`);
    // Twice: the start goes on meanwhile and may spawn one more process during the first pass.
    void stopRecorded(HELD_PIDS)
      .then(() => stopRecorded(HELD_PIDS))
      .finally(() => process.exit(EXIT.interrupted));
  };
  process.on("SIGTERM", stopWhileStarting);
  process.on("SIGINT", stopWhileStarting);
  const config = await configFrom(configFile);
  if (!config) throw new UsageError("no config");
  const runDir = resolve(ENV_DIR);
  // The holder has no receiver: it picks the address each run on this environment binds (a free
  // port when receiver.listen has port 0, the reference stack's default) and configures the stack's
  // Alertmanager with it; the state records it for those runs and for `gameday ack`.
  const receiverUrl = `http://${await concreteListen(config.receiver.listen)}`;
  let env: Awaited<ReturnType<typeof provideEnvironment>>;
  try {
    env = await provideEnvironment(config, { runDir, receiverUrl });
  } catch (err) {
    // The providers stop what they started when a start fails; this catches anything they missed.
    await stopRecorded(HELD_PIDS);
    throw err;
  }
  process.off("SIGTERM", stopWhileStarting);
  process.off("SIGINT", stopWhileStarting);
  writeEnvState({
    pid: process.pid,
    startedAt: Date.now(),
    provider: config.provider,
    config: env.config,
    logDir: join(runDir, "logs"),
    pidFile: environmentPidFile(runDir),
  });
  console.log(`holder ${process.pid}: environment up`);
  // Signal listeners do not keep Node running; an environment with no process or server of its
  // own (a local config that starts nothing) would otherwise let the holder exit at once.
  const keepAlive = setInterval(() => {}, 2 ** 30);
  await new Promise<void>((done) => {
    process.once("SIGTERM", done);
    process.once("SIGINT", done);
  });
  clearInterval(keepAlive);
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
  const stopped = [...(await stopRecorded(join(ENV_DIR, "pids.json"))), ...(await stopRecorded(HELD_PIDS))];
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
        starting their own, and leave it running. A start that fails (exit 3, with
        the reason) or is interrupted with Ctrl-C (exit 130) leaves nothing running.
        The alert receiver's address is picked then (a free port for the reference
        stack, unless receiver.listen is set) and recorded: each run on the stack
        binds it, and \`gameday ack\` finds it there
down    stops it; nothing is left running (also after a crashed holder)
status  prints the endpoints of the environment that is up

Options:
  --config F   run config (default ${DEFAULT_CONFIG_HELP})`,
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
