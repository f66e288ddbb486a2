// Environment providers bring up what a run needs and hand back the config with every address
// resolved. external: the URLs are taken as given. local: the harness starts toxiproxy-server,
// redis-server, HTTP fault proxies and the configured commands. reference: the bundled Ops Copilot
// stack. testcontainers: Toxiproxy and Redis in containers, where a container runtime exists.
// Whatever the provider, the resolved config's receiver.listen is the address the receiver
// actually has (its port may have been picked free), so the run records where `gameday ack` finds it.
import { join } from "node:path";
import { EnvironmentError } from "../cli/exit-codes.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { disallowedHosts } from "./hosts.ts";
import type { Environment } from "./provider.ts";

export type { Environment };

export interface ProvideOptions {
  /** The run folder; logs go to <runDir>/logs. */
  runDir: string;
  /** Where Alertmanager should deliver webhooks: the harness's receiver, as bound (no port 0). */
  receiverUrl: string;
  /** Reference stack only: defect switches to turn on from the start. */
  defects?: string[];
}

/** Where the local and reference providers record the pids they start under a run folder. */
export function environmentPidFile(runDir: string): string {
  return join(runDir, "env", "pids.json");
}

export async function provideEnvironment(config: GamedayConfig, o: ProvideOptions): Promise<Environment> {
  const problems = disallowedHosts(config);
  if (problems.length) throw new EnvironmentError(problems.join("\n"));
  const env = await startProvider(config, o);
  // The user's receiver settings (its token) with the address it was bound to.
  const receiver = { ...config.receiver, listen: new URL(o.receiverUrl).host };
  return { ...env, config: { ...env.config, receiver } };
}

async function startProvider(config: GamedayConfig, o: ProvideOptions): Promise<Environment> {
  switch (config.provider) {
    case "external":
      return { config, stop: async () => {} };
    case "local": {
      const { startLocal } = await import("./local.ts");
      return startLocal(config, {
        logDir: join(o.runDir, "logs"),
        stateFile: environmentPidFile(o.runDir),
      });
    }
    case "reference": {
      const { startReferenceStack } = await import("./reference.ts");
      const stack = await startReferenceStack({
        logDir: join(o.runDir, "logs"),
        dataDir: join(o.runDir, "env"),
        receiverUrl: o.receiverUrl,
        defects: o.defects,
      });
      return {
        config: stack.config,
        processes: stack.processes,
        groundTruth: stack.groundTruth,
        setDefect: stack.setDefect,
        stop: () => stack.stop(),
      };
    }
    case "testcontainers": {
      const { startContainers } = await import("./containers.ts");
      return startContainers(config, { logDir: join(o.runDir, "logs") });
    }
  }
}
