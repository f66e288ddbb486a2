// What a run holds for its whole length, brought up in order and released in reverse: the alert
// receiver (and the alert lines it feeds through the journal), the environment (the run's own, or
// one handed in, which is left running), the toxiproxy proxies, the auto-responder.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Environment, provideEnvironment } from "../env/environment.ts";
import { splitHostPort } from "../env/hosts.ts";
import { createDrivers, type Drivers } from "../faults/index.ts";
import { ensureProxies } from "../faults/toxiproxy.ts";
import { startAutoAck } from "../observe/ack.ts";
import type { AlertBook } from "../observe/alert-book.ts";
import { type AlertReceiver, startAlertReceiver } from "../observe/receiver.ts";
import type { GamedayConfig } from "../scenario/config.ts";
import { followAlerts } from "./alert-lines.ts";
import type { Journal } from "./journal.ts";
import type { Progress } from "./progress.ts";
import { writeResolvedConfig } from "./resolved-config.ts";

export interface RunServicesOptions {
  runDir: string;
  journal: Journal;
  book: AlertBook;
  progress: Progress;
  /** The run's config, before the environment resolves its addresses. */
  config: GamedayConfig;
  /** An environment that is already up; used and left running. */
  environment?: Environment;
  defects?: string[];
  /** The profile's time scale (the auto-responder's delay is scaled). */
  scale: number;
  /** See RunOptions.ackConfig. */
  ackConfig?: { file?: string; receiverListen: string; discoverable: boolean };
  onEnvironment?: (config: GamedayConfig) => void;
  /** Registers an environment the run starts for the emergency stop; returns the unregister. */
  trackEnvironment: (runDir: string) => () => void;
}

/** What the scenarios run against once the services are up. */
export interface RunTargets {
  /** The environment's resolved addresses with the run's own settings. */
  cfg: GamedayConfig;
  drivers: Drivers;
}

export class RunServices {
  readonly #o: RunServicesOptions;
  #receiver: AlertReceiver | undefined;
  #stopAlertLines: (() => void) | undefined;
  #env: Environment | undefined;
  #untrackEnvironment: (() => void) | undefined;
  #autoAck: { stop(): void } | undefined;

  constructor(o: RunServicesOptions) {
    this.#o = o;
  }

  /** Brings everything up; on a throw, what did come up is still released by `release`. */
  async bringUp(): Promise<RunTargets> {
    const o = this.#o;
    const { host, port } = splitHostPort(o.config.receiver.listen);
    const receiver = await startAlertReceiver({
      host,
      port,
      token: o.config.receiver.token,
      journal: o.journal,
      book: o.book,
    });
    this.#receiver = receiver;
    o.progress.event(`alert receiver on ${receiver.url}`);
    // From what the receiver bound, not the config: its port may have been picked free.
    this.#stopAlertLines = followAlerts(o.journal, o.progress, {
      receiverUrl: receiver.url,
      configuredUrl: `http://${o.ackConfig?.receiverListen ?? o.config.receiver.listen}`,
      configFile: o.ackConfig?.file,
      tokenRequired: o.config.receiver.token !== undefined,
      discoverable: o.ackConfig?.discoverable ?? false,
    });
    let env: Environment;
    if (o.environment) env = o.environment;
    else {
      o.progress.event(`starting environment (${o.config.provider})`);
      this.#untrackEnvironment = o.trackEnvironment(o.runDir);
      env = await provideEnvironment(o.config, {
        runDir: o.runDir,
        receiverUrl: receiver.url,
        defects: o.defects,
      });
    }
    this.#env = env;
    // The provider resolves addresses; run-level settings stay the user's.
    const cfg: GamedayConfig = { ...env.config, autoAck: o.config.autoAck ?? env.config.autoAck };
    // Kept with the run so `gameday cleanup --run <id>` can reach the same targets after a SIGKILL.
    writeResolvedConfig(o.runDir, cfg);
    o.onEnvironment?.(cfg);
    if (cfg.toxiproxy) {
      await ensureProxies(
        cfg.toxiproxy.api,
        cfg.proxies.filter((p) => p.kind === "toxiproxy"),
      );
    }
    const drivers = createDrivers({ config: cfg, processes: env.processes });
    if (cfg.autoAck) {
      const afterMs = Math.max(1, Math.round(cfg.autoAck.after * o.scale));
      this.#autoAck = startAutoAck(o.book, { afterMs, journal: o.journal });
      o.progress.event(`auto-responder acknowledges alerts after ${afterMs} ms (acks labelled synthetic)`);
    }
    return { cfg, drivers };
  }

  /**
   * Releases what came up, after the run's faults are reverted: the auto-responder, the receiver,
   * the ground truth of the reference service, the run's own environment. Failures that make the
   * run ERROR are added to `runErrors`.
   */
  async release(runErrors: string[]): Promise<void> {
    const o = this.#o;
    const env = this.#env;
    this.#autoAck?.stop();
    await this.#receiver?.close().catch(() => {});
    this.#stopAlertLines?.();
    if (env?.groundTruth) {
      // The reference service's own record of what really happened, kept as evidence and for
      // checking the harness's measurements against it.
      await env
        .groundTruth()
        .then((events) =>
          writeFileSync(join(o.runDir, "ground-truth.json"), `${JSON.stringify(events, null, 2)}\n`),
        )
        .catch((err: Error) => o.progress.event(`ground truth not recorded: ${err.message}`));
    }
    if (env && !o.environment) {
      o.progress.event("stopping environment");
      await env.stop().catch((err: Error) => runErrors.push(`environment stop: ${err.message}`));
    }
    this.#untrackEnvironment?.();
  }
}
