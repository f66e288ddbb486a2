// The files `gameday init` writes, as text: a config for provider "external" with the user's URL
// as the service "app", and one example scenario against it. They are string constants in code,
// not asset files, so they ship inside the compiled package as they are.

/** The service every generated file names; scenarios address targets by name only. */
export const SERVICE_NAME = "app";
/** The example scenario's id (and file name without extension). */
export const EXAMPLE_ID = "example";
/** The example's planned length in the real profile; `--profile ci` makes it 1/30 of that. */
export const EXAMPLE_DURATION = "5m";

export interface TemplateOptions {
  /** The service's base URL, as it goes into the config. */
  url: string;
  /** The URL's host when it is not loopback: it must be listed in allowHosts. */
  allowHost?: string;
  /** ".ts" or ".mts", for the file names the comments mention. */
  ext: string;
  reportsDir: string;
}

const q = (s: string) => JSON.stringify(s);

export function configTemplate(o: TemplateOptions): string {
  const allowHosts = o.allowHost
    ? `  // ${o.allowHost} is not loopback: a run touches loopback only, unless a host is listed here
  // on purpose (every other host is refused before anything starts).
  allowHosts: [${q(o.allowHost)}],`
    : `  // A run touches loopback only, unless a host is listed here on purpose, e.g.
  // allowHosts: ["app.staging.example"],`;
  return `import { defineConfig } from "gameday";

// The run config: every target a scenario may touch, by name. Scenarios say target: "${SERVICE_NAME}",
// never an address, so the same scenario runs against a laptop, staging or CI by changing this file.
//
// provider "external": gameday starts nothing. The service already runs at the URL below; the
// built-in load engine sends requests to it, and faults go through proxies you run yourself (see
// proxies below). The other providers: "local" starts toxiproxy-server, redis-server, HTTP fault
// proxies (listen port 0: a free port) and your own commands (processes) on this machine;
// "testcontainers" runs Toxiproxy and Redis in containers.
export default defineConfig({
  provider: "external",
${allowHosts}
  services: [
    // health: a path answering 200 when the service is healthy (runbook wait-healthy steps and
    // \`gameday env up\` poll it).
    { name: ${q(SERVICE_NAME)}, url: ${q(o.url)}, health: "/healthz" },
  ],

  // Faults. Put a proxy between the service and one of its dependencies, point the service at the
  // proxy, and list the proxy here under a name; scenarios then inject faults on that name.
  //   HTTP faults (429/5xx answers, added latency, aborted responses): gameday's own fault proxy,
  //     npx gameday proxy --listen 127.0.0.1:8081 --upstream https://payments.internal.example
  //   TCP faults (latency, timeouts, resets, bandwidth): Toxiproxy, with its API in toxiproxy.api.
  // proxies: [
  //   { kind: "http", name: "payments", listen: "127.0.0.1:8081",
  //     upstream: "https://payments.internal.example" },
  //   { kind: "toxiproxy", name: "db", listen: "127.0.0.1:25432", upstream: "127.0.0.1:5432" },
  // ],
  // toxiproxy: { api: "127.0.0.1:8474" },
  // Caches a scenario may purge (fault.cachePurge):
  // redis: [{ name: "cache", url: "redis://127.0.0.1:6379" }],
  // Readings sampled into the run, for expect.checks (series "probe:<name>", scraped metrics by name):
  // probes: [
  //   { kind: "scrape", name: "app-metrics", url: ${q(`${o.url}/metrics`)}, metrics: ["queue_depth"] },
  // ],

  // Alerting. A scenario can expect an alert (expect.alert) and the run measures time to detect and
  // time to acknowledge (MTTA): your Alertmanager delivers to the harness's receiver through a
  // webhook receiver whose url is http://127.0.0.1:9095/alerts/<receiver name> (it listens while a
  // run goes; receiver.listen moves it, receiver.token makes it require a bearer token). Prometheus
  // here feeds PromQL probes and the console's panels; both feed rollout gates.
  // receiver: { listen: "127.0.0.1:9095" },
  // prometheus: { url: "http://127.0.0.1:9090" },
  // alertmanager: { url: "http://127.0.0.1:9093" },
  // Unattended runs (CI): an auto-responder acknowledges each alert after this delay (scaled by the
  // profile); its acks are labelled synthetic in every report. On a real gameday, people run
  // \`npx gameday ack\` instead.
  // autoAck: { after: "60s" },

  // Run folders (reports, journal, result.json, junit.xml) and the run history go here.
  reportsDir: ${q(o.reportsDir)},
});
`;
}

export function scenarioTemplate(o: TemplateOptions): string {
  return `import { defineScenario, load } from "gameday";

// An example gameday, one row of the matrix: steady load on the service "${SERVICE_NAME}" of
// gameday.config${o.ext}, and the steady state it must hold. It needs only the built-in load
// engine, so it runs anywhere:
//   npx gameday run scenarios/${EXAMPLE_ID}${o.ext} --profile ci   (every duration × 1/30: about 10 s)
//   npx gameday run scenarios/${EXAMPLE_ID}${o.ext}                (the real 5 minutes)
// Copy it for your own scenarios, then add a fault on the timeline (below).
export default defineScenario({
  id: ${q(EXAMPLE_ID)},
  title: "Steady load on ${SERVICE_NAME}",
  owner: "SRE",
  hypothesis:
    "At 5 requests/s for 5 minutes, ${SERVICE_NAME} answers within 500 ms at p95 with at most 1 % errors",

  // The built-in engine, open model: requests arrive at 5/s however slowly the service answers (a
  // slow service does not slow the load down, as it would not slow real users down).
  load: load.http({
    target: ${q(SERVICE_NAME)},
    rate: 5,
    duration: ${q(EXAMPLE_DURATION)},
    request: { method: "GET", path: "/", name: "home" },
    timeout: "5s",
  }),

  // What healthy means. After a fault, recovery counts once this has held for \`sustain\`.
  steadyState: { p95Ms: 500, errorRate: 0.01, sustain: "60s" },

  // Faults at offsets from the start, each undone automatically when its duration ends (and on
  // every exit path). With an HTTP fault proxy "payments" in the config (proxies, kind "http"),
  // a fifth of the service's calls to it answer 503 for 2 minutes (import fault from "gameday"):
  // timeline: [
  //   { at: "1m", inject: fault.httpStatus("payments", { status: 503, percent: 20, duration: "2m" }) },
  // ],

  expect: {
    checks: [
      { name: "p95", series: "http_req_duration", window: "run", agg: "p95", op: "<=", value: 500 },
      { name: "error-rate", series: "error_rate", window: "run", agg: "mean", op: "<=", value: 0.01 },
    ],
    // Of an SLO of 99 % good requests, this run may burn at most half the error budget.
    errorBudget: { slo: 0.99, maxBurnPct: 50 },
  },

  // Abort the scenario (faults undone) when more than half the requests fail for 30 s.
  stopIf: { errorRate: { above: 0.5, for: "30s" } },

  // For the report: the matrix's columns and who follows up.
  record: {
    injection: "None yet: steady load at 5 requests/s (built-in engine)",
    expected: "p95 ≤ 500 ms, errors ≤ 1 %, at most half the error budget burnt",
    evidence: "This run's report and junit.xml",
    residualRisk: "Behaviour under failure is untested until the scenario injects a fault",
    actionOwner: "SRE",
    actions: [{ title: "Add the first fault to this scenario", owner: "SRE", eta: "next gameday" }],
  },
});
`;
}
