// `gameday proxy`: the HTTP fault proxy as a standalone process, for putting in front of a
// dependency of a service you run yourself. Faults are added through its control API by runs
// whose config lists it as { kind: "http", listen, upstream }.
import { startHttpFaultProxy } from "../../faults/http-proxy/server.ts";
import { type Command, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";

export const proxyCommand: Command = {
  name: "proxy",
  summary: "run the HTTP fault proxy standalone (429/5xx, latency, aborts by rule)",
  usage: "proxy --listen HOST:PORT --upstream URL [--token T]",
  help: `Forwards every request to the upstream, streaming bodies, until a rule says otherwise.
Rules are managed on the same port under /__gameday/ (GET/POST /__gameday/rules,
DELETE /__gameday/rules/<id> or ?tag=<prefix>, GET /__gameday/health); a gameday run adds
and removes them for faults of kind "http".

Options:
  --listen HOST:PORT   where to listen (default 127.0.0.1:0, a free port)
  --upstream URL       where requests go (http://…)
  --token T            require "Authorization: Bearer T" on the control API
                       (mandatory when listening on a non-loopback address)`,
  options: { listen: { type: "string" }, upstream: { type: "string" }, token: { type: "string" } },
  async run(args) {
    const upstream = str(args, "upstream");
    if (!upstream) throw new UsageError("--upstream URL is required");
    const listen = str(args, "listen") ?? "127.0.0.1:0";
    const m = /^(.+):(\d{1,5})$/.exec(listen);
    if (!m) throw new UsageError(`--listen must be HOST:PORT, got "${listen}"`);
    const proxy = await startHttpFaultProxy({
      host: m[1]!,
      port: Number(m[2]),
      upstream,
      token: str(args, "token"),
    });
    console.log(`HTTP fault proxy on ${proxy.url} → ${upstream} (control API ${proxy.url}/__gameday/rules)`);
    await new Promise<void>((done) => {
      process.once("SIGINT", done);
      process.once("SIGTERM", done);
    });
    const active = proxy.rules.size;
    await proxy.close();
    console.log(`stopped${active ? ` (${active} rule(s) were active and are gone with it)` : ""}`);
    return EXIT.ok;
  },
};
