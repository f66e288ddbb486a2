// The serve HTTP API as a client meets it: `gameday serve` as a child process on loopback, real
// runs of tiny scenarios (provider "external": nothing to start), real HTTP. Every refusal is
// checked for its status and for a reason specific enough to act on.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { JournalEntry } from "../../src/engine/journal-events.ts";
import type { RunResult } from "../../src/engine/result.ts";
import { freePort } from "../../src/env/process.ts";
import type { RunListItem, ServeEvent } from "../../src/serve/live-state.ts";
import { type GamedayChild, serveChildren, waitFor } from "../gameday-child.ts";
import { tempDirs } from "../temp-dirs.ts";
import { firingAlert, postAlerts, type WebhookAlert } from "../alertmanager-webhook.ts";

const dirs = tempDirs();
const children = serveChildren();
const TOKEN = "serve-api-t0ken";

function gameday(args: string[], cwd: string): GamedayChild {
  return children.spawn(args, cwd);
}

/** A `gameday serve` child, once it says where it listens. */
async function serve(args: string[], cwd: string): Promise<GamedayChild & { url: string }> {
  const c = gameday(["serve", ...args], cwd);
  // "" once it has exited: no point waiting for a line that will not come.
  const url = await waitFor(
    "gameday serve to listen",
    () => (c.child.exitCode !== null ? "" : /console and API on (http:\/\/\S+?)\/ /.exec(c.output())?.[1]),
    { ms: 20_000, context: c.output },
  );
  if (!url) throw new Error(`gameday serve exited ${c.child.exitCode}:\n${c.output()}`);
  return Object.assign(c, { url });
}

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
  headers: Headers;
}

async function call(
  base: string,
  path: string,
  o: { method?: string; json?: unknown; raw?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...o.headers };
  let body: string | undefined;
  if (o.json !== undefined || o.raw !== undefined) {
    body = o.raw ?? JSON.stringify(o.json);
    headers["content-type"] = o.type ?? "application/json";
  }
  const res = await fetch(`${base}${path}`, {
    method: o.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
  });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get("content-type")?.startsWith("application/json")) parsed = JSON.parse(text);
  return { status: res.status, body: parsed, headers: res.headers };
}

/**
 * A GET sent byte for byte: fetch would resolve `..` segments before sending, and it sets Host
 * itself.
 */
function rawGet(
  base: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: string } }> {
  const u = new URL(base);
  return new Promise((done, fail) => {
    const req = request({ host: u.hostname, port: u.port, path, method: "GET", headers }, (res) => {
      let text = "";
      res.on("data", (c: Buffer) => {
        text += c;
      });
      res.on("end", () => done({ status: res.statusCode ?? 0, body: JSON.parse(text || "{}") }));
    });
    req.on("error", fail);
    req.end();
  });
}

interface SseEvent {
  event: string;
  data: ServeEvent;
}

/** Reads the event stream until `enough` says so or `ms` pass. */
async function readEvents(
  url: string,
  enough: (events: SseEvent[]) => boolean,
  ms: number,
  headers: Record<string, string> = {},
): Promise<SseEvent[]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), ms);
  const events: SseEvent[] = [];
  try {
    const res = await fetch(url, { headers, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/event-stream");
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = "";
    while (!enough(events)) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += decoder.decode(value, { stream: true });
      let end = buffered.indexOf("\n\n");
      while (end >= 0) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const event = /^event: (.+)$/m.exec(block)?.[1];
        const data = /^data: (.+)$/m.exec(block)?.[1];
        if (event && data) events.push({ event, data: JSON.parse(data) as ServeEvent });
        end = buffered.indexOf("\n\n");
      }
    }
  } catch (err) {
    if (!abort.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
  return events;
}

function journalOf(reports: string, runId: string): JournalEntry[] {
  return readFileSync(join(reports, runId, "journal.jsonl"), "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as JournalEntry);
}

const alert = (status: "firing" | "resolved", name: string, fingerprint: string) =>
  firingAlert(name, fingerprint, {
    status,
    labels: { alertname: name, severity: "page" },
    annotations: { summary: `${name} is ${status}` },
    startsAt: new Date(Date.now() - 1_000).toISOString(),
    ...(status === "resolved" ? { endsAt: new Date().toISOString() } : {}),
  });

describe("gameday serve API over real HTTP", () => {
  let dir: string;
  let config: string;
  let reports: string;
  let receiver: string;
  let base: string;
  let server: GamedayChild & { url: string };
  let hooks: Server;
  const hooked: Array<{ path: string; body: Record<string, unknown> }> = [];

  beforeAll(async () => {
    dir = dirs.make("gameday-serve-api-");
    reports = join(dir, "reports");
    receiver = `127.0.0.1:${await freePort()}`;
    hooks = createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => {
        text += c;
      });
      req.on("end", () => {
        hooked.push({ path: req.url ?? "", body: JSON.parse(text) as Record<string, unknown> });
        res.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((done) => hooks.listen(0, "127.0.0.1", done));
    const hookBase = `http://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
    config = join(dir, "gameday.config.ts");
    // Two webhooks, only one taking updates: an IC update's `posted` counts that one alone.
    writeFileSync(
      config,
      `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "external",
  receiver: { listen: "${receiver}" },
  reportsDir: ${JSON.stringify(reports)},
  serve: { listen: "127.0.0.1:${await freePort()}" },
  notify: {
    webhooks: [
      { name: "ic-channel", url: "${hookBase}/update", on: ["update"] },
      { name: "failures", url: "${hookBase}/fail", on: ["fail", "error"] },
    ],
  },
});
`,
    );
    mkdirSync(join(dir, "scenarios"));
    const scenario = (id: string, duration: string) =>
      `import { defineScenario } from "gameday";
export default defineScenario({ id: "${id}", title: "${id}", owner: "SRE", hypothesis: "nothing happens", duration: "${duration}" });
`;
    // Short enough to keep the file quick, long enough that a run is going while it is checked.
    writeFileSync(join(dir, "scenarios/short.ts"), scenario("short", "3500ms"));
    // Only ever stopped early: its planned end shows how early.
    writeFileSync(join(dir, "scenarios/long.ts"), scenario("long", "30s"));
    server = await serve(["--config", config], dir);
    base = server.url;
  });

  afterAll(async () => {
    await children.stopAll();
    await new Promise<void>((done) => {
      hooks?.closeAllConnections();
      hooks ? hooks.close(() => done()) : done();
    });
    dirs.removeAll();
  });

  async function start(scenario: string, by: string): Promise<string> {
    const r = await call(base, "/api/v1/runs", { json: { scenarios: [scenario], by, profile: "real" } });
    expect(r.status, JSON.stringify(r.body)).toBe(202);
    return r.body.run.runId as string;
  }

  /** Until the scenario itself runs (decisions and alerts belong to it). */
  async function scenarioRunning(runId: string): Promise<void> {
    await waitFor(`run ${runId}'s scenario to start`, async () => {
      const r = await call(base, `/api/v1/runs/${runId}`);
      return r.body.live?.scenario ? true : undefined;
    });
  }

  /** Until the run is over and the server is free for the next one. */
  async function ended(runId: string, ms = 15_000): Promise<RunListItem> {
    return waitFor(
      `run ${runId} to end`,
      async () => {
        const health = await call(base, "/healthz");
        if (health.body.running !== null) return undefined;
        const r = await call(base, `/api/v1/runs/${runId}`);
        return r.status === 200 && r.body.live === null ? (r.body.run as RunListItem) : undefined;
      },
      { ms },
    );
  }

  it("starts a run, lists it, streams it (hello, then status), and serves its reports once it has ended", async () => {
    const runId = await start("short", "alice");
    const events = readEvents(
      `${base}/api/v1/events`,
      (es) => es.filter((e) => e.event === "status").length >= 2,
      5_000,
    );
    const list = await call(base, "/api/v1/runs");
    expect(list.status).toBe(200);
    expect(list.body.runs[0]).toMatchObject({
      runId,
      status: "running",
      scenarios: ["short"],
      profile: "real",
      startedBy: { by: "alice", via: "api" },
    });
    const one = await call(base, `/api/v1/runs/${runId}`);
    expect(one.status).toBe(200);
    expect(one.body.run).toMatchObject({ runId, status: "running" });
    expect(one.body.live).toMatchObject({ runId, scenarios: ["short"], startedBy: { by: "alice" } });

    const seen = await events;
    expect(seen[0]?.event).toBe("hello");
    expect(seen[0]?.data).toMatchObject({ type: "hello", run: { runId } });
    const statuses = seen.filter((e) => e.event === "status");
    expect(statuses.length).toBeGreaterThanOrEqual(2);
    for (const s of statuses) expect(s.data).toMatchObject({ type: "status", runId, scenario: "short" });

    const done = await ended(runId);
    expect(done).toMatchObject({
      runId,
      status: "finished",
      verdict: "PASS",
      reports: {
        html: `/reports/${runId}/report.html`,
        markdown: `/reports/${runId}/gameday_report.md`,
        junit: `/reports/${runId}/junit.xml`,
      },
    });
    const html = await fetch(`${base}${done.reports.html}`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await html.text()).toContain(runId);
  });

  it("two starts at once: one 202, one 409 naming who holds the run; a CLI run meanwhile exits 3 naming them too", async () => {
    const [a, b] = await Promise.all([
      call(base, "/api/v1/runs", { json: { scenarios: ["long"], by: "alice" } }),
      call(base, "/api/v1/runs", { json: { scenarios: ["long"], by: "carol" } }),
    ]);
    expect([a.status, b.status].sort()).toEqual([202, 409]);
    const [won, lost] = a.status === 202 ? [a, b] : [b, a];
    const holder = won.body.run.startedBy.by as string;
    const runId = won.body.run.runId as string;
    expect(lost.body.error).toMatch(/^a gameday run is in progress/);
    expect(lost.body.error).toContain(`started by ${holder} via api`);

    const cli = gameday(["run", join(dir, "scenarios/long.ts"), "--config", config], dir);
    expect(await cli.exited).toBe(3);
    expect(cli.output()).toContain(`a gameday run is in progress in ${reports}`);
    expect(cli.output()).toContain(`run ${runId} of long started by ${holder} via api`);
    expect(cli.output()).toContain(`POST /api/v1/runs/${runId}/stop`);

    expect((await call(base, `/api/v1/runs/${runId}/stop`, { json: { by: "alice" } })).status).toBe(202);
    await ended(runId);
  });

  it("stop: 202, and the run ends interrupted long before its planned end; stopping it again is 409", async () => {
    const runId = await start("long", "dave");
    await scenarioRunning(runId);
    const stop = await call(base, `/api/v1/runs/${runId}/stop`, { json: { by: "dave" } });
    expect(stop.status).toBe(202);
    expect(stop.body).toEqual({ stopping: runId });
    const done = await ended(runId);
    const result = JSON.parse(readFileSync(join(reports, runId, "result.json"), "utf8")) as RunResult;
    expect(result.interrupted).toBe(true);
    expect(result.endedAt - result.startedAt).toBeLessThan(10_000);
    expect(done.endedAt).toBe(result.endedAt);
    const again = await call(base, `/api/v1/runs/${runId}/stop`, { method: "POST" });
    expect(again.status).toBe(409);
    expect(again.body.error).toBe(`run ${runId} has already finished`);
  });

  it("acknowledgements: 404 with no run, 409 for a resolved alert, 404 for an unknown one, 200 and a human ack in the journal for a firing one", async () => {
    const mangled = await call(base, "/api/v1/alerts/%E0%A4%A/ack", { json: { by: "bob" } });
    expect(mangled.status).toBe(404);
    expect(mangled.body.error).toBe('no alert "%E0%A4%A" (not a valid URL path segment)');
    const idle = await call(base, "/api/v1/alerts/00000000000000a1/ack", { json: { by: "bob" } });
    expect(idle.status).toBe(404);
    expect(idle.body.error).toMatch(/^no gameday is running/);

    const runId = await start("short", "alice");
    await scenarioRunning(runId);
    const post = async (alerts: WebhookAlert[]) => {
      const res = await postAlerts(`http://${receiver}`, alerts);
      expect(res.status).toBe(200);
    };
    await post([
      alert("firing", "LLMProviderDown", "00000000000000a1"),
      alert("firing", "CacheHitLow", "00000000000000b2"),
    ]);
    await post([alert("resolved", "LLMProviderDown", "00000000000000a1")]);

    const resolved = await call(base, "/api/v1/alerts/00000000000000a1/ack", { json: { by: "bob" } });
    expect(resolved.status).toBe(409);
    expect(resolved.body.error).toBe(
      "alert LLMProviderDown (00000000000000a1) is resolved, not firing; nothing to acknowledge",
    );
    const unknown = await call(base, "/api/v1/alerts/ffffffffffffffff/ack", { json: { by: "bob" } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe(`no alert with fingerprint ffffffffffffffff in run ${runId}`);
    const acked = await call(base, "/api/v1/alerts/00000000000000b2/ack", { json: { by: "bob" } });
    expect(acked.status).toBe(200);
    expect(acked.body).toEqual({ acked: ["00000000000000b2"], already: [] });

    await ended(runId);
    const acks = journalOf(reports, runId).filter((e) => e.type === "alert.ack");
    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({
      fingerprint: "00000000000000b2",
      name: "CacheHitLow",
      by: "bob",
      via: "api",
      synthetic: false,
    });
  });

  it("decision: 200 with the decision and a Sev-2 update; the update is readable and posted to the webhooks that take updates", async () => {
    const runId = await start("short", "alice");
    await scenarioRunning(runId);
    const bad = await call(base, `/api/v1/runs/${runId}/decision`, {
      json: { severity: "sev1", by: "ic", why: "p95 doubled" },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^invalid payload: severity: /);

    const d = await call(base, `/api/v1/runs/${runId}/decision`, {
      json: { severity: "sev2", by: "ic", why: "p95 doubled" },
    });
    expect(d.status).toBe(200);
    expect(d.body.decision).toMatchObject({
      scenario: "short",
      severity: "sev2",
      by: "ic",
      why: "p95 doubled",
      what: "Sev-2: flip flags / roll back",
    });
    expect(d.body.update.severity).toBe("sev2");
    expect(d.body.update.text).toMatch(/^\[Sev-2\] short \(gameday drill\)/);

    const update = await call(base, `/api/v1/runs/${runId}/update`);
    expect(update.status).toBe(200);
    expect(update.body.text).toMatch(/^\[Sev-2\] /);
    expect(update.body.text).toContain("Owner: IC ic");

    const text = "[Sev-2] short: rolled back, verifying";
    const posted = await call(base, `/api/v1/runs/${runId}/update`, { json: { text, by: "ic" } });
    expect(posted.status).toBe(202);
    expect(posted.body).toEqual({ posted: 1 });
    const got = await waitFor("the update webhook", () => hooked.find((h) => h.path === "/update"), {
      ms: 10_000,
    });
    expect(got.body).toMatchObject({
      event: "update",
      runId,
      title: "IC update from ic",
      text,
      scenarios: ["short"],
      source: "gameday",
    });

    await ended(runId);
    const decisions = journalOf(reports, runId).filter((e) => e.type === "decision");
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({ scenario: "short", severity: "sev2", by: "ic", why: "p95 doubled" });
    expect(hooked.filter((h) => h.path === "/update")).toHaveLength(1);
  });

  it("bodies: 413 over 64 KiB, 400 for malformed JSON, 415 for another content type, 400 naming the invalid field", async () => {
    const big = await call(base, "/api/v1/runs", {
      raw: JSON.stringify({ scenarios: ["short"], by: "x".repeat(70 * 1024) }),
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toMatch(/^body of \d+ bytes exceeds 65536$/);

    const malformed = await call(base, "/api/v1/runs", { raw: '{"scenarios": ["short"], "by": ' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error).toMatch(/^malformed JSON: /);

    const form = await call(base, "/api/v1/runs", { raw: "scenarios=short&by=alice", type: "text/plain" });
    expect(form.status).toBe(415);
    expect(form.body.error).toBe("send the body as JSON (content-type: application/json), not text/plain");

    const noBy = await call(base, "/api/v1/runs", { json: { scenarios: ["short"] } });
    expect(noBy.status).toBe(400);
    expect(noBy.body.error).toMatch(/^invalid payload: by: /);

    // None of them started anything.
    expect((await call(base, "/healthz")).body.running).toBeNull();
  });

  it("unknown runs and paths: 404 for an unknown id, an id with path characters, and a report path leaving the reports folder", async () => {
    const nope = await call(base, "/api/v1/runs/nope");
    expect(nope.status).toBe(404);
    expect(nope.body.error).toBe("no run nope");
    const stop = await call(base, "/api/v1/runs/nope/stop", { method: "POST" });
    expect(stop.status).toBe(404);
    expect(stop.body.error).toBe("no run nope");
    const traversal = await call(base, "/api/v1/runs/..%2F..");
    expect(traversal.status).toBe(404);
    expect(traversal.body.error).toBe('no run "..%2F.."');

    const dotdot = await rawGet(base, "/reports/../etc/passwd");
    expect(dotdot.status).toBe(404);
    expect(dotdot.body.error).toMatch(/^no route \/etc\/passwd /);
    const encoded = await rawGet(base, "/reports/..%2F..%2Fetc%2Fpasswd/report.html");
    expect(encoded.status).toBe(404);
    expect(encoded.body.error).toMatch(/^no report \/reports\/\.\.%2F/);
    const notReport = await rawGet(base, "/reports/some-run/..%2F..%2F..%2Fetc%2Fpasswd");
    expect(notReport.status).toBe(404);
    expect(notReport.body.error).toMatch(/^no report /);
  });

  it("without a token, only requests addressed to a loopback name are served (a rebound DNS name is 403)", async () => {
    const port = new URL(base).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect((await rawGet(base, "/api/v1/runs", { host })).status).toBe(200);
    }
    const rebound = await rawGet(base, "/api/v1/runs", { host: `gameday.attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error).toBe(
      `this server has no token, so it answers only requests addressed to a loopback name, not gameday.attacker.example:${port}`,
    );
  });

  it("off loopback: refused without a token or with a short one (exit 2); with one, 401 without or with a wrong one, 200 with it, and ?access_token= only for GETs", async () => {
    const port = await freePort();
    const refused = gameday(["serve", "--config", config, "--listen", `0.0.0.0:${port}`], dir);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toContain(
      "--listen: 0.0.0.0 is not loopback, so the API needs a token: --token, GAMEDAY_SERVE_TOKEN or serve.token",
    );
    const short = gameday(
      ["serve", "--config", config, "--listen", `0.0.0.0:${port}`, "--token", "short"],
      dir,
    );
    expect(await short.exited).toBe(2);
    expect(short.output()).toContain(
      "the serve token (--token, GAMEDAY_SERVE_TOKEN or serve.token) needs at least 8 characters",
    );

    const open = await serve(["--config", config, "--listen", `0.0.0.0:${port}`, "--token", TOKEN], dir);
    // Bound to every interface; the test talks to it on loopback only.
    const local = `http://127.0.0.1:${port}`;
    try {
      const none = await call(local, "/api/v1/runs");
      expect(none.status).toBe(401);
      expect(none.body.error).toBe("missing or wrong bearer token");
      expect(none.headers.get("www-authenticate")).toBe('Bearer realm="gameday"');
      const wrong = await call(local, "/api/v1/runs", { headers: { authorization: `Bearer ${TOKEN}x` } });
      expect(wrong.status).toBe(401);
      const right = await call(local, "/api/v1/runs", { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(right.status).toBe(200);
      expect(Array.isArray(right.body.runs)).toBe(true);

      const stream = await readEvents(
        `${local}/api/v1/events?access_token=${TOKEN}`,
        (es) => es.length >= 1,
        3_000,
      );
      expect(stream[0]?.event).toBe("hello");
      const wrongQuery = await call(local, "/api/v1/events?access_token=nope");
      expect(wrongQuery.status).toBe(401);
      const post = await call(local, `/api/v1/runs?access_token=${TOKEN}`, {
        json: { scenarios: ["short"], by: "mallory" },
      });
      expect(post.status).toBe(401);
      expect(post.body.error).toBe("missing or wrong bearer token");
    } finally {
      await open.stop();
    }
    expect(await open.exited).toBe(0);
  });
});
