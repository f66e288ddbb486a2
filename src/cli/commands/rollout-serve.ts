// `gameday rollout serve <file…>`: the gate-checkpoint API (seed 002) on its own, for a deploy
// pipeline or a flag service that asks "may P1 promote?" with the metrics it has. Only GET /healthz
// and POST /api/v1/system/gate-checkpoint, under the same rules as `gameday serve`'s API: loopback
// by default, a token required anywhere else, JSON bodies of at most 64 KiB.
import type { IncomingMessage, ServerResponse } from "node:http";
import { resolve } from "node:path";
import { createProgress } from "../../engine/progress.ts";
import { API_BODY_LIMIT, readJsonPost, refuseOpenListen, requireApiAccess } from "../../http/api-auth.ts";
import { HttpError, listenJson, sendJson } from "../../http/json-endpoint.ts";
import { GATE_CHECKPOINT_PATH, gateCheckpoint, loadGateRollouts } from "../../rollout/gate-api.ts";
import { type ParsedArgs, str } from "../command.ts";
import { EXIT, UsageError } from "../exit-codes.ts";
import { configFrom, DEFAULT_CONFIG_HELP } from "./scenarios.ts";
import { listenOptions } from "./serve.ts";

export const ROLLOUT_SERVE_DEFAULT_LISTEN = "127.0.0.1:8091";

/** For `gameday rollout --help`: shown after "serve", every line indented under the first. */
export const ROLLOUT_SERVE_HELP = `serves the gate-checkpoint API for the given rollout files or folders until SIGINT
or SIGTERM (exit 0): POST ${GATE_CHECKPOINT_PATH} with {"gate","metrics",
"rollout"} answers {"pass","decision","recommendations",…} (docs/api.md), and
GET /healthz. Same rules as gameday serve's API: off loopback (--listen, default
${ROLLOUT_SERVE_DEFAULT_LISTEN}) it needs a token (--token, else $GAMEDAY_SERVE_TOKEN, else the
config's serve.token) or exits 2; JSON bodies of at most 64 KiB. With a config
(--config, or ${DEFAULT_CONFIG_HELP}) the rollouts'
services and sources are checked against it. Exit 2 for a rollout that does not load, 3 when
it cannot listen.`;

/** Runs the server until a signal; the files are the positionals after "serve". */
export async function rolloutServe(args: ParsedArgs): Promise<number> {
  const paths = args.positionals.slice(args.positionals[0] === "serve" ? 1 : 0);
  if (!paths.length)
    throw new UsageError(
      "rollout serve needs rollout files or folders (e.g. gameday rollout serve rollouts/)",
    );
  const config = await configFrom(str(args, "config"));
  const listen = str(args, "listen") ?? ROLLOUT_SERVE_DEFAULT_LISTEN;
  const token = str(args, "token") ?? process.env.GAMEDAY_SERVE_TOKEN ?? config?.serve.token;
  const { host, port } = listenOptions(
    listen,
    token,
    str(args, "listen") !== undefined ? "--listen" : "listen",
  );
  const rollouts = await loadGateRollouts(
    paths.map((p) => resolve(p)),
    config,
  );
  const progress = createProgress();
  const names = rollouts.map((r) => r.rollout.name).join(", ");

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://rollout-serve");
    if (url.pathname === "/healthz")
      return sendJson(res, 200, { ok: true, rollouts: rollouts.map((r) => r.rollout.name) });
    requireApiAccess(req, url, token);
    if (url.pathname !== GATE_CHECKPOINT_PATH)
      throw new HttpError(
        404,
        `no route ${req.method} ${url.pathname} (this server answers GET /healthz and POST ${GATE_CHECKPOINT_PATH})`,
      );
    const answer = await gateCheckpoint(rollouts, await readJsonPost(req, API_BODY_LIMIT));
    if (answer.status === 200)
      progress.event(
        `gate ${answer.body.gate} of ${answer.body.rollout}: ${answer.body.decision}${answer.body.reasons[0] ? ` (${answer.body.reasons[0]})` : ""}`,
      );
    sendJson(res, answer.status, answer.body);
  }

  refuseOpenListen("gameday rollout serve", host, token);
  const server = await listenJson("gameday rollout serve", host, port, handle);
  progress.event(
    `gameday rollout serve: gate-checkpoint API on ${server.url}/ — POST ${server.url}${GATE_CHECKPOINT_PATH} for ${rollouts
      .map((r) => `${r.rollout.name} (${r.rollout.phases.map((p) => p.name).join(", ")})`)
      .join("; ")}${token ? "; bearer token required" : ""}`,
  );
  let onSignal: ((sig: NodeJS.Signals) => void) | undefined;
  const sig = await new Promise<NodeJS.Signals>((done) => {
    onSignal = done;
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  if (onSignal) {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
  progress.event(`${sig} received: stopping the gate-checkpoint server for ${names}`);
  await server.close();
  progress.event("gameday rollout serve stopped");
  return EXIT.ok;
}
