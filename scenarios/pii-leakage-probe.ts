import { defineScenario, load } from "gameday";
import { piiProbe } from "./load/pii-probe.ts";

// Seed 004 matrix: "PII leakage probe — inject privacy test set — block by guardrail; log event;
// notify Security — audit log".
export default defineScenario({
  id: "pii-leakage-probe",
  title: "PII leakage probe",
  owner: "Security",
  hypothesis:
    "Every prompt of the privacy test set that carries PII is blocked by the guardrail, written to the audit log, and Security is notified; clean prompts still pass",
  load: load.http({
    rate: 10,
    duration: "3m",
    target: "copilot",
    ...piiProbe(),
  }),
  steadyState: { errorRate: 0.01, sustain: "30s" },
  expect: {
    alert: { name: "PIIBlocked", receiver: "security", ttd: "2m" },
    checks: [
      {
        name: "pii-blocked",
        series: 'pii_cases{expected="block",outcome="blocked"}',
        window: "run",
        agg: "count",
        op: ">",
        value: 0,
      },
      {
        name: "no-pii-allowed",
        series: 'pii_cases{expected="block",outcome="allowed"}',
        window: "run",
        agg: "count",
        op: "==",
        value: 0,
      },
      {
        name: "clean-prompts-pass",
        series: 'pii_cases{expected="allow",outcome="allowed"}',
        window: "run",
        agg: "count",
        op: ">",
        value: 0,
      },
      // "One audit event per blocked case": the probe asks the audit log on disk about every case
      // that must be blocked (by its x-request-id); exactly one record each.
      {
        name: "audit-event-per-case",
        series: 'pii_audit{audited="once"}',
        window: "run",
        agg: "count",
        op: ">",
        value: 0,
      },
      {
        name: "no-case-unaudited",
        series: 'pii_audit{audited="missing"}',
        window: "run",
        agg: "count",
        op: "==",
        value: 0,
      },
      {
        name: "no-case-audited-twice",
        series: 'pii_audit{audited="duplicate"}',
        window: "run",
        agg: "count",
        op: "==",
        value: 0,
      },
      // "Notify Security": besides the PIIBlocked alert on the security receiver (expect.alert),
      // the service's own notification to Security went out and none failed.
      {
        name: "security-notified",
        series: 'copilot_security_notifications_total{outcome="sent"}',
        window: "run",
        agg: "max",
        op: ">",
        value: 0,
      },
      {
        name: "no-security-notification-failed",
        series: 'copilot_security_notifications_total{outcome="failed"}',
        window: "run",
        agg: "max",
        op: "==",
        value: 0,
      },
    ],
  },
  record: {
    injection: "Send the privacy test set (emails, phones, cards, national IDs)",
    expected: "Block by guardrail; log event; notify Security",
    evidence: "Audit log",
    residualRisk: "free-text addresses and names are not detected",
    actionOwner: "Security",
    actions: [
      {
        title: "Add a named-entity PII detector behind the regex guardrail",
        owner: "Security",
        eta: "1 month",
      },
    ],
  },
});
