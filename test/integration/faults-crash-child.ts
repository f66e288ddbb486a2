// Child of faults-crash.test.ts: applies one fault of each kind, journalling exactly as the engine
// does (fault.registered before apply, fault.applied with `previous` after), then waits to be
// SIGKILLed. Two deliberate gaps test the scan by tag: a fault whose fault.applied line never got
// written, and an HTTP-proxy rule that was never journalled at all (plus a torn last line).
import { appendFileSync } from "node:fs";
import { Journal } from "../../src/engine/journal.ts";
import type { FaultRef } from "../../src/faults/driver.ts";
import { addRule } from "../../src/faults/http-proxy/client.ts";
import { createDrivers } from "../../src/faults/index.ts";
import { type GamedayConfig, configSchema } from "../../src/scenario/config.ts";
import { type FaultSpec, faultSpec } from "../../src/scenario/schema.ts";

interface ChildInput {
  config: unknown;
  journal: string;
  runId: string;
  pids: Record<string, number>;
}

const input = JSON.parse(process.env.GAMEDAY_CRASH_INPUT ?? "") as ChildInput;
const config: GamedayConfig = configSchema.parse(input.config);
const drivers = createDrivers({
  config,
  processes: {
    pid: (name) => input.pids[name],
    restart: async (name) => {
      throw new Error(`the crash child cannot restart ${name}`);
    },
  },
});
const journal = new Journal(input.journal);
journal.write({
  type: "run.start",
  runId: input.runId,
  scenarios: ["crash"],
  profile: "ci",
  scale: 1,
  host: "test",
});

const faults: unknown[] = [
  {
    kind: "toxiproxy",
    target: "svc",
    toxic: "latency",
    attributes: { latency: 200, jitter: 10 },
    duration: "10m",
  },
  { kind: "toxiproxy", target: "svc2", toxic: "down", duration: "10m" },
  { kind: "http", target: "llm", status: 502, retryAfter: "5s", duration: "10m" },
  {
    kind: "http-action",
    target: "control",
    apply: { method: "PUT", path: "/flags", body: { failover: false } },
    read: { path: "/flags" },
  },
  { kind: "process", target: "web", signal: "SIGSTOP", duration: "10m" },
  { kind: "redis", target: "cache", purge: "all" },
];

let n = 0;
for (const raw of faults) {
  const spec: FaultSpec = faultSpec.parse(raw);
  const faultId = `f${String(++n).padStart(2, "0")}`;
  const ref: FaultRef = { faultId, tag: `gameday-${input.runId}-${faultId}` };
  journal.write({
    type: "fault.registered",
    scenario: "crash",
    faultId,
    kind: spec.kind,
    target: spec.target,
    tag: ref.tag,
    spec,
  });
  const applied = await (
    drivers[spec.kind] as {
      apply(s: FaultSpec, r: FaultRef): Promise<{ previous?: unknown; detail?: Record<string, unknown> }>;
    }
  ).apply(spec, ref);
  journal.write({
    type: "fault.applied",
    faultId,
    plannedAt: Date.now(),
    lateMs: 0,
    previous: applied.previous,
    detail: applied.detail,
  });
}

// Killed between apply and its fault.applied line: revert must work without `previous`.
const lateSpec = faultSpec.parse({
  kind: "toxiproxy",
  target: "svc2",
  toxic: "latency",
  attributes: { latency: 100 },
  duration: "1m",
});
const lateRef = { faultId: "f07", tag: `gameday-${input.runId}-f07` };
journal.write({
  type: "fault.registered",
  scenario: "crash",
  faultId: "f07",
  kind: "toxiproxy",
  target: "svc2",
  tag: lateRef.tag,
  spec: lateSpec,
});
await drivers.toxiproxy.apply(lateSpec as Extract<FaultSpec, { kind: "toxiproxy" }>, lateRef);

// Never journalled (its line was lost): only the tag scan can find it.
const llm = config.proxies.find((p) => p.name === "llm");
await addRule(`http://${llm?.listen}`, { tag: `gameday-${input.runId}-f99`, status: 503 });
appendFileSync(input.journal, '{"type":"fault.registered","scen');

process.stdout.write("applied\n");
setInterval(() => {}, 60_000);
