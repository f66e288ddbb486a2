// The gate-checkpoint API over real HTTP on loopback: `gameday serve` with a config listing a
// rollout, and `gameday rollout serve <file>` on its own, each a child process. The same answers
// and the same refusals from both: 200 with the decision, 404 naming what is known, 400 naming the
// field, 413 / 415 / malformed JSON, the loopback-Host rule, and off loopback a token or no start.
import { mkdirSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../src/env/process.ts";
import { type GamedayChild, serveChildren, waitFor } from "../gameday-child.ts";
import { tempDirs } from "../temp-dirs.ts";

const dirs = tempDirs();
const children = serveChildren();
const TOKEN = "gate-api-t0ken";
const ROUTE = "/api/v1/system/gate-checkpoint";

function gameday(args: string[], cwd: string): GamedayChild {
  return children.spawn(args, cwd);
}

/** A child once its log line `pattern` gives the URL it listens on. */
async function listening(c: GamedayChild, pattern: RegExp): Promise<GamedayChild & { url: string }> {
  // "" once it has exited: no point waiting for a line that will not come.
  const url = await waitFor(
    "the server to listen",
    () => (c.child.exitCode !== null ? "" : pattern.exec(c.output())?.[1]),
    { ms: 20_000, context: c.output },
  );
  if (!url) throw new Error(`exited ${c.child.exitCode}:\n${c.output()}`);
  return Object.assign(c, { url });
}

const serve = (args: string[], cwd: string) =>
  listening(gameday(["serve", ...args], cwd), /console and API on (http:\/\/\S+?)\/ /);

/** `gameday rollout serve`: needs the `rollout` command (src/cli/commands/rollout.ts) registered. */
const rolloutServeChild = (args: string[], cwd: string) => gameday(["rollout", "serve", ...args], cwd);
const rolloutServe = (args: string[], cwd: string) =>
  listening(rolloutServeChild(args, cwd), /gate-checkpoint API on (http:\/\/\S+?)\/ /);

interface Answer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
  body: any;
  headers: Record<string, string | string[] | undefined>;
}

/** A request sent as given (fetch would not let a test set Host). */
function call(
  base: string,
  path: string,
  o: { method?: string; json?: unknown; raw?: string; type?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const u = new URL(base);
  const headers: Record<string, string | number> = { ...o.headers };
  let body: string | undefined;
  if (o.json !== undefined || o.raw !== undefined) {
    body = o.raw ?? JSON.stringify(o.json);
    headers["content-type"] = o.type ?? "application/json";
    headers["content-length"] = Buffer.byteLength(body);
  }
  return new Promise((done, fail) => {
    const req = request(
      {
        host: u.hostname,
        port: u.port,
        path,
        method: o.method ?? (body === undefined ? "GET" : "POST"),
        headers,
      },
      (res) => {
        let text = "";
        res.on("data", (c: Buffer) => {
          text += c;
        });
        res.on("end", () => {
          const json = String(res.headers["content-type"] ?? "").startsWith("application/json");
          done({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text, headers: res.headers });
        });
      },
    );
    req.on("error", fail);
    req.end(body);
  });
}

const GREEN = { error_rate: 0.01, p95_ms: 420, saturation: 0.3 };

const ROLLOUT = `export default {
  name: "demo",
  title: "The demo launch",
  flag: { service: "flags", path: "/flags", field: "share" },
  phases: [
    { name: "P0", title: "Internal", audience: "eng", traffic: 0, minDuration: "3d",
      gate: [ { name: "error_rate", promql: "x", below: 0.05, unit: "ratio" }, { name: "p95_ms", promql: "y", atMost: 800, unit: "ms" } ] },
    { name: "P1", title: "Canary", audience: "1 % of users", traffic: 1, minDuration: "2d",
      gate: [ { name: "error_rate", promql: "x", below: 0.02, unit: "ratio" }, { name: "p95_ms", promql: "y", atMost: 800, unit: "ms" } ] },
  ],
  pause: [ { name: "saturation", promql: "z", above: 0.9 } ],
  rollback: [ { name: "error_rate", promql: "x", above: 0.2, unit: "ratio" } ],
};
`;

let dir: string;
/** Where `gameday rollout serve` runs: no gameday.config.ts, so no config unless --config. */
let solo: string;

/** A config in `dir` whose service and Prometheus the rollout's flag and queries name. */
async function writeConfig(file: string, rollouts: string[]): Promise<string> {
  const path = join(dir, file);
  writeFileSync(
    path,
    `import { defineConfig } from "gameday";
export default defineConfig({
  provider: "external",
  services: [{ name: "flags", url: "http://127.0.0.1:9/" }],
  prometheus: { url: "http://127.0.0.1:9" },
  reportsDir: ${JSON.stringify(join(dir, "reports"))},
  serve: { listen: "127.0.0.1:${await freePort()}" },
  rollouts: ${JSON.stringify(rollouts)},
});
`,
  );
  return path;
}

beforeAll(() => {
  dir = dirs.make("gameday-gate-http-");
  mkdirSync(join(dir, "rollouts"));
  writeFileSync(join(dir, "rollouts/demo.ts"), ROLLOUT);
  solo = dirs.make("gameday-gate-solo-");
  writeFileSync(join(solo, "demo.ts"), ROLLOUT);
});

afterAll(async () => {
  await children.stopAll();
  dirs.removeAll();
});

/** The answers both servers must give, on a server that takes `auth` headers. */
async function sameAnswers(base: string, auth: Record<string, string> = {}): Promise<void> {
  const promote = await call(base, ROUTE, { json: { gate: "P0", metrics: GREEN }, headers: auth });
  expect(promote.status, JSON.stringify(promote.body)).toBe(200);
  expect(promote.body).toMatchObject({
    pass: true,
    decision: "PROMOTE",
    rollout: "demo",
    gate: "P0",
    traffic: 0,
    ignored: [],
    recommendations: ["promote to P1 (1 %), ramping at most 2× per step"],
  });
  expect(promote.body.criteria).toHaveLength(4);

  const hold = await call(base, ROUTE, {
    json: { gate: "P1", metrics: { error_rate: 0.01, saturation: 0.1, cpu: 3 } },
    headers: auth,
  });
  expect(hold.status).toBe(200);
  expect(hold.body).toMatchObject({
    pass: false,
    decision: "HOLD",
    gate: "P1",
    traffic: 1,
    ignored: ["cpu"],
  });
  expect(hold.body.reasons[0]).toBe(
    "gate p95_ms: no data (metrics.p95_ms not given): cannot pass — never promote on missing data",
  );

  const rollback = await call(base, ROUTE, {
    json: { rollout: "demo", gate: "P1", metrics: { ...GREEN, error_rate: 0.4 } },
    headers: auth,
  });
  expect(rollback.status).toBe(200);
  expect(rollback.body).toMatchObject({ pass: false, decision: "ROLLBACK", rollbackTo: "previous" });

  const gate = await call(base, ROUTE, { json: { gate: "P7", metrics: GREEN }, headers: auth });
  expect(gate.status).toBe(404);
  expect(gate.body.error).toBe('no gate "P7" in rollout demo (known gates: P0, P1)');

  const rollout = await call(base, ROUTE, {
    json: { rollout: "x", gate: "P0", metrics: GREEN },
    headers: auth,
  });
  expect(rollout.status).toBe(404);
  expect(rollout.body.error).toBe('no rollout "x" (known: demo)');

  const noMetrics = await call(base, ROUTE, { json: { gate: "P0" }, headers: auth });
  expect(noMetrics.status).toBe(400);
  expect(noMetrics.body.error).toBe(
    "invalid payload: metrics: required: an object of metric name → number or null",
  );

  const text = await call(base, ROUTE, { json: { gate: "P0", metrics: { p95_ms: "fast" } }, headers: auth });
  expect(text.status).toBe(400);
  expect(text.body.error).toBe(
    'invalid payload: metrics.p95_ms: must be a finite number or null, not "fast"',
  );

  const big = await call(base, ROUTE, {
    json: { gate: "P0", metrics: { ...GREEN, padding: null, note: "x".repeat(70 * 1024) } },
    headers: auth,
  });
  expect(big.status).toBe(413);
  expect(big.body.error).toMatch(/^body of \d+ bytes exceeds 65536$/);

  const malformed = await call(base, ROUTE, { raw: '{"gate": "P0", "metrics": ', headers: auth });
  expect(malformed.status).toBe(400);
  expect(malformed.body.error).toMatch(/^malformed JSON: /);

  const form = await call(base, ROUTE, {
    raw: "gate=P0",
    type: "application/x-www-form-urlencoded",
    headers: auth,
  });
  expect(form.status).toBe(415);
  expect(form.body.error).toBe(
    "send the body as JSON (content-type: application/json), not application/x-www-form-urlencoded",
  );

  const get = await call(base, ROUTE, { headers: auth });
  expect(get.status).toBe(405);
  expect(get.body.error).toBe("GET not allowed here; use POST");
}

/** Without a token: a request addressed to a name that is not loopback is 403 (DNS rebinding). */
async function loopbackOnly(base: string): Promise<void> {
  const port = new URL(base).port;
  const local = await call(base, ROUTE, {
    json: { gate: "P0", metrics: GREEN },
    headers: { host: `localhost:${port}` },
  });
  expect(local.status).toBe(200);
  const rebound = await call(base, ROUTE, {
    json: { gate: "P0", metrics: GREEN },
    headers: { host: `gameday.attacker.example:${port}` },
  });
  expect(rebound.status).toBe(403);
  expect(rebound.body.error).toBe(
    `this server has no token, so it answers only requests addressed to a loopback name, not gameday.attacker.example:${port}`,
  );
}

describe("gameday serve: POST /api/v1/system/gate-checkpoint for the config's rollouts", () => {
  let server: GamedayChild & { url: string };

  beforeAll(async () => {
    const config = await writeConfig("gameday.config.ts", ["rollouts"]);
    server = await serve(["--config", config], dir);
  });

  it("answers the decision, refuses what it cannot answer, and keeps the API's limits", async () => {
    expect(server.output()).toContain(`gate checkpoints: POST ${server.url}${ROUTE} for demo (P0, P1)`);
    await sameAnswers(server.url);
  });

  it("without a token, only requests addressed to a loopback name", async () => {
    await loopbackOnly(server.url);
  });

  it("with no rollouts in the config: 404 saying how to configure them", async () => {
    const config = await writeConfig("none.config.ts", []);
    const bare = await serve(["--config", config], dir);
    try {
      const r = await call(bare.url, ROUTE, { json: { gate: "P0", metrics: GREEN } });
      expect(r.status).toBe(404);
      expect(r.body.error).toMatch(
        /^no rollouts loaded: list rollout files or folders under `rollouts` in the config/,
      );
    } finally {
      await bare.stop();
    }
  });

  it("a rollout of the config that does not load: exit 2 before listening, naming the file and field", async () => {
    writeFileSync(
      join(dir, "broken.ts"),
      ROLLOUT.replace('flag: { service: "flags"', 'flag: { service: "nope"'),
    );
    const config = await writeConfig("broken.config.ts", ["broken.ts", "missing"]);
    const c = gameday(["serve", "--config", config], dir);
    expect(await c.exited).toBe(2);
    expect(c.output()).toContain(
      `${join(dir, "broken.ts")}: flag.service: unknown service "nope" (known: flags)`,
    );
    expect(c.output()).toContain(`${join(dir, "missing")}: no such file or folder`);
    expect(c.output()).not.toContain("console and API on");
  });
});

// Needs `gameday rollout serve`: the `rollout` command (src/cli/commands/rollout.ts) calling rolloutServe.
describe("gameday rollout serve <file>", () => {
  it("serves the same API on loopback: healthz, the decision, the refusals, the limits; SIGTERM exits 0", async () => {
    const server = await rolloutServe(["demo.ts", "--listen", `127.0.0.1:${await freePort()}`], solo);
    const health = await call(server.url, "/healthz");
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ ok: true, rollouts: ["demo"] });
    await sameAnswers(server.url);
    await loopbackOnly(server.url);
    const other = await call(server.url, "/api/v1/runs");
    expect(other.status).toBe(404);
    expect(other.body.error).toBe(
      `no route GET /api/v1/runs (this server answers GET /healthz and POST ${ROUTE})`,
    );
    await server.stop();
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain("gameday rollout serve stopped");
  });

  it("off loopback: no start without a token (exit 2); with one, 401 without the bearer and 200 with it", async () => {
    const port = await freePort();
    const refused = rolloutServeChild(["demo.ts", "--listen", `0.0.0.0:${port}`], solo);
    expect(await refused.exited).toBe(2);
    expect(refused.output()).toContain(
      "--listen: 0.0.0.0 is not loopback, so the API needs a token: --token, GAMEDAY_SERVE_TOKEN or serve.token",
    );

    const open = await rolloutServe(["demo.ts", "--listen", `0.0.0.0:${port}`, "--token", TOKEN], solo);
    // Bound to every interface; the test talks to it on loopback only.
    const local = `http://127.0.0.1:${port}`;
    try {
      expect((await call(local, "/healthz")).status).toBe(200);
      const none = await call(local, ROUTE, { json: { gate: "P0", metrics: GREEN } });
      expect(none.status).toBe(401);
      expect(none.body.error).toBe("missing or wrong bearer token");
      expect(none.headers["www-authenticate"]).toBe('Bearer realm="gameday"');
      const wrong = await call(local, ROUTE, {
        json: { gate: "P0", metrics: GREEN },
        headers: { authorization: `Bearer ${TOKEN}x` },
      });
      expect(wrong.status).toBe(401);
      // The token makes any Host acceptable.
      await sameAnswers(local, { authorization: `Bearer ${TOKEN}`, host: `gameday.example:${port}` });
    } finally {
      await open.stop();
    }
    expect(await open.exited).toBe(0);
  });

  it("a rollout that does not load, one the --config does not know the service of, or no files: exit 2 before listening", async () => {
    const missing = rolloutServeChild(["nope.ts"], solo);
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toContain(`${join(solo, "nope.ts")}: no such file or folder`);

    writeFileSync(join(solo, "elsewhere.ts"), ROLLOUT.replace('service: "flags"', 'service: "toggles"'));
    // Without a config the rollout's services are not checked; with one they are.
    const config = await writeConfig("solo.config.ts", []);
    const unknown = rolloutServeChild(["elsewhere.ts", "--config", config], solo);
    expect(await unknown.exited).toBe(2);
    expect(unknown.output()).toContain(
      `${join(solo, "elsewhere.ts")}: flag.service: unknown service "toggles" (known: flags)`,
    );
    expect(unknown.output()).not.toContain("gate-checkpoint API on");

    const none = rolloutServeChild([], solo);
    expect(await none.exited).toBe(2);
    expect(none.output()).toContain("rollout serve needs rollout files or folders");
  });
});
