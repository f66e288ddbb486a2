// A small controllable service for the accuracy test: POST /v1/chat is answered by a fast primary
// upstream reached through a real Toxiproxy proxy, or by a slow secondary. It behaves like a real
// service with a health detector and a circuit breaker, and it records the true instants of what
// happened (its own clock, the same host clock the harness journals with):
// - failing: when the first primary call that failed was made (a refused connection fails at
//   once, a stalled one only after `callTimeoutMs`, but both started failing when they were made);
// - detected: the instant its detector tripped (failing for `detectAfterMs`), which it reports as
//   an Alertmanager-v4 alert with startsAt = that instant;
// - failedOver: when its first secondary 2xx went out (the breaker opens after `failoverAfterMs`
//   of failure; until then a failed primary call is a 502);
// - recovered: arrival of the first request after the outage that the primary answered within
//   `healthyMs` (calls stalled by the fault and released by its revert answer late: not healthy).
// The secondary is slower than the steady state allows, so health comes back only with the primary.
import { createServer, request, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface GroundTruth {
  failing: number | null;
  detected: number | null;
  failedOver: number | null;
  recovered: number | null;
  /** Requests answered, by provider and status, for the test's own sanity checks. */
  served: Record<string, number>;
  /** Every answer: when its request arrived and when the answer went out. */
  answers: Array<{ arrived: number; done: number; status: number; provider: string }>;
}

export interface AccuracyServiceOptions {
  /** host:port of the Toxiproxy proxy in front of the primary. */
  primaryVia: string;
  detectAfterMs: number;
  failoverAfterMs: number;
  secondaryDelayMs: number;
  /** A primary call with no answer by then has failed. */
  callTimeoutMs: number;
  /** An answer at most this long after the request arrived is healthy (the steady state's p95). */
  healthyMs: number;
  /** Alert name the detector fires. */
  alertName: string;
  /** Where to post the alert: resolved when the alert fires (the receiver URL is learnt late). */
  alertUrl: () => string | undefined;
}

export interface AccuracyService {
  url: string;
  truth: GroundTruth;
  /** Errors the service hit outside request handling (alert delivery), for the test to assert on. */
  problems: string[];
  close(): Promise<void>;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return (server.address() as AddressInfo).port;
}

/** One primary call on a fresh connection (no keep-alive), so a disabled proxy fails it at once. */
function callPrimary(via: string, timeoutMs: number): Promise<boolean> {
  const [host, port] = via.split(":") as [string, string];
  return new Promise((resolve) => {
    const req = request(
      { host, port: Number(port), path: "/answer", method: "GET", agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode === 200));
        res.on("error", () => resolve(false));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", () => resolve(false));
    req.end();
  });
}

/** The primary upstream: answers at once. Toxiproxy sits between it and the service. */
export async function startPrimary(): Promise<{ port: number; close(): Promise<void> }> {
  const primary = createServer((_req, res) => res.end("primary"));
  const port = await listen(primary);
  return {
    port,
    close: async () => {
      primary.closeAllConnections();
      await new Promise<void>((r) => primary.close(() => r()));
    },
  };
}

export async function startAccuracyService(o: AccuracyServiceOptions): Promise<AccuracyService> {
  const truth: GroundTruth = {
    failing: null,
    detected: null,
    failedOver: null,
    recovered: null,
    served: {},
    answers: [],
  };
  const problems: string[] = [];
  let outageSince: number | null = null;
  let breakerOpen = false;

  const fireAlert = (at: number) => {
    const url = o.alertUrl();
    if (!url) {
      problems.push("detector tripped before the receiver URL was known");
      return;
    }
    const body = {
      version: "4",
      status: "firing",
      receiver: "oncall",
      groupKey: "{}",
      alerts: [
        {
          status: "firing",
          labels: { alertname: o.alertName, severity: "page" },
          annotations: { summary: "primary upstream failing" },
          startsAt: new Date(at).toISOString(),
          endsAt: "0001-01-01T00:00:00Z",
          fingerprint: "a1b2c3d4e5f60718",
        },
      ],
    };
    fetch(`${url}/alerts/oncall`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    })
      .then(async (res) => {
        if (!res.ok) problems.push(`alert POST answered ${res.status}: ${await res.text()}`);
      })
      .catch((err: Error) => problems.push(`alert POST failed: ${err.message}`));
  };

  const answer = (res: ServerResponse, arrived: number, status: number, provider: string, cost: string) => {
    const key = `${provider} ${status}`;
    truth.served[key] = (truth.served[key] ?? 0) + 1;
    res.writeHead(status, { "content-type": "application/json", "x-provider": provider, "x-cost-usd": cost });
    res.end(JSON.stringify({ answer: status === 200 ? "ok" : null }), () => {
      const done = Date.now();
      truth.answers.push({ arrived, done, status, provider });
      if (provider === "secondary" && status === 200) truth.failedOver ??= done;
    });
  };

  const service = createServer((req, res) => {
    const arrived = Date.now();
    req.resume();
    req.on("end", () => {
      if (req.url === "/healthz") return res.end("ok");
      if (req.url !== "/v1/chat") return answer(res, arrived, 404, "none", "0");
      const called = Date.now();
      callPrimary(o.primaryVia, o.callTimeoutMs).then((ok) => {
        const now = Date.now();
        if (ok) {
          // Primary calls resolve out of order: the earliest healthy arrival counts.
          const healthy = now - arrived <= o.healthyMs;
          if (healthy && truth.failing !== null && arrived > truth.failing)
            truth.recovered = Math.min(truth.recovered ?? Number.POSITIVE_INFINITY, arrived);
          outageSince = null;
          breakerOpen = false;
          return answer(res, arrived, 200, "primary", "0.0020");
        }
        outageSince ??= called;
        if (truth.recovered === null)
          truth.failing = Math.min(truth.failing ?? Number.POSITIVE_INFINITY, called);
        if (truth.detected === null && now - outageSince >= o.detectAfterMs) {
          truth.detected = now;
          fireAlert(now);
        }
        if (!breakerOpen && now - outageSince >= o.failoverAfterMs) breakerOpen = true;
        if (!breakerOpen) return answer(res, arrived, 502, "primary", "0");
        setTimeout(() => answer(res, arrived, 200, "secondary", "0.0030"), o.secondaryDelayMs);
      });
    });
  });
  const port = await listen(service);
  return {
    url: `http://127.0.0.1:${port}`,
    truth,
    problems,
    close: async () => {
      service.closeAllConnections();
      await new Promise<void>((r) => service.close(() => r()));
    },
  };
}
