// The privacy test set for the PII leakage probe, on the built-in engine: prompts carrying emails,
// phone numbers, Luhn-valid card numbers and US SSNs (each must be blocked), plus clean prompts
// (each must pass), including near misses that a careless guardrail would block: an order number
// failing the Luhn check, an incident id, a version string. Records pii_cases{expected, outcome,
// kind}; requests are named "pii". Every request carries a unique x-request-id; for each case that
// must be blocked the recorder then asks the service's audit log on disk (GET
// /debug/audit?request=<id>) how many records that request left, and records
// pii_audit{audited: "once" | "missing" | "duplicate"}: one audit event per blocked case.
import type { HttpLoadInput, LoadRecorder, LoadRequest } from "gameday";

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

function caseOf(i: number): PiiCase {
  return CASES[(i * 7) % CASES.length] as PiiCase;
}

const recordPii: LoadRecorder = async (res, emit) => {
  const c = caseOf(res.i);
  let blocked = false;
  if (res.status === 422) {
    try {
      blocked = (JSON.parse(res.body ?? "") as { blocked?: boolean }).blocked === true;
    } catch {
      blocked = false;
    }
  }
  const outcome = blocked ? "blocked" : res.status === 200 ? "allowed" : "error";
  emit("pii_cases", 1, { expected: c.expected, outcome, kind: c.kind });
  if (c.expected !== "block") return;
  // The record is appended before the 422 is sent, so it is on disk by now.
  const requestId = res.request.headers?.["x-request-id"] ?? "";
  let count = -1;
  try {
    const audit = await fetch(`${res.baseUrl}/debug/audit?request=${encodeURIComponent(requestId)}`, {
      signal: AbortSignal.timeout(5_000),
    });
    count = Number(((await audit.json()) as { count?: unknown }).count);
  } catch {
    count = -1;
  }
  const audited = count === 1 ? "once" : count > 1 ? "duplicate" : "missing";
  emit("pii_audit", 1, { audited, kind: c.kind }, Date.now());
};

export function piiProbe(): Pick<HttpLoadInput, "request" | "record" | "responseBody" | "failOn"> {
  const run = Date.now().toString(36);
  return {
    request: (i: number): LoadRequest => ({
      method: "POST",
      path: "/v1/chat",
      name: "pii",
      headers: { "x-request-id": `pii-${run}-${i}` },
      body: { prompt: caseOf(i).prompt, user: `pii-probe-${i % 10}` },
    }),
    record: recordPii,
    responseBody: true,
    // A 422 block is the expected answer to a PII prompt, not a failed request.
    failOn: ["5xx", "network"],
  };
}
