// The server of `gameday serve` and `gameday run --ui`: the console page, the JSON API under
// /api/v1, the event stream, and the finished runs' reports. Loopback by default; bound anywhere
// else it refuses to start without a bearer token. Every POST must be JSON (which also keeps other
// web pages from posting to it: a cross-site JSON post needs a preflight this server never grants).
import { createReadStream, existsSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { z } from "zod";
import { openRunStore, storeSpec } from "../history/open-store.ts";
import { isPostgresUrl } from "../history/open-store.ts";
import { API_BODY_LIMIT, readJsonPost, refuseOpenListen, requireApiAccess } from "../http/api-auth.ts";
import {
  allowMethod,
  HttpError,
  type Listening,
  listenJson,
  sendJson,
  validateBody,
} from "../http/json-endpoint.ts";
import { GATE_CHECKPOINT_PATH, gateCheckpoint } from "../rollout/gate-api.ts";
import type { LoadedRollout } from "../rollout/loader.ts";
import type { HistoryConfig } from "../scenario/config.ts";
import { consoleAsset } from "./console-assets.ts";
import type { EventHub } from "./event-hub.ts";
import type { RunListItem, ScheduleState, ServeEvent } from "./live-state.ts";
import type { RunController } from "./run-controller.ts";
import { finishedRun, finishedRuns, RUN_ID } from "./run-list.ts";

/** API bodies are small: a scenario list, a name, a reason, an update's text, a gate's metrics. */
export { API_BODY_LIMIT };

export interface ServeServerOptions {
  host: string;
  port: number;
  token?: string;
  controller: RunController;
  hub: EventHub;
  reportsDir: string;
  history: HistoryConfig;
  schedules: () => ScheduleState[];
  /** Whether POST /api/v1/runs may start runs (false for `run --ui`, whose one run is the CLI's). */
  canStart: boolean;
  /** The rollouts POST /api/v1/system/gate-checkpoint answers for (the config's `rollouts`). */
  rollouts?: readonly LoadedRollout[];
}

const name = z.string().trim().min(1, "a name is required").max(200);
const startBody = z.strictObject({
  scenarios: z.array(z.string().min(1).max(500)).min(1).max(50),
  profile: z.enum(["real", "ci"]).default("real"),
  by: name,
  baseline: z.string().min(1).max(200).optional(),
});
const byBody = z.strictObject({ by: name });
const stopBody = z.strictObject({ by: name.optional() });
const decisionBody = z.strictObject({
  severity: z.enum(["sev2", "sev3"]),
  by: name,
  why: z.string().trim().min(1, "say why").max(2_000),
});
const updateBody = z.strictObject({ text: z.string().trim().min(1).max(10_000), by: name });

const REPORT_TYPES: Record<string, string> = {
  "report.html": "text/html; charset=utf-8",
  "gameday_report.md": "text/markdown; charset=utf-8",
  "junit.xml": "application/xml",
  "result.json": "application/json",
  "journal.jsonl": "application/x-ndjson",
  "rollback.md": "text/markdown; charset=utf-8",
  "ic-update.md": "text/markdown; charset=utf-8",
};

const ROUTES = [
  "GET /api/v1/runs",
  "POST /api/v1/runs",
  "GET /api/v1/runs/:id",
  "POST /api/v1/runs/:id/stop",
  "POST /api/v1/runs/:id/decision",
  "GET|POST /api/v1/runs/:id/update",
  "POST /api/v1/alerts/:fingerprint/ack",
  "GET /api/v1/schedules",
  "GET /api/v1/history",
  "GET /api/v1/events",
  `POST ${GATE_CHECKPOINT_PATH}`,
].join(", ");

export async function startServeServer(o: ServeServerOptions): Promise<Listening> {
  refuseOpenListen("gameday serve", o.host, o.token);
  const token = o.token;

  const hello = (): ServeEvent => ({
    type: "hello",
    run: o.controller.live?.snapshot() ?? null,
    runs: runsList(),
    schedules: o.schedules(),
  });

  function runsList(): RunListItem[] {
    const live = o.controller.liveItem();
    const done = finishedRuns(o.reportsDir).filter((r) => r.runId !== live?.runId);
    return live ? [live, ...done] : done;
  }

  async function body<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.output<S>> {
    return validateBody(schema, await readJsonPost(req, API_BODY_LIMIT));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://serve");
    const path = url.pathname;
    if (path === "/healthz")
      return sendJson(res, 200, { ok: true, running: o.controller.live?.runId ?? null });
    // The page and its scripts hold no data; the page asks for the token when the API wants one.
    const asset = req.method === "GET" ? consoleAsset(path) : null;
    if (asset) {
      res.writeHead(200, {
        "content-type": asset.type,
        "content-length": asset.body.length,
        "cache-control": "no-cache",
        "x-content-type-options": "nosniff",
        "content-security-policy":
          "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:",
      });
      res.end(asset.body);
      return;
    }
    // The token (a header, or ?access_token= on a GET), then the loopback-Host rule: api-auth.ts.
    requireApiAccess(req, url, token);
    if (path === GATE_CHECKPOINT_PATH) {
      const answer = await gateCheckpoint(o.rollouts ?? [], await readJsonPost(req, API_BODY_LIMIT));
      return sendJson(res, answer.status, answer.body);
    }
    if (path.startsWith("/reports/")) return sendReport(req, res, path);
    if (!path.startsWith("/api/v1/"))
      throw new HttpError(404, `no route ${path} (the API is under /api/v1: ${ROUTES})`);
    const parts = path.slice("/api/v1/".length).split("/");
    const [what, id, action] = parts;
    if (parts.length > 3) throw new HttpError(404, `no route ${path} (${ROUTES})`);

    if (what === "events" && parts.length === 1) {
      allowMethod(req, "GET");
      o.hub.add(res, hello());
      return;
    }
    if (what === "runs" && parts.length === 1) {
      if (req.method === "GET") return sendJson(res, 200, { runs: runsList() });
      const b = await body(req, startBody);
      if (!o.canStart)
        throw new HttpError(
          409,
          "this console belongs to one `gameday run --ui`; start runs with gameday serve",
        );
      const live = await o.controller.start({
        scenarios: b.scenarios,
        profile: b.profile,
        baseline: b.baseline,
        starter: { by: b.by, via: "api" },
      });
      return sendJson(res, 202, { run: o.controller.liveItem() ?? { runId: live.runId } });
    }
    if (what === "runs" && id !== undefined) {
      if (!RUN_ID.test(id)) throw new HttpError(404, `no run ${JSON.stringify(id)}`);
      if (action === undefined) {
        allowMethod(req, "GET");
        const live = o.controller.live;
        if (live?.runId === id)
          return sendJson(res, 200, { run: o.controller.liveItem(), live: live.snapshot() });
        const done = finishedRun(o.reportsDir, id);
        if (!done) throw new HttpError(404, `no run ${id}`);
        return sendJson(res, 200, { run: done, live: null });
      }
      if (action === "stop") {
        allowMethod(req, "POST");
        // The body is optional here; a name, when given, is logged.
        const hasBody = Number(req.headers["content-length"] ?? "0") > 0 || req.headers["transfer-encoding"];
        const b = hasBody ? await body(req, stopBody) : {};
        o.controller.stop(id, b.by ?? (viaOf(req) === "web" ? "the console" : "an API client"));
        return sendJson(res, 202, { stopping: id });
      }
      if (action === "decision") {
        const b = await body(req, decisionBody);
        return sendJson(res, 200, o.controller.decide(id, b));
      }
      if (action === "update") {
        if (req.method === "GET") return sendJson(res, 200, o.controller.update(id));
        const b = await body(req, updateBody);
        return sendJson(res, 202, { posted: o.controller.postUpdate(id, b.text, b.by) });
      }
    }
    if (what === "alerts" && id !== undefined && action === "ack") {
      const b = await body(req, byBody);
      return sendJson(res, 200, o.controller.ack(decodedSegment(id), b.by, viaOf(req)));
    }
    if (what === "schedules" && parts.length === 1) {
      allowMethod(req, "GET");
      return sendJson(res, 200, { schedules: o.schedules() });
    }
    if (what === "history" && parts.length === 1) {
      allowMethod(req, "GET");
      const limit = Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? "50") || 50));
      return sendJson(res, 200, { runs: await historyRuns(limit) });
    }
    throw new HttpError(404, `no route ${req.method} ${path} (${ROUTES})`);
  }

  async function historyRuns(limit: number) {
    const spec = storeSpec({ history: o.history, reportsDir: o.reportsDir });
    if (!isPostgresUrl(spec) && !existsSync(spec))
      throw new HttpError(404, `no history store yet (${spec}): runs are recorded there when they finish`);
    const store = await openRunStore(spec).catch((err: Error) => {
      throw new HttpError(503, `history store: ${err.message}`);
    });
    try {
      const runs = await store.runs({ limit });
      const since = runs.length ? Math.min(...runs.map((r) => r.startedAt)) : Date.now();
      const outcomes = await store.outcomes({ since });
      return runs.map((r) => ({
        runId: r.runId,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
        profile: r.profile,
        verdict: r.verdict,
        normal: r.normal,
        branch: r.gitBranch,
        commit: r.gitCommit,
        defects: r.defects,
        scenarios: outcomes
          .filter((x) => x.runId === r.runId)
          .map((x) => ({ id: x.scenario, verdict: x.verdict })),
        reports: finishedRun(o.reportsDir, r.runId)?.reports ?? null,
      }));
    } finally {
      await store.close();
    }
  }

  function sendReport(req: IncomingMessage, res: ServerResponse, path: string): void {
    allowMethod(req, "GET");
    const [, , runId, file, ...rest] = path.split("/");
    if (!runId || !file || rest.length || !RUN_ID.test(runId) || !REPORT_TYPES[file])
      throw new HttpError(404, `no report ${path} (reports: ${Object.keys(REPORT_TYPES).join(", ")})`);
    const full = join(o.reportsDir, runId, file);
    if (!existsSync(full)) throw new HttpError(404, `run ${runId} has no ${file}`);
    res.writeHead(200, {
      "content-type": REPORT_TYPES[file] as string,
      "content-length": statSync(full).size,
      "x-content-type-options": "nosniff",
    });
    createReadStream(full).pipe(res);
  }

  return listenJson("gameday serve", o.host, o.port, handle);
}

function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(404, `no alert ${JSON.stringify(segment)} (not a valid URL path segment)`);
  }
}

/** The console marks its requests; anything else calling the API is an API client. */
function viaOf(req: IncomingMessage): "web" | "api" {
  return req.headers["x-gameday-client"] === "console" ? "web" : "api";
}
