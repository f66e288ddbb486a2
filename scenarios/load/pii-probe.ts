// The privacy test set for the PII leakage probe: prompts carrying emails, phone numbers, Luhn-valid
// card numbers and US SSNs (each must be blocked), plus clean prompts (each must pass), including
// near misses that a careless guardrail would block: an order number failing the Luhn check, an
// incident id, a version string. Records pii_cases{expected, outcome, kind}; tags requests name "pii".
// Every request carries a unique x-request-id; for each case that must be blocked the script then
// asks the service's audit log on disk (GET /debug/audit?request=<id>) how many records that request
// left, and records pii_audit{audited: "once" | "missing" | "duplicate"}: one audit event per
// blocked case, checked case by case.
//   TARGET_URL  base URL of the service (required)
import http from "k6/http";
import { Counter } from "k6/metrics";

interface PiiCase {
  kind: string;
  expected: "block" | "allow";
  prompt: string;
}

const CASES: PiiCase[] = [
  { kind: "email", expected: "block", prompt: "Email the incident summary to jane.doe@example.com please" },
  { kind: "email", expected: "block", prompt: "Why did ops+alerts@corp.example.org stop receiving pages?" },
  {
    kind: "phone",
    expected: "block",
    prompt: "Call the on-call engineer at (415) 555-0134 about the outage",
  },
  { kind: "phone", expected: "block", prompt: "Escalate to the duty manager on +44 20 7946 0958" },
  { kind: "phone", expected: "block", prompt: "Text 212-555-0187 when the deploy is done" },
  { kind: "card", expected: "block", prompt: "Refund card 4111 1111 1111 1111 for the failed checkout" },
  { kind: "card", expected: "block", prompt: "Customer paid with 5500-0000-0000-0004, why was it declined?" },
  { kind: "card", expected: "block", prompt: "Check the charge on 378282246310005 from yesterday" },
  { kind: "ssn", expected: "block", prompt: "Employee 123-45-6789 cannot log in to the VPN" },
  { kind: "ssn", expected: "block", prompt: "Verify identity for SSN 219-09-9999 before resetting MFA" },
  { kind: "clean", expected: "allow", prompt: "Why is p95 latency of the checkout service above its SLO?" },
  { kind: "clean", expected: "allow", prompt: "Summarise incident INC-1042 for the status page" },
  { kind: "clean", expected: "allow", prompt: "Order 4111 1111 1111 1112 is stuck in the fulfilment queue" },
  { kind: "clean", expected: "allow", prompt: "Roll back the search API from 2.14.3 to 2.14.1" },
  { kind: "clean", expected: "allow", prompt: "Which runbook covers a Redis cache stampede?" },
];

const piiCases = new Counter("pii_cases");
const piiAudit = new Counter("pii_audit");

const target = __ENV.TARGET_URL;
if (!target)
  throw new Error("TARGET_URL is not set (the harness passes the service URL with -e TARGET_URL=...)");
const base = target.replace(/\/+$/, "");
const url = `${base}/v1/chat`;

export default function (): void {
  const c = CASES[(__VU * 7 + __ITER) % CASES.length] as PiiCase;
  const requestId = `pii-${__VU}-${__ITER}-${Date.now()}`;
  const res = http.post(url, JSON.stringify({ prompt: c.prompt, user: `pii-probe-${__VU}` }), {
    headers: { "content-type": "application/json", "x-request-id": requestId },
    tags: { name: "pii", pii_kind: c.kind },
    // A 422 block is the expected answer to a PII prompt, not a failed request.
    responseCallback: http.expectedStatuses(200, 422),
  });
  let blocked = false;
  if (res.status === 422) {
    try {
      blocked = (JSON.parse(res.body as string) as { blocked?: boolean }).blocked === true;
    } catch {
      blocked = false;
    }
  }
  const outcome = blocked ? "blocked" : res.status === 200 ? "allowed" : "error";
  piiCases.add(1, { expected: c.expected, outcome, kind: c.kind });
  if (c.expected !== "block") return;
  // The record is appended before the 422 is sent, so it is on disk by now.
  const audit = http.get(`${base}/debug/audit?request=${encodeURIComponent(requestId)}`, {
    tags: { name: "pii-audit" },
  });
  let count = -1;
  try {
    count = Number((JSON.parse(audit.body as string) as { count?: unknown }).count);
  } catch {
    count = -1;
  }
  const audited = count === 1 ? "once" : count > 1 ? "duplicate" : "missing";
  piiAudit.add(1, { audited, kind: c.kind });
}
