// A rollout folder from rollout.json to signed reports: the canonical file and its validation, the
// Markdown and HTML reports (checkpoint sheets, decisions, runbooks, charts, escaping), signing by
// two roles with real Ed25519 keys, tamper detection, and the same through the `gameday` CLI.
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CriterionVerdict } from "../../src/rollout/decision.ts";
import { renderRolloutReports } from "../../src/rollout/report.ts";
import { readRolloutResult, writeRolloutResult } from "../../src/rollout/result-file.ts";
import {
  type CheckpointRecord,
  ROLLOUT_RESULT_SCHEMA,
  type RolloutResult,
} from "../../src/rollout/result.ts";
import { ROLLOUT_PREDICATE_TYPE, signRollout, verifyRollout } from "../../src/rollout/sign.ts";
import {
  type Envelope,
  INTOTO_BUNDLE_FILE,
  type KeyPairFiles,
  keygen,
  type Statement,
  verifyRun,
} from "../../src/sign/index.ts";
import { spawnGameday } from "../gameday-child.ts";
import { tempDirs } from "../temp-dirs.ts";

const temp = tempDirs();
afterAll(() => temp.removeAll());

const T0 = Date.UTC(2025, 10, 2, 16, 0, 0);
const at = (s: number) => T0 + Math.round(s * 1000);
const DAY = 86_400_000;
const HOSTILE = 'route "<script>alert(1)</script>"';

const gate = {
  errors: (value: number | null): CriterionVerdict => ({
    role: "gate",
    name: "error_rate",
    title: "Error rate",
    threshold: "< 0.02",
    unit: "ratio",
    value,
    status: value === null ? "missing" : value < 0.02 ? "pass" : "fail",
    reason:
      value === null
        ? "no data (empty result): cannot pass"
        : `${(value * 100).toFixed(2)} % ${value < 0.02 ? "meets" : "misses"} < 0.02`,
    source: 'sum(rate(http_requests_total{code=~"5.."}[$window])) / sum(rate(http_requests_total[$window]))',
  }),
  p95: (value: number | null): CriterionVerdict => ({
    role: "gate",
    name: "p95_ms",
    title: "p95 latency",
    threshold: "< 800",
    unit: "ms",
    value,
    status: value === null ? "missing" : value < 800 ? "pass" : "fail",
    reason: value === null ? "no data (empty result): cannot pass" : `${value} ms meets < 800`,
    source:
      "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[$window]))) * 1000",
  }),
};

const pauseP99 = (value: number, status: "clear" | "fired"): CriterionVerdict => ({
  role: "pause",
  name: "p99_ms",
  title: "p99 latency",
  threshold: "> 2000",
  unit: "ms",
  value,
  status,
  reason: status === "fired" ? `${value} ms > 2000` : `${value} ms: not > 2000`,
  source: "probe:p99",
});

const rollbackErrors = (value: number, status: "clear" | "met" | "fired"): CriterionVerdict => ({
  role: "rollback",
  name: "error_rate_high",
  title: "Error rate (rollback)",
  threshold: "> 0.05",
  unit: "ratio",
  value,
  status,
  reason:
    status === "clear"
      ? `${(value * 100).toFixed(2)} %: not > 0.05`
      : status === "met"
        ? `${(value * 100).toFixed(2)} % > 0.05 for 0s, fires after 2m`
        : `${(value * 100).toFixed(2)} % > 0.05 for 2m (≥ 2m) on ${HOSTILE}`,
  source: "alert:HighErrorRate",
  to: "previous",
});

const healthy = (errors = 0.004, p95: number | null = 140): CriterionVerdict[] => [
  gate.errors(errors),
  gate.p95(p95),
  pauseP99(310, "clear"),
  rollbackErrors(errors, "clear"),
];

function checkpoint(
  s: number,
  phase: string,
  label: string,
  share: number,
  c: Partial<CheckpointRecord> = {},
): CheckpointRecord {
  const kind = label.startsWith("gate") ? "gate" : label.startsWith("ramp") ? "ramp" : "checkpoint";
  return {
    phase,
    label,
    kind,
    share,
    plannedAtMs: 1000,
    at: at(s),
    decision: kind === "checkpoint" ? "HOLD" : "PROMOTE",
    reasons:
      kind === "checkpoint"
        ? [`${phase} has run ${label} of its minimum duration`]
        : ["all 2 gate criteria pass, no trigger fired"],
    criteria: healthy(),
    ...c,
  };
}

const ROLLBACK_REASON = `rollback Error rate (rollback): 7.40 % > 0.05 for 2m (≥ 2m) on ${HOSTILE}`;

/** P0 → P3 under the ci profile: a pause and resume in P2, a missing p95, then a rollback from P3 to P2. */
function sampleRollout(): RolloutResult {
  const phase = (
    name: string,
    title: string,
    audience: string,
    traffic: number,
    days: number,
    from: number | null,
    to: number | null,
    outcome: RolloutResult["phases"][number]["outcome"],
  ) => ({
    name,
    title,
    audience,
    traffic,
    minDurationMs: days * DAY,
    startedAt: from === null ? null : at(from),
    endedAt: to === null ? null : at(to),
    outcome,
  });
  return {
    schema: ROLLOUT_RESULT_SCHEMA,
    runId: "20251102T160000Z-checkout-v2",
    rollout: "checkout-v2",
    title: "Checkout v2 analyzer",
    service: "checkout",
    file: "rollouts/checkout-v2.ts",
    profile: "ci",
    scale: 1 / 28_800,
    gamedayVersion: "0.9.0",
    host: "ci-runner-7",
    startedAt: T0,
    endedAt: at(28),
    outcome: "ROLLED_BACK",
    exitCode: 1,
    startPhase: "P0",
    endPhase: "P2",
    stablePhase: "P2",
    share: 10,
    prerequisites: {
      ok: true,
      lines: [
        { ok: true, text: "PRR checkout.prr.yaml: 94 % green (≥ 90 %), 1 excepted until 2025-11-10" },
        { ok: true, text: "gameday checkout-db-failover: PASS (run 20251030T090000Z)" },
      ],
    },
    phases: [
      phase("P0", "Internal Testing", "Engineering team only", 0, 3, 0, 3, "promoted"),
      phase("P1", "Canary", "1-2 trusted clients", 1, 5, 3, 8, "promoted"),
      phase("P2", "Limited Beta", "10% of workspaces", 10, 7, 11.2, 20, "promoted"),
      phase("P3", "Expanded Beta", "50% of workspaces", 50, 7, 23.2, 25.5, "rolled back"),
      phase("P4", "General Availability", "100% of workspaces", 100, 7, null, null, "not reached"),
    ],
    checkpoints: [
      checkpoint(1, "P0", "15m", 0),
      checkpoint(3, "P0", "gate (3d)", 0, { plannedAtMs: 9000 }),
      checkpoint(4, "P1", "15m", 1),
      checkpoint(8, "P1", "gate (5d)", 1, { plannedAtMs: 15_000 }),
      checkpoint(9, "P2", "ramp 2 %", 2),
      checkpoint(10, "P2", "ramp 4 %", 4),
      checkpoint(11, "P2", "ramp 8 %", 8),
      checkpoint(13, "P2", "15m", 10, {
        criteria: healthy(0.006, null),
        reasons: [
          "gate p95 latency: no data (empty result): cannot pass — never promote on missing data",
          "P2 has run 15m of 7d",
        ],
      }),
      checkpoint(15, "P2", "1h", 10, {
        decision: "PAUSE",
        criteria: [
          gate.errors(0.008),
          gate.p95(640),
          pauseP99(2450, "fired"),
          rollbackErrors(0.008, "clear"),
        ],
        reasons: ["pause p99 latency: 2450 ms > 2000"],
      }),
      checkpoint(17, "P2", "paused", 10, { kind: "pause", plannedAtMs: null }),
      checkpoint(20, "P2", "gate (7d)", 10, { plannedAtMs: 21_000 }),
      checkpoint(21, "P3", "ramp 20 %", 20),
      checkpoint(22, "P3", "ramp 40 %", 40),
      checkpoint(24, "P3", "15m", 50, {
        criteria: [gate.errors(0.062), gate.p95(410), pauseP99(900, "clear"), rollbackErrors(0.062, "met")],
        reasons: ["gate Error rate: 6.20 % misses < 0.02", "P3 has run 15m of 7d"],
      }),
      checkpoint(25, "P3", "30m", 50, {
        decision: "ROLLBACK",
        plannedAtMs: 2000,
        criteria: [
          gate.errors(0.074),
          gate.p95(520),
          pauseP99(1200, "clear"),
          rollbackErrors(0.074, "fired"),
        ],
        reasons: [ROLLBACK_REASON],
      }),
    ],
    decisions: [
      { at: at(3), phase: "P0", decision: "PROMOTE", share: 0, reasons: ["all 2 gate criteria pass"] },
      { at: at(8), phase: "P1", decision: "PROMOTE", share: 1, reasons: ["all 2 gate criteria pass"] },
      {
        at: at(15),
        phase: "P2",
        decision: "PAUSE",
        share: 10,
        reasons: ["pause p99 latency: 2450 ms > 2000"],
      },
      { at: at(17), phase: "P2", decision: "RESUME", share: 10, reasons: ["every pause trigger is clear"] },
      { at: at(20), phase: "P2", decision: "PROMOTE", share: 10, reasons: ["all 2 gate criteria pass"] },
      { at: at(25), phase: "P3", decision: "ROLLBACK", share: 50, reasons: [ROLLBACK_REASON] },
    ],
    shares: [
      { t: at(0), share: 0, why: "start" },
      { t: at(3.2), share: 1, why: "ramp" },
      { t: at(8.2), share: 2, why: "ramp" },
      { t: at(9.2), share: 4, why: "ramp" },
      { t: at(10.2), share: 8, why: "ramp" },
      { t: at(11.2), share: 10, why: "ramp" },
      { t: at(20.2), share: 20, why: "ramp" },
      { t: at(21.2), share: 40, why: "ramp" },
      { t: at(23.2), share: 50, why: "ramp" },
      { t: at(25.5), share: 10, why: "rollback" },
    ],
    runbooks: [
      {
        kind: "pause",
        at: at(15),
        ok: true,
        steps: [
          {
            id: "page-oncall",
            title: "Page the on-call SRE",
            ok: true,
            detail: "POST /page → 202",
            startedAt: at(15),
            endedAt: at(15.1),
          },
        ],
      },
      {
        kind: "rollback",
        at: at(25.5),
        ok: false,
        steps: [
          {
            id: "drain-queue",
            title: "Drain the analyzer queue",
            ok: true,
            detail: "POST /admin/drain → 200",
            startedAt: at(25.5),
            endedAt: at(25.9),
          },
          {
            id: "notify-clients",
            title: "Notify beta workspaces",
            ok: false,
            detail: "POST /notify → 503 Service Unavailable",
            startedAt: at(25.9),
            endedAt: at(26.4),
          },
        ],
      },
    ],
    load: Array.from({ length: 29 }, (_, s) => ({
      t: at(s),
      rps: 20 + (s % 3),
      errorRate: s === 13 ? null : s >= 23 && s <= 25 ? 0.05 + (s - 22) * 0.008 : 0.004,
      p95Ms: s === 13 ? null : s === 15 ? 1900 : 140,
    })),
    errors: [],
  };
}

/** The journal `rollout advance` would have written beside it: evidence the report links to. */
function sampleJournal(r: RolloutResult): string {
  const events = [
    { t: r.startedAt, type: "rollout.start", runId: r.runId, rollout: r.rollout, profile: r.profile },
    ...r.checkpoints.map((c) => ({
      t: c.at,
      type: "rollout.checkpoint",
      phase: c.phase,
      label: c.label,
      final: c.kind === "gate",
      share: c.share,
      decision: c.decision,
      reasons: c.reasons,
      criteria: c.criteria,
    })),
    ...r.decisions.map((d) => ({ ...d, t: d.at + 1, type: "rollout.decision" })),
    {
      t: r.endedAt,
      type: "rollout.end",
      outcome: r.outcome,
      exitCode: r.exitCode,
      phase: r.endPhase,
      share: 10,
    },
  ].sort((a, b) => a.t - b.t);
  return events.map((e, i) => JSON.stringify({ seq: i + 1, mono: e.t - T0, ...e })).join("\n") + "\n";
}

function rolloutFolder(result = sampleRollout()): string {
  const dir = temp.make("gameday-rollout-");
  writeRolloutResult(dir, result);
  writeFileSync(join(dir, "journal.jsonl"), sampleJournal(result));
  return dir;
}

describe("rollout.json", () => {
  it("is written with sorted keys, 2-space indent and a trailing newline, the same bytes every time", () => {
    const dir = rolloutFolder();
    const text = readFileSync(join(dir, "rollout.json"), "utf8");
    expect(text.endsWith("}\n")).toBe(true);
    expect(text.startsWith('{\n  "checkpoints": [\n    {\n      "at": ')).toBe(true);
    const topKeys = [...text.matchAll(/^ {2}"([^"]+)":/gm)].map((m) => m[1]);
    expect(topKeys).toEqual([...topKeys].sort());
    expect(topKeys).toContain("schema");
    // A result built in another key order has the same bytes.
    const shuffled = Object.fromEntries(
      Object.entries(sampleRollout()).reverse(),
    ) as unknown as RolloutResult;
    const other = temp.make("gameday-rollout-");
    writeRolloutResult(other, shuffled);
    expect(readFileSync(join(other, "rollout.json"), "utf8")).toBe(text);
    expect(readRolloutResult(dir)).toEqual(sampleRollout());
  });

  it("refuses NaN instead of writing null for it", () => {
    const r = sampleRollout();
    r.load[0]!.rps = Number.NaN;
    expect(() => writeRolloutResult(temp.make("gameday-rollout-"), r)).toThrow(
      /rollout\.json: \$\.load\[0\]\.rps is NaN, which JSON cannot hold/,
    );
  });

  it("readRolloutResult names the file and the field of a file that is not a rollout result", () => {
    const dir = rolloutFolder();
    const file = join(dir, "rollout.json");
    const good = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    const rewrite = (patch: (r: Record<string, unknown>) => void) => {
      const copy = structuredClone(good);
      patch(copy);
      writeFileSync(file, JSON.stringify(copy));
    };

    rewrite((r) => {
      r.schema = "gameday.result/v1";
    });
    expect(() => readRolloutResult(dir)).toThrow(
      `${file}: schema: is "gameday.result/v1", expected "gameday.rollout/v1" (not a rollout result)`,
    );
    rewrite((r) => {
      r.outcome = "SHIPPED";
    });
    expect(() => readRolloutResult(dir)).toThrow(
      new RegExp(`^${literal(file)}: not a valid rollout result: outcome: `),
    );
    rewrite((r) => {
      r.share = "10";
      delete r.runId;
    });
    expect(() => readRolloutResult(dir)).toThrow(
      /rollout\.json: not a valid rollout result: .*runId: .*share: /,
    );
    rewrite((r) => {
      const checkpoints = r.checkpoints as Array<{ criteria: Array<{ status: string }> }>;
      checkpoints[7]!.criteria[1]!.status = "unknown";
    });
    expect(() => readRolloutResult(dir)).toThrow(
      /rollout\.json: not a valid rollout result: checkpoints\.7\.criteria\.1\.status: /,
    );
    writeFileSync(file, '{"schema": "gameday.rollout/v1", ');
    expect(() => readRolloutResult(dir)).toThrow(`${file}: not valid JSON`);
    writeFileSync(file, "[]");
    expect(() => readRolloutResult(dir)).toThrow(`${file}: expected a JSON object (a rollout result)`);
    expect(() => readRolloutResult(temp.make("gameday-rollout-"))).toThrow(
      /rollout\.json: cannot read rollout result: ENOENT/,
    );
  });
});

describe("rollout reports", () => {
  let dir: string;
  let md: string;
  let html: string;
  beforeAll(() => {
    dir = rolloutFolder();
    const written = renderRolloutReports(dir);
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      "rollout.json",
      "rollout_report.md",
      "rollout_report.html",
    ]);
    md = readFileSync(join(dir, "rollout_report.md"), "utf8");
    html = readFileSync(join(dir, "rollout_report.html"), "utf8");
  });

  it("Markdown: the header says what happened and where the rollout stands", () => {
    expect(md).toContain("# Rollout report — Checkout v2 analyzer (`checkout-v2`)");
    expect(md).toContain("**Outcome: ROLLED_BACK** — a rollback trigger");
    expect(md).toContain("P0 → P2 · stable phase P2 · final share 10 % · exit code 1");
    expect(md).toContain('profile "ci", scale 1/28800: a day of rollout took 3 s');
    expect(md).toContain("Started 2025-11-02T16:00:00.000Z, ended 2025-11-02T16:00:28.000Z (28 s)");
    expect(md).toContain("- ok — PRR checkout.prr.yaml: 94 % green");
  });

  it("Markdown: the phases table with traffic, minimum duration and its compressed time", () => {
    expect(md).toContain(
      "| P2 | Limited Beta | 10% of workspaces | 10 % | 7d (21 s here) | 2025-11-02T16:00:11.200Z | 2025-11-02T16:00:20.000Z | **promoted** |",
    );
    expect(md).toContain("| P3 | Expanded Beta | 50% of workspaces | 50 % | 7d (21 s here) |");
    expect(md).toMatch(/\| P4 \| General Availability \| .* \| — \| — \| \*\*not reached\*\* \|/);
  });

  it("Markdown: one row per checkpoint with share, time, decision and every criterion's value vs threshold", () => {
    const rows = md.split("\n").filter((l) => /^\| \d+ \| /.test(l));
    expect(rows).toHaveLength(15);
    expect(rows[1]).toMatch(
      /^\| 2 \| P0 \| gate \(3d\) \| 0 % \| 9 s \| 2025-11-02T16:00:03\.000Z \| T\+3 s \| \*\*PROMOTE\*\* \| /,
    );
    expect(rows[1]).toContain("Error rate 0.40 % (< 2.00 %) PASS; p95 latency 140 ms (< 800 ms) PASS");
    expect(rows[1]).toContain(
      "p99 latency 310 ms (> 2000 ms) clear; Error rate (rollback) 0.40 % (> 5.00 %) clear",
    );
    expect(rows[11]).toMatch(/^\| 12 \| P3 \| ramp 20 % \| 20 % \| /);
    expect(rows[7]).toContain("p95 latency no data (< 800 ms) MISSING");
    expect(rows[8]).toContain("**PAUSE**");
    expect(rows[8]).toContain("p99 latency 2450 ms (> 2000 ms) FIRED");
    expect(rows[9]).toMatch(/^\| 10 \| P2 \| paused \| 10 % \| — \| /);
    expect(rows[13]).toContain("Error rate (rollback) 6.20 % (> 5.00 %) met");
    expect(rows[14]).toMatch(
      /^\| 15 \| P3 \| 30m \| 50 % \| 2 s \| 2025-11-02T16:00:25\.000Z \| T\+25 s \| \*\*ROLLBACK\*\* \| /,
    );
    expect(rows[14]).toContain("Error rate 7.40 % (< 2.00 %) FAIL");
    expect(rows[14]).toContain("Error rate (rollback) 7.40 % (> 5.00 %) FIRED");
  });

  it("Markdown: a sheet per checkpoint with the reason and the DECISION line, linked to the journal", () => {
    // where each value comes from is stated once, not in every sheet
    expect(md).toContain(
      "| Error rate (rollback) (`error_rate_high`) | rollback | > 5.00 % | `alert:HighErrorRate` |",
    );
    expect(md.match(/`alert:HighErrorRate`/g)).toHaveLength(1);
    expect(md).toContain("#### 8. P2 · 15m — HOLD");
    expect(md).toContain(
      "| p95 latency (`p95_ms`) | gate | no data | < 800 ms | **MISSING** | no data (empty result): cannot pass |",
    );
    expect(md).toContain(
      "DECISION: **HOLD** — gate p95 latency: no data (empty result): cannot pass — never promote on missing data; P2 has run 15m of 7d",
    );
    expect(md).toMatch(
      /#### 15\. P3 · 30m — ROLLBACK\n\n2025-11-02T16:00:25\.000Z \(T\+25 s\) · share 50 % · planned 2 s · checkpoint · \[journal\.jsonl#L(\d+)\]\(journal\.jsonl#L\1\)/,
    );
    const line = Number(/#### 15\. .*\n\n.*journal\.jsonl#L(\d+)/.exec(md)![1]);
    const journal = readFileSync(join(dir, "journal.jsonl"), "utf8").split("\n");
    expect(JSON.parse(journal[line - 1]!)).toMatchObject({
      type: "rollout.checkpoint",
      phase: "P3",
      label: "30m",
    });
  });

  it("Markdown: the decisions with the rollback reason, the runbooks, the sign-off — and no raw HTML", () => {
    expect(md).toMatch(
      /\| 2025-11-02T16:00:25\.000Z \| T\+25 s \| P3 \| \*\*ROLLBACK\*\* \| 50 % \| rollback Error rate \(rollback\): 7\.40 % > 0\.05 for 2m \(≥ 2m\) on route "&lt;script>alert\(1\)&lt;\/script>" \| \[journal\.jsonl#L\d+\]/,
    );
    expect(md).toMatch(/\| P2 \| \*\*RESUME\*\* \| 10 % \| every pause trigger is clear \|/);
    expect(md).toContain("### rollback runbook at 2025-11-02T16:00:25.500Z (T+25.5 s) — **FAILED**");
    expect(md).toContain(
      "| `notify-clients` | Notify beta workspaces | **FAILED** | 500 ms | POST /notify → 503 Service Unavailable |",
    );
    expect(md).toContain("### pause runbook at 2025-11-02T16:00:15.000Z (T+15 s) — ok");
    expect(md).not.toContain("## Errors");
    expect(md).toContain("## Sign-off");
    for (const role of ["sre", "security", "product", "platform"])
      expect(md).toContain(
        `| ${role} | \`gameday sign reports/20251102T160000Z-checkout-v2 --role ${role} --key keys/${role}.key.pem\` |`,
      );
    expect(md).toContain(
      "Verify: `gameday verify reports/20251102T160000Z-checkout-v2 --require sre,security,product,platform --trust keys/trusted`",
    );
    expect(md).not.toContain("<script>");
  });

  it("HTML: self-contained, with the share and load charts marking decisions and shading phases", () => {
    expect(html).not.toMatch(/\b(src|href)="(https?:)?\/\//);
    for (const id of ["share", "error-rate", "p95", "rps"]) expect(html).toContain(`data-chart="${id}"`);
    const share = /<svg[^>]*data-chart="share".*?<\/svg>/s.exec(html)![0];
    // a step line: the rollback from 50 % to 10 % is a vertical segment
    const points = /<polyline[^>]*points="([^"]+)"/.exec(share)![1]!.split(" ");
    expect(points.length).toBe(2 * 10);
    expect(share).toContain('class="mark mark-inject"');
    expect(share).toContain("<title>ROLLBACK P3</title>");
    expect(share).toContain("<title>PAUSE P2</title>");
    expect(share).toContain("<title>PROMOTE → P3</title>");
    expect(share.match(/class="fault-window"/g)).toHaveLength(2);
    expect(share).toContain("<title>P1 · Canary (1 %)</title>");
    expect(share.match(/class="dot dot-point"/g)).toHaveLength(15);
    const errors = /<svg[^>]*data-chart="error-rate".*?<\/svg>/s.exec(html)![0];
    expect(errors).toContain("<title>ROLLBACK P3</title>");
    expect(errors).toContain('data-series="errors"');
  });

  it("HTML: the tables carry the same facts, and a hostile string is escaped everywhere", () => {
    expect(html).toContain(
      '<h1>Rollout Checkout v2 analyzer <span class="badge fail">ROLLED_BACK</span></h1>',
    );
    expect(html).toMatch(
      /<tr class="checkpoint" id="checkpoint-15"><td>15<\/td><td>P3<\/td><td>30m<\/td><td class="num">50 %<\/td>/,
    );
    expect(html).toContain(
      '<li><span class="badge fail">FIRED</span> Error rate (rollback) <small>(rollback)</small>: <strong>7.40 %</strong> vs &gt; 5.00 %',
    );
    expect(html).toContain(
      '<span class="badge error">MISSING</span> p95 latency <small>(gate)</small>: <strong>no data</strong>',
    );
    expect(html).toContain(
      "gameday sign reports/20251102T160000Z-checkout-v2 --role platform --key keys/platform.key.pem",
    );
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
  });

  it("renders an override template from --templates by file name, keeping the bundled other one", () => {
    const own = rolloutFolder();
    const templates = temp.make("gameday-rollout-templates-");
    writeFileSync(join(templates, "rollout_report.md.hbs"), "{{outcome}} at {{share}} in {{endPhase}}\n");
    renderRolloutReports(own, { templatesDir: templates });
    expect(readFileSync(join(own, "rollout_report.md"), "utf8")).toBe("ROLLED_BACK at 10 % in P2\n");
    expect(readFileSync(join(own, "rollout_report.html"), "utf8")).toContain('data-chart="share"');
  });
});

describe("signing a rollout folder", () => {
  let keys: Record<"sre" | "security", KeyPairFiles>;
  let trust: string;
  beforeAll(() => {
    const keysDir = temp.make("gameday-rollout-keys-");
    keys = { sre: keygen(keysDir, "sre"), security: keygen(keysDir, "security") };
    trust = join(keysDir, "trusted");
  });

  function signedFolder(): string {
    const dir = rolloutFolder();
    renderRolloutReports(dir);
    const now = new Date(at(60));
    for (const role of ["sre", "security"] as const)
      signRollout(dir, { role, keyFile: keys[role].privateKey, now });
    return dir;
  }

  it("two roles sign; the statement attests every file and states the rollout's outcome", () => {
    const dir = signedFolder();
    // intoto.jsonl: one DSSE envelope per line, in signing order (sre, then security)
    const lines = readFileSync(join(dir, INTOTO_BUNDLE_FILE), "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    const envelopes = lines.map((l) => JSON.parse(l) as Envelope);
    const st = JSON.parse(Buffer.from(envelopes[1]!.payload, "base64").toString("utf8")) as Statement;
    expect(st.predicateType).toBe(ROLLOUT_PREDICATE_TYPE);
    expect(st.predicateType).toBe("https://gameday.dev/rollout/v1");
    expect(st.subject.map((s) => s.name)).toEqual([
      "journal.jsonl",
      "rollout.json",
      "rollout_report.html",
      "rollout_report.md",
    ]);
    expect(st.predicate).toMatchObject({
      runId: "20251102T160000Z-checkout-v2",
      rollout: "checkout-v2",
      outcome: "ROLLED_BACK",
      profile: "ci",
      endPhase: "P2",
      share: 10,
      role: "security",
      signedAt: new Date(at(60)).toISOString(),
    });
  });

  it("verifies against the trust store; a changed byte in the report fails, naming the file", () => {
    const dir = signedFolder();
    const ok = verifyRollout(dir, { require: ["sre", "security"], trustDir: trust });
    expect(ok.problems).toEqual([]);
    expect(ok).toMatchObject({ ok: true, trusted: true });
    expect(verifyRollout(dir, { require: ["sre", "security", "product"], trustDir: trust }).problems).toEqual(
      ["required role product has no valid signature"],
    );
    // a rollout signature is no run signature
    expect(verifyRun(dir, { trustDir: trust }).problems.join("\n")).toContain(
      'predicateType is "https://gameday.dev/rollout/v1", expected "https://gameday.dev/report/v1"',
    );

    const report = join(dir, "rollout_report.md");
    const bytes = readFileSync(report);
    bytes[bytes.indexOf("ROLLED_BACK")] = "X".charCodeAt(0);
    writeFileSync(report, bytes);
    const bad = verifyRollout(dir, { require: ["sre", "security"], trustDir: trust });
    expect(bad.ok).toBe(false);
    // each envelope names the file, and so neither role has a valid signature any more
    expect(
      bad.problems.filter((p) => /rollout_report\.md: content changed since signing/.test(p)),
    ).toHaveLength(2);
    expect(bad.problems).toContain("required role sre has no valid signature");
    expect(bad.problems).toHaveLength(4);
  });

  it("refuses to sign a folder whose rollout.json is not a rollout result", () => {
    const dir = rolloutFolder();
    writeFileSync(join(dir, "rollout.json"), '{"schema":"gameday.rollout/v1"}');
    expect(() => signRollout(dir, { role: "sre", keyFile: keys.sre.privateKey })).toThrow(
      /rollout\.json: not a valid rollout result: runId: /,
    );
  });
});

describe("gameday report / sign / verify on a rollout folder", () => {
  async function gameday(cwd: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawnGameday(args, { cwd });
    const code = await child.exited;
    return { code, out: child.output() };
  }

  it("renders, signs as two roles, verifies (exit 0) and fails after a tampered byte (exit 1)", async () => {
    const cwd = temp.make("gameday-rollout-cli-");
    const dir = join(cwd, "reports", "20251102T160000Z-checkout-v2");
    mkdirSync(dir, { recursive: true });
    cpSync(rolloutFolder(), dir, { recursive: true });

    const report = await gameday(cwd, "report", dir);
    expect(report.code, report.out).toBe(0);
    expect(report.out).toContain(`wrote ${join(dir, "rollout_report.md")}`);
    expect(report.out).toContain(`wrote ${join(dir, "rollout_report.html")}`);
    for (const role of ["sre", "security"]) {
      const k = await gameday(cwd, "keygen", "--out", "keys", "--name", role);
      expect(k.code, k.out).toBe(0);
      const s = await gameday(cwd, "sign", dir, "--role", role, "--key", `keys/${role}.key.pem`);
      expect(s.code, s.out).toBe(0);
      expect(s.out).toContain(`signed 4 files as ${role}`);
    }
    const v = await gameday(cwd, "verify", dir, "--require", "sre,security", "--trust", "keys/trusted");
    expect(v.code, v.out).toBe(0);
    expect(v.out.trim().split("\n").at(-1)).toBe("verified");

    const md = join(dir, "rollout_report.md");
    writeFileSync(md, readFileSync(md, "utf8").replace("final share 10 %", "final share 100 %"));
    const t = await gameday(cwd, "verify", dir, "--require", "sre,security", "--trust", "keys/trusted");
    expect(t.code).toBe(1);
    expect(t.out).toMatch(/problem: .*rollout_report\.md: content changed since signing/);
    expect(t.out).toContain("verification FAILED");
  });

  it("a folder with neither result.json nor rollout.json is a usage error naming both", async () => {
    const cwd = temp.make("gameday-rollout-cli-");
    mkdirSync(join(cwd, "empty"));
    for (const args of [
      ["report", "empty"],
      ["sign", "empty", "--role", "sre", "--key", "k.pem"],
      ["verify", "empty"],
    ]) {
      const r = await gameday(cwd, ...args);
      expect(r.code).toBe(2);
      expect(r.out).toContain(
        "empty is not a run folder: it has no result.json (nor a rollout folder: it has no rollout.json)",
      );
    }
  });

  it("help names both kinds of folder", async () => {
    const r = await gameday(temp.make("gameday-rollout-cli-"), "sign", "--help");
    expect(r.code).toBe(0);
    expect(r.out).toContain("sign <run-dir|rollout-dir> --role R --key FILE");
    expect(r.out).toContain("https://gameday.dev/rollout/v1");
  });
});

/** A string matched literally inside a RegExp. */
function literal(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
