// `gameday ack`: acknowledge an alert on a running harness's receiver (counts for MTTA).
import { splitHostPort } from "../../env/hosts.ts";
import { recordedReceiver } from "../../env/receiver-address.ts";
import { ENV_STATE_FILE } from "../../env/state.ts";
import { sendAck } from "../../observe/ack.ts";
import { DEFAULT_RECEIVER_LISTEN, type GamedayConfig } from "../../scenario/config.ts";
import { type Command, flag, str } from "../command.ts";
import { EnvironmentError, EXIT, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG_HELP } from "./scenarios.ts";

/**
 * The receiver when --receiver is not given: the one the run in progress (its run lock and resolved
 * config in the reports folder) or the environment held by `gameday env up` recorded, since its
 * port may have been picked free; else the config's fixed receiver.listen.
 */
function defaultReceiver(config: GamedayConfig | undefined): string {
  const reportsDir = config?.reportsDir ?? "reports";
  const recorded = recordedReceiver({ reportsDir });
  if (recorded) return recorded.url;
  const listen = config?.receiver.listen ?? DEFAULT_RECEIVER_LISTEN;
  if (splitHostPort(listen).port === 0)
    throw new EnvironmentError(
      `no gameday run is going in ${reportsDir}/ and no environment is held by gameday env up (${ENV_STATE_FILE}), so there is no receiver to find (its port is picked when a run starts); pass --receiver URL`,
    );
  return `http://${listen}`;
}

export const ackCommand: Command = {
  name: "ack",
  summary: "acknowledge an alert during a run (t_ack, for MTTA)",
  usage: "ack <alert-fingerprint|alert-name> | --all [--by NAME] [--receiver URL] [--token T] [--config F]",
  help: `Acknowledges a firing alert on the receiver of a running \`gameday run\`. The first
acknowledgement of an alert is its t_ack; MTTA = t_ack − t_detect. The run prints each firing
alert with the exact \`gameday ack\` command for its receiver.

Options:
  --all            acknowledge every firing alert
  --by NAME        who acknowledges (default: $USER)
  --receiver URL   the receiver (default: the one the run in progress in the config's
                   reportsDir, or the environment of \`gameday env up\`, recorded; else
                   http://<receiver.listen> from the config, 127.0.0.1:9095 without one)
  --token T        bearer token when the receiver requires one (default: the config's)
  --config F       the run's config (default ${DEFAULT_CONFIG_HELP})`,
  options: {
    all: { type: "boolean" },
    by: { type: "string" },
    receiver: { type: "string" },
    token: { type: "string" },
    config: { type: "string" },
  },
  async run(args) {
    const all = flag(args, "all");
    const [id] = args.positionals;
    if (!all && id === undefined)
      throw new UsageError("name an alert (fingerprint or alert name) or pass --all");
    if (all && id !== undefined) throw new UsageError("pass either an alert or --all, not both");
    const file = str(args, "config");
    // A config named with --config must load; the default one is only a source of defaults.
    const config =
      file !== undefined ? await configFrom(file) : await configFrom(undefined).catch(() => undefined);
    const receiver = str(args, "receiver") ?? defaultReceiver(config);
    const by = str(args, "by") ?? process.env.USER ?? "cli";
    const target = all
      ? { all: true as const }
      : /^[0-9a-f]{16}$/.test(id!)
        ? { fingerprint: id! }
        : { name: id! };
    const res = await sendAck(receiver, target, {
      by,
      token: str(args, "token") ?? config?.receiver.token,
      via: "cli",
    });
    console.log(
      res.acked.length
        ? `acknowledged ${res.acked.join(", ")} as ${by}`
        : "no matching firing alert to acknowledge",
    );
    return res.acked.length ? EXIT.ok : EXIT.fail;
  },
};
