// `gameday ack`: acknowledge an alert on a running harness's receiver (counts for MTTA).
import { sendAck } from "../../observe/ack.ts";
import { type Command, flag, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG } from "./scenarios.ts";

export const ackCommand: Command = {
  name: "ack",
  summary: "acknowledge an alert during a run (t_ack, for MTTA)",
  usage: "ack <alert-fingerprint|alert-name> | --all [--by NAME] [--receiver URL] [--token T]",
  help: `Acknowledges a firing alert on the receiver of a running \`gameday run\`. The first
acknowledgement of an alert is its t_ack; MTTA = t_ack − t_detect.

Options:
  --all            acknowledge every firing alert
  --by NAME        who acknowledges (default: $USER)
  --receiver URL   the receiver (default: http://<receiver.listen> from ${DEFAULT_CONFIG})
  --token T        bearer token when the receiver requires one (default: the config's)`,
  options: {
    all: { type: "boolean" },
    by: { type: "string" },
    receiver: { type: "string" },
    token: { type: "string" },
  },
  async run(args) {
    const all = flag(args, "all");
    const [id] = args.positionals;
    if (!all && id === undefined)
      throw new UsageError("name an alert (fingerprint or alert name) or pass --all");
    if (all && id !== undefined) throw new UsageError("pass either an alert or --all, not both");
    const config = await configFrom(undefined).catch(() => undefined);
    const receiver = str(args, "receiver") ?? `http://${config?.receiver.listen ?? "127.0.0.1:9095"}`;
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
